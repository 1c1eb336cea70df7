"""The versioned static API under ``api/v1/``: one JSON per business, lists, a manifest.

::

    api/v1/entries/<id>.json        the public entry, its JSON-LD and provenance
    api/v1/entries/<id>.jsonld      schema.org JSON-LD, ready to embed
    api/v1/categories.json          every category with its count
    api/v1/categories/<id>.json     businesses in a category
    api/v1/places.json              every locality with its count
    api/v1/places/<slug>.json       businesses in a locality
    api/v1/directory.json           the directory's settings and its contract version
    api/v1/taxonomy.json            the category taxonomy
    api/v1/schema/entry.schema.json JSON Schema of an entry
    api/v1/gone.json                an aggregate's records removed at their members
    api/v1/index.json               manifest: versions, counts, sha256 of every file

A reader polls ``index.json`` and fetches only files whose hash changed.
Two versions are published: ``spec_version``, the shape of these output files,
and ``contract_version``, the entry contract the records follow (also in
``directory.json`` and the JSON Schema), so that a reader can tell before
reading any record whether it knows that contract's major version.
The per-business files come from :func:`quartier.publish.entry.publish_entry`;
this module writes the lists and the manifest.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..model import CONTRACT_VERSION
from ..schema import entry_json_schema
from . import urls
from .context import SPEC_VERSION, BuildContext
from .listing import Listings
from .writer import Output


def write_lists(ctx: BuildContext, out: Output, listings: Listings) -> None:
    """The category and place lists and the directory-wide files."""
    categories = []
    for cat_id, ids in listings.by_category.items():
        cat = ctx.taxonomy.get(cat_id)
        info = {
            "id": cat_id,
            "labels": dict(cat.labels) if cat else {},
            "parent": cat.parent if cat else None,
            "schema_org": cat.schema_org if cat else None,
        }
        _write_list(out, listings, f"categories/{cat_id}.json", "category", info, ids)
        categories.append({**info, "count": len(ids), "url": ctx.url(urls.category_page(cat_id))})
    places = []
    for slug, (name, ids) in listings.by_place.items():
        info = {"id": slug, "name": name, "area": _area_of(ctx, listings, ids)}
        _write_list(out, listings, f"places/{slug}.json", "place", info, ids)
        places.append({**info, "count": len(ids), "url": ctx.url(urls.place_page(name))})
    out.write_json(
        f"{urls.API}/categories.json", {"spec_version": SPEC_VERSION, "categories": categories}
    )
    out.write_json(f"{urls.API}/places.json", {"spec_version": SPEC_VERSION, "places": places})
    out.write_json(f"{urls.API}/schema/entry.schema.json", entry_json_schema(ctx.taxonomy))
    out.write_json(f"{urls.API}/directory.json", directory_document(ctx))
    out.write_json(f"{urls.API}/taxonomy.json", ctx.taxonomy.model_dump(mode="json"))


def directory_document(ctx: BuildContext) -> dict[str, Any]:
    """``directory.json``: the settings as ``directory.yaml`` gives them, and the contract.

    A federating reader fetches this file before any record, so it learns
    here whether it can read them: ``{"contract_version": "1.0", "name":
    "Quartier Bern", ...}``. The settings keep their keys at the top level;
    an aggregate's ``members`` are each member's id, name, public address and
    license, with ``attribution`` (the members to credit) and ``share_alike``
    (see :mod:`quartier.federation.licensing`).
    """
    doc = {"contract_version": CONTRACT_VERSION, **ctx.config.model_dump(mode="json")}
    if ctx.config.members:
        from ..federation.licensing import attribution

        # The members as readers need them (public address, license), not as set.
        doc.update(attribution(ctx.config, ctx.directory.root))
    return doc


def _area_of(ctx: BuildContext, listings: Listings, ids: list[str]) -> str | None:
    """The area most of a place's businesses lie in; on a tie, the first in the settings.

    As with the place's name, no single entry decides it for the others.
    """
    areas = ctx.config.areas
    counts = [0] * len(areas)
    for entry_id in ids:
        row = listings.by_id[entry_id]
        for i, area in enumerate(areas):
            if area.contains(row.lat, row.lon):
                counts[i] += 1
                break
    best = max(range(len(areas)), key=lambda i: (counts[i], -i), default=None)
    return areas[best].id if best is not None and counts[best] else None


def _write_list(
    out: Output, listings: Listings, rel: str, kind: str, info: dict[str, Any], ids: list[str]
) -> None:
    """One category's or place's list: ``{spec_version, <kind>, count, entries}``."""
    rows = listings.by_id
    out.write_json(
        f"{urls.API}/{rel}",
        {
            "spec_version": SPEC_VERSION,
            kind: info,
            "count": len(ids),
            "entries": [orjson.Fragment(rows[i].summary) for i in ids],
        },
        pretty=False,  # as the entry files: a large category's list is mostly entries
    )


def write_index(
    ctx: BuildContext, out: Output, listings: Listings, changes: dict[str, object] | None = None
) -> None:
    """The manifest; written last so that it covers every other file.

    ``changes`` is where the changes feed stands, ``{"sequence", "lineage"}``
    (see :mod:`.changes`).
    """
    status = listings.status
    files = {
        rel: {"sha256": digest, "bytes": size} for rel, (digest, size) in sorted(out.files.items())
    }
    out.write_json(
        f"{urls.API}/index.json",
        {
            "spec_version": SPEC_VERSION,
            "contract_version": CONTRACT_VERSION,
            "directory": {
                "name": ctx.config.name,
                "base_url": ctx.config.base_url,
                "license": ctx.config.license,
                "license_url": ctx.config.license_url,
            },
            "source_commit": ctx.commit,
            **({"changes": changes} if changes is not None else {}),
            "counts": {
                "entries": len(listings.rows),
                "open": status.get("open", 0),
                "temporarily_closed": status.get("temporarily_closed", 0),
                "permanently_closed": status.get("permanently_closed", 0),
                "categories": len(listings.by_category),
                "places": len(listings.by_place),
                "files": len(files),
            },
            "entries": ctx.url(f"{urls.API}/entries/{{id}}.json"),
            "files": files,
        },
        pretty=False,
    )
