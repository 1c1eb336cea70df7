"""``data/datapackage.json`` is a Data Package that ``frictionless validate`` accepts.

frictionless (the ``dev`` extra, with its json, parquet and pandas parts) reads
every resource it describes: the NDJSON lines against their Table Schema, the
Parquet files (whole and partitioned) against theirs, each file against its
sha256. A damaged file must make it fail, so the check is not a formality.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from quartier.directory import read_directory
from quartier.publish import build

from .conftest import TODAY

FRICTIONLESS = Path(sys.executable).parent / "frictionless"


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "_site"
    build(read_directory(sample_root, today=TODAY), out, commit="0" * 40)
    return out


def _package(site: Path) -> dict:
    return json.loads((site / "data/datapackage.json").read_text("utf-8"))


def _errors(package: Path) -> list[tuple[str, str]]:
    report = validate(str(package))
    found = [(e.type, e.note) for e in report.errors]
    found += [(f"{task.name}: {e.type}", e.note) for task in report.tasks for e in task.errors]
    return found


def test_frictionless_validate_accepts_the_published_package(site: Path) -> None:
    """The command a data user runs, as they run it, in the build's folder."""
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", "data/datapackage.json"],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], result.stdout[-3000:]
    names = {task["name"] for task in report["tasks"]}
    assert {"entries-ndjson", "entries-geojson", "entries", "entries-ch-bern"} <= names
    assert all(task["stats"].get("rows", 1) > 0 for task in report["tasks"])


def test_the_ndjson_has_a_table_schema_and_names_the_entry_json_schema_apart(
    site: Path,
) -> None:
    ndjson = _package(site)["resources"][0]
    assert ndjson["profile"] == "tabular-data-resource"
    fields = {f["name"]: f for f in ndjson["schema"]["fields"]}
    assert "$ref" not in ndjson["schema"] and list(fields) == ["entry", "url", "origin"]
    assert fields["entry"]["type"] == "object"
    schema_url = fields["entry"]["x-json-schema"]
    assert schema_url.endswith("/api/v1/schema/entry.schema.json")
    assert (site / "api/v1/schema/entry.schema.json").is_file()


def test_parquet_geometry_is_declared_as_the_wkb_it_holds(site: Path) -> None:
    package = _package(site)
    parquet = [r for r in package["resources"] if r["format"] == "parquet"]
    assert len(parquet) == 3 and {r["schema"] for r in parquet} == {"entries.schema.json"}
    schema = json.loads((site / "data/entries.schema.json").read_text("utf-8"))
    geometry = next(f for f in schema["fields"] if f["name"] == "geometry")
    assert geometry["type"] != "string" and geometry["x-encoding"] == "WKB"
    # ... and it is WKB: a little-endian point, [lon, lat], as the file's GeoParquet metadata says.
    table = pq.read_table(site / "data/entries.parquet", columns=["id", "lon", "lat", "geometry"])
    for row in table.to_pylist():
        assert struct.unpack("<BIdd", row["geometry"]) == (1, 1, row["lon"], row["lat"])
    geo = json.loads(pq.read_metadata(site / "data/entries.parquet").metadata[b"geo"])
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    columns = pq.read_schema(site / "data/entries.parquet").names
    assert [f["name"] for f in schema["fields"]] == columns


def _copy(site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(site / "data", copy / "data")
    return copy / "data/datapackage.json"


def _rewrite(package_path: Path, name: str, data: bytes) -> None:
    """Replace a resource's file and its hash and size, so only its content can be wrong."""
    package = json.loads(package_path.read_text("utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == name)
    (package_path.parent / resource["path"]).write_bytes(data)
    resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    if "bytes" in resource:
        resource["bytes"] = len(data)
    package_path.write_text(json.dumps(package), "utf-8")


def test_a_line_that_does_not_follow_the_table_schema_fails(site: Path, tmp_path: Path) -> None:
    package = _copy(site, tmp_path)
    lines = (package.parent / "entries.ndjson").read_bytes().splitlines(keepends=True)
    bad = json.loads(lines[1])
    bad["entry"] = "not an object"
    _rewrite(package, "entries-ndjson", b"".join([lines[0], json.dumps(bad).encode() + b"\n"]))
    assert any("type-error" in kind for kind, _ in _errors(package))


def test_a_parquet_file_against_its_schema_fails(site: Path, tmp_path: Path) -> None:
    """frictionless reads Parquet's rows (not its bytes: the sha256 is checked here instead)."""
    package = _copy(site, tmp_path)
    for resource in _package(site)["resources"]:
        data = (site / "data" / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    part = package.parent / "parquet/country=CH/area=bern/part-0.parquet"
    table = pq.read_table(part)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), part)  # an id twice
    assert any("primary-key" in kind for kind, _ in _errors(package))


def test_an_aggregate_line_with_its_origin_first_is_valid(site: Path, tmp_path: Path) -> None:
    """In an aggregate a member's business carries ``origin``; its line may come first."""
    package = _copy(site, tmp_path)
    lines = (package.parent / "entries.ndjson").read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    first["origin"] = {"member": "aare", "directory": "Aare Directory"}
    data = json.dumps(first).encode() + b"\n" + b"".join(lines[1:])
    _rewrite(package, "entries-ndjson", data)
    assert _errors(package) == []
