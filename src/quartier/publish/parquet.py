"""GeoParquet written while a build streams: one whole file, and a hive-partitioned dataset.

:mod:`quartier.publish.data` decides the columns and rows; this module only
writes them, a row at a time, without ever holding every business:

- :class:`GeoParquetFile` appends rows to one file in row groups;
- :class:`PartitionedGeoParquet` splits the same rows into hive partitions
  (``country=CH/area=bern/part-0.parquet``), which DuckDB and Spark read as
  one table and skip by folder name when a query filters on a partition key.
  Rows wait in memory up to one row group in all; then every partition's
  rows spill to one unnamed temporary file as Arrow IPC, and each partition's
  file is written from its spilled chunks when the build ends. Memory stays
  bounded by the row group whatever the number of businesses, and no file
  handle is kept per partition.

Every file is GeoParquet 1.1 (``geo`` metadata, WKB point geometry, the
file's bbox) and byte-identical for identical rows: Arrow writes no clock
into Parquet (``created_by`` names only the library and its version).

Example::

    files = PartitionedGeoParquet(out, "data/parquet", schema(columns), ("country", "area"))
    files.add({"id": "x", "country": "CH", "area": "bern", "lon": 7.4, "lat": 46.9, ...})
    files.close()   # data/parquet/country=CH/area=bern/part-0.parquet
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .writer import Output, dumps

# Parquet's types for the kinds :data:`quartier.publish.data.PARQUET_COLUMNS` names.
KINDS = ("string", "double", "date", "binary", "list<string>")
# A partition value becomes a folder name: plain names only (ISO codes, area slugs).
_PLAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,79})$")
Key = tuple[str, ...]


def schema(columns: Iterable[tuple[str, str]]) -> Any:
    """The Arrow schema of ``(name, kind)`` columns (needs pyarrow)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "double": pa.float64(),
        "date": pa.date32(),
        "binary": pa.binary(),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(name, types[kind]) for name, kind in columns])


class Bbox:
    """The bounding box ``[west, south, east, north]`` of the points added."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: list[float] = []

    def add(self, lon: float, lat: float) -> None:
        b = self.value or [lon, lat, lon, lat]
        self.value = [min(b[0], lon), min(b[1], lat), max(b[2], lon), max(b[3], lat)]


def _writer(out: Output, rel: str, arrow_schema: Any) -> Any:
    """A Parquet writer with the build's options (the same for every file)."""
    import pyarrow.parquet as pq

    return pq.ParquetWriter(out.path(rel), arrow_schema, compression="zstd")


def _finish(writer: Any, bbox: Bbox) -> None:
    """Add the GeoParquet 1.1 ``geo`` metadata (WKB points, the bbox) and close."""
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {"encoding": "WKB", "geometry_types": ["Point"], "bbox": bbox.value}
        },
    }
    writer.add_key_value_metadata({"geo": dumps(geo, pretty=False)})
    writer.close()


def _columns(arrow_schema: Any) -> dict[str, list[Any]]:
    return {name: [] for name in arrow_schema.names}


class GeoParquetFile:
    """One GeoParquet file written in row groups of ``row_group`` rows."""

    def __init__(self, out: Output, rel: str, arrow_schema: Any, row_group: int) -> None:
        import pyarrow as pa

        self._pa, self._schema = pa, arrow_schema
        self._out, self._rel, self._row_group = out, rel, row_group
        self._writer = _writer(out, rel, arrow_schema)
        self._rows = _columns(arrow_schema)
        self._bbox = Bbox()

    def add(self, row: dict[str, Any]) -> None:
        for name, value in row.items():
            self._rows[name].append(value)
        self._bbox.add(row["lon"], row["lat"])
        if len(self._rows["id"]) >= self._row_group:
            self._flush()

    def _flush(self) -> None:
        if self._rows["id"]:
            self._writer.write_table(self._pa.table(self._rows, schema=self._schema))
            self._rows = _columns(self._schema)

    def close(self) -> None:
        self._flush()
        _finish(self._writer, self._bbox)
        self._out.record(self._rel)

    def abort(self) -> None:
        """Close the file without completing it (the build is failing)."""
        with contextlib.suppress(Exception):  # the error being raised matters, not this one
            self._writer.close()


