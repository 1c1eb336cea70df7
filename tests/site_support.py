"""Helpers shared by the site tests: building the site, a hostile entry, reading HTML."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from quartier.directory import read_directory
from quartier.publish import build
from quartier.site import build_site

from .conftest import ROOT, TODAY

BASE_URL = "https://quartier-dev.github.io/quartier/"
HOSTILE_ID = "hostile-bakery"
# Each line tries another way out of the text it is put into.
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[link](javascript:alert(1))",
    "</script>",
)
BROWSER_PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
# The placeholders of the business shell (see quartier.site.stamp): entry text must not fill them.
SLOTS = "QUARTIERTITLESLOT QUARTIERCONTENTSLOT QUARTIERJSONLDSLOT QUARTIERDESCRIPTIONSLOT"


def entry_ids() -> list[str]:
    return sorted(p.stem for p in (ROOT / "entries").rglob("*.yaml"))


def build_into(root: Path, out: Path) -> Path:
    """The full build (machine outputs and HTML site) of the repository at ``root``."""
    directory = read_directory(root, today=TODAY)
    assert not directory.errors, [p.message for p in directory.errors]
    build(directory, out, commit="0" * 40, extras=(build_site,))
    return out


def hostile_repo(root: Path) -> Path:
    """A repository with the real settings and site, and one entry full of payloads."""
    root.mkdir(parents=True)
    for name in ("directory.yaml", "mkdocs.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "site", root / "site")
    (root / "schema").mkdir()
    shutil.copy(ROOT / "schema" / "taxonomy.yaml", root / "schema" / "taxonomy.yaml")
    payload = " ".join(PAYLOADS)
    entry: dict[str, Any] = {
        "id": HOSTILE_ID,
        "name": f"Hostile {PAYLOADS[0]} {PAYLOADS[1]} {PAYLOADS[3]}",
        "status": "open",
        "category": "bakery",
        "summary": {
            "en": f"Hostile summary {payload} {SLOTS}",
            "de": f"Feindselige Zusammenfassung {payload}",
        },
        "description": {
            "en": f"Hostile description {payload}\n\n{BROWSER_PAYLOAD}\n\n{SLOTS}\n",
            "de": f"Beschreibung {payload}\n",
        },
        "location": {
            "address": {
                "street": f"Gasse {PAYLOADS[1]}",
                "locality": "Bern",
                "country": "CH",
            },
            "geo": {"lat": 46.95, "lon": 7.44},
        },
        "opening_hours": "Mo-Fr 08:00-18:00",
        "contact": {"website": "https://hostile.example.ch"},
        "maintainers": ["tester"],
        "last_verified": "2026-10-01",
    }
    path = root / "entries" / "ch" / "bern" / f"{HOSTILE_ID}.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), "utf-8")
    return root


class Page(HTMLParser):
    """What the tests look at in one HTML page: tags with attributes, scripts, text by tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.h1 = ""
        self.address = ""
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._script_text = dict(attrs), []
        elif tag in ("h1", "address"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        elif tag in self._open:
            self._open.remove(tag)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        if "h1" in self._open:
            self.h1 += data
        if "address" in self._open:
            self.address += data

    def jsonld(self) -> list[Any]:
        return [
            json.loads(text)
            for attrs, text in self.scripts
            if attrs.get("type") == "application/ld+json"
        ]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    page.close()
    return page
