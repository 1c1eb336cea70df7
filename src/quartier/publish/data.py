"""Data files for engines and other directories, described by a Frictionless data package.

::

    data/entries.ndjson     one line per business: {"entry": <public entry>, "url": ...}
    data/entries.geojson    RFC 7946 FeatureCollection, coordinates [lon, lat]
    data/entries.parquet    GeoParquet 1.1 (WKB point geometry), for DuckDB, Spark, pandas
    data/datapackage.json   Frictionless data package describing the three

The NDJSON lines hold the entry in the contract's own shape, so a reader can
validate them with ``Entry.model_validate``; ``quartier search`` and the MCP
server load a published directory from it. Parquet needs the ``parquet``
extra (pyarrow); without it the build skips that file and says so.

DuckDB example::

    SELECT name, locality FROM 'data/entries.parquet' WHERE category = 'bakery';
"""

from __future__ import annotations

import struct
from typing import Any

import orjson

from ..model import Entry
from . import urls
from .context import BuildContext
from .writer import Output, dumps


def write(ctx: BuildContext, out: Output) -> list[str]:
    """Write the data files; returns notes (e.g. a skipped Parquet file)."""
    notes: list[str] = []
    lines: list[bytes] = []
    features: list[dict[str, Any]] = []
    rows: dict[str, list[Any]] = {name: [] for name, _, _ in PARQUET_COLUMNS}
    for entry in ctx.entries():  # the public view computed once for all three files
        e = ctx.public(entry)
        data = ctx.data_json(entry, e)
        # U+2028/2029 are valid inside JSON strings but end a line for many readers
        # (Python's str.splitlines among them): escape them so one line is one record.
        lines.append(
            dumps(
                {"entry": orjson.Fragment(data), "url": ctx.url(urls.business_page(e.id))},
                pretty=False,
            )
            .replace("\u2028".encode(), b"\\u2028")
            .replace("\u2029".encode(), b"\\u2029")
        )
        features.append(_feature(ctx, e))
        _add_row(ctx, e, data, rows)
    out.write_bytes("data/entries.ndjson", b"\n".join(lines) + (b"\n" if lines else b""))
    out.write_json(
        "data/entries.geojson", {"type": "FeatureCollection", "features": features}, pretty=False
    )
    try:
        _parquet(rows, out)
    except ImportError:
        notes.append("data/entries.parquet skipped: install quartier[parquet] (pyarrow)")
    out.write_json("data/datapackage.json", _datapackage(ctx, out))
    return notes


def _feature(ctx: BuildContext, e: Entry) -> dict[str, Any]:
    """One GeoJSON feature (RFC 7946: ``[lon, lat]``) of a public entry."""
    return {
        "type": "Feature",
        "id": e.id,
        "geometry": {
            "type": "Point",
            "coordinates": [e.location.geo.lon, e.location.geo.lat],
        },
        "properties": {
            "id": e.id,
            "name": e.name,
            "status": e.status,
            "category": e.category,
            "locality": e.location.address.locality,
            "summary": ctx.text(e.summary),
            "url": ctx.url(urls.business_page(e.id)),
        },
    }


PARQUET_COLUMNS = (
    ("id", "string", "Permanent id of the business"),
    ("name", "string", "Name as the business uses it"),
    ("status", "string", "open, temporarily_closed or permanently_closed"),
    ("category", "string", "Primary category id"),
    ("categories", "list<string>", "Primary and secondary category ids"),
    ("summary", "string", "One line in the directory's first language available"),
    ("street", "string", "Street, empty for hidden addresses"),
    ("postal_code", "string", "Postal code, empty for hidden addresses"),
    ("locality", "string", "City or town"),
    ("region", "string", "Canton, state or province"),
    ("country", "string", "ISO 3166-1 alpha-2"),
    ("lat", "double", "Latitude, WGS84"),
    ("lon", "double", "Longitude, WGS84"),
    ("opening_hours", "string", "OpenStreetMap opening_hours"),
    ("website", "string", "Website"),
    ("phone", "string", "Phone, E.164"),
    ("last_verified", "date", "Day a person last checked the entry"),
    ("url", "string", "Page of the business"),
    ("entry", "string", "The whole public entry as JSON"),
    ("geometry", "binary", "Point as WKB (GeoParquet)"),
)


