"""``quartier build``: every output exists, is valid for its format, and round-trips."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from quartier import parallel
from quartier.cli import main
from quartier.directory import read_directory
from quartier.model import CONTRACT_VERSION, Entry
from quartier.publish import build, sitemap
from quartier.publish.jsonld import embed
from quartier.publish.public import public_entry

from . import schemaorg
from .conftest import CASES, SAMPLE, TODAY

EXPECTED_FILES = [
    "feed.json",
    "llms.txt",
    "llms-full.txt",
    "sitemap.xml",
    "robots.txt",
    "api/v1/index.json",
    "api/v1/openapi.json",
    "api/v1/categories.json",
    "api/v1/places.json",
    "api/v1/directory.json",
    "api/v1/taxonomy.json",
    "api/v1/schema/entry.schema.json",
    "data/entries.ndjson",
    "data/entries.geojson",
    "data/entries.parquet",
    "data/datapackage.json",
]


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "_site"
    directory = read_directory(sample_root, today=TODAY)
    build(directory, out, commit="0" * 40)
    return out


def _json(site: Path, rel: str) -> dict:
    return json.loads((site / rel).read_text("utf-8"))


def test_every_output_is_written(site: Path) -> None:
    for rel in EXPECTED_FILES:
        assert (site / rel).is_file(), rel
    ids = sorted(p.stem for p in (SAMPLE / "entries").rglob("*.yaml"))
    assert sorted(p.stem for p in (site / "api/v1/entries").glob("*.json")) == ids
    assert sorted(p.stem for p in (site / "api/v1/entries").glob("*.jsonld")) == ids


def test_index_manifest_hashes_every_file(site: Path) -> None:
    index = _json(site, "api/v1/index.json")
    written = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert sorted([*index["files"], "api/v1/index.json"]) == written
    for rel, meta in index["files"].items():
        data = (site / rel).read_bytes()
        assert meta == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, rel
    counts = index["counts"]
    assert counts["entries"] == len(list((SAMPLE / "entries").rglob("*.yaml")))
    assert counts["permanently_closed"] >= 1 and counts["temporarily_closed"] >= 1


def test_round_trip_feed_ndjson_api(sample_root: Path, site: Path) -> None:
    directory = read_directory(sample_root, today=TODAY)
    base = directory.config.base_url  # photo files are published with their site address
    expected = {i: public_entry(e, base) for i, e in directory.entries.items()}

    def back(data: dict) -> Entry:
        return Entry.model_validate(
            data, context={"country": data["location"]["address"]["country"]}
        )

    feed = _json(site, "feed.json")
    from_feed = {
        item["_quartier"]["entry"]["id"]: back(item["_quartier"]["entry"]) for item in feed["items"]
    }
    assert from_feed == expected
    lines = (site / "data/entries.ndjson").read_text("utf-8").splitlines()
    assert {
        back(json.loads(x)["entry"]).id: back(json.loads(x)["entry"]) for x in lines
    } == expected
    for entry_id, entry in expected.items():
        assert back(_json(site, f"api/v1/entries/{entry_id}.json")["entry"]) == entry


def test_feed_follows_json_feed_1_1(site: Path) -> None:
    feed = _json(site, "feed.json")
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["feed_url"].endswith("/feed.json")
    dates = [item["date_modified"] for item in feed["items"]]
    assert dates == sorted(dates, reverse=True), "newest first"
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"] == item["url"]
        assert item["url"].endswith(f"/businesses/{item['_quartier']['entry']['id']}/")
        assert item.get("content_text") or item.get("content_html")
        assert all(k in FEED_ITEM_KEYS or k.startswith("_") for k in item), item.keys()
        assert item["_quartier"]["about"].startswith("https://")


FEED_ITEM_KEYS = {
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "authors",
    "tags",
    "language",
    "attachments",
}


def _openapi_validator(site: Path, component: str) -> jsonschema.Draft202012Validator:
    base = "https://example.test/api/v1/"
    # An explicit $id, so that the relative reference to the entry schema resolves.
    openapi = {**_json(site, "api/v1/openapi.json"), "$id": base + "openapi.json"}
    entry_schema = _json(site, "api/v1/schema/entry.schema.json")
    registry = Registry().with_resources(
        [
            (base + "openapi.json", Resource.from_contents(openapi, default_specification=SPEC)),
            (base + "schema/entry.schema.json", Resource.from_contents(entry_schema)),
        ]
    )
    schema = {"$ref": f"{base}openapi.json#/components/schemas/{component}"}
    return jsonschema.Draft202012Validator(schema, registry=registry)


SPEC = DRAFT202012


def test_outputs_match_the_published_openapi_schemas(site: Path) -> None:
    spec_path = site / "api/v1/openapi.json"
    validate_openapi(_json(site, "api/v1/openapi.json"), base_uri=spec_path.as_uri())
    _openapi_validator(site, "Feed").validate(_json(site, "feed.json"))
    _openapi_validator(site, "Index").validate(_json(site, "api/v1/index.json"))
    doc_validator = _openapi_validator(site, "EntryDocument")
    for path in sorted((site / "api/v1/entries").glob("*.json")):
        doc_validator.validate(json.loads(path.read_text("utf-8")))
    bad = _json(site, "feed.json")
    bad["items"][0]["_quartier"]["entry"]["status"] = "gone"
    with pytest.raises(jsonschema.ValidationError):
        _openapi_validator(site, "Feed").validate(bad)


def test_the_manifest_and_the_schema_name_the_contract_version(site: Path) -> None:
    """A reader learns which entry contract the records follow before reading one."""
    index = _json(site, "api/v1/index.json")
    schema = _json(site, "api/v1/schema/entry.schema.json")
    assert re.fullmatch(r"[0-9]+\.[0-9]+", CONTRACT_VERSION)
    assert index["contract_version"] == CONTRACT_VERSION
    assert _json(site, "api/v1/directory.json")["contract_version"] == CONTRACT_VERSION
    assert schema["x-quartier-contract-version"] == CONTRACT_VERSION
    assert schema["$id"] == f"https://quartier.dev/schema/entry/v{CONTRACT_VERSION}.json"
    jsonschema.Draft202012Validator.check_schema(schema)
    # The OpenAPI description requires it of the manifest, as MAJOR.MINOR.
    manifest = _openapi_validator(site, "Index")
    manifest.validate(index)
    with pytest.raises(jsonschema.ValidationError, match="'contract_version' is a required"):
        manifest.validate({k: v for k, v in index.items() if k != "contract_version"})
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        manifest.validate({**index, "contract_version": "1"})
    # ... and of the JSON Schema file, by its keyword.
    path = _json(site, "api/v1/openapi.json")["paths"]["/api/v1/schema/entry.schema.json"]
    described = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator(described).validate(schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(described).validate(
            {k: v for k, v in schema.items() if k != "x-quartier-contract-version"}
        )


def test_jsonld_is_valid_schema_org(site: Path) -> None:
    for path in sorted((site / "api/v1/entries").glob("*.jsonld")):
        doc = json.loads(path.read_text("utf-8"))
        assert doc["@context"] == "https://schema.org"
        assert schemaorg.is_local_business(doc["@type"]), doc["@type"]
        assert schemaorg.problems(doc) == [], path.name
    velo = _json(site, "api/v1/entries/velowerk-lorraine.jsonld")
    assert velo["@type"] == "BikeStore"
    assert velo["telephone"] == "+41313321122"
    hours = {
        (tuple(s["dayOfWeek"]), s["opens"], s["closes"]) for s in velo["openingHoursSpecification"]
    }
    weekdays = tuple(
        f"https://schema.org/{d}" for d in ("Tuesday", "Wednesday", "Thursday", "Friday")
    )
    assert (weekdays, "09:00:00", "18:30:00") in hours
    assert (("https://schema.org/Saturday",), "09:00:00", "16:00:00") in hours


def test_schema_org_check_catches_mistakes() -> None:
    assert schemaorg.problems({"@type": "BikeStore", "colour": "red"}) == [
        "$.colour: not a schema.org property"
    ]
    assert schemaorg.problems({"@type": "BikeStore", "founder": {"@type": "Place"}}) != []
    assert schemaorg.problems({"@type": "Bikestore"}) == ["$: unknown type 'Bikestore'"]


def test_closed_businesses_stay_with_their_status(site: Path) -> None:
    closed = _json(site, "api/v1/entries/tidepool-records.json")
    assert closed["status"] == "permanently_closed"
    props = {p["name"]: p["value"] for p in closed["jsonld"]["additionalProperty"]}
    assert props["status"] == "permanently_closed"
    assert props["supersededBy"].endswith("/businesses/tidepool-records-soquel/")
    geo = _json(site, "data/entries.geojson")
    assert {f["properties"]["status"] for f in geo["features"]} >= {
        "open",
        "temporarily_closed",
        "permanently_closed",
    }
    full = (site / "llms-full.txt").read_text("utf-8")
    assert "## Tidepool Records" in full and "tidepool-records-soquel" in full
    assert "id: tidepool-records |" not in full  # only open businesses there


def test_hidden_address_is_never_published(sample_root: Path, site: Path) -> None:
    entry = read_directory(sample_root, today=TODAY).entries["redwood-bench-joinery"]
    street = entry.location.address.street
    assert street and entry.location.hide_address
    for path in site.rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            assert street not in path.read_text("utf-8"), path
    row = (
        duckdb.connect()
        .execute(
            f"SELECT street, lat FROM '{site}/data/entries.parquet' "
            "WHERE id = 'redwood-bench-joinery'"
        )
        .fetchone()
    )
    assert row == (None, round(entry.location.geo.lat, 2))


def test_duckdb_reads_parquet_and_geojson(site: Path) -> None:
    con = duckdb.connect()
    count = con.execute(f"SELECT count(*) FROM '{site}/data/entries.parquet'").fetchone()
    assert count == (len(list((SAMPLE / "entries").rglob("*.yaml"))),)
    bakeries = con.execute(
        f"SELECT id FROM '{site}/data/entries.parquet' WHERE list_contains(categories, 'bakery') "
        "ORDER BY id"
    ).fetchall()
    assert ("holzofebeck-breitsch",) in bakeries
    meta = con.execute(
        f"SELECT decode(value) FROM parquet_kv_metadata('{site}/data/entries.parquet') "
        "WHERE decode(key) = 'geo'"
    ).fetchone()
    assert meta and json.loads(meta[0])["columns"]["geometry"]["encoding"] == "WKB"
    # DuckDB reads GeoJSON as it is: one row per feature, the geometry as WKB.
    rows = con.execute(
        f"SELECT id, geometry FROM '{site}/data/entries.geojson' ORDER BY id"
    ).fetchall()
    points = {i: struct.unpack("<BIdd", bytes(g))[2:] for i, g in rows}
    assert points["velowerk-lorraine"] == (7.4452, 46.9591)  # RFC 7946: [lon, lat]


def test_datapackage_describes_the_files(site: Path) -> None:
    package = _json(site, "data/datapackage.json")
    assert package["licenses"][0]["name"] == "CC0-1.0"
    for resource in package["resources"]:
        data = (site / "data" / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        # No size for Parquet, which frictionless cannot count (see data.write_package).
        assert resource.get("bytes", len(data)) == len(data)
        assert "bytes" in resource or resource["format"] == "parquet"


def test_llms_txt_and_robots(site: Path) -> None:
    llms = (site / "llms.txt").read_text("utf-8").splitlines()
    assert llms[0] == "# Quartier Sample Directory" and llms[2].startswith("> ")
    assert "## Categories" in llms and "## Places" in llms and "## Optional" in llms
    robots = (site / "robots.txt").read_text("utf-8")
    for bot in ("GPTBot", "ClaudeBot", "PerplexityBot", "Googlebot"):
        assert f"User-agent: {bot}\nAllow: /" in robots
    assert robots.rstrip().endswith("sitemap.xml")


def test_sitemap_and_its_index(
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Path
) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(site / "sitemap.xml").findall("s:url/s:loc", ns)]
    assert any(loc.endswith("/businesses/velowerk-lorraine/") for loc in locs)
    monkeypatch.setattr(sitemap, "MAX_URLS", 10)
    build(read_directory(sample_root, today=TODAY), tmp_path / "out")
    index = ET.parse(tmp_path / "out" / "sitemap.xml").getroot()
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [e.text.rsplit("/", 1)[1] for e in index.findall("s:sitemap/s:loc", ns)]
    total = sum(len(ET.parse(tmp_path / "out" / p).findall("s:url", ns)) for p in parts)
    assert len(parts) >= 3 and total == len(locs)


def test_feed_pages_link_to_each_other(sample_root: Path, tmp_path: Path) -> None:
    build(read_directory(sample_root, today=TODAY), tmp_path / "out", feed_page_size=4)
    page, seen = "feed.json", []
    while True:
        feed = json.loads((tmp_path / "out" / page).read_text("utf-8"))
        seen += [item["id"] for item in feed["items"]]
        if "next_url" not in feed:
            break
        page = feed["next_url"].rsplit("/", 1)[1]
    assert len(seen) == len(set(seen)) == len(list((SAMPLE / "entries").rglob("*.yaml")))


def test_rebuilds_are_byte_identical(
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds, the second on forked workers, write the same bytes."""
    directory = read_directory(sample_root, today=TODAY)
    build(directory, tmp_path / "a", commit="1" * 40)
    monkeypatch.setattr(parallel, "FORCE", True)
    build(read_directory(sample_root, today=TODAY), tmp_path / "b", commit="1" * 40)
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


