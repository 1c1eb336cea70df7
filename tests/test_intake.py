"""The issue forms and ``quartier intake``: owners join without git.

- the forms: generated from the settings and the contract, valid for GitHub
  (the issue-form JSON Schema that check-jsonschema vendors), drift-checked;
- bodies: each case's answers are rendered into an issue body with the
  form's own labels, exactly as GitHub writes it (``### label``, an empty
  line, the answer, ``_No response_``, ``- [X] option``), then read back;
- the cases of ``tests/cases/intake/``: ``dev/`` and ``own/`` must all pass
  (but for expectations marked below, with the reason); ``heldout/`` is run
  for its pass rate only, which must stay at or above :data:`HELDOUT_MIN_RATE`
  (fixed before the held-out cases were run);
- hostile bodies and answers: injections stay text, huge bodies and control
  characters are refused, a heading inside an answer stays in it, the
  workflow's outputs cannot be forged;
- the workflow and ``quartier init``: least privilege, pinned, written for a city.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from quartier.cli import main
from quartier.directory import load_context
from quartier.explain import validate
from quartier.intake import forms as forms_module
from quartier.intake.body import MAX_BODY, labels_in, parse_body, read_issue_json
from quartier.intake.comment import MARKER, comment, pull_request
from quartier.intake.form import BY_ID, FIELDS, field_of
from quartier.intake.forms import HEADER, category_options, issue_forms
from quartier.intake.github import INTAKE_LABEL, intake_issue, outputs
from quartier.intake.location import read_point
from quartier.intake.names import country_code, language_codes
from quartier.intake.run import Outcome, intake
from quartier.intake.texts import LANGUAGES, catalogue, text
from quartier.load import load_bytes
from quartier.model import Entry, address_country

from .conftest import CASES, ROOT, SAMPLE, sample_repo
from .test_init import LAUSANNE
from .test_workflows import actionlint, zizmor

INTAKE_CASES = CASES / "intake"
# The lowest share of the held-out cases that must pass; fixed before they were run.
HELDOUT_MIN_RATE = 0.70
# The fields of the form "Add or update my business", by id, in order (the shared definition).
FORM_FIELDS = [
    "entry_id",
    "name",
    "category",
    "summary",
    "story",
    "street",
    "postal_code",
    "locality",
    "country",
    "location",
    "opening_hours",
    "phone",
    "email",
    "website",
    "languages",
    "seeks",
    "provides",
    "answers_language",
    "consent",
]
# Dev expectations that contradict the entry contract, kept failing on purpose.
# Dev cases whose expectation the code does not meet, with the reason (none now: the
# three Italian cases of Bern failed while the sample's Bern area expected only de, fr
# and en; its languages now include it, as the form offers Italian there).
WRONG_EXPECTATIONS: dict[str, str] = {}


# --- Rendering a case as GitHub would -------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_repo(tmp_path_factory.mktemp("intake") / "repo")


@pytest.fixture(scope="module")
def forms() -> dict[str, dict[str, Any]]:
    """The sample directory's generated issue forms, parsed."""
    ctx, _ = load_context(SAMPLE)
    assert ctx is not None
    files = issue_forms(ctx.config, ctx.taxonomy)
    return {Path(rel).name: yaml.safe_load(content) for rel, content in files.items()}


def form_in(language: str) -> dict[str, Any]:
    """The add-business form of the sample in ``language`` (any of the five)."""
    ctx, _ = load_context(SAMPLE)
    assert ctx is not None
    return forms_module.add_business(ctx.config, ctx.taxonomy, language)


def render_body(answers: dict[str, Any], language: str) -> str:
    """The issue body GitHub writes for ``answers`` typed into the form of ``language``.

    A dropdown can only give one of its options, so a case's value (an id, a
    code, a label or the option itself) is turned into the option it names.
    """
    form = form_in(language)
    parts = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        attributes = element["attributes"]
        value = answers.get(element["id"])
        if element["type"] == "checkboxes":
            option = attributes["options"][0]["label"]
            ticked = value is True or str(value).strip().lower() in ("true", "yes", "x", "[x]")
            answer = f"- [{'X' if ticked else ' '}] {option}"
        elif value is None or str(value).strip() == "":
            answer = "_No response_"
        elif element["type"] == "dropdown":
            answer = _option(attributes["options"], str(value))
        else:
            answer = str(value)
        parts.append(f"### {attributes['label']}\n\n{answer}")
    return "\n\n".join(parts) + "\n"


def _option(options: list[str], value: str) -> str:
    wanted = value.strip().casefold()
    for option in options:
        code = re.search(r"\(([^()]*)\)$", option)
        name = option.rsplit(" (", 1)[0]
        if wanted in (option.casefold(), name.casefold()) or (code and code.group(1) == wanted):
            return option
    return value  # not an option: GitHub could not send it, but the intake must cope


def run_case(path: Path, root: Path) -> tuple[Outcome, str]:
    case = yaml.safe_load(path.read_text("utf-8"))
    body = render_body(case.get("answers") or {}, case["form_language"])
    return intake(root, body, case["issue_author"], issue=7), body


