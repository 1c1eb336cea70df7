"""The hostile corpus (``tests/hostile``) through the whole build, checked without a browser.

Every owner-written text of the corpus carries a payload (a script, an event
handler, a Markdown attribute list, a link to ``javascript:``, an end tag, a
template tag, ...). The built pages are parsed here and searched for anything
a payload would need to run; ``tests/test_site_browser.py`` loads the same
pages in Chromium and checks that nothing ran.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
import yaml

from quartier import parallel
from quartier.directory import read_directory
from quartier.publish.context import group_by_place
from quartier.publish.urls import slug
from quartier.schema import entry_json_schema
from quartier.site.business import FILTER_SAFE

from .conftest import TODAY
from .site_support import HOSTILE, SLOTS, Page, build_into, hostile_payloads, hostile_repo, parse

pytest.importorskip("mkdocs", reason="the site needs the site extra: pip install 'quartier[site]'")

DIRECTORY = "Hostile Test Directory"
# Free text by the model's JSON Schema, but checked as a phone number: the payload is
# refused (tests/hostile/invalid/contact.yaml), so it never reaches a page.
REFUSED_TEXT = {"contact.phone"}
# Attributes whose value a browser follows or loads.
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcdoc"}
RUNNING_SCHEMES = {"javascript", "vbscript", "data"}
EMBEDDED = ("application/ld+json", "application/json")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    return build_into(hostile_repo(tmp / "repo"), tmp / "_site")


def _entries() -> dict[str, dict[str, Any]]:
    paths = (HOSTILE / "entries").rglob("*.yaml")
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in paths}


def _schema_strings() -> tuple[set[str], set[str]]:
    """Paths of free text and of web addresses in an entry, from the model's JSON Schema."""
    schema = entry_json_schema()
    defs = schema["$defs"]
    texts: set[str] = set()
    urls: set[str] = set()

    def walk(node: dict[str, Any], path: str) -> None:
        if "$ref" in node:
            walk(defs[node["$ref"].rsplit("/", 1)[1]], path)
        for sub in node.get("anyOf", []) + node.get("allOf", []):
            walk(sub, path)
        kind = node.get("type")
        if kind == "object":
            for name, sub in node.get("properties", {}).items():
                walk(sub, f"{path}.{name}" if path else name)
            for sub in node.get("patternProperties", {}).values():
                walk(sub, f"{path}.*")
        elif kind == "array":
            walk(node.get("items", {}), f"{path}[]")
        elif kind == "string" and node.get("pattern") == "^https?://":
            urls.add(path)
        elif kind == "string" and not {"pattern", "enum", "const", "format"} & node.keys():
            texts.add(path)

    walk(schema, "")
    return texts, urls