# (U+2028 is refused by validation since texts refuse line separators; see test_fields.py.)
HOSTILE = "</script><script>alert(1)</script> <!-- & \"quotes\" 'x' # [link](javascript:x)"


def test_hostile_text_is_published_safely(make_root, tmp_path: Path) -> None:
    text = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    long = "Ü" * 190
    text = text.replace("name: Testbeck", f"name: {json.dumps(HOSTILE[:150])}")
    text = text.replace("de: Eine kleine Quartierbäckerei.", f"de: {json.dumps(HOSTILE)}")
    text = text.replace("en: A small neighbourhood bakery.", f"en: {long}")
    text += f"description:\n  de: {json.dumps(HOSTILE * 20)}\n"
    root = make_root({"entries/minimal.yaml": text})
    directory = read_directory(root, today=TODAY)
    assert directory.errors == [], directory.errors
    build(directory, tmp_path / "out")
    out = tmp_path / "out"
    # The .jsonld file itself can be pasted into a <script> element as it is.
    raw = (out / "api/v1/entries/minimal.jsonld").read_text("utf-8")
    assert not set("<>&\u2028\u2029") & set(raw), raw
    jsonld = json.loads(raw)
    assert jsonld["name"] == HOSTILE[:150].strip()
    record = json.loads((out / "api/v1/entries/minimal.json").read_text("utf-8"))
    assert record["jsonld"] == jsonld
    embedded = embed(jsonld)
    assert "<" not in embedded and ">" not in embedded and "\u2028" not in embedded
    assert json.loads(embedded) == jsonld
    for path in out.rglob("*.json*"):
        if path.suffix in (".json", ".jsonld", ".geojson"):
            json.loads(path.read_text("utf-8"))
    for line in (out / "data/entries.ndjson").read_text("utf-8").splitlines():
        assert json.loads(line)["entry"]["summary"]["de"] == HOSTILE.strip()
    ET.parse(out / "sitemap.xml")
    llms_full = (out / "llms-full.txt").read_text("utf-8")
    assert "\n## " in llms_full and "<script>" not in llms_full
    assert "\u2028" not in llms_full
    assert all(not line.startswith("<") for line in llms_full.splitlines())
    feed = json.loads((out / "feed.json").read_text("utf-8"))
    assert feed["items"][0]["title"] == HOSTILE[:150].strip()