def partition_folder(keys: Sequence[str], values: Key) -> str:
    """``country=CH/area=bern`` for ``("country", "area")`` and ``("CH", "bern")``.

    A value that is not a plain name (letters, digits, ``-``, ``_``) is
    refused: it becomes a folder name, and the models allow only ISO codes
    and slugs there, so anything else means a record skipped validation.
    """
    for key, value in zip(keys, values, strict=True):
        if not isinstance(value, str) or not _PLAIN.match(value):
            raise ValueError(f"partition {key}={value!r} is not a plain name; refusing the path")
    return "/".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


class PartitionedGeoParquet:
    """Rows in hive partitions by ``keys`` under ``folder``, one GeoParquet file each.

    Rows must come in the order each file should keep (the build's: by id).
    Use :meth:`close` to write the files, :meth:`abort` on an error.
    """

    FILE = "part-0.parquet"

    def __init__(
        self, out: Output, folder: str, arrow_schema: Any, keys: Sequence[str], row_group: int
    ) -> None:
        import pyarrow as pa

        self._pa, self._schema = pa, arrow_schema
        self._out, self._folder, self._keys = out, folder.rstrip("/"), tuple(keys)
        self._row_group = row_group
        self._buffers: dict[Key, dict[str, list[Any]]] = {}
        self._buffered = 0
        self._bboxes: dict[Key, Bbox] = {}
        # Spilled Arrow IPC chunks of each partition: (offset, length) in the spill file.
        self._chunks: dict[Key, list[tuple[int, int]]] = {}
        self._spill: Any = None
        # LZ4: the spill is read once, soon; it halves the bytes for little CPU.
        self._ipc_options = pa.ipc.IpcWriteOptions(compression="lz4")
        self._spilled = 0
        self.paths: list[str] = []  # the files written, in partition order

    def add(self, row: dict[str, Any]) -> None:
        key = tuple(row[k] for k in self._keys)
        rows = self._buffers.get(key)
        if rows is None:
            if key not in self._bboxes:
                partition_folder(self._keys, key)  # refuse an unsafe value before any write
                self._bboxes[key] = Bbox()
            rows = self._buffers[key] = _columns(self._schema)
        for name, value in row.items():
            rows[name].append(value)
        self._bboxes[key].add(row["lon"], row["lat"])
        self._buffered += 1
        if self._buffered >= self._row_group:
            self._spill_all()

    def _spill_all(self) -> None:
        """Move every buffered row to the spill file, one Arrow IPC chunk per partition."""
        pa = self._pa
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(dir=self._out.root)  # noqa: SIM115 - closed in close/abort
        for key, rows in self._buffers.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, self._schema, options=self._ipc_options) as ipc:
                ipc.write_table(pa.table(rows, schema=self._schema))
            chunk = sink.getvalue()
            self._spill.write(chunk)
            self._chunks.setdefault(key, []).append((self._spilled, chunk.size))
            self._spilled += chunk.size
        self._buffers, self._buffered = {}, 0

    def _tables(self, key: Key) -> Iterator[Any]:
        """A partition's rows in the order added: its spilled chunks, then its buffer."""
        pa = self._pa
        for offset, length in self._chunks.get(key, ()):
            self._spill.seek(offset)
            yield pa.ipc.open_stream(pa.py_buffer(self._spill.read(length))).read_all()
        if key in self._buffers:
            yield pa.table(self._buffers.pop(key), schema=self._schema)

    def close(self) -> None:
        """Write each partition's file (row groups of ``row_group`` rows) and record it."""
        try:
            for key in sorted(self._bboxes):
                rel = f"{self._folder}/{partition_folder(self._keys, key)}/{self.FILE}"
                writer = _writer(self._out, rel, self._schema)
                try:
                    for group in self._groups(self._tables(key)):
                        writer.write_table(group)
                    _finish(writer, self._bboxes[key])
                except BaseException:
                    with contextlib.suppress(Exception):
                        writer.close()
                    raise
                self._out.record(rel)
                self.paths.append(rel)
        finally:
            self._close_spill()

    def _groups(self, tables: Iterable[Any]) -> Iterator[Any]:
        """Tables re-cut into row groups of exactly ``row_group`` rows (the last smaller)."""
        size, pending, count = self._row_group, [], 0
        for table in tables:
            pending.append(table)
            count += table.num_rows
            while count >= size:
                whole = self._pa.concat_tables(pending)
                yield whole.slice(0, size)
                pending, count = [whole.slice(size)], count - size
        if count:
            yield self._pa.concat_tables(pending)

    def abort(self) -> None:
        """Drop the spilled rows; the files are left for the failing build to discard."""
        self._close_spill()

    def _close_spill(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None
