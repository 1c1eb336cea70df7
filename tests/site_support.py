"""Helpers shared by the site tests: building the site, the hostile corpus, reading HTML."""

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

from .conftest import SAMPLE, TODAY

BASE_URL = "https://quartier-dev.github.io/quartier/"
HOSTILE = Path(__file__).parent / "hostile"
# The placeholders of the business shell (see quartier.site.stamp): entry text must not fill them.
SLOTS = "QUARTIERTITLESLOT QUARTIERCONTENTSLOT QUARTIERJSONLDSLOT QUARTIERDESCRIPTIONSLOT"


def entry_ids() -> list[str]:
    """The ids of the sample's entries (tests/fixtures/sample)."""
    return sorted(p.stem for p in (SAMPLE / "entries").rglob("*.yaml"))


def build_into(root: Path, out: Path) -> Path:
    """The full build (machine outputs and HTML site) of the repository at ``root``."""
    directory = read_directory(root, today=TODAY)
    assert not directory.errors, [p.message for p in directory.errors]
    build(directory, out, commit="0" * 40, extras=(build_site,))
    return out


def hostile_repo(root: Path) -> Path:
    """The hostile corpus (``tests/hostile``) as a data-only directory repository.

    The corpus holds what a city writes (settings, entries, pages of its own);
    the site's theme, pages and the taxonomy come from the package, so the
    payloads meet the real pages.
    """
    shutil.copytree(
        HOSTILE, root, ignore=shutil.ignore_patterns("invalid", "*.md", "payloads.yaml")
    )
    return root


def hostile_payloads() -> dict[str, str]:
    """Entry id -> the payload every owner-written text of that entry carries."""
    data = yaml.safe_load((HOSTILE / "payloads.yaml").read_text("utf-8"))
    return {entry_id: item["payload"] for entry_id, item in data.items()}


class Page(HTMLParser):
    """What the tests look at in one HTML page: tags with attributes, scripts, text by tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.h1 = ""
        self.address = ""
        self.title = ""
        self.text = ""  # all text outside scripts
        # Pagefind filters as Pagefind reads them: (name, the element's text).
        self.filters: list[tuple[str, str]] = []
        self._filter: str | None = None
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._script_text = dict(attrs), []
        elif tag in ("h1", "address", "title"):
            self._open.append(tag)
        name = dict(attrs).get("data-pagefind-filter")
        if name is not None:
            self._filter = name
            self.filters.append((name, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        elif tag in self._open:
            self._open.remove(tag)
        if self._filter is not None:
            self._filter = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.text += data
        if "h1" in self._open:
            self.h1 += data
        if "address" in self._open:
            self.address += data
        if "title" in self._open:
            self.title += data
        if self._filter is not None:
            name, text = self.filters[-1]
            self.filters[-1] = (name, text + data)

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
