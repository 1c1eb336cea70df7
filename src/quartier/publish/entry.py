"""Everything one business contributes to a build, computed in one place.

A business's public view, JSON-LD and JSON are computed once, and from them
its two API files, its NDJSON line, GeoJSON feature, Parquet row, feed item,
``llms-full.txt`` section and the compact :class:`Listing` the lists, the
sitemap and the manifest need. Forked workers call :func:`publish_entry`
right after validating (or rendering the page of) a business, so the
process that writes the files receives finished bytes, never the models;
:class:`~quartier.publish.sink.Sink` puts them in place.

Example::

    published = publish_entry(ctx, entry)
    published.files          # [(rel, bytes, sha256), ...] for api/v1/entries/
    published.ndjson         # b'{"entry":{...},"url":"..."}\\n'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ..model import Entry
from . import data, feed, llms, urls
from .context import RECORD_VERSION, BuildContext, serialize
from .jsonld import business_jsonld, embed
from .listing import Listing
from .writer import Prepared, dumps, prepare


@dataclass(slots=True)
class Published:
    """One business, ready to be written (see :class:`~quartier.publish.sink.Sink`)."""

    listing: Listing
    files: list[Prepared]
    ndjson: bytes
    feature: bytes
    row: dict[str, Any]
    feed_order: int  # minus the ordinal of last_verified: newest first
    feed_item: bytes
    llms: str  # the llms-full.txt section, empty unless open


def summary_of(ctx: BuildContext, entry: Entry) -> dict[str, Any]:
    """The short form of an entry used in every list."""
    return {
        "id": entry.id,
        "name": entry.name,
        "status": entry.status,
        "category": entry.category,
        "locality": entry.location.address.locality,
        "summary": ctx.text(entry.summary),
        "url": ctx.url(urls.business_page(entry.id)),
        "api_url": ctx.url(urls.entry_json(entry.id)),
    }


def publish_entry(
    ctx: BuildContext,
    entry: Entry,
    public: Entry | None = None,
    doc: dict[str, Any] | None = None,
) -> Published:
    """Every output's share of one valid business.

    ``public`` and ``doc`` (its JSON-LD) are passed in where already computed,
    as the site's page rendering does.
    """
    public = public or ctx.public(entry)
    doc = doc or business_jsonld(public, ctx.site)
    data_json = serialize(public)
    # Escaped as in the pages (<, >, & as \u escapes), so that the .jsonld file can be
    # pasted into a <script> element as it is; parsed, it is the same JSON.
    jsonld = embed(doc).encode("utf-8")
    provenance = ctx.provenance(entry)
    record = {
        "spec_version": RECORD_VERSION,
        "id": entry.id,
        "url": ctx.url(urls.business_page(entry.id)),
        "status": entry.status,
        "entry": orjson.Fragment(data_json),
        "jsonld": orjson.Fragment(jsonld),
        "provenance": provenance,
    }
    files = [
        prepare(urls.entry_jsonld(entry.id), jsonld),
        prepare(urls.entry_json(entry.id), dumps(record, pretty=False)),
    ]
    geo = entry.location.geo
    listing = Listing(
        entry.id,
        entry.status,
        entry.last_verified.isoformat(),
        tuple(dict.fromkeys(entry.all_categories)),
        entry.location.address.locality,
        geo.lat,
        geo.lon,
        dumps(summary_of(ctx, entry), pretty=False),
    )
    return Published(
        listing,
        files,
        data.ndjson_line(ctx, public, data_json),
        data.feature(ctx, public),
        data.row(ctx, public, data_json),
        -entry.last_verified.toordinal(),
        feed.item(ctx, entry, data_json, provenance),
        llms.section(ctx, entry) if entry.status == "open" else "",
    )
