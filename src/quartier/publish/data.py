"""Data files for engines and other directories, described by a Frictionless data package.

::

    data/entries.ndjson     one line per business: {"entry": <public entry>, "url": ...}
    data/entries.geojson    RFC 7946 FeatureCollection, coordinates [lon, lat]
    data/entries.parquet    GeoParquet 1.1 (WKB point geometry), for DuckDB, Spark, pandas
    data/parquet/country=CH/area=bern/part-0.parquet
                            the same rows, hive-partitioned by country and area
    data/datapackage.json   Frictionless data package describing them

The NDJSON lines hold the entry in the contract's own shape, so a reader can
validate them with ``Entry.model_validate``; ``quartier search`` and the MCP
server load a published directory from it. Parquet needs the ``parquet``
extra (pyarrow); without it the build skips those files and says so.

A business's ``area`` is the id of the directory's first area whose bbox
holds its published point (an aggregate's own areas, for a federated
business too), or ``other``. The partitioned copy lets DuckDB or Spark read
a national aggregate as one table and open only the folders a filter on
``country`` or ``area`` keeps (docs/national.md).

DuckDB example::

    SELECT name, locality FROM 'data/entries.parquet' WHERE category = 'bakery';
    SELECT area, category, count(*) FROM read_parquet('data/parquet/**/*.parquet',
        hive_partitioning = true) WHERE country = 'CH' GROUP BY ALL;
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ..model import Entry
from ..photos import thumbnail
from . import steps, urls
from .context import BuildContext
from .parquet import GeoParquetFile, PartitionedGeoParquet, schema
from .writer import Output, Stream, dumps

NDJSON_PATH = "data/entries.ndjson"
GEOJSON_PATH = "data/entries.geojson"
PARQUET_PATH = "data/entries.parquet"
PARTITIONED_DIR = "data/parquet"
# Hive partition keys, outermost first: a national query filters on both.
PARTITION_KEYS = ("country", "area")
# The area of a business no area of the directory holds (a federated one elsewhere).
OTHER_AREA = "other"
PACKAGE_PATH = "data/datapackage.json"
PARQUET_MISSING = (
    "data/entries.parquet and data/parquet/ skipped: install quartier[parquet] (pyarrow)"
)


class DataFiles:
    """The data files, written a business at a time (see :func:`streaming`)."""

    def __init__(self, ndjson: Stream, geojson: Stream, parquet: _Parquet | None) -> None:
        self._ndjson, self._geojson, self._parquet = ndjson, geojson, parquet
        self._count = 0

    def add(self, line: bytes, feature: bytes, row: dict[str, Any]) -> None:
        """One business's NDJSON line, GeoJSON feature and Parquet row, in id order."""
        self._ndjson.write(line)
        self._geojson.write(b"," + feature if self._count else feature)
        if self._parquet is not None:
            self._parquet.add(row)
        self._count += 1


class _Parquet:
    """``data/entries.parquet`` and its partitioned copy, fed the same rows."""

    def __init__(self, out: Output) -> None:
        arrow_schema = schema((name, kind) for name, kind, _ in PARQUET_COLUMNS)
        self.whole = GeoParquetFile(out, PARQUET_PATH, arrow_schema, ROW_GROUP)
        self.parts = PartitionedGeoParquet(
            out, PARTITIONED_DIR, arrow_schema, PARTITION_KEYS, ROW_GROUP
        )

    def add(self, row: dict[str, Any]) -> None:
        self.whole.add(row)
        self.parts.add(row)

    def close(self) -> None:
        self.whole.close()
        self.parts.close()

    def abort(self) -> None:
        self.whole.abort()
        self.parts.abort()


