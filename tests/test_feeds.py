"""The feeds readers expect: Atom and JSON Feed, with dates, safe HTML, and found from every page.

feedparser (the ``dev`` extra) is what most feed readers and many crawlers
use; it reads the Atom feed here as they would. Its latest release (6.0)
has no JSON Feed parser, so the JSON Feed is checked against the JSON Feed
1.1 rules directly. Owner text is hostile (tests/hostile): in neither feed
may it become an element, an attribute or a ``javascript:`` link.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest

from quartier.directory import read_directory
from quartier.publish import build

from .conftest import TODAY
from .site_support import BASE_URL, build_into, hostile_payloads, hostile_repo

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feeds") / "_site"
    build(read_directory(sample_root, today=TODAY), out, commit="0" * 40, feed_page_size=4)
    return out


def _json_items(site: Path) -> list[dict]:
    """Every JSON Feed item, following ``next_url`` from ``feed.json``."""
    items, name = [], "feed.json"
    while name:
        page = json.loads((site / name).read_text("utf-8"))
        items += page["items"]
        name = page.get("next_url", "").removeprefix(BASE_URL)
    return items


def _atom_entries(site: Path) -> list[feedparser.FeedParserDict]:
    """Every Atom entry as feedparser reads it, following ``<link rel="next">``."""
    entries, name = [], "feed.atom"
    while name:
        # No sanitizing: the test must see what the feed holds, not feedparser's cleanup.
        parsed = feedparser.parse((site / name).read_bytes(), sanitize_html=False)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        entries += parsed.entries
        following = [link.href for link in parsed.feed.links if link.rel == "next"]
        name = following[0].removeprefix(BASE_URL) if following else ""
    return entries


def test_feedparser_reads_the_atom_feed_with_titles_links_and_dates(site: Path) -> None:
    parsed = feedparser.parse((site / "feed.atom").read_bytes())
    assert parsed.feed.title == "Quartier Sample Directory"
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert self_link == BASE_URL + "feed.atom"
    items, entries = _json_items(site), _atom_entries(site)
    assert len(entries) == len(items) == 15, "every business, across the pages"
    for entry, item in zip(entries, items, strict=True):
        assert entry.id == entry.link == item["url"]
        assert entry.title == item["title"]
        assert entry.updated == entry.published == item["date_modified"]
        assert [t.term for t in entry.tags] == item["tags"]
        assert entry.summary == item["summary"]
        assert entry.content[0].type == "text/html"
        assert entry.content[0].value == item["content_html"]
    updated = [e.updated for e in entries]
    assert updated == sorted(updated, reverse=True), "newest first"
    assert parsed.feed.updated == updated[0]


def test_json_feed_items_have_dates_and_html_content(site: Path) -> None:
    items = _json_items(site)
    by_id = {item["_quartier"]["entry"]["id"]: item for item in items}
    for entry_id, item in by_id.items():
        verified = item["_quartier"]["entry"]["last_verified"]
        for key in ("date_published", "date_modified"):
            when = datetime.fromisoformat(item[key])
            assert when.tzinfo == UTC and when.date().isoformat() == verified, (entry_id, key)
        assert "content_text" not in item and item["content_html"].startswith("<p>")
    # The owner's Markdown is rendered, not shown as it is written.
    tidepool = by_id["tidepool-records-soquel"]["content_html"]
    assert "<strong>listening stations</strong>" in tidepool and "**" not in tidepool


class _Markup(HTMLParser):
    """The elements and attributes of an HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_harmless(html: str, where: str) -> None:
    for tag, attrs in _Markup(html).tags:
        assert tag in {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "blockquote"}, (
            where,
            tag,
        )
        assert not any(name.startswith("on") for name in attrs), (where, attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), (where, href)


def test_hostile_owner_text_never_becomes_markup_in_either_feed(tmp_path: Path) -> None:
    root = hostile_repo(tmp_path / "hostile")
    out = tmp_path / "_site"
    build(read_directory(root, today=TODAY), out, commit="0" * 40)
    payloads = hostile_payloads()
    items = {item["_quartier"]["entry"]["id"]: item for item in _json_items(out)}
    ET.parse(out / "feed.atom")  # well-formed XML whatever the owners wrote
    entries = {e.link.rsplit("/", 2)[-2]: e for e in _atom_entries(out)}
    assert set(payloads) <= set(items) and set(payloads) <= set(entries)
    for entry_id in payloads:
        _assert_harmless(items[entry_id]["content_html"], f"feed.json {entry_id}")
        _assert_harmless(entries[entry_id].content[0].value, f"feed.atom {entry_id}")
        # Titles and summaries are text: the payload reads back as the characters written.
        assert entries[entry_id].title == items[entry_id]["title"]
        assert entries[entry_id].summary == items[entry_id]["summary"]
    script = items["hostile-script"]["content_html"]
    assert "&lt;script&gt;" in script and "<script" not in script


def test_both_feeds_are_deterministic(sample_root: Path, tmp_path: Path, site: Path) -> None:
    again = tmp_path / "again"
    build(read_directory(sample_root, today=TODAY), again, commit="0" * 40, feed_page_size=4)
    names = sorted(p.name for p in site.glob("feed*"))
    pages = ("feed", "feed-2", "feed-3", "feed-4")  # 15 businesses, 4 a page
    assert names == sorted(f"{page}.{kind}" for page in pages for kind in ("atom", "json"))
    for name in names:
        assert (again / name).read_bytes() == (site / name).read_bytes(), name


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") and a.get("href"):
            self.alternates[str(a["type"])] = str(a["href"])


def test_every_page_advertises_both_feeds(sample_root: Path, tmp_path: Path) -> None:
    out = build_into(sample_root, tmp_path / "_site")
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        links = _Links()
        links.feed(page.read_text("utf-8"))
        assert set(links.alternates) >= {"application/atom+xml", "application/feed+json"}, page
        rel = page.relative_to(out).as_posix()
        for media, href in links.alternates.items():
            if media not in ("application/atom+xml", "application/feed+json"):
                continue
            # Resolved as a reader does, against the page's own URL on the published site.
            url = urljoin(BASE_URL + rel, href)
            assert url == BASE_URL + ("feed.atom" if "atom" in media else "feed.json"), (rel, url)