def mismatches(path: Path, root: Path) -> list[str]:
    """Why the intake's outcome differs from a case's expectation (empty: it passes)."""
    case = yaml.safe_load(path.read_text("utf-8"))
    expect = case["expect"]
    outcome, _ = run_case(path, root)
    found: list[str] = []
    if outcome.valid != expect["valid"]:
        found.append(
            f"valid is {outcome.valid}, expected {expect['valid']} "
            f"(corrections: {[(c.field, c.key) for c in outcome.corrections]})"
        )
    if outcome.valid and expect.get("entry"):
        entry = produced(outcome)
        found += [f"entry {p}" for p in subset_differences(expect["entry"], entry)]
    if not outcome.valid and "problems" in expect:
        named, wanted = set(outcome.problem_fields), set(expect["problems"] or [])
        if named != wanted:
            found.append(f"problems {sorted(named)}, expected {sorted(wanted)}")
    for field, value in (expect.get("proposals") or {}).items():
        shown = comment(outcome) if not outcome.valid else ""
        if outcome.proposals.get(field) != value and f"`{value}`" not in shown:
            found.append(
                f"proposal for {field}: {outcome.proposals.get(field)!r}, expected {value!r}"
            )
    return found


def produced(outcome: Outcome) -> dict[str, Any]:
    """The entry the intake wrote, read back by quartier's loader and model, as JSON values."""
    assert outcome.text is not None and outcome.path is not None
    doc = load_bytes(outcome.text.encode("utf-8"), outcome.path)
    assert doc.problems == [], doc.problems
    entry = validate(doc, Entry, context={"country": address_country(doc.data)})
    assert entry is not None, doc.problems
    return entry.model_dump(mode="json", exclude_none=True)


def subset_differences(expected: Any, actual: Any, at: str = "") -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{at}: {actual!r} is not a mapping"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{at}.{key}: missing")
            else:
                out += subset_differences(value, actual[key], f"{at}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{at}: {actual!r}, expected {expected!r}"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in subset_differences(e, a, f"{at}[{i}]")
        ]
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            if abs(float(expected) - float(actual)) < 1e-6:
                return []
        except (TypeError, ValueError):
            pass
        return [f"{at}: {actual!r}, expected {expected!r}"]
    if str(expected) != str(actual):
        return [f"{at}: {actual!r}, expected {expected!r}"]
    return []


def cases(folder: str) -> list[Path]:
    return sorted((INTAKE_CASES / folder).glob("*.yaml"))


# --- The forms ----------------------------------------------------------------------


def test_the_forms_have_the_shared_fields_in_order(forms: dict[str, dict[str, Any]]) -> None:
    assert [f.id for f in FIELDS] == FORM_FIELDS
    for name in ("add-business-en.yml", "add-business-de.yml", "add-business-fr.yml"):
        body = [e for e in forms[name]["body"] if e["type"] != "markdown"]
        assert [e["id"] for e in body] == FORM_FIELDS
        kinds = {e["id"]: e["type"] for e in body}
        assert kinds["category"] == kinds["answers_language"] == "dropdown"
        assert kinds["consent"] == "checkboxes"
        assert {k for k, v in kinds.items() if v == "textarea"} == {
            "summary",
            "story",
            "opening_hours",
            "seeks",
            "provides",
        }
        required = {e["id"] for e in body if e.get("validations", {}).get("required")}
        assert required == {
            "name",
            "category",
            "summary",
            "locality",
            "country",
            "location",
            "answers_language",
        }
        assert body[-1]["attributes"]["options"][0]["required"] is True
        assert forms[name]["labels"] == [INTAKE_LABEL]


def test_one_form_per_directory_language_the_texts_exist_in(
    forms: dict[str, dict[str, Any]],
) -> None:
    # The sample directory's languages are en, de, fr, it and es.
    assert {n for n in forms if n.startswith("add-business-")} == {
        f"add-business-{lang}.yml" for lang in ("en", "de", "fr", "it", "es")
    }
    assert set(forms) >= {"report-problem.yml", "config.yml"}


