"""``feed.json``: the directory as a JSON Feed 1.1, newest change first.

Each item is one business; its ``id`` is the business's permanent page URL.
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
``feed-2.json``, ``feed-3.json`` ... linked by ``next_url``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ..model import Entry
from . import urls
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

    def pages(self, size: int) -> Iterator[list[orjson.Fragment]]:
        """The items sorted newest first (ties by id), ``size`` per page; at least one page.

        Read back one page at a time (not mapped whole, which would count the
        whole file in this process's memory).
        """
        self._index.sort()
        read, seek = self._file.read, self._file.seek
        for start in range(0, len(self._index), size):
            page = []
            for _, _, offset, length in self._index[start : start + size]:
                seek(offset)
                page.append(orjson.Fragment(read(length)))
            yield page
        if not self._index:
            yield []


def write(ctx: BuildContext, out: Output, items: Items) -> None:
    """``feed.json`` and its continuation pages."""
    count = -(-len(items) // ctx.feed_page_size) or 1
    for number, page in enumerate(items.pages(ctx.feed_page_size), start=1):
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


def item(ctx: BuildContext, entry: Entry, data: bytes, provenance: dict[str, Any]) -> bytes:
    """One business's feed item as JSON, with its public entry's JSON and its provenance."""
    page = ctx.url(urls.business_page(entry.id))
    summary = ctx.text(entry.summary)
    body = ctx.text(entry.description) if entry.description else ""
    item: dict[str, Any] = {
        "id": page,
        "url": page,
        "title": entry.name,
        "summary": summary,
        "content_text": f"{summary}\n\n{body}".strip(),
        "date_modified": f"{entry.last_verified.isoformat()}T00:00:00Z",
        "tags": list(dict.fromkeys(entry.all_categories)),
    }
    if entry.contact and entry.contact.website:
        item["external_url"] = entry.contact.website
    if entry.images:
        item["image"] = entry.images[0].url
    item["_quartier"] = {
        "about": ctx.url(f"{urls.API}/openapi.json"),
        "spec_version": RECORD_VERSION,
        "status": entry.status,
        "entry": orjson.Fragment(data),
        "jsonld_url": ctx.url(urls.entry_jsonld(entry.id)),
        "provenance": provenance,
    }
    return dumps(item, pretty=False)