def test_build_refuses_invalid_data_and_keeps_the_old_output(make_root, capsys) -> None:
    good = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    root = make_root({"entries/minimal.yaml": good})
    assert main(["build", "--root", str(root), "--quiet"]) == 0
    before = (root / "_site" / "feed.json").read_bytes()
    (root / "entries/minimal.yaml").write_text(good.replace("bakery", "bakeryy"), "utf-8")
    assert main(["build", "--root", str(root), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "unknown category 'bakeryy'" in out
    assert (root / "_site" / "feed.json").read_bytes() == before
    assert not [p for p in root.iterdir() if p.name.startswith("._site")], "no leftovers"


def test_build_command_reports_what_it_wrote(make_root, capsys) -> None:
    root = make_root(
        {"entries/minimal.yaml": (CASES / "valid" / "minimal.yaml").read_text("utf-8")}
    )
    assert main(["build", "--root", str(root), "--out", str(root / "pub")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "1 file checked: all valid"
    assert lines[1].startswith("published 1 business: ") and str(root / "pub") in lines[1]
    shutil.rmtree(root / "pub")


@pytest.mark.parametrize("where", [".", "entries", "entries/sub", "schema", "notes.txt", "mine"])
def test_build_never_replaces_what_is_not_a_build(make_root, capsys, where: str) -> None:
    root = make_root(
        {"entries/minimal.yaml": (CASES / "valid" / "minimal.yaml").read_text("utf-8")}
    )
    (root / "notes.txt").write_text("keep me", "utf-8")
    (root / "mine").mkdir()
    (root / "mine" / "thesis.txt").write_text("keep me too", "utf-8")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code = main(["build", "--root", str(root), "--out", str(root / where), "--quiet"])
    assert code == 2
    assert "--out" in capsys.readouterr().err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_build_may_replace_a_previous_build(make_root) -> None:
    root = make_root(
        {"entries/minimal.yaml": (CASES / "valid" / "minimal.yaml").read_text("utf-8")}
    )
    assert main(["build", "--root", str(root), "--out", str(root / "pub"), "--quiet"]) == 0
    assert main(["build", "--root", str(root), "--out", str(root / "pub"), "--quiet"]) == 0


class _Running:
    """Stands for Pagefind left running by the site extra."""

    def __init__(self) -> None:
        self.waited = self.cancelled = False

    def wait(self) -> None:
        self.waited = True

    def cancel(self) -> None:
        self.cancelled = True


def test_extras_overlap_the_machine_outputs_and_are_waited_for(
    sample_root: Path, tmp_path: Path
) -> None:
    running = _Running()
    seen: list[bool] = []

    def extra(ctx: object, out: object, sink: object) -> _Running:
        seen.append((tmp_path / "out").exists())
        return running

    result = build(read_directory(sample_root, today=TODAY), tmp_path / "out", extras=(extra,))
    assert running.waited and not running.cancelled
    assert seen == [False] and "api/v1/index.json" in result.files


def test_a_failing_build_cancels_background_work_and_publishes_nothing(
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = _Running()

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("quartier.publish.sitemap.write", broken)
    with pytest.raises(OSError):
        build(
            read_directory(sample_root, today=TODAY),
            tmp_path / "out",
            extras=(lambda c, o, s: running,),
        )
    assert running.cancelled and not running.waited
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind


def test_parquet_in_several_row_groups_reads_as_one_table(
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large directories stream Parquet in row groups; readers see one table and its bbox."""
    from quartier.publish import data

    monkeypatch.setattr(data, "ROW_GROUP", 4)
    build(read_directory(sample_root, today=TODAY), tmp_path / "out")
    path = tmp_path / "out" / "data" / "entries.parquet"
    con = duckdb.connect()
    groups = con.execute(
        f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{path}')"
    ).fetchone()
    assert groups is not None and groups[0] > 1
    ids = [r[0] for r in con.execute(f"SELECT id FROM '{path}'").fetchall()]
    assert ids == sorted(p.stem for p in (SAMPLE / "entries").rglob("*.yaml"))
    meta = con.execute(
        f"SELECT decode(value) FROM parquet_kv_metadata('{path}') WHERE decode(key) = 'geo'"
    ).fetchone()
    assert meta is not None
    lon_min, lat_min, lon_max, lat_max = json.loads(meta[0])["columns"]["geometry"]["bbox"]
    lats = [r[0] for r in con.execute(f"SELECT lat FROM '{path}'").fetchall()]
    assert (lat_min, lat_max) == (min(lats), max(lats)) and lon_min < 0 < lon_max


def test_a_failing_background_job_cancels_the_others(sample_root: Path, tmp_path: Path) -> None:
    class Failing(_Running):
        def wait(self) -> None:
            raise RuntimeError("indexer crashed")

    first, second = Failing(), _Running()
    with pytest.raises(RuntimeError):
        build(
            read_directory(sample_root, today=TODAY),
            tmp_path / "out",
            extras=(lambda c, o, s: first, lambda c, o, s: second),
        )
    assert second.cancelled and not second.waited
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("forked", [False, True])
def test_progress_ticks_once_per_business(
    sample_root: Path, forked: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "FORCE", forked)
    ticks: list[None] = []
    directory = read_directory(sample_root, today=TODAY)
    build(directory, tmp_path / "out", tick=lambda: ticks.append(None))
    assert len(ticks) == len(directory.entries)


def _entry(entry_id: str, locality: str, country: str, lat: float, lon: float) -> str:
    return (
        (CASES / "valid" / "minimal.yaml")
        .read_text("utf-8")
        .replace("id: minimal", f"id: {entry_id}")
        .replace("name: Testbeck", f"name: Testbeck {entry_id}")
        .replace("testbeck.ch", f"{entry_id}.example")
        .replace(
            "{locality: Bern, country: CH}",
            f"{{locality: {json.dumps(locality)}, country: {country}}}",
        )
        .replace("{lat: 46.95, lon: 7.44}", f"{{lat: {lat}, lon: {lon}}}")
    )


def test_a_place_is_named_and_placed_by_most_of_its_entries(make_root, tmp_path: Path) -> None:
    """The entry first in id order does not rename a place, nor move it to its own area."""
    root = make_root(
        {
            "entries/0-far.yaml": _entry("0-far", "BERN!", "US", 36.97, -122.03),
            "entries/beck-b.yaml": _entry("beck-b", "Bern", "CH", 46.95, 7.44),
            "entries/beck-c.yaml": _entry("beck-c", "Bern", "CH", 46.96, 7.45),
        }
    )
    directory = read_directory(root, today=TODAY)
    assert directory.errors == [], directory.errors
    build(directory, tmp_path / "out")
    places = _json(tmp_path / "out", "api/v1/places.json")["places"]
    assert [(p["id"], p["name"], p["area"], p["count"]) for p in places] == [
        ("bern", "Bern", "bern", 3)
    ]
    assert _json(tmp_path / "out", "api/v1/places/bern.json")["place"]["name"] == "Bern"
    llms = (tmp_path / "out" / "llms.txt").read_text("utf-8")
    assert "- [Bern](https://quartier-dev.github.io/quartier/places/bern/): 3" in llms
    assert "BERN" not in llms