def test_the_forms_are_valid_for_github(tmp_path: Path) -> None:
    ctx, _ = load_context(SAMPLE)
    assert ctx is not None
    files = issue_forms(ctx.config, ctx.taxonomy)
    for rel, content in files.items():
        (tmp_path / Path(rel).name).write_text(content, "utf-8")
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert exe, "check-jsonschema comes with the dev extra"
    issue_forms_files = [str(tmp_path / Path(r).name) for r in files if "config.yml" not in r]
    for schema, paths in (
        ("vendor.github-issue-forms", issue_forms_files),
        ("vendor.github-issue-config", [str(tmp_path / "config.yml")]),
    ):
        result = subprocess.run(
            [exe, "--builtin-schema", schema, *paths], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
    # Labels are unique within a form (GitHub refuses a form otherwise), options too.
    for rel, content in files.items():
        data = yaml.safe_load(content)
        if "body" in data:
            labels = [e["attributes"]["label"] for e in data["body"] if e["type"] != "markdown"]
            assert len(labels) == len(set(labels)), rel
            for element in data["body"]:
                options = element.get("attributes", {}).get("options", [])
                assert len(options) == len({json.dumps(o) for o in options}), rel


def test_texts_are_in_the_form_language_with_the_directory_as_example(
    forms: dict[str, dict[str, Any]],
) -> None:
    de = forms["add-business-de.yml"]
    by_id = {e.get("id"): e["attributes"] for e in de["body"]}
    assert by_id["name"]["label"] == "Name des Geschäfts"
    assert "Bäckerei (bakery)" in by_id["category"]["options"]
    assert "Velowerkstatt (bicycle_repair)" in by_id["category"]["options"]
    assert "Food and drink (food_drink)" not in by_id["category"]["options"]  # a group
    assert by_id["answers_language"]["options"][:2] == ["English (en)", "Deutsch (de)"]
    assert by_id["answers_language"]["default"] == 1  # the form's own language
    # The examples come from the directory: its first area, its country, a point in it.
    assert (
        "Schweiz" in by_id["country"]["description"] and by_id["locality"]["placeholder"] == "Bern"
    )
    lat, lon = (float(x) for x in by_id["location"]["placeholder"].split(","))
    assert 46.90 <= lat <= 47.02 and 7.29 <= lon <= 7.55
    assert "OpenStreetMap" in by_id["opening_hours"]["description"]
    assert "Tu-Fr 09:00-18:30; Sa 09:00-16:00" in by_id["opening_hours"]["description"]
    assert "9-18.30 Uhr" in by_id["opening_hours"]["description"]  # the door's spelling
    fr = {e.get("id"): e["attributes"] for e in forms["add-business-fr.yml"]["body"]}
    assert fr["country"]["placeholder"] == "Suisse"
    assert fr["summary"]["label"] == "Ce que vous faites, en une phrase"


def test_local_categories_are_in_the_dropdown_in_the_form_language(tmp_path: Path) -> None:
    root = sample_repo(tmp_path / "repo")
    settings = root / "directory.yaml"
    settings.write_text(
        settings.read_text("utf-8")
        + "categories:\n  - id: fondue_restaurant\n    parent: restaurant\n"
        "    labels: {fr: Restaurant à fondue, en: Fondue restaurant}\n",
        "utf-8",
    )
    ctx, problems = load_context(root)
    assert ctx is not None, problems
    assert "Restaurant à fondue (fondue_restaurant)" in category_options(
        ctx.config, ctx.taxonomy, "fr"
    )
    assert "Fondue restaurant (fondue_restaurant)" in category_options(
        ctx.config, ctx.taxonomy, "de"
    )


def test_the_report_form_is_prefilled_by_entry_and_chooser_has_no_blank_issues(
    forms: dict[str, dict[str, Any]],
) -> None:
    report = forms["report-problem.yml"]
    fields = {e.get("id"): e for e in report["body"]}
    assert list(fields)[1:] == ["entry", "problem", "details"]
    assert fields["entry"]["type"] == "input"
    options = fields["problem"]["attributes"]["options"]
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in options] == [
        "closed",
        "moved",
        "wrong hours",
        "wrong contact",
        "other",
    ]
    chooser = forms["config.yml"]
    assert chooser["blank_issues_enabled"] is False
    assert chooser["contact_links"][0]["url"] == "https://quartier-dev.github.io/quartier/"


def test_this_repository_has_the_forms_of_its_directory() -> None:
    assert main(["forms", "--check", "--root", str(ROOT)]) == 0


