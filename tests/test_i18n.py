"""The site's interface in every language: complete catalogues, translated pages, no English left.

The catalogues (``quartier/site/locales/<lang>.yaml``) are checked against
English key by key; the hand-written pages exist in every language with the
same template logic; and the sample directory, built with ``site.language``
set to each language, shows that language on every kind of page: its
``<html lang>``, its navigation and headings, its plural forms and dates, and
no English word of the interface (compared with the English catalogue and
Material's English strings, ignoring text that businesses wrote).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from quartier.config import SiteSettings
from quartier.model import Accessibility, Entry, Payment
from quartier.site import defaults, site_available
from quartier.site.i18n import (
    DATE_PATTERNS,
    LANGUAGES,
    REFERENCE,
    Catalogue,
    catalogue,
    catalogue_problems,
    check_all,
    endonym,
    reserved_keys,
    strings,
)

from .conftest import SAMPLE
from .site_support import build_into

pytestmark = pytest.mark.skipif(not site_available(), reason="needs quartier[site]")

TRANSLATED = [lang for lang in LANGUAGES if lang != REFERENCE]
MATERIAL_LANGUAGES = (
    Path(str(__import__("material").__file__)).parent / "templates/partials/languages"
)


# --- The catalogues -----------------------------------------------------------


def test_every_catalogue_has_every_key_of_english_with_its_placeholders() -> None:
    assert check_all() == []


def test_the_languages_are_those_directory_yaml_allows() -> None:
    annotation = SiteSettings.model_fields["language"].annotation
    assert set(LANGUAGES) == set(get_args(annotation)) == {"en", "de", "fr", "it", "es"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c.pop("hours"), "fr: 'hours' is missing"),
        (lambda c: c.update(hours=" "), "fr: 'hours' is empty"),
        (lambda c: c.update(hours_note="Heure locale ({zone})"), "'hours_note' must have the"),
        (lambda c: c.update(hours_note="Heure locale {tz"), "'hours_note' has unreadable braces"),
        (lambda c: c.update(extra="x"), "fr: 'extra' is not in en.yaml"),
        (lambda c: c.update(businesses="commerces"), "'businesses' must give plural forms"),
        (lambda c: c.update(hours={"other": "x"}), "fr: 'hours' must be a text"),
        (
            lambda c: c.update(
                businesses={"one": "{count} commerce", "other": "{count} commerces"}
            ),
            "fr: 'businesses' lacks the plural form 'many'",
        ),
        (
            lambda c: c.update(businesses={**c["businesses"], "few": "{count} commerces"}),
            "'businesses' has 'few', a plural form fr does not use",
        ),
        (lambda c: c.update(date_pattern="d 'er MMMM y"), "'date_pattern' is not a CLDR date"),
        (lambda c: c.update(month_pattern="HH:mm"), "'month_pattern' is not a CLDR date"),
    ],
)
def test_the_check_finds_what_a_translation_gets_wrong(
    change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    broken = dict(catalogue("fr"))
    assert catalogue_problems("fr", broken) == []
    change(broken)
    problems = catalogue_problems("fr", broken)
    assert any(problem in p for p in problems), problems


def test_a_missing_key_falls_back_to_english_so_the_site_still_builds() -> None:
    from quartier.site.i18n import Strings

    partial = {k: v for k, v in catalogue("fr").items() if k != "hours"}
    t = Strings("fr", partial, catalogue(REFERENCE))
    assert t["hours"] == "Opening hours"
    assert t["map"] == "Carte"


def test_the_catalogue_names_every_value_of_the_contract_it_shows() -> None:
    """A new payment method, status or access level in the model needs its words here."""
    keys = set(catalogue(REFERENCE))
    statuses = get_args(Entry.model_fields["status"].annotation)
    levels = get_args(Accessibility.model_fields["wheelchair"].annotation)
    wanted = {f"payment_{p}" for p in get_args(Payment)}
    wanted |= {f"status_{s}" for s in statuses} | set(levels)
    assert wanted - keys == set()
    # A key named like a method would be hidden from templates (t.plural is the method).
    assert reserved_keys() & keys == set()


@pytest.mark.parametrize(
    ("lang", "zero", "one", "two", "million"),
    [
        ("en", "0 businesses", "1 business", "2 businesses", "1,000,000 businesses"),
        ("de", "0 Betriebe", "1 Betrieb", "2 Betriebe", "1.000.000 Betriebe"),
        ("fr", "0 commerce", "1 commerce", "2 commerces", "1\u202f000\u202f000 de commerces"),
        ("it", "0 attività", "1 attività", "2 attività", "1.000.000 di attività"),
        ("es", "0 comercios", "1 comercio", "2 comercios", "1.000.000 de comercios"),
    ],
)
def test_plural_forms_follow_cldr(lang: str, zero: str, one: str, two: str, million: str) -> None:
    t = strings(lang)
    assert [t.plural("businesses", n) for n in (0, 1, 2, 1_000_000)] == [zero, one, two, million]


@pytest.mark.parametrize(
    ("lang", "first", "other", "month", "monday"),
    [
        ("en", "1 October 2026", "14 September 2026", "March 2011", "Monday"),
        ("de", "1. Oktober 2026", "14. September 2026", "März 2011", "Montag"),
        ("fr", "1er octobre 2026", "14 septembre 2026", "mars 2011", "lundi"),
        ("it", "1 ottobre 2026", "14 settembre 2026", "marzo 2011", "lunedì"),
        ("es", "1 de octubre de 2026", "14 de septiembre de 2026", "marzo de 2011", "lunes"),
    ],
)
def test_dates_and_days_in_words(
    lang: str, first: str, other: str, month: str, monday: str
) -> None:
    t = strings(lang)
    assert t.date(date(2026, 10, 1)) == first
    assert t.date(date(2026, 9, 14)) == other
    assert t.partial_date("2011-03") == month
    assert t.partial_date("2016") == "2016"
    assert t.day("Mo") == monday


def test_language_names_come_from_cldr() -> None:
    assert [endonym(tag) for tag in ("de", "fr", "it", "es", "en")] == [
        "Deutsch",
        "Français",
        "Italiano",
        "Español",
        "English",
    ]
    assert strings("fr").language_name("de") == "allemand"
    assert strings("es").country_name("CH") == "Suiza"
    assert endonym("x-unknown") == "x-unknown"


# --- The hand-written pages ---------------------------------------------------

_JINJA = re.compile(r"\{[%{].*?[%}]\}", re.S)
_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")


def _logic(text: str) -> list[str]:
    """A page's template tags in order, string literals (example words) blanked."""
    return [_LITERAL.sub('""', tag) for tag in _JINJA.findall(text)]


