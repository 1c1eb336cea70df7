"""The hive-partitioned GeoParquet copy (data/parquet/), read by DuckDB and by Spark.

A directory with businesses in two countries and three areas is built once;
DuckDB and pyspark (local mode, its JVM started once for the module) read
``data/parquet/`` as one dataset and count businesses by category and area,
which must equal the count taken from ``data/entries.ndjson``. Both must
skip the partitions a filter on ``country`` rules out. docs/national.md
shows the same queries.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from quartier.directory import read_directory
from quartier.publish import build, data
from quartier.publish.parquet import PartitionedGeoParquet, partition_folder, schema
from quartier.publish.writer import Output

from .conftest import TODAY, sample_repo

# The sample's Bern split in two at 7.44 E, and Santa Cruz: three areas, two countries.
# An area id of digits only (a postal code) must stay a string in both engines.
AREAS = [
    {"id": "bern-west", "bbox": [7.29, 46.90, 7.44, 47.02], "countries": ["CH"]},
    {"id": "3011", "bbox": [7.44, 46.90, 7.55, 47.02], "countries": ["CH"]},
    {"id": "santa-cruz", "bbox": [-122.10, 36.93, -121.93, 37.05], "countries": ["US"]},
]
GLOB = "data/parquet/**/*.parquet"
# The queries of docs/national.md.
BY_AREA = (
    "SELECT country, area, category, count(*) AS businesses "
    "FROM read_parquet('{glob}', hive_partitioning = true, hive_types_autocast = false) "
    "{where}GROUP BY country, area, category ORDER BY country, area, category"
)
NO_JAVA = (
    "the Spark test needs a Java runtime (JRE 17 or newer) and found none: install one "
    "(Debian: apt-get install openjdk-17-jre-headless; .ci/run does) or set JAVA_HOME"
)


def three_areas(dest: Path) -> Path:
    """The sample directory with its Bern area split into bern-west and 3011."""
    root = sample_repo(dest)
    settings = yaml.safe_load((root / "directory.yaml").read_text("utf-8"))
    old = {a["id"]: a for a in settings["areas"]}
    settings["areas"] = [
        {**copy.deepcopy(old["santa-cruz" if a["id"] == "santa-cruz" else "bern"]), **a}
        for a in AREAS
    ]
    (root / "directory.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")
    return root


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_areas(tmp_path_factory.mktemp("partitioned") / "repo")


@pytest.fixture(scope="module")
def site(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "_site"
    directory = read_directory(root, today=TODAY)
    assert not directory.errors, directory.errors
    build(directory, out, commit="0" * 40)
    return out


def area_of(lat: float, lon: float, areas: list[dict[str, Any]] = AREAS) -> str:
    """The area as the test computes it: the first bbox holding the point, else 'other'."""
    for a in areas:
        west, south, east, north = a["bbox"]
        if west <= lon <= east and south <= lat <= north:
            return str(a["id"])
    return "other"


def expected_counts(
    site: Path, areas: list[dict[str, Any]] = AREAS
) -> list[tuple[str, str, str, int]]:
    """Businesses by (country, area, category), from data/entries.ndjson."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for line in (site / data.NDJSON_PATH).read_text("utf-8").splitlines():
        entry = json.loads(line)["entry"]
        geo, country = entry["location"]["geo"], entry["location"]["address"]["country"]
        counts[(country, area_of(geo["lat"], geo["lon"], areas), entry["category"])] += 1
    return sorted((*key, n) for key, n in counts.items())


def duckdb_counts(site: Path, where: str = "") -> list[tuple[Any, ...]]:
    query = BY_AREA.format(glob=site / GLOB, where=f"WHERE {where} " if where else "")
    return duckdb.connect().execute(query).fetchall()


def parts(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in (site / "data/parquet").rglob("*.*"))


def test_layout_is_country_then_area(site: Path) -> None:
    assert parts(site) == [
        "data/parquet/country=CH/area=3011/part-0.parquet",
        "data/parquet/country=CH/area=bern-west/part-0.parquet",
        "data/parquet/country=US/area=santa-cruz/part-0.parquet",
    ]


def test_duckdb_counts_category_by_area_as_the_ndjson_does(site: Path) -> None:
    expected = expected_counts(site)
    assert {row[1] for row in expected} == {"bern-west", "3011", "santa-cruz"}
    assert duckdb_counts(site) == expected
    # The single file has the same column, so simple consumers count the same way.
    whole = duckdb.connect().execute(
        f"SELECT country, area, category, count(*) FROM '{site / data.PARQUET_PATH}' "
        "GROUP BY ALL ORDER BY ALL"
    )
    assert whole.fetchall() == expected


