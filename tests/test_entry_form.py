"""The "Add your business" page and the report links, without a browser.

What the page gives its form (quartier.site.entry_form and
pages/entry-form.html): every category the directory has, with labels in
the site's language; the ways to send that the settings allow (no
repository, no GitHub ways; no contact e-mail, no e-mail); data for the
script that no directory name can turn into markup. On business pages, the
"Report a problem" link to the problem-report issue form and the e-mail for
people without an account. And the setting behind them, ``contact_email``,
in directory.yaml and ``quartier init``. What runs in the browser is tested
in tests/test_entry_form_browser.py.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import opening_hours
import pytest

from quartier.cli import main
from quartier.config import DirectoryConfig
from quartier.directory import read_directory
from quartier.explain import validate
from quartier.fields import SLUG_MAX
from quartier.load import load_bytes, load_path
from quartier.model import Entry
from quartier.publish.context import BuildContext
from quartier.schema import entry_json_schema
from quartier.site import defaults, site_available
from quartier.site.business import render_business, report_links
from quartier.site.entry_form import MAX_LENGTHS, context
from quartier.site.i18n import LANGUAGES, strings

from .conftest import SAMPLE, TODAY

pytestmark = pytest.mark.skipif(not site_available(), reason="needs quartier[site]")

REPOSITORY = "https://github.com/quartier-dev/quartier"
EMAIL = "hallo@quartier.example.org"
LOCAL = """categories:
  - id: fondue_restaurant
    parent: restaurant
    labels: {fr: Restaurant à fondue, de: Fondue-Restaurant, en: Fondue restaurant}
"""


def _repo(tmp_path: Path, **changes: str | None) -> Path:
    """The sample directory with settings replaced: ``key=value`` lines, or removed with None."""
    root = shutil.copytree(SAMPLE, tmp_path / "repo")
    settings = (root / "directory.yaml").read_text("utf-8")
    for key, value in changes.items():
        line = re.compile(rf"^{key}: .*\n", re.M)
        if key == "language":
            settings = settings.replace("  language: en\n", f"  language: {value}\n")
        elif value is None:
            settings = line.sub("", settings)
        elif line.search(settings):
            settings = line.sub(f"{key}: {value}\n".replace("\\", "\\\\"), settings)
        else:
            settings += f"{key}: {value}\n"
    (root / "directory.yaml").write_text(settings, "utf-8")
    return root


def _ctx(root: Path) -> BuildContext:
    directory = read_directory(root, today=TODAY)
    assert not directory.errors, [p.message for p in directory.errors]
    return BuildContext(directory)


class _Html(HTMLParser):
    """Tags, attributes, options with their text and the JSON of the form's data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.options: list[tuple[str | None, str, str | None]] = []  # value, text, group
        self.group: str | None = None
        self.data_json = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "optgroup":
            self.group = a.get("label")
        elif tag == "option":
            self.options.append((a.get("value"), "", self.group))
            self._in = "option"
        elif tag == "script" and a.get("id") == "q-entry-form-data":
            self._in = "data"

    def handle_endtag(self, tag: str) -> None:
        if tag == "optgroup":
            self.group = None
        if tag in ("option", "script"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "option":
            value, text, group = self.options[-1]
            self.options[-1] = (value, text + data, group)
        elif self._in == "data":
            self.data_json += data

    def by_id(self, element_id: str) -> dict[str, str | None] | None:
        return next((a for _, a in self.tags if a.get("id") == element_id), None)

    def hrefs(self) -> list[str]:
        return [str(a["href"]) for tag, a in self.tags if tag == "a" and a.get("href")]


def _add_page(root: Path) -> tuple[str, _Html]:
    """The add page as the site shows it: its template filled, its Markdown made HTML."""
    import markdown  # type: ignore[import-untyped]  # no stubs installed

    text = markdown.markdown(
        defaults.render_page("add.md", _ctx(root)), extensions=list(defaults.MARKDOWN_EXTENSIONS)
    )
    page = _Html()
    page.feed(text)
    return text, page


def _categories(page: _Html) -> dict[str, str]:
    return {
        str(value): text
        for value, text, group in page.options
        if group is not None and value is not None and value != ""
        # The language and country selects have no groups.
    }


# --- The page and its form ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_form_lists_every_category_with_labels_in_the_site_language(
    lang: str, tmp_path: Path
) -> None:
    root = _repo(tmp_path, language=lang)
    with (root / "directory.yaml").open("a", encoding="utf-8") as f:
        f.write(LOCAL)
    ctx = _ctx(root)
    _, page = _add_page(root)
    shown = _categories(page)
    tax = ctx.taxonomy
    expected = {c.id: c.label(lang) for c in tax.categories if c.parent is not None}
    assert shown == expected
    assert "fondue_restaurant" in shown  # the directory's own category, beside the shared ones
    # Each option sits under its group, the groups labelled in the language too.
    groups = {g.label(lang) for g in tax.groups()}
    assert {group for _, _, group in page.options if group} <= groups
    restaurant_group = next(g for v, _, g in page.options if v == "restaurant")
    assert next(g for v, _, g in page.options if v == "fondue_restaurant") == restaurant_group
    # Labels really are the language's: most differ from English for the other languages.
    if lang != "en":
        english = {c.id: c.label("en") for c in tax.categories}
        assert sum(shown[i] != english[i] for i in shown) > len(shown) / 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_form_speaks_the_site_language(lang: str, tmp_path: Path) -> None:
    root = _repo(tmp_path, language=lang)
    text, page = _add_page(root)
    t = strings(lang)
    for key in ("form_build", "form_name", "form_location", "form_send_email", "form_open_github"):
        assert t[key] in text, key
    data = json.loads(page.data_json)
    assert data["lang"] == lang
    assert data["text"]["form_err_required"] == t["form_err_required"]
    assert data["labels"]["opening_hours"] == t["hours"]


