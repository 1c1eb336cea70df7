"""``quartier init``: a city's data-only directory repository that validates, builds and searches.

Most tests call the CLI in-process (``quartier.cli.main``); the pre-commit
test runs this checkout's hook in a generated repository, which installs the
hook's environment from PyPI on first use (about a minute; kept in
``.venv/pre-commit-cache`` so later runs take seconds) and is skipped where
pre-commit or git is missing.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from quartier import __version__
from quartier.cli import main
from quartier.config import DirectoryConfig
from quartier.explain import validate
from quartier.init import FILES, SCHEMA_URL, TAXONOMY_IN_UPSTREAM
from quartier.load import load_path

from .conftest import ROOT
from .test_workflows import actionlint, zizmor

LAUSANNE = [
    "--name",
    "Quartier Lausanne",
    "--base-url",
    "https://example.github.io/quartier-lausanne/",
    "--area",
    "lausanne",
    "--area-name",
    "Lausanne",
    "--bbox",
    "6.55,46.49,6.72,46.57",
    "--country",
    "CH",
    "--timezone",
    "Europe/Zurich",
    "--language",
    "fr",
    "--language",
    "de",
    "--language",
    "en",
    "--maintainer",
    "anne-exemple",
    "--maintainer",
    "lausanne/annuaire",
]
VERIFIED = (date.today() - timedelta(days=10)).isoformat()
# Three small businesses inside the Lausanne bounding box.
THREE = {
    "boulangerie-du-flon": (
        "bakery",
        "Pain au levain et croissants au cœur du Flon.",
        46.5216,
        6.6301,
    ),
    "atelier-velo-sous-gare": (
        "bicycle_repair",
        "Atelier de réparation de vélos et de vélos cargo sous la gare.",
        46.5160,
        6.6290,
    ),
    "librairie-de-la-cite": ("bookshop", "Librairie indépendante de la Cité.", 46.5235, 6.6355),
}


def init(path: Path, *extra: str, flags: list[str] = LAUSANNE) -> int:
    return main(["init", str(path), *flags, *extra])


def entry_yaml(entry_id: str) -> str:
    category, summary, lat, lon = THREE[entry_id]
    name = entry_id.replace("-", " ").title()
    return (
        f"id: {entry_id}\nname: {name}\nstatus: open\ncategory: {category}\n"
        f"summary: {{fr: {summary}}}\n"
        "location:\n  address: {street: Rue Centrale 5, postal_code: '1003', "
        "locality: Lausanne, country: CH}\n"
        f"  geo: {{lat: {lat}, lon: {lon}}}\n"
        'opening_hours: "Tu-Sa 08:00-18:30"\n'
        f"contact: {{website: https://{entry_id}.example}}\n"
        f"maintainers: [anne-exemple]\nlast_verified: {VERIFIED}\n"
    )


def template_of(repo: Path) -> str:
    """The entry template of ``entries/README.md`` (the yaml code block)."""
    text = (repo / "entries" / "README.md").read_text("utf-8")
    match = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert match, "entries/README.md has no yaml template"
    return match.group(1)


def save_template(repo: Path) -> Path:
    """The template saved as an owner would: entries/<country>/<area>/<its id>.yaml."""
    template = template_of(repo)
    config = load_config(repo)
    entry_id = re.search(r"^id: (\S+)", template, re.M).group(1)  # type: ignore[union-attr]
    area = config.areas[0]
    path = repo / "entries" / area.countries[0].lower() / area.id / f"{entry_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template, "utf-8")
    return path


def load_config(repo: Path) -> DirectoryConfig:
    doc = load_path(repo / "directory.yaml")
    config = validate(doc, DirectoryConfig)
    assert config is not None, doc.problems
    return config


@pytest.fixture(autouse=True)
def not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test waits for an answer, even under ``pytest -s`` on a terminal."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))


@pytest.fixture(scope="module")
def lausanne(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One repository made by ``quartier init``, for the tests that only read it."""
    repo = tmp_path_factory.mktemp("init") / "quartier-lausanne"
    assert init(repo) == 0
    return repo