def _add_row(ctx: BuildContext, e: Entry, data: bytes, rows: dict[str, list[Any]]) -> None:
    """Append one public entry's values to the Parquet columns."""
    a, g = e.location.address, e.location.geo
    values = {
        "id": e.id,
        "name": e.name,
        "status": e.status,
        "category": e.category,
        "categories": list(dict.fromkeys(e.all_categories)),
        "summary": ctx.text(e.summary),
        "street": a.street,
        "postal_code": a.postal_code,
        "locality": a.locality,
        "region": a.region,
        "country": a.country,
        "lat": g.lat,
        "lon": g.lon,
        "opening_hours": e.opening_hours,
        "website": e.contact.website if e.contact else None,
        "phone": e.contact.phone if e.contact else None,
        "last_verified": e.last_verified,
        "url": ctx.url(urls.business_page(e.id)),
        "entry": data.decode("utf-8"),
        "geometry": struct.pack("<BIdd", 1, 1, g.lon, g.lat),
    }
    for name, value in values.items():
        rows[name].append(value)


def _parquet(rows: dict[str, list[Any]], out: Output) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "string": pa.string(),
        "double": pa.float64(),
        "date": pa.date32(),
        "binary": pa.binary(),
        "list<string>": pa.list_(pa.string()),
    }
    schema = pa.schema([pa.field(name, types[kind]) for name, kind, _ in PARQUET_COLUMNS])
    lons, lats = rows["lon"], rows["lat"]
    bbox = [min(lons), min(lats), max(lons), max(lats)] if lons else []
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], "bbox": bbox}},
    }
    table = pa.table(rows, schema=schema).replace_schema_metadata({"geo": dumps(geo, pretty=False)})
    pq.write_table(table, out.path("data/entries.parquet"), compression="zstd")
    out.record("data/entries.parquet")


def _datapackage(ctx: BuildContext, out: Output) -> dict[str, Any]:
    def resource(rel: str, name: str, fmt: str, media: str, **extra: Any) -> dict[str, Any]:
        digest, size = out.files[rel]
        return {
            "name": name,
            "path": rel.removeprefix("data/"),
            "format": fmt,
            "mediatype": media,
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{digest}",
            **extra,
        }

    resources = [
        resource(
            "data/entries.ndjson",
            "entries-ndjson",
            "ndjson",
            "application/x-ndjson",
            description="One business per line: the public entry and its page URL.",
            schema={"$ref": ctx.url(f"{urls.API}/schema/entry.schema.json")},
        ),
        resource(
            "data/entries.geojson",
            "entries-geojson",
            "geojson",
            "application/geo+json",
            description="Businesses as RFC 7946 point features.",
        ),
    ]
    if "data/entries.parquet" in out.files:
        kinds = {
            "string": "string",
            "double": "number",
            "date": "date",
            "binary": "string",
            "list<string>": "array",
        }
        resources.append(
            resource(
                "data/entries.parquet",
                "entries",
                "parquet",
                "application/vnd.apache.parquet",
                profile="tabular-data-resource",
                description="One row per business, GeoParquet 1.1 point geometry.",
                schema={
                    "fields": [
                        {"name": n, "type": kinds[k], "description": d}
                        for n, k, d in PARQUET_COLUMNS
                    ],
                    "primaryKey": ["id"],
                },
            )
        )
    return {
        "profile": "data-package",
        "name": urls.slug(ctx.config.name),
        "title": ctx.config.name,
        "description": ctx.config.description or ctx.config.name,
        "homepage": ctx.config.base_url,
        "version": "1.0.0",
        "licenses": [{"name": ctx.config.license, "path": ctx.config.license_url}],
        "sources": [
            {"title": ctx.config.name, "path": ctx.config.repository or ctx.config.base_url}
        ],
        "resources": resources,
    }