def test_the_ways_in_link_to_the_language_issue_form_and_the_repository(tmp_path: Path) -> None:
    _, page = _add_page(_repo(tmp_path / "fr", language="fr"))
    assert f"{REPOSITORY}/issues/new?template=add-business-fr.yml" in page.hrefs()
    assert f"{REPOSITORY}/blob/main/entries/README.md" in page.hrefs()
    # Italian is not one of the sample's languages: its page links the English form.
    _, page = _add_page(_repo(tmp_path / "it", language="it", languages="[en, de, fr]"))
    assert f"{REPOSITORY}/issues/new?template=add-business-en.yml" in page.hrefs()


def test_without_a_repository_or_an_email_that_way_is_not_offered(tmp_path: Path) -> None:
    _, both = _add_page(_repo(tmp_path / "both"))
    assert both.by_id("q-f-github") and both.by_id("q-f-mail")
    data = json.loads(both.data_json)
    assert (data["email"], data["newFile"]) == (EMAIL, f"{REPOSITORY}/new/main")

    text, no_repo = _add_page(_repo(tmp_path / "no-repo", repository=None))
    assert no_repo.by_id("q-f-github") is None and no_repo.by_id("q-f-mail")
    assert not [h for h in no_repo.hrefs() if "github.com" in h]
    assert "issues/new" not in text and json.loads(no_repo.data_json)["newFile"] is None

    _, no_mail = _add_page(_repo(tmp_path / "no-mail", contact_email=None))
    assert no_mail.by_id("q-f-mail") is None and no_mail.by_id("q-f-github")
    assert json.loads(no_mail.data_json)["email"] is None

    _, neither = _add_page(_repo(tmp_path / "neither", repository=None, contact_email=None))
    assert neither.by_id("q-f-mail") is None and neither.by_id("q-f-github") is None
    assert neither.by_id("q-f-copy")  # the file can still be copied and handed over