def test_forms_check_names_a_drifted_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sample_repo(tmp_path / "repo")
    assert main(["forms", "--check", "--root", str(root)]) == 1  # none written yet
    assert main(["forms", "--root", str(root)]) == 0
    assert main(["forms", "--check", "--root", str(root)]) == 0
    form = root / ".github" / "ISSUE_TEMPLATE" / "add-business-de.yml"
    form.write_text(form.read_text("utf-8").replace("Name des Geschäfts", "Name"), "utf-8")
    capsys.readouterr()
    assert main(["forms", "--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert ".github/ISSUE_TEMPLATE/add-business-de.yml" in err and "add-business-fr" not in err
    assert main(["forms", "--root", str(root)]) == 0
    assert "Name des Geschäfts" in form.read_text("utf-8")


def test_forms_follow_the_settings_and_remove_only_their_own_old_files(tmp_path: Path) -> None:
    root = sample_repo(tmp_path / "repo")
    assert main(["forms", "--root", str(root)]) == 0
    folder = root / ".github" / "ISSUE_TEMPLATE"
    (folder / "bug.yml").write_text("name: Bug\n", "utf-8")  # a maintainer's own form
    settings = root / "directory.yaml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            "languages: [en, de, fr, it, es]", "languages: [de, en]"
        ),
        "utf-8",
    )
    assert main(["forms", "--check", "--root", str(root)]) == 1
    assert main(["forms", "--root", str(root)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "add-business-de.yml",
        "add-business-en.yml",
        "bug.yml",
        "config.yml",
        "report-problem.yml",
    ]
    assert (folder / "add-business-de.yml").read_text("utf-8").startswith(HEADER)


def test_every_catalogue_has_the_english_keys_and_placeholders() -> None:
    english = catalogue("en")
    fields = re.compile(r"\{(\w+)\}")
    for lang in LANGUAGES:
        texts = catalogue(lang)
        assert set(texts) == set(english), (lang, set(english) ^ set(texts))
        for key, template in texts.items():
            assert set(fields.findall(template)) == set(fields.findall(english[key])), (lang, key)


# --- Reading bodies -----------------------------------------------------------------

ANSWERS = {
    "name": "Velo Flick",
    "category": "bicycle_repair",
    "summary": "Kleine Velowerkstatt im Breitenrain.",
    "story": "Seit 2019.\nMit zwei Händen.",
    "locality": "Bern",
    "country": "Schweiz",
    "location": "46.9612, 7.4620",
    "opening_hours": "Mo-Fr 16:00-19:00",
    "phone": "079 308 44 12",
    "answers_language": "de",
    "consent": True,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rendered_body_reads_back_in_every_form_language(language: str) -> None:
    answers = parse_body(render_body(ANSWERS, language))
    assert answers.language == language and answers.from_form
    assert answers.values["name"] == "Velo Flick"
    assert answers.values["story"] == "Seit 2019.\nMit zwei Händen."
    assert answers.values["category"].endswith("(bicycle_repair)")
    assert answers.values["street"] == ""  # _No response_
    assert answers.values["consent"] == "yes"
    assert answers.found == len(FIELDS)


def test_windows_line_breaks_and_an_unticked_box() -> None:
    body = render_body({**ANSWERS, "consent": False}, "de").replace("\n", "\r\n")
    answers = parse_body(body)
    assert answers.values["story"] == "Seit 2019.\nMit zwei Händen."
    assert answers.values["consent"] == ""


def test_a_heading_inside_an_answer_stays_in_it() -> None:
    labels = labels_in("en")
    story = f"### {labels['name']}\n\nFake Name\n\n### {labels['phone']}\n\n+41 00"
    answers = parse_body(render_body({**ANSWERS, "story": story, "phone": ""}, "en"))
    assert answers.values["name"] == "Velo Flick"
    assert answers.values["story"] == story
    assert answers.values["phone"] == ""


def test_a_body_not_from_the_form_is_answered_with_the_form_to_use(sample: Path) -> None:
    outcome = intake(sample, "Hi! Please add my shop, Velo Flick in Bern. Thanks", "octocat", 3)
    assert not outcome.valid and outcome.problem_fields == ["form"]
    said = comment(outcome)
    assert "Add or update my business" in said


def test_a_huge_body_is_refused_before_it_is_read(sample: Path, tmp_path: Path) -> None:
    huge = render_body(ANSWERS, "en") + "x" * MAX_BODY
    with pytest.raises(Exception, match="GitHub allows"):
        parse_body(huge)
    path = tmp_path / "issue.md"
    path.write_text(huge * 4, "utf-8")
    assert main(["intake", str(path), "--author", "octocat", "--root", str(sample)]) == 2


# --- The cases ----------------------------------------------------------------------


def _marks(path: Path) -> list[pytest.MarkDecorator]:
    reason = WRONG_EXPECTATIONS.get(path.stem)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.stem, marks=_marks(p)) for p in cases("dev") + cases("own")],
)
def test_case(path: Path, sample: Path) -> None:
    assert mismatches(path, sample) == []


def test_every_case_round_trips_and_names_each_field_in_the_comment(sample: Path) -> None:
    for path in cases("dev") + cases("own"):
        outcome, _ = run_case(path, sample)
        if outcome.valid:
            # Read back by quartier's loader (no tag, anchor or alias: it refuses them),
            # and valid for the model.
            produced(outcome)
        else:
            said = comment(outcome)
            assert said.startswith(MARKER)
            for field in outcome.problem_fields:
                if field != "form":
                    assert text(outcome.language, f"form.fields.{field}.label") in said, path


def test_heldout_pass_rate(sample: Path) -> None:
    """The held-out cases, never tuned on: report each failure, and keep the rate."""
    paths = cases("heldout")
    if not paths:
        pytest.skip("no held-out cases")
    failures = {p.stem: mismatches(p, sample) for p in paths}
    failed = {k: v for k, v in failures.items() if v}
    rate = 1 - len(failed) / len(paths)
    report = "\n".join(f"{k}: {'; '.join(v)}" for k, v in sorted(failed.items()))
    print(f"\nheld-out: {len(paths) - len(failed)}/{len(paths)} pass ({rate:.0%})\n{report}")
    assert rate >= HELDOUT_MIN_RATE, report


# --- What the intake makes ----------------------------------------------------------


def test_a_new_entry_gets_a_fresh_id_path_maintainer_and_date(sample: Path) -> None:
    body = render_body({**ANSWERS, "name": "Velowerk Lorraine", "phone": ""}, "de")
    outcome = intake(sample, body, "new-owner", 5, today=date(2026, 11, 20))
    # The same name within 50 m of velowerk-lorraine is a duplicate; a point farther away is not.
    assert outcome.entry_id == "velowerk-lorraine-bern"
    entry = produced(outcome)
    assert outcome.path == "entries/ch/bern/velowerk-lorraine-bern.yaml"
    assert entry["maintainers"] == ["new-owner"] and entry["last_verified"] == "2026-11-20"
    assert entry["status"] == "open" and entry["summary"] == {"de": ANSWERS["summary"]}