def _strings(entry: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(path as in :func:`_schema_strings`, text) of every string in an entry."""
    schema = entry_json_schema()
    defs = schema["$defs"]
    kinds = {dict: "object", list: "array", str: "string"}

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return defs[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    def walk(node: dict[str, Any], value: Any, path: str) -> Iterator[tuple[str, str]]:
        node = resolve(node)
        for sub in map(resolve, node.get("anyOf", [])):
            if sub.get("type") == kinds.get(type(value)):
                node = sub
        if isinstance(value, dict):
            for key, sub_value in value.items():
                if key in node.get("properties", {}):
                    sub_path = f"{path}.{key}" if path else key
                    yield from walk(node["properties"][key], sub_value, sub_path)
                else:  # a language map
                    (sub,) = node["patternProperties"].values()
                    yield from walk(sub, sub_value, f"{path}.*")
        elif isinstance(value, list):
            for item in value:
                yield from walk(node.get("items", {}), item, f"{path}[]")
        elif isinstance(value, str):
            yield path, value

    return walk(schema, entry, "")


def test_every_owner_text_of_the_model_carries_a_payload() -> None:
    """The corpus keeps up with the model: a new text field without a payload fails here."""
    texts, urls = _schema_strings()
    assert {"name", "location.address.locality", "description.*", "images[].alt.*"} <= texts
    entries = _entries()
    payloads = hostile_payloads()
    assert set(payloads) <= set(entries)
    for entry_id, payload in payloads.items():
        strings = list(_strings(entries[entry_id]))
        # An opening_hours comment cannot hold '"': it carries the payload with "'" instead.
        variants = (payload, payload.replace('"', "'"))
        carried = {path for path, text in strings if any(v in text for v in variants)}
        missing = texts - REFUSED_TEXT - carried
        assert not missing, (entry_id, sorted(missing))
        with_svg = {path for path, text in strings if "<svg" in text and path in urls}
        assert with_svg == urls, (entry_id, sorted(urls - with_svg))
        assert "__pwned" in payload or "alert(document.domain)" in payload or "JINJA" in payload


def test_the_corpus_is_valid(tmp_path: Path) -> None:
    """Valid entries reach the pages: a refusal would hide a payload from every other test."""
    repo = read_directory(hostile_repo(tmp_path / "repo"), today=TODAY)
    assert repo.errors == [], [(p.path, p.field, p.message) for p in repo.errors]
    assert sorted(repo.entries) == sorted(_entries())


def _refused(path: Path) -> set[str]:
    return set(re.findall(r"^# refused: (\S+)$", path.read_text("utf-8"), re.MULTILINE))


@pytest.mark.parametrize("case", sorted((HOSTILE / "invalid").glob("*.yaml")), ids=lambda p: p.stem)
def test_validation_refuses_what_no_page_may_show(case: Path, tmp_path: Path) -> None:
    """Payloads the corpus cannot carry are stopped by validation, field by field."""
    expected = _refused(case)
    assert expected, f"{case.name} names no refused field"
    shutil.copy(HOSTILE / "directory.yaml", tmp_path / "directory.yaml")
    (tmp_path / "entries").mkdir()
    shutil.copy(case, tmp_path / "entries" / case.name)
    repo = read_directory(tmp_path, today=TODAY)
    assert {p.field for p in repo.errors} == expected
    assert not repo.entries


def _scheme(url: str) -> str:
    """The scheme a browser sees: it ignores surrounding blanks, tabs and newlines inside."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("\x00- ").lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


def dangers(page: Page) -> list[str]:
    """Everything in a parsed page that runs script or that only entry text could have made."""
    found = []
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            runs = name in URL_ATTRS and _scheme(value or "") in RUNNING_SCHEMES
            if runs or name.startswith("on") or name == "autofocus":
                found.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "base", "frame") or attrs.get("src") == "x":
            found.append(f"<{tag} {attrs}>")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            found.append(f"<meta {attrs}>")
    for attrs, text in page.scripts:
        if attrs.get("type") in EMBEDDED:
            json.loads(text)  # whole: no text closed the element early
        elif "__pwned" in text or "alert(" in text:
            found.append(f"<script>{text[:80]}")
    if "JINJARAN" in page.text:
        found.append("a template tag was rendered")
    return found