@contextmanager
def streaming(out: Output, notes: list[str]) -> Iterator[DataFiles]:
    """Open the data files for :meth:`DataFiles.add`; complete them when the block ends.

    Parquet is written in row groups of ``ROW_GROUP``, and the partitioned
    copy spills to disk past ``ROW_GROUP`` rows, so a 100,000-entry build
    never holds the files in memory. Without pyarrow a note is added and
    Parquet is skipped. On an error the files are left incomplete for the
    build's :class:`~quartier.publish.writer.Output` to discard.
    """
    try:
        parquet: _Parquet | None = _Parquet(out)
    except ImportError:
        parquet = None
        notes.append(PARQUET_MISSING)
    try:
        with out.stream(NDJSON_PATH) as ndjson, out.stream(GEOJSON_PATH) as geojson:
            geojson.write(b'{"type":"FeatureCollection","features":[')
            yield DataFiles(ndjson, geojson, parquet)
            geojson.write(b"]}")
        if parquet is not None:
            steps.announce("the data files (Parquet)")
            parquet.close()
    except BaseException:
        if parquet is not None:
            parquet.abort()
        raise


def ndjson_line(ctx: BuildContext, e: Entry, data: bytes) -> bytes:
    """One NDJSON record (with its newline) of a public entry and its JSON.

    A member's business in an aggregate also has its ``origin`` (where it comes
    from, see :mod:`quartier.discover.origin`), which search and MCP over the
    published build relay.
    """
    record: dict[str, Any] = {
        "entry": orjson.Fragment(data),
        "url": ctx.url(urls.business_page(e.id)),
    }
    merged = ctx.directory.federated.get(e.id)
    if merged is not None and not merged.local:
        from ..discover.origin import origin_of

        record["origin"] = origin_of(merged.sources)
    line = dumps(record, pretty=False)
    # U+2028/2029 are valid inside JSON strings but end a line for many readers
    # (Python's str.splitlines among them): escape them so one line is one record.
    return line.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029") + b"\n"


def feature(ctx: BuildContext, e: Entry) -> bytes:
    """One GeoJSON feature (RFC 7946: ``[lon, lat]``) of a public entry."""
    return dumps(
        {
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
                # The first photo's small copy, as a path from the site's root (the map's popups).
                **({"thumbnail": thumb} if (thumb := thumbnail(e)) else {}),
            },
        },
        pretty=False,
    )


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
    ("area", "string", "Id of the directory's area holding the point, or 'other'"),
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