_FENCES = re.compile(r"```.*?```", re.S)


def _page_problems(pages: Path) -> list[str]:
    """What keeps the hand-written pages under ``pages`` from being complete in every language.

    Every page of English exists in every language, with the same template
    tags in the same order (example words aside), the same markers and the
    same code blocks (commands and queries are not translated).
    """
    problems = []
    for name in sorted(p.name for p in (pages / REFERENCE).glob("*.md")):
        english = (pages / REFERENCE / name).read_text("utf-8")
        for lang in TRANSLATED:
            path = pages / lang / name
            if not path.is_file():
                problems.append(f"{lang}/{name} is missing: translate {REFERENCE}/{name}")
                continue
            text = path.read_text("utf-8")
            if _logic(text) != _logic(english):
                problems.append(f"{lang}/{name}: its template tags differ from {REFERENCE}/{name}")
            if text.count("<!-- quartier:") != english.count("<!-- quartier:"):
                problems.append(f"{lang}/{name}: a <!-- quartier: --> marker is missing")
            if _FENCES.findall(text) != _FENCES.findall(english):
                problems.append(f"{lang}/{name}: its code blocks differ from {REFERENCE}/{name}")
    return problems


def test_every_hand_written_page_exists_in_every_language_with_the_same_logic() -> None:
    assert defaults.page_names() == ["add.md", "for-ai.md", "index.md"]
    assert _page_problems(defaults.PAGES_DIR) == []


