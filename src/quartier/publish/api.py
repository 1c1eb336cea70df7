"""The versioned static API under ``api/v1/``: one JSON per business, lists, a manifest.

::

    api/v1/entries/<id>.json        the public entry, its JSON-LD and provenance
    api/v1/entries/<id>.jsonld      schema.org JSON-LD, ready to embed
    api/v1/categories.json          every category with its count
    api/v1/categories/<id>.json     businesses in a category
    api/v1/places.json              every locality with its count
    api/v1/places/<slug>.json       businesses in a locality
    api/v1/directory.json           the directory's settings
    api/v1/taxonomy.json            the category taxonomy
    api/v1/schema/entry.schema.json JSON Schema of an entry
    api/v1/index.json               manifest: spec version, counts, sha256 of every file

A reader polls ``index.json`` and fetches only files whose hash changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from ..directory import PARALLEL_MIN
from ..model import Entry
from ..parallel import fork_imap
from ..schema import entry_json_schema
from . import urls
from .context import SPEC_VERSION, BuildContext, serialize
from .jsonld import business_jsonld
from .writer import Output, Prepared, dumps, prepare

# One business as a worker prepared it: its id, public data bytes (or None) and files.
PreparedEntry = tuple[str, bytes | None, list[Prepared]]


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


def write_entries(ctx: BuildContext, out: Output, tick: Any = None) -> None:
    """``entries/<id>.json`` and ``.jsonld`` for every business.

    Each business is independent: forked workers (see :mod:`quartier.parallel`)
    compute its public data and JSON-LD, and this process writes the files
    (one writer is faster than several in one folder) and keeps the public
    data's bytes for the feed and the data files. Skipped when the site's
    pages already did this in the same pass (:func:`quartier.site.stamp.stamp_pages`).
    """
    if ctx.entries_written:
        return

    def publish(entries: Sequence[Entry]) -> list[PreparedEntry]:
        return [publish_entry(ctx, entry)[:3] for entry in entries]

    write_prepared(ctx, out, fork_imap(publish, ctx.entries(), minimum=PARALLEL_MIN), tick)
    ctx.entries_written = True


def write_prepared(
    ctx: BuildContext, out: Output, work: Iterable[list[PreparedEntry]], tick: Any = None
) -> None:
    """Write, in order, what workers prepared per business: ``(id, data bytes, files)``.

    The data bytes (``None`` if not computed) are kept for the feed and the data files.
    """
    for results in work:
        for entry_id, data, files in results:
            if data is not None:
                ctx.remember_data(entry_id, data)
            for file in files:
                out.put(file)
            if tick:
                tick()


def publish_entry(
    ctx: BuildContext, entry: Entry, public: Entry | None = None
) -> tuple[str, bytes, list[Prepared], dict[str, Any]]:
    """One business's two API files, ready to write; with its id, data bytes and JSON-LD."""
    public = public or ctx.public(entry)
    doc = business_jsonld(public, ctx.site)
    # Serialized, not cached here: in a forked worker the cache would only grow;
    # the writing process keeps the bytes (write_prepared).
    data = serialize(public)
    record = {
        "spec_version": SPEC_VERSION,
        "id": entry.id,
        "url": ctx.url(urls.business_page(entry.id)),
        "status": entry.status,
        "entry": orjson.Fragment(data),
        "jsonld": doc,
        "provenance": ctx.provenance(entry),
    }
    files = [
        prepare(urls.entry_jsonld(entry.id), dumps(doc, pretty=False)),
        prepare(urls.entry_json(entry.id), dumps(record, pretty=False)),
    ]
    return entry.id, data, files, doc


def write_lists(ctx: BuildContext, out: Output) -> None:
    categories = []
    for cat_id, ids in ctx.by_category.items():
        cat = ctx.taxonomy.get(cat_id)
        info = {
            "id": cat_id,
            "labels": dict(cat.labels) if cat else {},
            "parent": cat.parent if cat else None,
            "schema_org": cat.schema_org if cat else None,
        }
        _write_list(ctx, out, f"categories/{cat_id}.json", "category", info, ids)
        categories.append({**info, "count": len(ids), "url": ctx.url(urls.category_page(cat_id))})
    places = []
    for slug, (name, ids) in ctx.by_place.items():
        first = ctx.directory.entries[ids[0]]
        area = ctx.config.area_for(first.location.geo.lat, first.location.geo.lon)
        info = {"id": slug, "name": name, "area": area.id if area else None}
        _write_list(ctx, out, f"places/{slug}.json", "place", info, ids)
        places.append({**info, "count": len(ids), "url": ctx.url(urls.place_page(name))})
    out.write_json(
        f"{urls.API}/categories.json", {"spec_version": SPEC_VERSION, "categories": categories}
    )
    out.write_json(f"{urls.API}/places.json", {"spec_version": SPEC_VERSION, "places": places})
    out.write_json(f"{urls.API}/schema/entry.schema.json", entry_json_schema(ctx.taxonomy))
    out.write_json(f"{urls.API}/directory.json", ctx.config.model_dump(mode="json"))
    out.write_json(f"{urls.API}/taxonomy.json", ctx.taxonomy.model_dump(mode="json"))


def _write_list(
    ctx: BuildContext, out: Output, rel: str, kind: str, info: dict[str, Any], ids: list[str]
) -> None:
    """One category's or place's list: ``{spec_version, <kind>, count, entries}``."""
    entries = ctx.directory.entries
    out.write_json(
        f"{urls.API}/{rel}",
        {
            "spec_version": SPEC_VERSION,
            kind: info,
            "count": len(ids),
            "entries": [summary_of(ctx, entries[i]) for i in ids],
        },
    )


def write_index(ctx: BuildContext, out: Output) -> None:
    """The manifest; written last so that it covers every other file."""
    status = Counter(e.status for e in ctx.entries())
    files = {
        rel: {"sha256": digest, "bytes": size} for rel, (digest, size) in sorted(out.files.items())
    }
    out.write_json(
        f"{urls.API}/index.json",
        {
            "spec_version": SPEC_VERSION,
            "directory": {
                "name": ctx.config.name,
                "base_url": ctx.config.base_url,
                "license": ctx.config.license,
                "license_url": ctx.config.license_url,
            },
            "source_commit": ctx.commit,
            "counts": {
                "entries": len(ctx.ids),
                "open": status.get("open", 0),
                "temporarily_closed": status.get("temporarily_closed", 0),
                "permanently_closed": status.get("permanently_closed", 0),
                "categories": len(ctx.by_category),
                "places": len(ctx.by_place),
                "files": len(files),
            },
            "entries": ctx.url(f"{urls.API}/entries/{{id}}.json"),
            "files": files,
        },
        pretty=False,
    )