@pytest.fixture
def fresh(lausanne: Path, tmp_path: Path) -> Path:
    """A copy of the ``lausanne`` repository that a test may change."""
    return Path(shutil.copytree(lausanne, tmp_path / "quartier-lausanne"))


# What is created


def _files_for(languages: tuple[str, ...]) -> list[str]:
    """What init writes for a city: an add-business form only in the city's own languages."""
    form = ".github/ISSUE_TEMPLATE/add-business-"
    return [p for p in FILES if not p.startswith(form) or p[len(form) : -4] in languages]


LAUSANNE_LANGUAGES = ("fr", "de", "en")


def test_creates_every_file_and_nothing_of_the_tool(lausanne: Path) -> None:
    made = sorted(p.relative_to(lausanne).as_posix() for p in lausanne.rglob("*") if p.is_file())
    assert made == sorted(_files_for(LAUSANNE_LANGUAGES))
    assert ".github/ISSUE_TEMPLATE/add-business-it.yml" not in made
    for tool_file in ("mkdocs.yml", "schema", "site", "src", "pyproject.toml"):
        assert not (lausanne / tool_file).exists()


def test_directory_yaml_holds_the_values_and_comments(lausanne: Path) -> None:
    config = load_config(lausanne)
    area = config.areas[0]
    assert (config.name, config.base_url, config.license) == (
        "Quartier Lausanne",
        "https://example.github.io/quartier-lausanne/",
        "CC0-1.0",
    )
    assert (area.id, area.name, area.bbox) == ("lausanne", "Lausanne", [6.55, 46.49, 6.72, 46.57])
    assert (area.countries, area.timezone) == (["CH"], "Europe/Zurich")
    assert config.languages == ["fr", "de", "en"]
    assert config.site.language == "fr"
    assert config.description == "Commerces, cafés, ateliers et artisans indépendants à Lausanne."
    text = (lausanne / "directory.yaml").read_text("utf-8")
    settings = [line for line in text.splitlines() if re.match(r"^\s*(- )?[a-z_]+:", line)]
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 12 and len(settings) >= 12
    # The GitHub Pages address suggests the repository, commented out until confirmed.
    assert "# repository: https://github.com/example/quartier-lausanne" in text