def test_the_page_check_finds_a_missing_page_and_changed_logic(tmp_path: Path) -> None:
    pages = shutil.copytree(defaults.PAGES_DIR, tmp_path / "pages")
    (pages / "fr" / "add.md").unlink()
    index = pages / "de" / "index.md"
    index.write_text(
        index.read_text("utf-8").replace("{% if count == 0 -%}", "{% if count < 2 -%}"), "utf-8"
    )
    ai = pages / "it" / "for-ai.md"
    ai.write_text(ai.read_text("utf-8").replace("curl -s", "wget -qO-"), "utf-8")
    assert _page_problems(pages) == [
        "fr/add.md is missing: translate en/add.md",
        "it/for-ai.md: its code blocks differ from en/for-ai.md",
        "de/index.md: its template tags differ from en/index.md",
    ]


# --- The built site in each language ----------------------------------------


def build_in_language(sample_root: Path, dest: Path, lang: str) -> Path:
    """The sample directory built into ``dest/_site`` with ``site.language: <lang>``."""
    repo = shutil.copytree(sample_root, dest / "repo")
    settings = (repo / "directory.yaml").read_text("utf-8")
    assert "  language: en\n" in settings
    settings = settings.replace("  language: en\n", f"  language: {lang}\n")
    (repo / "directory.yaml").write_text(settings, "utf-8")
    return build_into(repo, dest / "_site")


@pytest.fixture(scope="module")
def site_in(
    sample_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Path]]:
    """The sample directory built in a language, once per language and module."""
    built: dict[str, Path] = {}

    def build(lang: str) -> Path:
        if lang not in built:
            built[lang] = build_in_language(sample_root, tmp_path_factory.mktemp(lang), lang)
        return built[lang]

    yield build


class _Visible(HTMLParser):
    """What a visitor reads: text and the attributes shown or spoken, by element.

    Skips scripts and styles, and any element whose ``lang`` differs from the
    page's: that is text a business wrote in another language.
    """

    SHOWN = (
        "title",
        "aria-label",
        "alt",
        "placeholder",
        "data-placeholder",
        "data-open",
        "data-closed",
        "data-zoom-in",
        "data-zoom-out",
        "data-close",
    )
    VOID = frozenset(
        {"br", "hr", "img", "input", "link", "meta", "source", "wbr", "area", "base", "col"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.parts: list[str] = []
        self.h1: list[str] = []
        self.h2: list[str] = []
        self.tabs: list[str] = []
        self._stack: list[tuple[str, bool, str]] = []  # (tag, skipped, role)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped, _ in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
            return
        lang = a.get("lang")
        # Code (file names, commands) is the same in every language.
        skip = tag in ("script", "style", "code", "pre") or (lang is not None and lang != self.lang)
        role = tag if tag in ("h1", "h2") else ""
        if "md-tabs__link" in a.get("class", "").split():
            role = "tab"
        if tag not in self.VOID:
            self._stack.append((tag, skip, role))
        if not skip and not self._skipping():
            self.parts += [a[name] for name in self.SHOWN if a.get(name)]
            if role:
                getattr(self, role if role != "tab" else "tabs").append("")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        self.parts.append(data)
        roles = {role for _, _, role in self._stack if role}
        for role, target in (("h1", self.h1), ("h2", self.h2), ("tab", self.tabs)):
            if role in roles and target:
                target[-1] += data

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _visible(path: Path) -> _Visible:
    page = _Visible()
    page.feed(path.read_text("utf-8"))
    page.close()
    page.h1 = [" ".join(h.split()) for h in page.h1]
    page.h2 = [" ".join(h.split()) for h in page.h2]
    page.tabs = [" ".join(t.split()) for t in page.tabs]
    return page


# Names of things that are not translated: formats, protocols, the theme.
PROPER_NAMES = ("Frictionless Data Package", "Model Context Protocol", "Material for MkDocs")


def _written_by_others() -> list[str]:
    """Every text of the sample's entries and settings, and proper names, longest first.

    None of it is the interface's: it stays as written in every language.
    """
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(" ".join(value.split()))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in sorted((SAMPLE / "entries").rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text("utf-8")))
    walk(yaml.safe_load((SAMPLE / "directory.yaml").read_text("utf-8")))
    # Short values (language codes, "yes") would cut words of the interface apart.
    found = [t for t in found if len(t) >= 4]
    return sorted({*found, *PROPER_NAMES}, key=len, reverse=True)


def _texts(value: str | Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value.values())


def _material(lang: str) -> dict[str, str]:
    """Material's interface strings in ``lang`` (its ``partials/languages/<lang>.html``)."""
    text = (MATERIAL_LANGUAGES / f"{lang}.html").read_text("utf-8")
    return dict(re.findall(r'^\s*"([\w.]+)": "(.*)",?$', text, re.M))


# English words of the interface that are words of another language too, where its
# own text uses them: "pas de place payante". (The search filter named "place" is
# checked by name in the browser tests.)
ALSO_NATIVE = {"fr": {"place"}}


def _english_words(lang: str) -> dict[str, re.Pattern[str]]:
    """The English interface texts that ``lang`` says differently, as patterns to look for.

    From Quartier's catalogue and Material's strings: each text is cut at its
    placeholders, and pieces without three letters in a row are left out.
    """
    english: dict[str, tuple[list[str], list[str]]] = {}
    ours: Catalogue = catalogue(lang)
    for key, value in catalogue(REFERENCE).items():
        if key not in DATE_PATTERNS:
            english[key] = (_texts(value), _texts(ours[key]))
    theirs = _material(lang)
    for key, value in _material(REFERENCE).items():
        if not key.startswith(("language", "search.config", "direction")):
            english[f"material:{key}"] = ([value], [theirs.get(key, "")])
    patterns = {}
    for key, (texts, translated) in english.items():
        for text in texts:
            for piece in re.split(r"\{\w*\}|#", text):
                piece = piece.strip(" :;,.·()")
                # A word both languages share ("Website" in German) is not English left over.
                if piece in ALSO_NATIVE.get(lang, ()):
                    continue
                if re.search(r"[A-Za-z]{3}", piece) and not any(piece in t for t in translated):
                    patterns[f"{key}: {piece!r}"] = re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)")
    return patterns


