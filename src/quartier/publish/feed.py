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

from typing import Any

from . import urls
from .context import SPEC_VERSION, BuildContext
from .writer import Output

FEED_VERSION = "https://jsonfeed.org/version/1.1"


def page_name(number: int) -> str:
    return "feed.json" if number == 1 else f"feed-{number}.json"


def write(ctx: BuildContext, out: Output) -> None:
    entries = sorted(ctx.entries(), key=lambda e: (-e.last_verified.toordinal(), e.id))
    size = ctx.feed_page_size
    pages = [entries[i : i + size] for i in range(0, len(entries), size)] or [[]]
    for number, page in enumerate(pages, start=1):
        feed: dict[str, Any] = {
            "version": FEED_VERSION,
            "title": ctx.config.name,
            "home_page_url": ctx.config.base_url,
            "feed_url": ctx.url(page_name(number)),
        }
        if ctx.config.description:
            feed["description"] = ctx.config.description
        feed["language"] = ctx.config.languages[0]
        if number < len(pages):
            feed["next_url"] = ctx.url(page_name(number + 1))
        feed["_quartier"] = {
            "about": ctx.url(f"{urls.API}/openapi.json"),
            "spec_version": SPEC_VERSION,
            "license": ctx.config.license,
            "index_url": ctx.url(f"{urls.API}/index.json"),
        }
        feed["items"] = [_item(ctx, e) for e in page]
        out.write_json(page_name(number), feed, pretty=False)


def _item(ctx: BuildContext, entry: Any) -> dict[str, Any]:
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
        "spec_version": SPEC_VERSION,
        "status": entry.status,
        "entry": ctx.data(entry),
        "jsonld_url": ctx.url(urls.entry_jsonld(entry.id)),
        "provenance": ctx.provenance(entry),
    }
    return item