def test_requirements_and_hook_pin_this_version(lausanne: Path) -> None:
    lines = (lausanne / "requirements.txt").read_text("utf-8").splitlines()
    assert [x for x in lines if x and not x.startswith("#")] == [
        f"quartier[site,parquet]=={__version__}"
    ]
    hook = (lausanne / ".pre-commit-config.yaml").read_text("utf-8")
    assert "repo: https://github.com/quartier-dev/quartier" in hook
    assert f"rev: v{__version__}\n" in hook
    assert "id: quartier-validate" in hook
    assert (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8").count("id: quartier-validate")
    ignored = (lausanne / ".gitignore").read_text("utf-8").splitlines()
    assert {"_site/", ".quartier-cache"} <= set(ignored)


def test_owner_readme_is_in_the_first_language_with_the_pinned_schema_line(
    lausanne: Path,
) -> None:
    readme = (lausanne / "entries" / "README.md").read_text("utf-8")
    assert readme.startswith("# Inscrire votre commerce dans Quartier Lausanne")
    assert "entries/ch/lausanne/ma-boulangerie.yaml" in readme
    template = template_of(lausanne)
    schema = SCHEMA_URL.format(version=__version__)
    assert template.splitlines()[0] == f"# yaml-language-server: $schema={schema}"
    assert schema.endswith(f"/v{__version__}/schema/entry.schema.json")
    # The schema and the taxonomy it links are files of the tool's repository at that tag.
    assert (ROOT / "schema" / "entry.schema.json").is_file()
    assert (ROOT / TAXONOMY_IN_UPSTREAM).is_file()
    assert f"blob/v{__version__}/{TAXONOMY_IN_UPSTREAM}" in readme


def test_maintainer_readme_says_how_to_join_review_preview_and_upgrade(lausanne: Path) -> None:
    readme = (lausanne / "README.md").read_text("utf-8")
    for needed in (
        "[entries/README.md](entries/README.md)",
        "quartier validate",
        "`maintainers`",
        "pip install -r requirements.txt",
        "quartier serve",
        f"quartier[site,parquet]=={__version__}",
        "`.pre-commit-config.yaml`",
        "Dependabot",
        "pip install 'quartier[site,parquet] @ git+https://github.com/quartier-dev/quartier@main'",
    ):
        assert needed in readme, needed
    # The settings reference it links is a section of the tool's README.
    assert "## The directory's settings: `directory.yaml`" in (ROOT / "README.md").read_text(
        "utf-8"
    )


def test_the_maintainers_own_the_workflows_the_tool_and_the_settings(lausanne: Path) -> None:
    """A pull request runs the workflows it changes: CODEOWNERS makes such a change theirs."""
    owners = (lausanne / ".github" / "CODEOWNERS").read_text("utf-8")
    rules = [line.split() for line in owners.splitlines() if line and not line.startswith("#")]
    assert rules == [
        [path, "@anne-exemple", "@lausanne/annuaire"]
        for path in ("/.github/", "/requirements.txt", "/directory.yaml")
    ]


def test_without_maintainers_no_codeowners_is_written(tmp_path: Path) -> None:
    args = [a for a in LAUSANNE if a not in ("--maintainer", "anne-exemple", "lausanne/annuaire")]
    assert main(["init", str(tmp_path / "city"), *args]) == 0
    assert not (tmp_path / "city" / ".github" / "CODEOWNERS").exists()
    assert "maintainers: []" in (tmp_path / "city" / "directory.yaml").read_text("utf-8")


def test_prints_the_files_and_the_next_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(tmp_path / "city") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Created Quartier Lausanne in {tmp_path / 'city'}:")
    for rel in _files_for(LAUSANNE_LANGUAGES):
        assert f"  {rel} " in out
    assert "add-business-es.yml" not in out
    for step in ("quartier validate", "quartier build", "quartier serve", "ma-boulangerie.yaml"):
        assert step in out
    assert "note:" not in out


# It validates, builds and searches


def test_empty_directory_validates(lausanne: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(lausanne), "--strict"]) == 0
    assert "0 files checked" in capsys.readouterr().out