PAGES = {
    "home": "index.html",
    "category": "categories/bakery/index.html",
    "place": "places/bern/index.html",
    "map": "map/index.html",
    "business": "businesses/velowerk-lorraine/index.html",
    "closed business": "businesses/chaesegge-altstadt/index.html",
    "add": "add/index.html",
    "for-ai": "for-ai/index.html",
    "404": "404.html",
}


def _front_title(lang: str, name: str) -> str:
    """A hand-written page's title as MkDocs takes it: front matter, else its first heading."""
    text = defaults.page_source(name, lang).read_text("utf-8")
    match = re.search(r"^title: (.+)$", text, re.M)
    if match:
        return match.group(1).strip()
    heading = re.search(r"^# (.+)$", text, re.M)
    assert heading, name
    return heading.group(1).strip()


@pytest.mark.parametrize("lang", ["fr", "it", "es", "de"])
def test_every_page_is_in_the_site_language(lang: str, site_in: Callable[[str], Path]) -> None:
    site = site_in(lang)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert f'<html lang="{lang}"' in page.read_text("utf-8"), page.relative_to(site)


@pytest.mark.parametrize("lang", ["fr", "it", "es", "de"])
def test_navigation_and_headings_are_in_the_site_language(
    lang: str, site_in: Callable[[str], Path]
) -> None:
    site = site_in(lang)
    t = strings(lang)
    home = _visible(site / "index.html")
    assert home.tabs == [
        _front_title(lang, "index.md"),
        t["categories"],
        t["places"],
        t["map"],
        _front_title(lang, "add.md"),
        _front_title(lang, "for-ai.md"),
    ]  # the entry fields' reference is a footer link (issue 15)
    assert home.h2 == [t["categories"], t["places"], t["newest"]]
    assert _visible(site / "categories/index.html").h1 == [t["categories"]]
    assert _visible(site / "places/index.html").h1 == [t["places"]]
    map_page = _visible(site / "map/index.html")
    assert (map_page.h1, map_page.h2) == ([t["map"]], [t["map_list_heading"]])
    business = _visible(site / PAGES["business"])
    # Contact links have no heading: they are tap targets on the first screen (issue 15).
    for key in ("hours", "address", "story", "good_to_know", "offerings", "partners"):
        assert t[key] in business.h2, key
    for key in ("add.md", "for-ai.md"):
        assert _visible(site / key.replace(".md", "/index.html")).h1 == [_front_title(lang, key)]
    assert _visible(site / "404.html").h1 == [t["not_found"]]
    assert _visible(site / "reference/entry/index.html").h1 == [t["reference"]]


