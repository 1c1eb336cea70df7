"""``feed.json``: the directory as a JSON Feed 1.1, newest change first; ``feed.atom`` beside it.

Each item is one business; its ``id`` is the business's permanent page URL,
its ``date_published`` and ``date_modified`` its ``last_verified``, its
``content_html`` the owner's summary and description as safe HTML (the
Markdown rendered and sanitized by :func:`quartier.markup.render`: no
script, no ``javascript:`` link survives).
The structured data rides in the ``_quartier`` extension object (JSON Feed's
rule: custom keys start with ``_`` and say what they are in ``about``)::

    "_quartier": {
      "about": "<base>api/v1/openapi.json",   # documents this extension
      "spec_version": "1.0",
      "status": "open",
      "entry": {...},          # the public entry in the contract's own shape
      "jsonld_url": "<base>api/v1/entries/<id>.jsonld",
      "provenance": {...}
    }

"Newest change" is ``last_verified``: the day a person last confirmed the
entry (ties by id). Past ``page_size`` items the feed continues in
``feed-2.json``, ``feed-3.json`` ... linked by ``next_url``. The Atom feed
(:mod:`.atom`) has the same businesses in the same order and pages: each
worker makes a business's JSON item and Atom entry at once (:func:`item`
packs them into one record) and :func:`write` writes both feeds.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import orjson

from ..markup import render
from ..model import Entry
from ..photos import published_url
from . import atom, steps, urls
from .context import RECORD_VERSION, SPEC_VERSION, BuildContext
from .writer import Output, dumps

FEED_VERSION = "https://jsonfeed.org/version/1.1"


def page_name(number: int) -> str:
    return "feed.json" if number == 1 else f"feed-{number}.json"


class Items:
    """Feed items as they are published, in id order, kept on disk until sorted.

    At 100,000 businesses the items weigh 400 MB; they go to an unnamed
    temporary file beside the output, and only their sort keys and offsets
    stay in memory. Use as a context manager; the file is gone when it ends.
    """

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by __exit__
        self._index: list[tuple[int, str, int, int]] = []
        self._size = 0

    def __enter__(self) -> Items:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __len__(self) -> int:
        return len(self._index)

    def add(self, order: int, entry_id: str, item: bytes) -> None:
        """One business's item; ``order`` sorts newest first (minus the day's ordinal)."""
        self._index.append((order, entry_id, self._size, len(item)))
        self._file.write(item)
        self._size += len(item)

    def newest(self) -> str | None:
        """The newest ``last_verified`` of all items (``2026-10-01``), or None without items."""
        if not self._index:
            return None
        return date.fromordinal(-min(self._index)[0]).isoformat()

    def pages(self, size: int) -> Iterator[list[bytes]]:
        """The records sorted newest first (ties by id), ``size`` per page; at least one page.

        Read back one page at a time (not mapped whole, which would count the
        whole file in this process's memory).
        """
        self._index.sort()
        read, seek = self._file.read, self._file.seek
        for start in range(0, len(self._index), size):
            page = []
            for _, _, offset, length in self._index[start : start + size]:
                seek(offset)
                page.append(read(length))
            yield page
        if not self._index:
            yield []


def write(ctx: BuildContext, out: Output, items: Items) -> None:
    """``feed.json`` and ``feed.atom``, and their continuation pages."""
    steps.announce("the feeds (feed.json, feed.atom)")
    count = -(-len(items) // ctx.feed_page_size) or 1
    updated = atom.timestamp(newest) if (newest := items.newest()) else atom.EPOCH
    for number, records in enumerate(items.pages(ctx.feed_page_size), start=1):
        unpacked = [_unpack(record) for record in records]
        page = [orjson.Fragment(json_item) for json_item, _ in unpacked]
        _write_json_page(ctx, out, number, count, page)
        atom.write_page(ctx, out, number, count, updated, [entry for _, entry in unpacked])


def _write_json_page(
    ctx: BuildContext, out: Output, number: int, count: int, page: list[orjson.Fragment]
) -> None:
    feed: dict[str, Any] = {
        "version": FEED_VERSION,
        "title": ctx.config.name,
        "home_page_url": ctx.config.base_url,
        "feed_url": ctx.url(page_name(number)),
    }
    if ctx.config.description:
        feed["description"] = ctx.config.description
    feed["language"] = ctx.config.languages[0]
    if number < count:
        feed["next_url"] = ctx.url(page_name(number + 1))
    feed["_quartier"] = {
        "about": ctx.url(f"{urls.API}/openapi.json"),
        "spec_version": SPEC_VERSION,
        "license": ctx.config.license,
        "index_url": ctx.url(f"{urls.API}/index.json"),
    }
    feed["items"] = page
    out.write_json(page_name(number), feed, pretty=False)


# A record of :class:`Items`: the JSON item's length, the JSON item, the Atom entry.
_LENGTH = struct.Struct("<I")


def _pack(json_item: bytes, atom_entry: bytes) -> bytes:
    return _LENGTH.pack(len(json_item)) + json_item + atom_entry


def _unpack(record: bytes) -> tuple[bytes, bytes]:
    (length,) = _LENGTH.unpack_from(record)
    end = _LENGTH.size + length
    return record[_LENGTH.size : end], record[end:]


def content_html(ctx: BuildContext, entry: Entry) -> str:
    """The summary (plain text, escaped) and the description (Markdown, rendered safely)."""
    html = f"<p>{escape(ctx.text(entry.summary), quote=False)}</p>\n"
    if entry.description:
        html += render(ctx.text(entry.description))
    return html.strip()


def item(ctx: BuildContext, entry: Entry, data: bytes, provenance: dict[str, Any]) -> bytes:
    """One business's feed record: its JSON Feed item and its Atom entry (see :class:`Items`).

    The JSON item carries the public entry's JSON and its provenance.
    """
    page = ctx.url(urls.business_page(entry.id))
    summary = ctx.text(entry.summary)
    html = content_html(ctx, entry)
    when = atom.timestamp(entry.last_verified.isoformat())
    item: dict[str, Any] = {
        "id": page,
        "url": page,
        "title": entry.name,
        "summary": summary,
        "content_html": html,
        "date_published": when,
        "date_modified": when,
        "tags": list(dict.fromkeys(entry.all_categories)),
    }
    if entry.contact and entry.contact.website:
        item["external_url"] = entry.contact.website
    if entry.images:
        item["image"] = published_url(ctx.config.base_url, entry.id, entry.images[0])
    item["_quartier"] = {
        "about": ctx.url(f"{urls.API}/openapi.json"),
        "spec_version": RECORD_VERSION,
        "status": entry.status,
        "entry": orjson.Fragment(data),
        "jsonld_url": ctx.url(urls.entry_jsonld(entry.id)),
        "provenance": provenance,
    }
    return _pack(dumps(item, pretty=False), atom.entry(ctx, entry, summary, html))