def test_the_script_data_cannot_end_its_script_element(tmp_path: Path) -> None:
    name = '"</script><script>alert(1)</script><!--'
    root = _repo(tmp_path, name=json.dumps(name))
    text, page = _add_page(root)
    block = text.split('id="q-entry-form-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block.replace("\\u0026", "")
    assert json.loads(page.data_json)["directory"] == name
    assert sum(1 for tag, _ in page.tags if tag == "script") == 2  # the data and entry-form.js


def test_the_form_loads_its_script_and_nothing_from_elsewhere(tmp_path: Path) -> None:
    _, page = _add_page(_repo(tmp_path))
    sources = [a.get("src") for tag, a in page.tags if tag == "script" and a.get("src")]
    assert sources == ["../assets/entry-form.js"]
    assert (defaults.THEME_DIR / "assets" / "entry-form.js").is_file()
    assert not [a for tag, a in page.tags if tag in ("link", "img", "iframe")]


def test_the_form_gives_the_areas_and_what_the_contract_allows(tmp_path: Path) -> None:
    ctx = _ctx(_repo(tmp_path))
    data = json.loads(context(ctx)["data_json"])
    assert [(a["id"], a["bbox"], a["countries"]) for a in data["areas"]] == [
        (a.id, list(a.bbox), list(a.countries)) for a in ctx.config.areas
    ]
    # Every length limit of the form is the contract's, and whether maintainers may be [].
    schema = entry_json_schema(ctx.taxonomy)
    assert data["maintainersRequired"] == (
        schema["properties"]["maintainers"].get("minItems", 0) > 0
    )
    defs = schema["$defs"]

    def max_of(prop: dict[str, Any]) -> int | None:
        options = [prop, *prop.get("anyOf", [])]
        return next((o["maxLength"] for o in options if "maxLength" in o), None)

    props = schema["properties"]
    address = defs["Address"]["properties"]
    assert MAX_LENGTHS["name"] == max_of(props["name"])
    assert MAX_LENGTHS["opening_hours"] == max_of(props["opening_hours"])
    # The form writes a local file, whose id is shorter than a record id an aggregate publishes.
    assert MAX_LENGTHS["id"] == SLUG_MAX < max_of(props["id"])  # type: ignore[operator]
    assert MAX_LENGTHS["phone"] == max_of(defs["Contact"]["properties"]["phone"])
    assert MAX_LENGTHS["postal_code"] == max_of(address["postal_code"])
    for field in ("street", "locality"):
        assert MAX_LENGTHS[field] == max_of(address[field])
    summary = next(iter(props["summary"]["patternProperties"].values()))
    story = next(
        iter(defs["Story"]["properties"]["text"]["anyOf"][0]["patternProperties"].values())
    )
    assert MAX_LENGTHS["summary"] == MAX_LENGTHS["line"] == max_of(summary)
    assert MAX_LENGTHS["story"] == max_of(story)


def test_the_hours_buttons_are_valid_opening_hours(tmp_path: Path) -> None:
    form = context(_ctx(_repo(tmp_path, language="de")))
    values = [h["value"] for h in form["hours_helpers"]]
    assert values == [
        "Mo-Fr 09:00-18:00",
        "Mo-Fr 08:00-12:00,13:30-18:00",
        "Sa 09:00-16:00",
        "PH off",
    ]
    for value in values:
        opening_hours.OpeningHours(value)  # raises if the parser refuses it
    labels = [h["label"] for h in form["hours_helpers"]]
    assert labels[0] == "Mo.–Fr. 09:00–18:00"  # German day names, from CLDR
    assert labels[-1] == strings("de")["form_hours_holidays"]


# --- Report a problem ----------------------------------------------------------------------


def _business(root: Path, entry_id: str = "velowerk-lorraine") -> _Html:
    ctx = _ctx(root)
    page = _Html()
    page.feed(render_business(ctx, ctx.directory.entries[entry_id]))
    return page


def test_every_business_page_links_the_problem_form_and_the_email(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    for entry_id in sorted(read_directory(root, today=TODAY).entries):
        hrefs = _business(root, entry_id).hrefs()
        assert f"{REPOSITORY}/issues/new?template=report-problem.yml&entry={entry_id}" in hrefs
        mail = next(h for h in hrefs if h.startswith(f"mailto:{EMAIL}?"))
        parts = urlsplit(mail)
        assert parts.path == EMAIL
        query = parse_qs(parts.query)
        assert query["subject"] == [f"Problem with the entry {entry_id}"]
        assert f"https://quartier-dev.github.io/quartier/businesses/{entry_id}/" in query["body"][0]


def test_the_report_links_speak_the_site_language(tmp_path: Path) -> None:
    page = _business(_repo(tmp_path, language="fr"))
    mail = next(h for h in page.hrefs() if h.startswith(f"mailto:{EMAIL}?"))
    assert parse_qs(urlsplit(mail).query)["subject"] == ["Problème dans la fiche velowerk-lorraine"]
    ctx = _ctx(_repo(tmp_path / "again", language="fr"))
    html = render_business(ctx, ctx.directory.entries["velowerk-lorraine"])
    assert strings("fr")["report_problem"] in html and strings("fr")["report_by_email"] in html


def test_report_links_follow_the_settings(tmp_path: Path) -> None:
    no_mail = _business(_repo(tmp_path / "a", contact_email=None)).hrefs()
    assert not [h for h in no_mail if h.startswith("mailto:") and EMAIL in h]
    assert any("template=report-problem.yml" in h for h in no_mail)
    no_repo = _business(_repo(tmp_path / "b", repository=None)).hrefs()
    assert not [h for h in no_repo if "issues/new" in h]
    assert any(h.startswith(f"mailto:{EMAIL}?") for h in no_repo)
    ctx = _ctx(_repo(tmp_path / "c", repository=None, contact_email=None))
    html = render_business(ctx, ctx.directory.entries["velowerk-lorraine"])
    assert "q-report" not in html


def test_report_links_escape_what_they_carry(tmp_path: Path) -> None:
    """Ids are slugs; were one ever not, it stays inside its URL and its attribute."""
    ctx = _ctx(_repo(tmp_path))
    hostile = 'x"><script>alert(1)</script>&a=b'
    links = report_links(ctx, hostile, strings("en"))
    assert links is not None
    issue = urlsplit(links["issue_url"])
    assert parse_qs(issue.query) == {"template": ["report-problem.yml"], "entry": [hostile]}
    assert parse_qs(urlsplit(links["mail_url"]).query)["subject"] == [
        f"Problem with the entry {hostile}"
    ]
    for url in links.values():
        assert not set('<>" ') & set(url) and url.count("&") == 1  # only between its two values
    # And the template escapes them again on the page.
    from quartier.site import business

    entry = ctx.directory.entries["velowerk-lorraine"]
    values = business.context(ctx, entry)
    values["report"] = {"issue_url": 'https://x/"><script>alert(1)</script>'}
    html = business._template().render(**values)
    assert "<script>alert(1)" not in html and "&#34;&gt;&lt;script&gt;" in html


# --- The setting and quartier init ---------------------------------------------------------


def test_contact_email_is_a_checked_setting(tmp_path: Path) -> None:
    assert "contact_email" in DirectoryConfig.model_fields
    for root in (SAMPLE, Path(__file__).resolve().parents[1]):
        doc = load_path(root / "directory.yaml")
        config = validate(doc, DirectoryConfig)
        assert config is not None and config.contact_email == EMAIL
    text = (SAMPLE / "directory.yaml").read_text("utf-8").replace(EMAIL, "hallo at quartier")
    doc = load_bytes(text.encode(), "directory.yaml")
    assert validate(doc, DirectoryConfig) is None
    [problem] = doc.problems
    line = text.splitlines().index("contact_email: hallo at quartier") + 1
    assert (problem.field, problem.line) == ("contact_email", line)
    assert "e-mail address" in problem.message and problem.hint


LAUSANNE = [
    "--name=Quartier Lausanne",
    "--base-url=https://example.github.io/quartier-lausanne/",
    "--area=lausanne",
    "--area-name=Lausanne",
    "--bbox=6.55,46.49,6.72,46.57",
    "--country=CH",
    "--timezone=Europe/Zurich",
    "--language=fr",
]


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))