def test_duckdb_skips_the_partitions_a_filter_rules_out(site: Path, tmp_path: Path) -> None:
    """With the US file replaced by garbage, a query on CH still runs: it never opens it."""
    copy = tmp_path / "site"
    shutil.copytree(site / "data", copy / "data")
    (copy / "data/parquet/country=US/area=santa-cruz/part-0.parquet").write_bytes(b"not parquet")
    swiss = [row for row in expected_counts(site) if row[0] == "CH"]
    assert duckdb_counts(copy, "country = 'CH'") == swiss
    with pytest.raises(duckdb.Error):  # it would, had it opened the file
        duckdb_counts(copy)
    plan = duckdb.connect().execute(
        "EXPLAIN " + BY_AREA.format(glob=copy / GLOB, where="WHERE area = 'bern-west' ")
    )
    assert "area = 'bern-west'" in "".join(str(row[1]) for row in plan.fetchall())


def test_each_file_is_geoparquet_with_its_own_bbox_and_sorted_ids(site: Path) -> None:
    con = duckdb.connect()
    whole = site / data.PARQUET_PATH
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{whole}'").fetchall()]
    assert "area" in columns
    seen = []
    for rel in parts(site):
        path = site / rel
        meta = dict(con.execute(f"SELECT key, value FROM parquet_kv_metadata('{path}')").fetchall())
        assert set(meta) == {b"geo", b"ARROW:schema"}  # nothing else, no clock
        geo = json.loads(meta[b"geo"])
        assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
        column = geo["columns"]["geometry"]
        assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
        rows = con.execute(f"SELECT id, lon, lat, country, area FROM '{path}'").fetchall()
        ids = [r[0] for r in rows]
        assert ids == sorted(ids)
        lons, lats = [r[1] for r in rows], [r[2] for r in rows]
        assert column["bbox"] == [min(lons), min(lats), max(lons), max(lats)]
        assert {f"country={r[3]}/area={r[4]}" for r in rows} == {rel.split("/", 2)[2][:-15]}
        assert [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()] == (
            columns
        )
        (created_by,) = con.execute(
            f"SELECT created_by FROM parquet_file_metadata('{path}')"
        ).fetchone() or ("",)
        assert re.fullmatch(r"parquet-cpp-arrow version [\d.]+", created_by)
        seen += ids
    assert sorted(seen) == sorted(r[0] for r in con.execute(f"SELECT id FROM '{whole}'").fetchall())


def test_manifest_and_data_package_list_every_file(site: Path) -> None:
    files = json.loads((site / "api/v1/index.json").read_text("utf-8"))["files"]
    package = json.loads((site / data.PACKAGE_PATH).read_text("utf-8"))
    listed = {r["path"]: r for r in package["resources"]}
    for rel in parts(site):
        digest = hashlib.sha256((site / rel).read_bytes()).hexdigest()
        assert files[rel]["sha256"] == digest
        resource = listed[rel.removeprefix("data/")]
        assert resource["hash"] == f"sha256:{digest}"
        assert resource["partition"] == dict(p.split("=") for p in rel.split("/")[2:4])
    assert listed["parquet/country=CH/area=bern-west/part-0.parquet"]["name"] == (
        "entries-ch-bern-west"
    )