def row(ctx: BuildContext, e: Entry, data: bytes) -> dict[str, Any]:
    """One public entry's values for the Parquet columns."""
    a, g = e.location.address, e.location.geo
    return {
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
        "area": area.id if (area := ctx.config.area_for(g.lat, g.lon)) else OTHER_AREA,
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


# Line and paragraph separators, as UTF-8.
_LS, _PS = "\u2028".encode(), "\u2029".encode()
ROW_GROUP = 20_000


def write_package(ctx: BuildContext, out: Output) -> None:
    """``data/datapackage.json``, after the data files (it holds their hashes).

    ``frictionless validate data/datapackage.json`` accepts it (tests/test_datapackage.py):

    - the NDJSON is a tabular resource whose Table Schema has the line's keys
      (``entry``, ``url``, ``origin``); the entry's JSON Schema is named in
      the custom field property ``x-json-schema``, not in ``schema``, which
      the spec reserves for a Table Schema;
    - the Parquet files share one Table Schema, ``entries.schema.json``.
      Table Schema has no binary type, so ``geometry`` is ``any`` with
      ``x-encoding: WKB`` (the GeoParquet column, as the file's ``geo``
      metadata says); ``categories`` is ``any`` too, because frictionless-py
      reads a Parquet list as a numpy array, which its ``array`` type refuses.
      They carry their sha256 but no ``bytes``: frictionless reads Parquet
      with pyarrow, not through its byte counter, so it reports every size as
      wrong (and checks no Parquet hash); ``api/v1/index.json`` has the sizes.
    """
    steps.announce("the data package (data/datapackage.json)")
    out.write_json(SCHEMA_PATH, _table_schema())
    out.write_json(PACKAGE_PATH, _datapackage(ctx, out))


# The Table Schema every Parquet resource refers to, written beside the package.
SCHEMA_PATH = "data/entries.schema.json"
# Table Schema types of the Parquet columns (see write_package for the two ``any``).
_TABLE_TYPES = {
    "string": "string",
    "double": "number",
    "date": "date",
    "binary": "any",
    "list<string>": "any",
}
_FIELD_EXTRAS: dict[str, dict[str, Any]] = {
    "categories": {"x-arrow-type": "list<string>"},
    "geometry": {"x-encoding": "WKB", "x-geometry-types": ["Point"], "x-crs": "OGC:CRS84"},
}
# The keys of an NDJSON line, in order (frictionless reads lines as rows with these columns).
NDJSON_KEYS = ("entry", "url", "origin")


def _table_schema() -> dict[str, Any]:
    return {
        "fields": [
            {"name": n, "type": _TABLE_TYPES[k], "description": d, **_FIELD_EXTRAS.get(n, {})}
            for n, k, d in PARQUET_COLUMNS
        ],
        "primaryKey": ["id"],
    }


def _ndjson_schema(ctx: BuildContext) -> dict[str, Any]:
    return {
        "fields": [
            {
                "name": "entry",
                "type": "object",
                "description": "The public entry; it follows the JSON Schema in x-json-schema.",
                "x-json-schema": ctx.url(f"{urls.API}/schema/entry.schema.json"),
            },
            {"name": "url", "type": "string", "format": "uri", "description": "Its page."},
            {
                "name": "origin",
                "type": "object",
                "description": "In an aggregate, the member a business comes from; else empty.",
            },
        ]
    }


def _datapackage(ctx: BuildContext, out: Output) -> dict[str, Any]:
    def resource(rel: str, name: str, fmt: str, media: str, **extra: Any) -> dict[str, Any]:
        digest, size = out.files[rel]
        text = fmt != "parquet"  # see write_package: no size for Parquet
        return {
            "name": name,
            "path": rel.removeprefix("data/"),
            "format": fmt,
            "mediatype": media,
            **({"encoding": "utf-8", "bytes": size} if text else {}),
            "hash": f"sha256:{digest}",
            **extra,
        }

    resources = [
        resource(
            NDJSON_PATH,
            "entries-ndjson",
            "ndjson",
            "application/x-ndjson",
            profile="tabular-data-resource",
            description="One business per line: the public entry and its page URL.",
            dialect={"json": {"keys": list(NDJSON_KEYS)}},
            schema=_ndjson_schema(ctx),
        ),
        resource(
            GEOJSON_PATH,
            "entries-geojson",
            "geojson",
            "application/geo+json",
            description="Businesses as RFC 7946 point features.",
        ),
    ]
    if PARQUET_PATH in out.files:
        table_schema = SCHEMA_PATH.removeprefix("data/")
        resources.append(
            resource(
                PARQUET_PATH,
                "entries",
                "parquet",
                "application/vnd.apache.parquet",
                profile="tabular-data-resource",
                description="One row per business, GeoParquet 1.1 point geometry.",
                schema=table_schema,
            )
        )
        for rel in sorted(filter(_is_part, out.files)):
            name, description, keys = _partition(rel)
            resources.append(
                resource(
                    rel,
                    name,
                    "parquet",
                    "application/vnd.apache.parquet",
                    profile="tabular-data-resource",
                    description=description,
                    schema=table_schema,
                    partition=keys,
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


def _is_part(rel: str) -> bool:
    return rel.startswith(PARTITIONED_DIR + "/") and rel.endswith(".parquet")


def _partition(rel: str) -> tuple[str, str, dict[str, str]]:
    """The package's name, description and keys of one partition's file.

    Every file is a table of its own (the columns of ``entries``), so each is
    a resource; ``partition`` gives its keys, as its folder names do.
    """
    keys = dict(part.split("=", 1) for part in rel.split("/")[2:-1])
    where = " and ".join(f"{k} {v}" for k, v in keys.items())
    return (
        "entries-" + "-".join(keys.values()).lower(),
        f"The rows of entries.parquet with {where} (GeoParquet 1.1); "
        "read data/parquet/ as one hive-partitioned dataset.",
        keys,
    )