def test_an_update_changes_only_the_answered_lines(sample: Path) -> None:
    answers = {
        "entry_id": "velowerk-lorraine",
        "opening_hours": "Tu-Fr 09:00-18:30; Sa 09:00-17:00",
        "phone": "031 332 11 22",  # as it is: no change
        "answers_language": "de",
        "consent": True,
    }
    outcome = intake(sample, render_body(answers, "de"), "lea-brunner", 9, today=date(2026, 11, 20))
    assert outcome.valid and outcome.update
    assert outcome.changed == ["opening_hours"]
    old = (sample / "entries/ch/bern/velowerk-lorraine.yaml").read_text("utf-8").splitlines()
    new = (outcome.text or "").splitlines()
    changed = [
        line
        for line in difflib.unified_diff(old, new, n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        '-opening_hours: "Tu-Fr 09:00-18:30; Sa 09:00-16:00; PH off"',
        "+opening_hours: Tu-Fr 09:00-18:30; Sa 09:00-17:00",
        "-last_verified: 2026-10-01",
        "+last_verified: 2026-11-20",
    ]
    entry = produced(outcome)
    assert entry["maintainers"] == ["lea-brunner"] and entry["payment"] == [
        "cash",
        "debit_card",
        "twint",
    ]
    pr = pull_request(outcome)
    assert pr.title == "Update Velowerk Lorraine (velowerk-lorraine)"
    assert "- Opening hours" in pr.body


def test_an_update_that_renames_an_entry_is_titled_by_the_entry_it_changes(sample: Path) -> None:
    """A stranger answering with someone's id and a new name: the reviewer sees whose entry."""
    answers = {
        "entry_id": "velowerk-lorraine",
        "name": "Brotwerk Wyler",
        "answers_language": "de",
        "consent": True,
    }
    outcome = intake(sample, render_body(answers, "de"), "mallory", 10, today=date(2026, 11, 20))
    assert outcome.valid and outcome.update and "name" in outcome.changed
    pr = pull_request(outcome)
    assert pr.title == "Update Velowerk Lorraine (velowerk-lorraine)"
    assert "Brotwerk Wyler" not in pr.title


def test_an_update_by_someone_else_tells_the_reviewers(sample: Path) -> None:
    answers = {"entry_id": "velowerk-lorraine", "phone": "031 332 11 23", "consent": True}
    outcome = intake(sample, render_body(answers, "en"), "mallory", 10)
    assert outcome.valid
    body = pull_request(outcome).body
    assert "`@mallory` is not one of this entry's maintainers (`@lea-brunner`)" in body


def test_an_unknown_entry_id_is_a_correction_with_a_suggestion(sample: Path) -> None:
    answers = {"entry_id": "velowerk-lorain", "phone": "031 332 11 23", "consent": True}
    outcome = intake(sample, render_body(answers, "en"), "lea-brunner", 10)
    assert outcome.problem_fields == ["entry_id"]
    assert outcome.proposals["entry_id"] == "velowerk-lorraine"
    assert "did you mean `velowerk-lorraine`?" in comment(outcome)


@pytest.mark.parametrize(
    "hours", ["Mo-Sa 09:00-18:00; Feb 30 off", "Mon-Sat 9am-6pm, closed Apr 31 for inventory"]
)
def test_hours_naming_a_day_that_does_not_exist_are_refused(sample: Path, hours: str) -> None:
    outcome = intake(sample, render_body({**ANSWERS, "opening_hours": hours}, "en"), "owner-1", 8)
    assert [(c.field, c.key) for c in outcome.corrections] == [
        ("opening_hours", "hours_no_such_day")
    ]
    day = re.search(r"(Feb 30|Apr 31)", hours)
    assert day and f"names `{day.group(1)}`, a day that does not exist" in comment(outcome)


def test_location_parsing() -> None:
    assert read_point("46°56'56\"N 7°26'16\"E") != "unreadable"
    assert read_point("https://maps.app.goo.gl/xyz") == "link"
    assert read_point("Lorrainestrasse 23, Bern") == "unreadable"
    point = read_point("https://www.google.com/maps/place/X/@46.1,7.1,17z/data=!3d46.9592!4d7.4453")
    assert not isinstance(point, str) and (point.lat, point.lon) == (46.9592, 7.4453)
    comma = read_point("46,9591 7,4452")
    assert not isinstance(comma, str) and (comma.lat, comma.lon) == (46.9591, 7.4452)


def test_countries_and_languages_by_name_in_any_form_language() -> None:
    for name in ("Schweiz", "Suisse", "Svizzera", "Switzerland", "CH", "ch"):
        assert country_code(name) == "CH"
    for name in (
        "USA",
        "U.S.A.",
        "United States",
        "Estados Unidos",
        "Vereinigte Staaten",
        "EE.UU.",
    ):
        assert country_code(name) == "US"
    assert country_code("Narnia") is None
    assert language_codes("Deutsch, Französisch und Englisch") == (["de", "fr", "en"], [])
    assert language_codes("español e inglés") == (["es", "en"], [])
    assert language_codes("Schweizerdeutsch, it") == (["gsw", "it"], [])
    assert language_codes("Elbisch") == ([], ["Elbisch"])


def test_problems_of_the_contract_map_to_the_form_fields() -> None:
    assert field_of("contact.phone") == "phone"
    assert field_of("location.geo") == "location"
    assert field_of("location.address.country") == "country"
    assert field_of("collaboration.seeks[0].text.de") == "seeks"
    assert field_of("summary.de") == "summary"
    assert field_of("maintainers[0]") is None
    for field in FIELDS:
        assert field.id in BY_ID


# --- Hostile answers ----------------------------------------------------------------

HOSTILE = {
    **ANSWERS,
    "name": "@everyone Closes #1 <img src=x onerror=alert(1)>",
    "summary": "[x](javascript:alert(1)) ``` <script>alert(1)</script>",
    "story": "name: Evil\ncategory: bar\nmaintainers: [attacker]\n"
    "!!python/object:os.system ls\n&a *a",
}


def test_injected_text_stays_text_in_the_entry_and_the_pull_request(sample: Path) -> None:
    outcome = intake(sample, render_body(HOSTILE, "en"), "owner-1", 11)
    assert outcome.valid, [(c.field, c.key) for c in outcome.corrections]
    entry = produced(outcome)
    assert entry["name"] == HOSTILE["name"]
    assert entry["story"]["text"]["de"] == HOSTILE["story"]
    assert entry["maintainers"] == ["owner-1"] and entry["category"] == "bicycle_repair"
    pr = pull_request(outcome)
    assert "@\u200beveryone" in pr.title
    outside_code = re.sub(r"(`+).*?\1", "", pr.body)
    assert "@everyone" not in outside_code and not re.search(r"Closes #1\b", outside_code)
    assert "<img" not in outside_code
    assert re.findall(r"Closes #\d+", pr.body) == ["Closes #11"]
    assert not re.search(r"@everyone", pr.body)
    assert "#1" not in pr.commit_message.replace("#11", "")


def test_the_comment_renders_answers_as_code_only(sample: Path) -> None:
    from markdown_it import MarkdownIt

    bad = {**HOSTILE, "location": "<img src=x onerror=alert(1)> @everyone", "email": "a`b`c <b>"}
    outcome = intake(sample, render_body(bad, "en"), "owner-1", 12)
    assert set(outcome.problem_fields) == {"location", "email"}
    html = MarkdownIt("commonmark").render(comment(outcome))
    assert "<img" not in html and "<b>" not in html
    text_outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "@everyone" not in text_outside_code


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Velo \u202eFlick"),
        ("summary", "Velos\x00 flicken"),
        ("story", "Zeile\x1b[2J"),
        ("street", "Gasse\u2028 1"),
    ],
)
def test_control_and_bidi_characters_are_refused(sample: Path, field: str, value: str) -> None:
    outcome = intake(sample, render_body({**ANSWERS, field: value}, "en"), "owner-1", 13)
    assert outcome.problem_fields == [field]
    assert [c.key for c in outcome.corrections] == ["control"]
    assert "\x1b" not in comment(outcome) and "\u202e" not in comment(outcome)