def _english_headings(name: str) -> list[str]:
    text = (defaults.PAGES_DIR / REFERENCE / name).read_text("utf-8")
    return [h.strip() for h in re.findall(r"^#+ (.+)$", text, re.M)]


def english_left_over(lang: str, text: str) -> list[str]:
    """The English interface texts in ``text`` (what a visitor reads on a ``lang`` page).

    Text that businesses and the directory wrote is taken out first; each
    finding names the catalogue key (or page) and the English words.
    """
    for written in _written_by_others():
        text = text.replace(written, " ")
    left = [name for name, pattern in _english_words(lang).items() if pattern.search(text)]
    for name in defaults.page_names():
        left += [f"{name}: {h!r}" for h in _english_headings(name) if h in text]
    return left


def _left_over(lang: str, path: Path) -> list[str]:
    return english_left_over(lang, _visible(path).text())


@pytest.mark.parametrize("lang", ["fr", "it", "es", "de"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_no_english_interface_text_is_left(
    lang: str, kind: str, site_in: Callable[[str], Path]
) -> None:
    path = site_in(lang) / PAGES[kind]
    assert _visible(path).lang == lang
    assert _left_over(lang, path) == [], _visible(path).text()


# What the check must find on each page of the English site: words of that page's own.
ENGLISH_FOUND = {
    "home": "newest: 'Recently verified'",
    "category": "businesses: 'businesses'",
    "place": "businesses: 'businesses'",
    "map": "map_list_heading: 'Businesses in view'",
    "business": "last_verified: 'Last verified'",
    "closed business": "status_temporarily_closed: 'Temporarily closed'",
    "add": "add.md: 'How it works'",
    "for-ai": "for-ai.md: 'Examples'",
    "404": "not_found: 'Page not found'",
}


@pytest.mark.parametrize("lang", ["fr", "it", "es", "de"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_the_english_check_finds_english(
    lang: str, kind: str, site_in: Callable[[str], Path]
) -> None:
    """The check above is not blind: on the English site it finds each page's own words."""
    left = _left_over(lang, site_in(REFERENCE) / PAGES[kind])
    assert ENGLISH_FOUND[kind] in left
    assert "footer_license: 'license'" in left


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "1 business", "2 businesses"),
        ("de", "1 Betrieb", "2 Betriebe"),
        ("fr", "1 commerce", "2 commerces"),
        ("it", "1 attività", "2 attività"),
        ("es", "1 comercio", "2 comercios"),
    ],
)
def test_counts_on_the_built_pages_take_the_language_plural(
    lang: str, one: str, two: str, site_in: Callable[[str], Path]
) -> None:
    site = site_in(lang)
    # The sample has one cheese shop and two bakeries.
    assert f'<p class="q-small">{one}</p>' in (
        site / "categories/cheese-shop/index.html"
    ).read_text("utf-8")
    bakery = (site / "categories/bakery/index.html").read_text("utf-8")
    assert f'<p class="q-small">{two}</p>' in bakery


@pytest.mark.parametrize(
    ("lang", "verified", "monday", "closed", "status"),
    [
        ("en", "1 October 2026", "Monday", "closed", "Temporarily closed"),
        ("de", "1. Oktober 2026", "Montag", "geschlossen", "Vorübergehend geschlossen"),
        ("fr", "1er octobre 2026", "lundi", "fermé", "Fermé temporairement"),
        ("it", "1 ottobre 2026", "lunedì", "chiuso", "Chiusa temporaneamente"),
        ("es", "1 de octubre de 2026", "lunes", "cerrado", "Cerrado temporalmente"),
    ],
)
def test_business_pages_write_dates_days_and_statuses_in_the_language(
    lang: str, verified: str, monday: str, closed: str, status: str, site_in: Callable[[str], Path]
) -> None:
    site = site_in(lang)
    html = (site / PAGES["business"]).read_text("utf-8")
    assert f'<time datetime="2026-10-01">{verified}</time>' in html
    assert f'<tr><th scope="row">{monday}</th><td>{closed}</td></tr>' in html
    assert f">{status}</span>" in (site / PAGES["closed business"]).read_text("utf-8")