def test_no_page_has_anything_that_runs(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30
    found = {
        str(path.relative_to(site)): problems
        for path in pages
        if (problems := dangers(parse(path)))
    }
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_business_pages_show_every_payload_as_text(site: Path) -> None:
    for entry_id, payload in hostile_payloads().items():
        entry = _entries()[entry_id]
        page = parse(site / "businesses" / entry_id / "index.html")
        assert page.h1.strip() == entry["name"], entry_id
        assert page.title == f"{entry['name']} - {DIRECTORY}", entry_id
        # Every text shows in full, payload included (the URLs carry their own).
        assert page.text.count(payload) >= 10, entry_id
        (doc,) = page.jsonld()
        assert doc["name"] == entry["name"]
    template = parse(site / "businesses" / "hostile-template" / "index.html")
    assert SLOTS in template.text and "{% raw %}" in template.text


def _place(site: Path, locality: str) -> Page:
    return parse(site / "places" / slug(locality) / "index.html")


def test_place_pages_show_the_locality_as_text(site: Path) -> None:
    """Finding 1: a locality with markup, an attribute list or a link is a place's name, as text.

    Material puts a page's title into ``<title>`` and the header unescaped, and
    a Markdown heading would read ``{: onfocus=... }`` and ``[x](javascript:...)``.
    """
    for entry_id in hostile_payloads():
        locality = _entries()[entry_id]["location"]["address"]["locality"]
        page = _place(site, locality)
        assert page.h1.strip() == locality, entry_id
        assert page.title == f"{locality} - {DIRECTORY}", entry_id
        assert dangers(page) == [], entry_id
        (doc,) = page.jsonld()
        assert doc["name"] == locality


def test_search_filters_hold_no_markup_pagefind_could_decode(site: Path) -> None:
    """Finding 2: Pagefind's interface puts filter values into the page as HTML.

    Pagefind decodes entities in a filter's text while indexing, so the text
    it reads must have no ``<``, ``>`` or ``&`` at all, even as entities (and
    no ``"``, which Pagefind cannot match).
    """
    for entry_id, entry in _entries().items():
        filters = parse(site / "businesses" / entry_id / "index.html").filters
        assert {name for name, _ in filters} == {"category", "place"}, entry_id
        for name, value in filters:
            for char in '<>&"':
                assert char not in value, (entry_id, name, value)
            if name == "place":
                locality = entry["location"]["address"]["locality"]
                assert slug(value) == slug(locality)
    locality = _entries()["hostile-img"]["location"]["address"]["locality"]
    page = parse(site / "businesses" / "hostile-img" / "index.html")
    assert ("place", locality.translate(FILTER_SAFE)) in page.filters
    assert locality.translate(FILTER_SAFE) == "Bern ＜img src=x onerror=＂window.__pwned='img'＂＞"


def test_a_place_is_named_by_most_of_its_entries(site: Path) -> None:
    """Finding 10: the first entry by id (0-bern-renamed) does not rename Bern for the others."""
    assert _entries()["0-bern-renamed"]["location"]["address"]["locality"] == "☠ BERN ☠ <!--"
    page = parse(site / "places" / "bern" / "index.html")
    assert page.h1.strip() == "Bern"
    assert page.title == f"Bern - {DIRECTORY}"
    (doc,) = page.jsonld()
    assert doc["name"] == "Bern" and doc["numberOfItems"] == 3
    places = json.loads((site / "api/v1/places.json").read_text("utf-8"))["places"]
    assert [p["name"] for p in places if p["id"] == "bern"] == ["Bern"]
    listed = json.loads((site / "api/v1/places/bern.json").read_text("utf-8"))
    assert listed["place"]["name"] == "Bern" and listed["count"] == 3
    llms = (site / "llms.txt").read_text("utf-8")
    assert (
        "- [Bern](https://hostile.example/directory/places/bern/): 3; "
        "[JSON](https://hostile.example/directory/api/v1/places/bern.json)\n"
    ) in llms
    assert "BERN" not in llms
    for rel in ("index.html", "places/index.html"):
        html = (site / rel).read_text("utf-8")
        assert re.findall(r'href="(?:\.\./)?places/bern/">([^<]*)</a>', html) == ["Bern"], rel
    renamed = parse(site / "businesses" / "0-bern-renamed" / "index.html")
    assert ("place", "Bern") in renamed.filters
    # Its own address still says what the entry says.
    assert "☠ BERN ☠ <!--" in renamed.address


def test_place_name_is_the_most_common_spelling_whatever_the_order() -> None:
    rows = [("0-a", "☠ BERN ☠"), ("b", "Bern"), ("c", "Bern"), ("d", "BERN")]
    for order in (rows, rows[::-1], rows[1:] + rows[:1]):
        ((name, ids),) = group_by_place(order).values()
        assert name == "Bern" and sorted(ids) == ["0-a", "b", "c", "d"]
    # A tie goes to the spelling with the fewest signs that are not letters or digits,
    # then to the first in code point order: never to whichever entry sorts first.
    assert group_by_place([("0", "Bern!"), ("1", "Bern")])["bern"][0] == "Bern"
    assert group_by_place([("0", "bern"), ("1", "Bern")])["bern"][0] == "Bern"
    assert (
        group_by_place([("0", "Santa-Cruz"), ("1", "Santa Cruz")])["santa-cruz"][0] == "Santa Cruz"
    )
    # A 1:1 tie is no way in either: words in another script (which the slug drops)
    # or capitals lose against the plain name.
    koniz = [("0", "KÖNIZ Только эта мастерская открыта"), ("1", "Köniz")]
    assert group_by_place(koniz)["koniz"][0] == "Köniz"
    assert group_by_place([("0", "BERN"), ("1", "Bern")])["bern"][0] == "Bern"


def test_search_names_a_place_as_the_site_does() -> None:
    from quartier.discover.places import Gazetteer

    gaz, other = Gazetteer(), Gazetteer()
    gaz.add("locality", "BËRN", 46.95, 7.44)  # an entry whose id sorts first
    gaz.add("locality", "Bern", 46.95, 7.44)
    other.add("locality", "Bern", 46.95, 7.45)
    gaz.merge(other)
    gaz.finish()
    place = gaz.find("bern")
    assert place is not None and place.label == "Bern" and place.count == 3


def test_jsonld_files_are_safe_inside_a_script_element(site: Path) -> None:
    """Finding 11: ``api/v1/entries/<id>.jsonld`` can be pasted into ``<script>`` as it is."""
    files = sorted((site / "api/v1/entries").glob("*.jsonld"))
    assert len(files) == len(_entries())
    for path in files:
        text = path.read_text("utf-8")
        for char in "<>&\u2028\u2029":
            assert char not in text, (path.name, char)
        doc = json.loads(text)
        entry_id = path.stem
        record = json.loads((site / f"api/v1/entries/{entry_id}.json").read_text("utf-8"))
        assert record["jsonld"] == doc
        (embedded,) = parse(site / "businesses" / entry_id / "index.html").jsonld()
        assert embedded == doc
    doc = json.loads((site / "api/v1/entries/hostile-end-script.jsonld").read_text("utf-8"))
    assert doc["name"] == _entries()["hostile-end-script"]["name"]
    assert "</script>" in doc["name"]


def test_front_matter_holds_any_character_a_locality_may_have() -> None:
    """A C1 control (valid in a locality) made MkDocs drop a place page's front matter.

    The page then had no title and no JSON-LD, and showed its front matter as text.
    """
    from mkdocs.utils.meta import get_data

    from quartier.site.pages import _front

    title = "Muri\x80\x9f\x7f\ufffe \U0001f600 <b>"
    body, meta = get_data(_front(title, title, {"name": title}) + "body\n")
    assert body == "body\n"
    assert meta["title"] == meta["description"] == escape(title)
    assert json.loads(meta["jsonld"]) == {"name": title}


def test_hostile_build_is_byte_identical_on_forked_workers(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Place names, filters and escaped JSON-LD come out the same from forked workers.

    Pagefind's bundle is left out, as in test_site: upstream writes it in a varying order.
    """
    monkeypatch.setattr(parallel, "FORCE", True)
    again = build_into(hostile_repo(tmp_path / "repo"), tmp_path / "again")

    def files(top: Path) -> list[Path]:
        return sorted(
            p.relative_to(top)
            for p in top.rglob("*")
            if p.is_file() and p.relative_to(top).parts[0] != "pagefind"
        )

    assert files(site) == files(again)
    for rel in files(site):
        assert (site / rel).read_bytes() == (again / rel).read_bytes(), rel