def test_answers_cannot_forge_workflow_outputs(sample: Path, tmp_path: Path) -> None:
    story = "x\nresult=valid\nghadelimiter_0\ncomment<<EOF\nforged\nEOF"
    event = {
        "action": "opened",
        "issue": {
            "number": 14,
            "state": "open",
            "user": {"login": "owner-1"},
            "labels": [{"name": INTAKE_LABEL}],
            "body": render_body({**ANSWERS, "story": story, "phone": "1"}, "en"),
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), "utf-8")
    out = tmp_path / "github_output"
    assert (
        main(["intake", "--json", str(path), "--github-output", str(out), "--root", str(sample)])
        == 1
    )
    values = parse_github_output(out.read_text("utf-8"))
    assert set(values) == {"result", "comment"} and values["result"] == "correct"


def parse_github_output(content: str) -> dict[str, str]:
    """Read ``$GITHUB_OUTPUT`` as the runner does: ``key<<DELIM`` to ``DELIM``, or ``key=value``."""
    values: dict[str, str] = {}
    lines = iter(content.split("\n"))
    for line in lines:
        if "<<" in line:
            key, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_which_issues_are_intake_issues() -> None:
    raw = {"body": "x", "number": 1, "user": {"login": "a"}, "state": "open"}

    def issue(**changes: Any) -> Any:
        return read_issue_json(json.dumps({**raw, **changes}).encode())

    assert intake_issue(issue(labels=[{"name": INTAKE_LABEL}])) is None
    assert intake_issue(issue(labels=[{"name": "bug"}])) is not None
    assert intake_issue(issue(labels=[{"name": INTAKE_LABEL}], state="closed")) is not None
    assert intake_issue(issue(labels=[{"name": INTAKE_LABEL}], pull_request={})) is not None
    assert intake_issue(issue()) is None  # gh issue view --json body: no labels, the caller chose
    event = json.dumps({"action": "edited", "issue": {**raw, "labels": []}}).encode()
    assert intake_issue(read_issue_json(event)) is not None


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2]",
        b'{"body": 5}',
        b'{"body": "### Name", "user": {"login": 5}}',  # no author: usage error, not a crash
        b"x" * (3 * 1024 * 1024),
    ],
)
def test_json_that_is_no_issue_is_a_usage_error(
    sample: Path, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "issue.json"
    path.write_bytes(content)
    assert main(["intake", "--json", str(path), "--root", str(sample)]) == 2


def test_outputs_use_fresh_delimiters() -> None:
    text_out = outputs({"a": "1", "b": "two\nlines"})
    assert parse_github_output(text_out) == {"a": "1", "b": "two\nlines"}
    assert len(set(re.findall(r"ghadelimiter_[0-9a-f]{32}", text_out))) == 2


# --- The command --------------------------------------------------------------------


def test_cli_prints_the_entry_or_the_comment_with_exit_status(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.md"
    good.write_text(render_body(ANSWERS, "de"), "utf-8")
    assert main(["intake", str(good), "--author", "owner-1", "--root", str(sample)]) == 0
    assert capsys.readouterr().out.startswith("id: velo-flick\n")
    bad = tmp_path / "bad.md"
    bad.write_text(render_body({**ANSWERS, "email": "nope"}, "de"), "utf-8")
    assert main(["intake", str(bad), "--author", "owner-1", "--root", str(sample)]) == 1
    said = capsys.readouterr().out
    assert said.startswith(MARKER) and "**E-Mail**: `nope` ist keine E-Mail-Adresse." in said
    assert main(["intake", str(good), "--root", str(sample)]) == 2  # who is the author?
    assert main(["intake", str(good), "--author", "not a login", "--root", str(sample)]) == 2


def test_cli_reads_the_body_from_standard_input(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    body = render_body(ANSWERS, "fr").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    assert main(["intake", "-", "--author", "owner-1", "--root", str(sample)]) == 0
    assert "name: Velo Flick" in capsys.readouterr().out


def _issue_event(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """GitHub's event for issue 21, opened by owner-1 with the form: its file and the issue."""
    event = tmp_path / "event.json"
    issue = {
        "number": 21,
        "state": "open",
        "user": {"login": "owner-1"},
        "labels": [{"name": INTAKE_LABEL}],
        "body": render_body(ANSWERS, "de"),
    }
    event.write_text(json.dumps({"action": "opened", "issue": issue}), "utf-8")
    return event, issue


def test_cli_writes_the_file_once_and_the_workflow_outputs(tmp_path: Path) -> None:
    root = sample_repo(tmp_path / "repo")
    event, _ = _issue_event(tmp_path)
    out = tmp_path / "out"
    args = [
        "intake",
        "--json",
        str(event),
        "--write",
        "--github-output",
        str(out),
        "--root",
        str(root),
    ]
    assert main(args) == 0
    written = root / "entries/ch/bern/velo-flick.yaml"
    assert written.is_file()
    assert main(["validate", str(written), "--root", str(root)]) == 0
    values = parse_github_output(out.read_text("utf-8"))
    assert values["result"] == "valid" and values["branch"] == "intake/issue-21"
    assert values["path"] == "entries/ch/bern/velo-flick.yaml"
    assert values["title"] == "Add Velo Flick" and "Closes #21" in values["body"]
    # The same issue again: the id is taken now, so it would be a second entry: refused.
    assert main(["intake", "--json", str(event), "--root", str(root)]) == 1


def test_cli_ignores_issues_that_are_not_intake_issues(sample: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"body": "hi", "labels": [], "state": "open"}}), "utf-8")
    out = tmp_path / "out"
    assert (
        main(["intake", "--json", str(event), "--github-output", str(out), "--root", str(sample)])
        == 0
    )
    assert parse_github_output(out.read_text("utf-8")) == {"result": "ignore"}


# --- The workflow and quartier init -------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "intake.yml"
TEMPLATE = ROOT / "src" / "quartier" / "init" / "templates" / "github" / "workflows" / "intake.yml"


def _runs(flow: dict[str, Any]) -> Iterator[str]:
    for job in flow["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                yield step["run"]


def test_the_workflow_has_least_privilege_and_no_expression_in_commands() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    assert flow["permissions"] == {}
    assert flow[True] == {"issues": {"types": ["opened", "edited"]}}  # YAML 1.1 reads "on" so
    perms = {name: job["permissions"] for name, job in flow["jobs"].items()}
    assert perms == {
        "read": {"contents": "read"},
        "comment": {"issues": "write"},
        "propose": {"contents": "write", "pull-requests": "write"},
    }
    assert f"'{INTAKE_LABEL}'" in flow["jobs"]["read"]["if"]
    for run in _runs(flow):
        assert "${{" not in run
    for job in flow["jobs"].values():
        for step in job["steps"]:
            if "actions/checkout@" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False
    text_ = WORKFLOW.read_text("utf-8")
    # The App's token or the workflow's own, never a person's: a maintainer's token would
    # author every intake pull request as someone the approvals check trusts.
    assert "GH_TOKEN: ${{ steps.app.outputs.token || github.token }}" in text_
    assert "INTAKE_TOKEN" not in text_
    assert (
        "actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3 # v3.1.1" in text_
    )


def test_the_city_template_is_this_workflow_with_the_pinned_install() -> None:
    ours, theirs = WORKFLOW.read_text("utf-8"), TEMPLATE.read_text("utf-8")
    assert theirs == ours.replace(
        'python -m pip install ".[site]"', "python -m pip install -r requirements.txt"
    )


def test_the_workflow_passes_zizmor_and_actionlint() -> None:
    result = zizmor(WORKFLOW, TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    lint = actionlint(WORKFLOW, TEMPLATE)
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stderr


def test_init_writes_the_forms_and_the_workflow(tmp_path: Path) -> None:
    repo = tmp_path / "quartier-lausanne"
    assert main(["init", str(repo), *LAUSANNE]) == 0
    folder = repo / ".github" / "ISSUE_TEMPLATE"
    assert sorted(p.name for p in folder.iterdir()) == [
        "add-business-de.yml",
        "add-business-en.yml",
        "add-business-fr.yml",
        "config.yml",
        "report-problem.yml",
    ]
    assert (repo / ".github" / "workflows" / "intake.yml").read_text("utf-8") == TEMPLATE.read_text(
        "utf-8"
    )
    assert "quartier forms --check" in (repo / ".github/workflows/validate.yml").read_text("utf-8")
    assert main(["forms", "--check", "--root", str(repo)]) == 0
    form = yaml.safe_load((folder / "add-business-fr.yml").read_text("utf-8"))
    location = next(e for e in form["body"] if e.get("id") == "location")
    assert location["attributes"]["placeholder"] == "46.5300, 6.6350"  # Lausanne's own
    readme = (repo / "README.md").read_text("utf-8")
    assert "INTAKE_APP_PRIVATE_KEY" in readme and "add-business" in readme


def test_docs_explain_the_one_setting() -> None:
    docs = (ROOT / "docs" / "intake.md").read_text("utf-8")
    for needed in (
        "INTAKE_APP_CLIENT_ID",
        "INTAKE_APP_PRIVATE_KEY",
        "Not a personal access token",
        "add-business",
        "quartier forms",
        "quartier intake",
    ):
        assert needed in docs


def test_the_propose_step_pushes_the_branch_then_opens_or_updates_the_pull_request(
    tmp_path: Path,
) -> None:
    """The workflow's shell step, run as written with a stand-in ``gh`` that records its calls."""
    git = shutil.which("git")
    bash = shutil.which("bash")
    if git is None or bash is None:
        pytest.skip("needs git and bash")
    remote, work = tmp_path / "remote.git", sample_repo(tmp_path / "work")

    def run(*args: str, cwd: Path = work) -> str:
        return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout

    run(git, "init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    run(git, "init", "--quiet", "--initial-branch=main")
    run(git, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    run(git, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "sample")
    run(git, "remote", "add", "origin", str(remote))
    run(git, "push", "--quiet", "origin", "main")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log, open_pr = tmp_path / "gh.log", tmp_path / "open-pr"
    fake_gh = bin_dir / "gh"
    fake_gh.write_text(
        "#!/bin/sh\n"  # each call: its arguments separated by US, calls by RS
        f'for a in "$@"; do printf "%s\\037" "$a"; done >> "{log}"; printf "\\036" >> "{log}"\n'
        f'if [ "$1" = "api" ] && [ -f "{open_pr}" ]; then cat "{open_pr}"; fi\n',
        "utf-8",
    )
    fake_gh.chmod(0o755)
    step = next(
        s
        for s in yaml.safe_load(WORKFLOW.read_text("utf-8"))["jobs"]["propose"]["steps"]
        if "git push" in s.get("run", "")
    )
    event, issue = _issue_event(tmp_path)

    def propose() -> None:
        run(git, "checkout", "--quiet", "main")
        run(git, "reset", "--quiet", "--hard", "origin/main")
        out = tmp_path / "out"
        out.write_text("", "utf-8")
        args = ["intake", "--json", str(event), "--write", "--github-output", str(out)]
        assert main([*args, "--root", str(work)]) == 0
        values = parse_github_output(out.read_text("utf-8"))
        env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "GH_TOKEN": "t",
            "GH_REPO": "city/directory",
            "BASE": "main",
            "BRANCH": values["branch"],
            "ENTRY": values["path"],
            "TITLE": values["title"],
            "BODY": values["body"],
            "MESSAGE": values["commit_message"],
        }
        subprocess.run([bash, "-e", "-c", step["run"]], cwd=work, env=env, check=True)

    def calls() -> list[list[str]]:
        return [c.split("\x1f")[:-1] for c in log.read_text("utf-8").split("\x1e")[:-1]]

    propose()
    files = run(git, "ls-tree", "-r", "--name-only", "intake/issue-21", cwd=remote)
    assert "entries/ch/bern/velo-flick.yaml" in files.split()
    assert calls()[0] == ["auth", "setup-git"]
    create = calls()[-1]
    assert create[:8] == [
        "pr",
        "create",
        "--base",
        "main",
        "--head",
        "intake/issue-21",
        "--title",
        "Add Velo Flick",
    ]
    assert create[8] == "--body" and "Closes #21" in create[9]
    # The issue is edited: the same branch is replaced and the open pull request updated.
    issue["body"] = render_body({**ANSWERS, "phone": "079 308 44 13"}, "de")
    event.write_text(json.dumps({"action": "edited", "issue": issue}), "utf-8")
    open_pr.write_text("5\n", "utf-8")
    propose()
    assert calls()[-1][:5] == ["pr", "edit", "5", "--title", "Add Velo Flick"]
    # The open pull request is looked up by owner:branch: a fork's pull request from a
    # branch named intake/issue-21 is never the one edited.
    lookup = calls()[-2]
    assert lookup[:2] == ["api", "repos/city/directory/pulls?state=open&head=city:intake/issue-21"]
    entry = run(git, "show", "intake/issue-21:entries/ch/bern/velo-flick.yaml", cwd=remote)
    assert "079 308 44 13" in entry