def _read_all(site: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect()
    return {rel: con.execute(f"SELECT * FROM '{site / rel}'").fetchall() for rel in parts(site)}


def test_spilled_partitions_are_the_same_rows_in_row_groups(
    root: Path, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ROW_GROUP rows the partitions spill to disk; the files hold the same rows."""
    monkeypatch.setattr(data, "ROW_GROUP", 4)  # 15 businesses: three spills
    build(read_directory(root, today=TODAY), tmp_path / "out", commit="0" * 40)
    out = tmp_path / "out"
    assert _read_all(out) == _read_all(site)
    con = duckdb.connect()
    for rel in parts(out):
        groups = con.execute(
            f"SELECT row_group_num_rows FROM parquet_metadata('{out / rel}') "
            "GROUP BY row_group_id, row_group_num_rows ORDER BY row_group_id"
        ).fetchall()
        sizes = [g[0] for g in groups]
        assert all(n == 4 for n in sizes[:-1]) and 0 < sizes[-1] <= 4, (rel, sizes)
    # Nothing else is left in the output (the spill file had no name).
    index = json.loads((out / "api/v1/index.json").read_text("utf-8"))["files"]
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted([*index, "api/v1/index.json"])


def test_rebuilds_are_byte_identical(root: Path, site: Path, tmp_path: Path) -> None:
    build(read_directory(root, today=TODAY), tmp_path / "again", commit="0" * 40)
    again = tmp_path / "again"
    assert parts(again) == parts(site)
    for rel in parts(site):
        assert (again / rel).read_bytes() == (site / rel).read_bytes(), rel


def test_a_business_outside_every_area_goes_to_other(root: Path, tmp_path: Path) -> None:
    """As a federated business outside the aggregate's areas: area 'other' of its country."""
    directory = read_directory(root, today=TODAY)
    assert directory.config is not None
    config = directory.config.model_copy(
        update={"areas": [a for a in directory.config.areas if a.id != "bern-west"]}
    )
    directory.config = config
    out = tmp_path / "out"
    build(directory, out, commit="0" * 40)
    assert parts(out) == [
        "data/parquet/country=CH/area=3011/part-0.parquet",
        "data/parquet/country=CH/area=other/part-0.parquet",
        "data/parquet/country=US/area=santa-cruz/part-0.parquet",
    ]
    others = duckdb_counts(out, "area = 'other'")
    west = [r for r in expected_counts(out) if r[1] == "bern-west"]
    assert others == [("CH", "other", c, n) for _, _, c, n in west] and others
    assert duckdb_counts(out) == expected_counts(out, AREAS[1:])


def test_a_value_that_is_not_a_plain_name_never_becomes_a_folder(tmp_path: Path) -> None:
    """Models allow only ISO codes and slugs; a record that slipped past them is refused."""
    columns = [(name, kind) for name, kind, _ in data.PARQUET_COLUMNS]
    for value in ("../../evil", "CH/x", "", ".hidden", "a b", "C:\\x"):
        with pytest.raises(ValueError, match="not a plain name"):
            partition_folder(("country", "area"), (value, "bern"))
    with Output(tmp_path / "out") as out:
        files = PartitionedGeoParquet(out, "data/parquet", schema(columns), ("country",), 10)
        with pytest.raises(ValueError, match="not a plain name"):
            files.add({"country": "../../../evil", "lon": 0.0, "lat": 0.0})
        files.close()
    assert not (tmp_path / "out" / "data").exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out"]


# --- Spark ------------------------------------------------------------------------------


def java_or_fail() -> str:
    """The java executable pyspark will start, or a failed test saying to install a JRE.

    A failure, not a skip: CI installs the JRE (.ci/run), and a skipped test
    would hide that the partitioned data was never read by Spark.
    """
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).is_file():
        pytest.fail(NO_JAVA, pytrace=False)
    return java


def test_no_java_fails_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="openjdk-17-jre-headless"):
        java_or_fail()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-such-jre"))
    with pytest.raises(pytest.fail.Exception, match="install one"):
        java_or_fail()


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local Spark session for the module: one core, loopback only, no UI."""
    java_or_fail()
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        pytest.fail("pyspark is missing: pip install 'quartier[spark]'", pytrace=False)
    scratch = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[1]")
        .appName("quartier-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "512m")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.local.dir", str(scratch / "local"))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        # Partition values stay strings ("3000" is an area id, not a number).
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def test_spark_counts_category_by_area_as_duckdb_does(spark: Any, site: Path) -> None:
    businesses = spark.read.parquet(str(site / "data/parquet"))
    counts = (
        businesses.groupBy("country", "area", "category")
        .count()
        .orderBy("country", "area", "category")
        .collect()
    )
    assert [tuple(r) for r in counts] == duckdb_counts(site) == expected_counts(site)
    assert businesses.count() == len((site / data.NDJSON_PATH).read_bytes().splitlines())


def test_spark_prunes_partitions_on_country(spark: Any, site: Path) -> None:
    swiss = spark.read.parquet(str(site / "data/parquet")).where("country = 'CH'")
    counts = swiss.groupBy("country", "area", "category").count().collect()
    assert sorted(tuple(r) for r in counts) == duckdb_counts(site, "country = 'CH'")
    plan = swiss._jdf.queryExecution().executedPlan().toString()
    assert re.search(r"PartitionFilters: \[[^\]]*country#\d+ = CH", plan), plan