def test_empty_directory_builds_a_french_site(lausanne: Path, tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the site needs the site extra")
    out = tmp_path / "_site"
    assert main(["build", "--root", str(lausanne), "--out", str(out), "--quiet"]) == 0
    home = (out / "index.html").read_text("utf-8")
    assert re.search(r'<html lang="fr"', home)
    feed = json.loads((out / "feed.json").read_text("utf-8"))
    assert feed["items"] == []


def test_three_entries_validate_build_and_search(
    fresh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mkdocs", reason="the site needs the site extra")
    folder = fresh / "entries" / "ch" / "lausanne"
    folder.mkdir(parents=True)
    for entry_id in THREE:
        (folder / f"{entry_id}.yaml").write_text(entry_yaml(entry_id), "utf-8")
    assert main(["validate", "--root", str(fresh), "--strict"]) == 0
    assert "3 files checked: all valid" in capsys.readouterr().out
    out = tmp_path / "_site"
    assert main(["build", "--root", str(fresh), "--out", str(out), "--quiet"]) == 0
    assert '<html lang="fr"' in (out / "index.html").read_text("utf-8")
    for entry_id in THREE:
        page = out / "businesses" / entry_id / "index.html"
        assert '<html lang="fr"' in page.read_text("utf-8"), entry_id
    capsys.readouterr()
    assert main(["search", "vélo", "--root", str(fresh), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in found["results"]][:1] == ["atelier-velo-sous-gare"]


# The template an owner copies validates, wherever and in whatever language


CITIES = {
    "lausanne-fr": LAUSANNE,
    "bern-de": [
        *("--name", "Quartier Bern", "--base-url", "https://quartier-bern.example.org/"),
        *("--area", "bern", "--area-name", "Bern", "--bbox", "7.29 46.90 7.55 47.02"),
        *("--country", "ch", "--timezone", "Europe/Zurich", "--language", "de"),
        *("--language", "fr", "--maintainer", "@anna-muster"),
    ],
    "santa-cruz-en": [
        *("--name", "Quartier Santa Cruz", "--base-url", "https://example.org/santa-cruz/"),
        *("--area", "santa-cruz", "--area-name", "Santa Cruz, California"),
        *("--bbox", "[-122.10, 36.93, -121.93, 37.05]", "--country", "US"),
        *("--timezone", "America/Los_Angeles", "--language", "en", "--language", "es"),
        *("--license", "CC-BY-4.0", "--repository", "https://github.com/example/sc"),
    ],
    "bologna-it": [
        *("--name", "Quartiere Bologna", "--base-url", "https://example.org/bologna/"),
        *("--area", "bologna", "--area-name", "Bologna", "--bbox", "11.28,44.45,11.43,44.54"),
        *("--country", "IT", "--timezone", "Europe/Rome", "--language", "it"),
    ],
    "valencia-es": [
        *("--name", "Barrio Valencia", "--base-url", "https://example.org/valencia/"),
        *("--area", "valencia", "--area-name", "València", "--bbox=-0.43,39.42,-0.32,39.51"),
        *("--country", "ES", "--timezone", "Europe/Madrid", "--language", "es", "--language", "ca"),
    ],
    "utrecht-nl": [
        *("--name", "Buurt Utrecht", "--base-url", "https://example.org/utrecht/"),
        *("--area", "utrecht", "--area-name", "Utrecht", "--bbox", "5.05,52.05,5.17,52.12"),
        *("--country", "NL", "--timezone", "Europe/Amsterdam", "--language", "nl"),
    ],
}


@pytest.mark.parametrize("city", sorted(CITIES))
def test_the_template_validates_once_saved_as_an_entry(
    city: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / city
    assert init(repo, flags=CITIES[city]) == 0
    saved = save_template(repo)
    capsys.readouterr()
    assert main(["validate", "--root", str(repo), "--strict", str(saved)]) == 0, capsys.readouterr()
    assert "1 file checked: all valid" in capsys.readouterr().out
    # An owner's copy with its own id and name validates as well.
    text = saved.read_text("utf-8")
    text = re.sub(r"^id: \S+", "id: my-own-shop", text, flags=re.M)
    text = re.sub(r"^name: .*", "name: My Own Shop", text, flags=re.M)
    saved.unlink()
    saved.with_name("my-own-shop.yaml").write_text(text, "utf-8")
    assert main(["validate", "--root", str(repo), "--strict"]) == 0, capsys.readouterr()


def test_languages_without_texts_fall_back_to_english_with_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(tmp_path / "utrecht", flags=CITIES["utrecht-nl"]) == 0
    out = capsys.readouterr().out
    assert "note: the site's interface is not available in 'nl'; site.language is 'en'" in out
    assert "note: entries/README.md is in English" in out
    config = load_config(tmp_path / "utrecht")
    assert (config.languages, config.site.language) == (["nl"], "en")
    assert (
        (tmp_path / "utrecht" / "entries" / "README.md")
        .read_text("utf-8")
        .startswith("# Add your business to Buurt Utrecht")
    )
    # The summary is keyed by the directory's language, so that it validates, and asks for it.
    assert "  nl: Neighbourhood bakery" in template_of(tmp_path / "utrecht")


def test_values_are_written_so_that_they_read_back_unchanged(tmp_path: Path) -> None:
    flags = list(LAUSANNE)
    flags[1] = 'Quartier: "Lausanne" #1, [centre]'
    flags[7] = "Lausanne: centre & Ouchy"
    assert init(tmp_path / "odd", flags=flags) == 0
    config = load_config(tmp_path / "odd")
    assert config.name == 'Quartier: "Lausanne" #1, [centre]'
    assert config.areas[0].name == "Lausanne: centre & Ouchy"
    saved = save_template(tmp_path / "odd")
    assert main(["validate", "--root", str(tmp_path / "odd"), "--strict", str(saved)]) == 0


# Refusals: a clear message, exit 2, nothing written


def nothing_written(parent: Path, name: str = "city") -> bool:
    return [p.name for p in parent.iterdir()] in ([], [name]) and not (
        (parent / name).exists() and any((parent / name).iterdir())
    )


@pytest.mark.parametrize("marker", ["directory.yaml", "entries"])
def test_refuses_a_folder_that_holds_a_directory(
    marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "city"
    target.mkdir()
    if marker == "entries":
        (target / "entries").mkdir()
    else:
        (target / marker).write_text("name: mine\n", "utf-8")
    before = sorted(p.name for p in target.iterdir())
    assert init(target) == 2
    err = capsys.readouterr().err
    assert f"already holds a directory ({marker}); quartier init never overwrites" in err
    assert sorted(p.name for p in target.iterdir()) == before
    if marker == "directory.yaml":
        assert (target / marker).read_text("utf-8") == "name: mine\n"


def test_fills_an_existing_folder_but_never_overwrites_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "city"
    (target / ".git").mkdir(parents=True)
    (target / "LICENSE").write_text("mine\n", "utf-8")
    (target / ".github" / "workflows").mkdir(parents=True)
    (target / ".github" / "workflows" / "other.yml").write_text("x\n", "utf-8")
    assert init(target) == 0
    assert (target / "LICENSE").read_text("utf-8") == "mine\n"
    assert (target / ".github" / "workflows" / "other.yml").read_text("utf-8") == "x\n"
    assert (target / ".github" / "workflows" / "pages.yml").is_file()
    assert not [p for p in target.iterdir() if p.name.startswith(".quartier-init-")]

    again = tmp_path / "again"
    again.mkdir()
    (again / "README.md").write_text("mine\n", "utf-8")
    (again / ".gitignore").write_text("mine\n", "utf-8")
    capsys.readouterr()
    assert init(again) == 2
    err = capsys.readouterr().err
    assert "already has .gitignore, README.md; quartier init never overwrites" in err
    assert sorted(p.name for p in again.iterdir()) == [".gitignore", "README.md"]
    assert (again / "README.md").read_text("utf-8") == "mine\n"


BAD = {
    "bbox-order": ("--bbox", "6.72,46.49,6.55,46.57", "--bbox: bbox must be [west, south, east"),
    "bbox-text": ("--bbox", "Lausanne", "--bbox: 'Lausanne' is not four numbers"),
    "bbox-three": ("--bbox", "6.55,46.49,6.72", "--bbox: '6.55,46.49,6.72' is not four numbers"),
    "timezone": ("--timezone", "Europe/Lausanne", "--timezone: 'Europe/Lausanne' is not an IANA"),
    "base-url-slash": (
        "--base-url",
        "https://example.org/lausanne",
        "--base-url: 'https://example.org/lausanne' must end with '/' "
        "(fix: write https://example.org/lausanne/)",
    ),
    "base-url-scheme": ("--base-url", "ftp://example.org/", "--base-url: 'ftp://example.org/'"),
    "area-id": ("--area", "Lausanne Ville", "--area: 'Lausanne Ville' is not in the expected form"),
    "language": ("--language", "français", "--language: 'français' is not a valid BCP 47"),
    "country": ("--country", "Suisse", "--country: 'SUISSE' is not in the expected form"),
    "license": ("--license", "MIT", "--license: 'MIT' is not allowed here (fix: use one of"),
    "name": ("--name", "Quartier\nLausanne", "--name: must be one line of plain text"),
    "maintainer": ("--maintainer", "not a login", "--maintainer: 'not a login' is not in the"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_a_bad_value_naming_the_flag(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flag, value, message = BAD[case]
    flags = list(LAUSANNE)
    if flag in flags:
        flags[flags.index(flag) + 1] = value  # the first --language: fr
    else:
        flags += [flag, value]
    assert init(tmp_path / "city", flags=flags) == 2
    err = capsys.readouterr().err
    assert err.startswith("quartier: error: "), err
    assert message in err, err
    assert err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_several_bad_values_are_reported_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = [*LAUSANNE]
    flags[flags.index("--timezone") + 1] = "Mars/Olympus"
    flags[flags.index("--bbox") + 1] = "x"
    assert init(tmp_path / "city", flags=flags) == 2
    err = capsys.readouterr().err
    assert "--bbox: 'x' is not four numbers" in err and "--timezone: 'Mars/Olympus'" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_flags_off_a_terminal_are_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "city"), "--name", "Quartier Lausanne"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "quartier: error: missing --base-url, --area-name, --area, --bbox, --country, "
        "--timezone, --language: give them as flags"
    ), err
    assert list(tmp_path.iterdir()) == []
    assert main(["init"]) == 2
    assert "missing PATH, --name," in capsys.readouterr().err


def test_a_file_as_path_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "city").write_text("", "utf-8")
    assert init(tmp_path / "city") == 2
    assert "exists and is not a folder" in capsys.readouterr().err


# On a terminal: questions


class Terminal(io.StringIO):
    """A stream that says it is a terminal, so ``quartier init`` asks its questions."""

    def isatty(self) -> bool:
        return True


def test_asks_for_what_is_missing_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [
        str(tmp_path / "city"),  # PATH
        "",  # name: required, so asked again
        "Quartier Lausanne",
        "https://example.github.io/quartier-lausanne/",
        "Lausanne",
        "",  # area id: Enter takes the suggestion from the area's name
        "6.55, 46.49, 6.72, 46.57",
        "CH",
        "Europe/Lausanne",  # not a timezone: asked again after the check
        "fr, de en",
        "Europe/Zurich",
    ]
    stdin, stdout = Terminal("\n".join(answers) + "\n"), Terminal()
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr := io.StringIO())
    assert main(["init", "--maintainer", "anne-exemple"]) == 0
    shown = stdout.getvalue()
    assert "Folder to create (e.g. ../quartier-lausanne): " in shown
    assert "Short id of the area (lowercase, hyphens) (e.g. lausanne) [lausanne]: " in shown
    assert shown.count("Name of the directory (e.g. Quartier Lausanne): ") == 2
    assert shown.count("IANA timezone (e.g. Europe/Zurich): ") == 2
    assert "quartier: --timezone: 'Europe/Lausanne' is not an IANA timezone" in stderr.getvalue()
    assert "Created Quartier Lausanne in" in shown
    config = load_config(tmp_path / "city")
    assert (config.areas[0].id, config.areas[0].timezone) == ("lausanne", "Europe/Zurich")
    assert (config.languages, config.maintainers) == (["fr", "de", "en"], ["anne-exemple"])
    assert stdin.read() == ""  # every answer was used


def test_end_of_input_on_a_terminal_stops_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal(f"{tmp_path / 'city'}\n"))
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert main(["init"]) == 2
    assert "no answer for --name; give it as a flag" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# The workflows


def generated_workflows(repo: Path) -> list[Path]:
    return sorted((repo / ".github" / "workflows").glob("*.yml"))


def test_workflows_pass_zizmor(lausanne: Path) -> None:
    result = zizmor(*generated_workflows(lausanne), lausanne / ".github" / "dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_workflows_pass_actionlint(lausanne: Path) -> None:
    result = actionlint(*generated_workflows(lausanne))
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_workflows_install_the_pinned_release_with_least_privilege(lausanne: Path) -> None:
    import yaml

    ours = "\n".join(p.read_text("utf-8") for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    pinned = set(re.findall(r"uses: (\S+@[0-9a-f]{40} # v[\d.]+)", ours))
    for path in generated_workflows(lausanne):
        text = path.read_text("utf-8")
        flow = yaml.safe_load(text)
        assert flow["permissions"] == {}, path.name
        assert "python -m pip install -r requirements.txt" in text
        assert "pip install ." not in text and "scripts/dev.py" not in text
        uses = re.findall(r"uses: (.+)", text)
        assert uses and all(u in pinned for u in uses), (path.name, uses)
        for job in flow["jobs"].values():
            assert job["permissions"], path.name
            for step in job["steps"]:
                if "actions/checkout@" in step.get("uses", ""):
                    assert step["with"]["persist-credentials"] is False
    dependabot = yaml.safe_load((lausanne / ".github" / "dependabot.yml").read_text("utf-8"))
    assert {u["package-ecosystem"] for u in dependabot["updates"]} == {"pip", "github-actions"}


# pre-commit, with this checkout's hook


def test_a_data_only_repository_passes_the_pre_commit_hook(tmp_path: Path) -> None:
    """This checkout's hook checks a data-only repository made by init, from its own config.

    What ``pre-commit try-repo ROOT quartier-validate`` does, with a lasting
    cache: the generated ``.pre-commit-config.yaml`` is pointed at this
    repository and its checked-out commit instead of the release on GitHub,
    and run. try-repo itself installs into a new temporary store on every run;
    here the hook's environment (its dependencies come from PyPI: about a
    minute) is kept in ``.venv/pre-commit-cache``, once per commit of this
    repository, so a second run takes seconds. Uncommitted changes of this
    repository are not part of it (try-repo would take changed files but
    leave out new ones).
    """
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if exe is None or shutil.which("git") is None:
        pytest.skip("needs pre-commit (pip install -e '.[dev]') and git")
    repo = tmp_path / "city"
    assert init(repo) == 0
    head = subprocess.run(
        ("git", "rev-parse", "HEAD"), cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = repo / ".pre-commit-config.yaml"
    generated = config.read_text("utf-8")
    local = generated.replace("https://github.com/quartier-dev/quartier", str(ROOT)).replace(
        f"rev: v{__version__}", f"rev: {head}"
    )
    assert local.count(str(ROOT)) == 1 and local.count(head) == 1
    config.write_text(local, "utf-8")
    entry = repo / "entries" / "ch" / "lausanne" / "boulangerie-du-flon.yaml"
    entry.parent.mkdir(parents=True)
    entry.write_text(entry_yaml("boulangerie-du-flon"), "utf-8")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(ROOT / ".venv" / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    for cmd in (("git", "init", "-q"), ("git", "add", "-A"), ("git", "commit", "-qm", "entry")):
        assert run(*cmd).returncode == 0
    hook = (exe, "run", "quartier-validate", "--all-files")
    passed = run(*hook)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"quartier validate\.+Passed", passed.stdout), passed.stdout
    # The same hook fails a broken entry (staged, as pre-commit checks the index).
    entry.write_text(entry_yaml("boulangerie-du-flon").replace("bakery", "bakry"), "utf-8")
    assert run("git", "add", str(entry)).returncode == 0
    failed = run(*hook)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "unknown category 'bakry'" in failed.stdout


def test_the_commented_local_category_example_validates(fresh: Path) -> None:
    text = (fresh / "directory.yaml").read_text("utf-8")
    start = text.index("# categories:")
    block = text[start : text.index("\n# The human site", start) + 1]
    uncommented = "".join(line[2:] + "\n" for line in block.splitlines())
    (fresh / "directory.yaml").write_text(text.replace(block, uncommented), "utf-8")
    config = load_config(fresh)
    assert [(c.id, c.parent) for c in config.categories] == [("fondue_restaurant", "restaurant")]
    assert main(["validate", "--root", str(fresh), "--strict"]) == 0