@pytest.mark.usefixtures("no_terminal")
def test_init_writes_the_contact_email(tmp_path: Path) -> None:
    repo = tmp_path / "with"
    assert main(["init", str(repo), *LAUSANNE, "--contact-email", "annuaire@lausanne.example"]) == 0
    config = validate(load_path(repo / "directory.yaml"), DirectoryConfig)
    assert config is not None and config.contact_email == "annuaire@lausanne.example"
    bare = tmp_path / "without"
    assert main(["init", str(bare), *LAUSANNE]) == 0
    text = (bare / "directory.yaml").read_text("utf-8")
    assert re.search(r"^# contact_email: \S+@\S+$", text, re.M)
    config = validate(load_path(bare / "directory.yaml"), DirectoryConfig)
    assert config is not None and config.contact_email is None


@pytest.mark.usefixtures("no_terminal")
def test_init_refuses_a_bad_contact_email_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "x"), *LAUSANNE, "--contact-email", "a: b"]) == 2
    err = capsys.readouterr().err
    assert "--contact-email: 'a: b' is not a valid e-mail address" in err
    assert not (tmp_path / "x").exists()


def test_the_sample_entry_contract_has_the_fields_the_form_writes() -> None:
    """The form writes these keys; a renamed field must fail here before owners meet it."""
    fields = set(Entry.model_fields)
    assert {"id", "name", "status", "category", "summary", "story", "collaboration"} <= fields
    assert {"location", "opening_hours", "contact", "languages", "maintainers"} <= fields
    assert {"last_verified"} <= fields
