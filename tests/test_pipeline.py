"""The build orchestrator: per-record provenance, and an aggregate of local entries and members.

The members' copies are written with the mirror's own writer
(:func:`quartier.federation.mirror.write`), as ``quartier federate`` leaves
them; no HTTP is needed to test what a build makes of them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from quartier import parallel
from quartier.cli import main
from quartier.federation import mirror
from quartier.federation.mirror import Gone, Row, State
from quartier.publish.pipeline import build, read

from .conftest import CASES, SAMPLE, TODAY

ENTRY = "api/v1/entries/{}.json"


def _json(out: Path, rel: str) -> Any:
    return orjson.loads((out / rel).read_bytes())


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


# --- per-record provenance ----------------------------------------------------


def test_a_record_changes_only_with_its_business_not_with_the_commit(
    sample_root: Path, tmp_path: Path
) -> None:
    """The build's commit is in the manifest only; the source file is on the default branch."""
    _, first = build(sample_root, tmp_path / "a", commit="1" * 40, today=TODAY)
    _, second = build(sample_root, tmp_path / "b", commit="2" * 40, today=TODAY)
    assert first is not None and second is not None
    records = [rel for rel in first.files if rel.startswith("api/v1/entries/")]
    assert records
    for rel in records:
        assert first.files[rel] == second.files[rel], rel
    assert _json(tmp_path / "a", "api/v1/index.json")["source_commit"] == "1" * 40
    record = _json(tmp_path / "a", ENTRY.format("velowerk-lorraine"))
    assert record["spec_version"] == "1.1"
    assert record["provenance"] == {
        "directory": "Quartier Sample Directory",
        "directory_url": "https://quartier-dev.github.io/quartier/",
        "source": "https://github.com/quartier-dev/quartier/blob/HEAD/"
        "entries/ch/bern/velowerk-lorraine.yaml",
        "last_verified": record["entry"]["last_verified"],
        "maintainers": record["entry"]["maintainers"],
        "license": "CC0-1.0",
        "license_url": "https://creativecommons.org/publicdomain/zero/1.0/",
    }
    feed = _json(tmp_path / "a", "feed.json")
    assert all("source_commit" not in item["_quartier"]["provenance"] for item in feed["items"])


# --- an aggregate ---------------------------------------------------------------


def _entry(oid: str, name: str, **changes: Any) -> dict[str, Any]:
    """A member's published entry object (the minimal valid entry, in JSON form)."""
    entry: dict[str, Any] = {
        "id": oid,
        "name": name,
        "status": "open",
        "category": "bakery",
        "summary": {"de": f"{name} im Quartier.", "en": f"{name} in the quarter."},
        "location": {
            "address": {"locality": "Bern", "country": "CH"},
            "geo": {"lat": 46.95, "lon": 7.44},
        },
        "contact": {"website": f"https://{oid}.example.ch/"},
        "maintainers": ["owner"],
        "last_verified": "2026-10-01",
    }
    entry.update(changes)
    return entry


def _row(member: str, entry: dict[str, Any]) -> Row:
    oid = entry["id"]
    return Row(
        id=oid,
        sha256="0" * 64,
        fetched_at="2026-11-24T08:00:00Z",
        source_commit="c0ffee" + member.encode().hex(),  # a commit id: hex digits
        url=f"https://{member}.example.org/businesses/{oid}/",
        provenance={"directory": member.title(), "source": None},
        entry=entry,
    )


def _state(member: str, license: str, gone: list[Gone] | None = None) -> State:
    return State(
        member=member,
        name=f"{member.title()} lokal",
        url=f"https://{member}.example.org/",
        license=license,
        license_url=_license_url(license),
        fetched_at="2026-11-24T08:00:00Z",
        checked_at="2026-11-24T08:00:00Z",
        base_url=f"https://{member}.example.org/",
        gone=gone or [],
    )


def _license_url(license: str) -> str:
    from quartier.config import LICENSES

    return LICENSES[license]


# Local: the minimal bakery (phone +41 31 000 00 01) and a café.
LOCAL_PHONE = "+41 31 331 00 01"


@pytest.fixture
def aggregate(make_root: Callable[[dict[str, bytes | str]], Path]) -> Path:
    """Two local entries and two members (thun CC BY, biel CC0) whose copies hold:

    - ``thun--baeckerei``: a business of its own;
    - ``thun--dup`` and ``biel--dup``: one business (the same phone), thun's
      verified later;
    - ``thun--testbeck``: the local ``minimal`` again (the same website), verified earlier;
    - ``thun--faraway``: outside every area of this directory (skipped);
    - a tombstone ``thun--old``.
    """
    minimal = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    cafe = minimal.replace("id: minimal", "id: eckcafe").replace("Testbeck", "Eckcafe")
    cafe = cafe.replace("testbeck.ch", "eckcafe.ch").replace("lat: 46.95", "lat: 46.96")
    root = make_root(
        {"entries/ch/bern/minimal.yaml": minimal, "entries/ch/bern/eckcafe.yaml": cafe}
    )
    settings = yaml.safe_load((SAMPLE / "directory.yaml").read_text("utf-8"))
    settings["license"] = "CC-BY-4.0"
    settings["members"] = [
        {"id": "thun", "url": "https://thun.example.org/", "license": "CC-BY-4.0"},
        {"id": "biel", "url": "https://biel.example.org/", "license": "CC0-1.0"},
    ]
    (root / "directory.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")
    phone = {"website": "https://dup.example.ch/", "phone": "+41 33 222 33 44"}
    mirror.write(
        root,
        _state(
            "thun",
            "CC-BY-4.0",
            [Gone("thun--old", "thun", "old", "2026-11-10", "2026-12-10")],
        ),
        [
            _row(
                "thun",
                _entry(
                    "baeckerei",
                    "Thuner Beck",
                    location={
                        "address": {"locality": "Bern", "country": "CH"},
                        "geo": {"lat": 46.97, "lon": 7.46},
                    },
                ),
            ),
            _row("thun", _entry("dup", "Doppelbeck", contact=phone, last_verified="2026-11-01")),
            _row(
                "thun",
                _entry(
                    "faraway",
                    "Fernbeck",
                    location={
                        "address": {"locality": "Genf", "country": "CH"},
                        "geo": {"lat": 46.2, "lon": 6.14},
                    },
                ),
            ),
            _row(
                "thun",
                _entry(
                    "testbeck",
                    "Testbeck Kopie",
                    contact={"website": "https://testbeck.ch/"},
                    last_verified="2026-09-01",
                ),
            ),
        ],
    )
    mirror.write(
        root,
        _state("biel", "CC0-1.0"),
        [
            _row(
                "biel",
                _entry(
                    "dup",
                    "Doppelbeck Biel",
                    contact=phone,
                    location={
                        "address": {"locality": "Bern", "country": "CH"},
                        "geo": {"lat": 46.951, "lon": 7.441},
                    },
                ),
            )
        ],
    )
    return root


def _build(root: Path, out: Path, **kw: Any) -> dict[str, bytes]:
    directory, result = build(root, out, commit="3" * 40, today=TODAY, **kw)
    assert result is not None, directory.errors
    return _files(out)


def test_an_aggregate_publishes_members_businesses_with_their_provenance(
    aggregate: Path, tmp_path: Path
) -> None:
    files = _build(aggregate, tmp_path / "out")
    out = tmp_path / "out"
    ids = [e["id"] for e in _json(out, "api/v1/categories/bakery.json")["entries"]]
    # Local and federated businesses in one id order; merged and skipped ones absent.
    assert ids == ["biel--dup", "eckcafe", "minimal", "thun--baeckerei"]
    record = _json(out, ENTRY.format("thun--baeckerei"))
    assert record["spec_version"] == "1.1"
    assert record["url"] == "https://quartier-dev.github.io/quartier/businesses/thun--baeckerei/"
    provenance = record["provenance"]
    assert provenance["source"] == "https://thun.example.org/api/v1/entries/baeckerei.json"
    assert provenance["license"] == "CC-BY-4.0"
    assert provenance["sources"] == [
        {
            "member": "thun",
            "name": "Thun lokal",
            "directory_url": "https://thun.example.org/",
            "id": "thun--baeckerei",
            "original_id": "baeckerei",
            "record_url": "https://thun.example.org/api/v1/entries/baeckerei.json",
            "page_url": "https://thun.example.org/businesses/baeckerei/",
            "source_commit": "c0ffee" + b"thun".hex(),
            "fetched_at": "2026-11-24T08:00:00Z",
            "license": "CC-BY-4.0",
            "license_url": "https://creativecommons.org/licenses/by/4.0/",
            "last_verified": "2026-10-01",
            "upstream": {"directory": "Thun", "source": None},
        }
    ]
    assert ENTRY.format("thun--faraway") not in files
    # Ids never collide: local ones never hold '--', each federated one names its member.
    for rel in files:
        if m := re.fullmatch(r"api/v1/entries/(.+)\.json", rel):
            assert ("--" in m[1]) == (m[1].split("--")[0] in ("thun", "biel")), m[1]


def test_the_same_business_in_two_members_becomes_one_record_with_two_sources(
    aggregate: Path, tmp_path: Path
) -> None:
    """Content: the most recently verified (thun's); id: the smallest federated id (biel's)."""
    files = _build(aggregate, tmp_path / "out")
    record = _json(tmp_path / "out", ENTRY.format("biel--dup"))
    assert record["entry"]["name"] == "Doppelbeck"  # thun's, verified 2026-11-01
    assert record["entry"]["id"] == "biel--dup"
    sources = record["provenance"]["sources"]
    assert [s["id"] for s in sources] == ["thun--dup", "biel--dup"]
    assert record["provenance"]["source"] == sources[0]["record_url"]
    assert ENTRY.format("thun--dup") not in files
    directory = read(aggregate, today=TODAY)
    merged = [p for p in directory.problems if "thun--dup" in p.message]
    assert len(merged) == 1 and not merged[0].is_error
    assert "biel--dup" in merged[0].message and merged[0].path.endswith("/dup.json")


def test_a_local_entry_keeps_its_id_and_a_member_copy_of_it_becomes_a_source(
    aggregate: Path, tmp_path: Path
) -> None:
    _build(aggregate, tmp_path / "out")
    record = _json(tmp_path / "out", ENTRY.format("minimal"))
    assert record["entry"]["name"] == "Testbeck"  # the local entry, verified later
    provenance = record["provenance"]
    assert provenance["source"].endswith("/blob/HEAD/entries/ch/bern/minimal.yaml")
    assert [s["id"] for s in provenance["sources"]] == ["thun--testbeck"]
    directory = read(aggregate, today=TODAY)
    assert directory.errors == []
    assert "minimal" in directory.entries and "thun--testbeck" not in directory.entries


def _replace_rows(root: Path, member: str, change: Callable[[list[Row]], list[Row]]) -> None:
    copy = mirror.read_state(root, member)
    assert copy is not None
    mirror.write(root, copy, change(list(mirror.read_rows(root, copy))))


def _with_entry(row: Row, **changes: Any) -> Row:
    return Row(**{**row.__dict__, "entry": {**row.entry, **changes}})


def test_a_newer_member_copy_cannot_replace_a_local_entrys_content(
    aggregate: Path, tmp_path: Path
) -> None:
    """The attack: thun republishes the local Testbeck, verified later, named and linked evil.

    The copy is found by the name nearby (the website is the attacker's); the
    local content is published under the local id all the same, and thun's
    record is only one of its sources.
    """
    evil = {"website": "https://evil.example/"}

    def attack(rows: list[Row]) -> list[Row]:
        return [
            _with_entry(r, name="Testbeck", contact=evil, last_verified="2026-11-23")
            if r.id == "testbeck"
            else r
            for r in rows
        ]

    _replace_rows(aggregate, "thun", attack)
    files = _build(aggregate, tmp_path / "out")
    record = _json(tmp_path / "out", ENTRY.format("minimal"))
    assert record["id"] == "minimal"
    assert record["entry"]["name"] == "Testbeck"
    assert record["entry"]["contact"]["website"] == "https://testbeck.ch"
    assert record["entry"]["last_verified"] == "2026-10-01"
    assert record["provenance"]["source"].endswith("/blob/HEAD/entries/ch/bern/minimal.yaml")
    assert [s["id"] for s in record["provenance"]["sources"]] == ["thun--testbeck"]
    assert ENTRY.format("thun--testbeck") not in files
    assert b"evil.example" not in b"".join(files.values())


def test_a_member_sharing_only_a_phone_does_not_absorb_another_members_business(
    aggregate: Path, tmp_path: Path
) -> None:
    """The attack: thun lists a business of its own with biel's phone, verified later."""

    def attack(rows: list[Row]) -> list[Row]:
        return [
            _with_entry(
                r,
                name="Falschbeck",
                contact={"website": "https://falsch.example.ch/", "phone": "+41 33 222 33 44"},
                last_verified="2026-11-23",
            )
            if r.id == "dup"
            else r
            for r in rows
        ]

    _replace_rows(aggregate, "thun", attack)
    files = _build(aggregate, tmp_path / "out")
    out = tmp_path / "out"
    biel = _json(out, ENTRY.format("biel--dup"))
    assert biel["entry"]["name"] == "Doppelbeck Biel"
    assert [s["id"] for s in biel["provenance"]["sources"]] == ["biel--dup"]
    thun = _json(out, ENTRY.format("thun--dup"))
    assert thun["entry"]["name"] == "Falschbeck"
    assert ENTRY.format("thun--dup") in files
    directory = read(aggregate, today=TODAY)
    weak = [p for p in directory.warnings if "shares only one" in p.message]
    assert {p.path.rsplit("/", 1)[-1] for p in weak} == {"dup.json"}
    assert len(weak) == 2 and all(not p.is_error for p in weak)


def test_members_sharing_two_keys_merge_and_one_key_never_chains_them(
    aggregate: Path, tmp_path: Path
) -> None:
    """thun--dup and biel--dup agree on phone and website (merged); a third record that
    shares only biel's website with them stays a business of its own."""

    def add(rows: list[Row]) -> list[Row]:
        third = _entry(
            "kette",
            "Kettenbeck",
            contact={"website": "https://dup.example.ch/"},
            location={
                "address": {"locality": "Bern", "country": "CH"},
                "geo": {"lat": 46.99, "lon": 7.49},
            },
        )
        return sorted([*rows, _row("thun", third)], key=lambda r: r.id)

    _replace_rows(aggregate, "thun", add)
    files = _build(aggregate, tmp_path / "out")
    merged = _json(tmp_path / "out", ENTRY.format("biel--dup"))
    assert [s["id"] for s in merged["provenance"]["sources"]] == ["thun--dup", "biel--dup"]
    assert _json(tmp_path / "out", ENTRY.format("thun--kette"))["entry"]["name"] == "Kettenbeck"
    assert ENTRY.format("thun--dup") not in files


@pytest.mark.parametrize(
    ("page_url", "why"),
    [
        ("https://thun.example.org@evil.example/businesses/baeckerei/", "user name"),
        ("https://evil.example/businesses/baeckerei/", "not on the member's host"),
        ("javascript:alert(1)", "not an http(s) URL"),
    ],
)
def test_a_page_address_off_the_members_host_is_skipped_with_a_warning(
    aggregate: Path, tmp_path: Path, page_url: str, why: str
) -> None:
    """The page a federated business links to and declares canonical stays on its member."""

    def attack(rows: list[Row]) -> list[Row]:
        return [Row(**{**r.__dict__, "url": page_url}) if r.id == "baeckerei" else r for r in rows]

    _replace_rows(aggregate, "thun", attack)
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None and directory.errors == []
    assert ENTRY.format("thun--baeckerei") not in result.files
    assert "evil.example" not in "".join(result.files)
    out = tmp_path / "out"
    site = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"evil.example" not in site and b"javascript:alert" not in site
    skipped = [p for p in directory.warnings if "baeckerei is skipped" in p.message]
    assert len(skipped) == 1 and why in skipped[0].message


def test_a_local_folder_members_page_addresses_are_checked_against_its_base_url(
    aggregate: Path, tmp_path: Path
) -> None:
    """A member read from a folder is on the host of the base_url its manifest published."""
    settings = yaml.safe_load((aggregate / "directory.yaml").read_text("utf-8"))
    settings["members"][0]["url"] = str(tmp_path / "thun-folder")
    (tmp_path / "thun-folder").mkdir()
    (aggregate / "directory.yaml").write_text(yaml.safe_dump(settings), "utf-8")

    def attack(rows: list[Row]) -> list[Row]:
        evil = "https://evil.example/businesses/dup/"
        return [Row(**{**r.__dict__, "url": evil}) if r.id == "dup" else r for r in rows]

    _replace_rows(aggregate, "thun", attack)
    state = mirror.read_state(aggregate, "thun")
    assert state is not None
    state.error = f"no manifest in {tmp_path / 'thun-folder'}/api/v1/index.json"
    mirror.write(aggregate, state, list(mirror.read_rows(aggregate, state)))
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None and directory.errors == []
    assert ENTRY.format("thun--baeckerei") in result.files  # on thun.example.org: kept
    warned = [p for p in directory.warnings if "dup is skipped" in p.message]
    assert len(warned) == 1 and "not on the member's host thun.example.org" in warned[0].message
    # The folder's path on this machine is not published with the copy's last error.
    thun = _json(tmp_path / "out", "api/v1/directory.json")["members"][0]
    assert thun["error"] == "no manifest in <folder>/api/v1/index.json"


def test_an_invalid_cached_record_is_skipped_with_a_warning_naming_member_and_record(
    aggregate: Path, tmp_path: Path
) -> None:
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None and directory.errors == []
    skipped = [p for p in directory.problems if "faraway" in p.message]
    assert len(skipped) == 1
    assert skipped[0].path == "https://thun.example.org/api/v1/entries/faraway.json"
    assert "thun" in skipped[0].message and "location.geo" in skipped[0].message


def test_a_cached_record_changed_on_disk_is_validated_again(
    aggregate: Path, tmp_path: Path
) -> None:
    """The mirror is a file: a record edited there (a script in a category) is not trusted."""
    copy = mirror.read_state(aggregate, "thun")
    assert copy is not None and copy.records_file
    path = mirror.member_folder(aggregate, "thun") / copy.records_file
    text = path.read_text("utf-8").replace('"category":"bakery"', '"category":"<script>"', 1)
    path.write_text(text, "utf-8")
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None and directory.errors == []
    assert any("thun's record baeckerei is skipped" in p.message for p in directory.warnings)
    assert ENTRY.format("thun--baeckerei") not in result.files


def test_removed_records_are_published_as_gone(aggregate: Path, tmp_path: Path) -> None:
    files = _build(aggregate, tmp_path / "out")
    out = tmp_path / "out"
    assert _json(out, "api/v1/gone.json") == {
        "spec_version": "1.0",
        "count": 1,
        "entries": [
            {
                "id": "thun--old",
                "member": "thun",
                "original_id": "old",
                "since": "2026-11-10",
                "until": "2026-12-10",
            }
        ],
    }
    doc = _json(out, ENTRY.format("thun--old"))
    assert (doc["id"], doc["gone"], doc["since"], doc["until"]) == (
        "thun--old",
        True,
        "2026-11-10",
        "2026-12-10",
    )
    assert doc["provenance"]["member"] == "thun" and "entry" not in doc
    assert "api/v1/entries/thun--old.json" in _json(out, "api/v1/index.json")["files"]
    # The changes feed lists it with the sha256 of its gone document.
    sha = _json(out, "api/v1/index.json")["files"]["api/v1/entries/thun--old.json"]["sha256"]
    assert _json(out, "api/v1/changes/1.json")["added"]["thun--old"] == sha
    assert not any("thun--old" in rel for rel in files if not rel.startswith("api/v1/"))
    assert b"thun--old" not in files["data/entries.ndjson"]


def test_directory_json_names_members_attribution_and_share_alike(
    aggregate: Path, tmp_path: Path
) -> None:
    _build(aggregate, tmp_path / "out")
    doc = _json(tmp_path / "out", "api/v1/directory.json")
    assert [(m["id"], m["name"], m["url"], m["license"]) for m in doc["members"]] == [
        ("thun", "Thun lokal", "https://thun.example.org/", "CC-BY-4.0"),
        ("biel", "Biel lokal", "https://biel.example.org/", "CC0-1.0"),
    ]
    assert [m["id"] for m in doc["attribution"]] == ["thun"]
    assert doc["share_alike"] is False


def test_directory_json_tells_each_members_copy_age_and_last_error(
    aggregate: Path, tmp_path: Path
) -> None:
    """A reader judges a copy's age with its own clock: the build publishes the times only."""
    state = mirror.read_state(aggregate, "thun")
    assert state is not None
    failed = "HTTP 503 from https://thun.example.org/api/v1/index.json"
    rows = list(mirror.read_rows(aggregate, state))
    state.checked_at, state.error = "2026-11-25T09:00:00Z", failed
    mirror.write(aggregate, state, rows)
    settings = yaml.safe_load((aggregate / "directory.yaml").read_text("utf-8"))
    settings["members"].append(
        {"id": "spiez", "url": "https://spiez.example.org/", "license": "CC0-1.0"}
    )
    (aggregate / "directory.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    _build(aggregate, tmp_path / "out")
    doc = _json(tmp_path / "out", "api/v1/directory.json")
    ages = {m["id"]: (m["fetched_at"], m["checked_at"], m["error"]) for m in doc["members"]}
    assert ages == {
        "thun": ("2026-11-24T08:00:00Z", "2026-11-25T09:00:00Z", failed),
        "biel": ("2026-11-24T08:00:00Z", "2026-11-24T08:00:00Z", None),
        "spiez": (None, None, None),  # never fetched
    }
    assert "age_days" not in doc["members"][0]


@pytest.mark.parametrize("forked", [False, True])
def test_two_builds_of_an_aggregate_are_byte_identical(
    aggregate: Path, tmp_path: Path, forked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "FORCE", forked)
    first = _build(aggregate, tmp_path / "a")
    second = _build(aggregate, tmp_path / "b")
    assert first == second


def test_validate_reports_members_but_fails_only_for_local_problems(
    aggregate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--root", str(aggregate), "--strict"]) == 0
    captured = capsys.readouterr()
    assert "thun's record faraway is skipped" in captured.out
    assert "note: member thun: 4 businesses, copy from 2026-11-24T08:00:00Z" in captured.err
    (aggregate / "entries" / "ch" / "bern" / "eckcafe.yaml").write_text("id: [", "utf-8")
    assert main(["validate", "--root", str(aggregate)]) == 1


def test_a_member_without_a_copy_is_a_warning_not_an_error(aggregate: Path, tmp_path: Path) -> None:
    mirror.remove(aggregate, "biel")
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None
    assert any("member biel has no copy yet" in p.message for p in directory.warnings)
    # thun's duplicate is then a business of its own.
    assert ENTRY.format("thun--dup") in result.files


@pytest.mark.parametrize("forked", [False, True])
def test_streaming_an_aggregate_writes_what_reading_it_then_publishing_writes(
    aggregate: Path, tmp_path: Path, forked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two streaming passes (no model held) against every entry read into memory first."""
    from quartier.publish.pipeline import publish

    monkeypatch.setattr(parallel, "FORCE", forked)
    streamed = _build(aggregate, tmp_path / "a")
    directory = read(aggregate, today=TODAY)
    assert sorted(directory.entries) == ["biel--dup", "eckcafe", "minimal", "thun--baeckerei"]
    publish(directory, tmp_path / "b", commit="3" * 40)
    assert _files(tmp_path / "b") == streamed


def test_a_member_business_page_is_canonical_at_the_member_and_credits_it(
    aggregate: Path, tmp_path: Path
) -> None:
    from quartier.site import site_available

    if not site_available():
        pytest.skip("the site needs quartier[site]")
    _build(aggregate, tmp_path / "out", site=True)
    out = tmp_path / "out"
    page = (out / "businesses" / "thun--baeckerei" / "index.html").read_text("utf-8")
    canonical = re.findall(r'<link rel="canonical" href="([^"]*)">', page)
    assert canonical == ["https://thun.example.org/businesses/baeckerei/"]
    assert 'From <a href="https://thun.example.org/businesses/baeckerei/">Thun lokal</a>' in page
    assert "Suggest a change" not in page  # changes are made at the member
    merged = (out / "businesses" / "biel--dup" / "index.html").read_text("utf-8")
    assert re.findall(r'<link rel="canonical" href="([^"]*)">', merged) == [
        "https://thun.example.org/businesses/dup/"  # the content shown is thun's
    ]
    local = (out / "businesses" / "minimal" / "index.html").read_text("utf-8")
    assert re.findall(r'<link rel="canonical" href="([^"]*)">', local) == [
        "https://quartier-dev.github.io/quartier/businesses/minimal/"
    ]
    assert "Suggest a change" in local and "q-member" not in local
    # The footer credits the CC BY member (not the CC0 one); this directory is not ODbL.
    home = (out / "index.html").read_text("utf-8")
    assert (
        'Includes data from <a href="https://thun.example.org/">Thun lokal</a> (CC-BY-4.0)' in home
    )
    assert "Biel lokal" not in home and "ODbL" not in home
    assert not (out / "businesses" / "thun--old").exists()
    assert not (out / "businesses" / "thun--dup").exists()


def test_an_odbl_aggregate_states_share_alike(aggregate: Path, tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    from quartier.publish.context import BuildContext
    from quartier.site.plugin import _members_line

    settings = yaml.safe_load((aggregate / "directory.yaml").read_text("utf-8"))
    settings["license"] = "ODbL-1.0"
    (aggregate / "directory.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    _build(aggregate, tmp_path / "out")
    assert _json(tmp_path / "out", "api/v1/directory.json")["share_alike"] is True
    line = _members_line(BuildContext(read(aggregate, today=TODAY)))
    assert line.endswith(" · shared alike under the ODbL")
    assert "Thun lokal</a> (CC-BY-4.0)" in line


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        'https://thun.example.org/" onmouseover="alert(1)',
        "file:///etc/passwd",
        "https://thun.example.org/<script>",
    ],
)
def test_a_cached_record_whose_page_address_is_not_a_web_page_is_skipped(
    aggregate: Path, tmp_path: Path, url: str
) -> None:
    """The page address becomes a link and the canonical URL: only http(s), nothing to break out."""
    copy = mirror.read_state(aggregate, "thun")
    assert copy is not None
    rows = [
        Row(**{**r.__dict__, "url": url}) if r.id == "baeckerei" else r
        for r in mirror.read_rows(aggregate, copy)
    ]
    mirror.write(aggregate, copy, rows)
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None and directory.errors == []
    assert ENTRY.format("thun--baeckerei") not in result.files
    assert any("is not an http(s) URL" in p.message for p in directory.warnings)


def test_an_aggregates_records_match_its_openapi_description(
    aggregate: Path, tmp_path: Path
) -> None:
    from openapi_spec_validator import validate as validate_openapi

    from .test_publish import _openapi_validator

    out = tmp_path / "out"
    _build(aggregate, out)
    spec_path = out / "api/v1/openapi.json"
    validate_openapi(_json(out, "api/v1/openapi.json"), base_uri=spec_path.as_uri())
    record = _openapi_validator(out, "EntryDocument")
    gone = _openapi_validator(out, "GoneDocument")
    for path in sorted((out / "api/v1/entries").glob("*.json")):
        doc = orjson.loads(path.read_bytes())
        (gone if doc.get("gone") else record).validate(doc)
    _openapi_validator(out, "GoneList").validate(_json(out, "api/v1/gone.json"))
    spec = _json(out, "api/v1/openapi.json")
    pattern = spec["paths"]["/api/v1/entries/{id}.json"]["get"]["parameters"][0]["schema"]
    assert re.fullmatch(pattern["pattern"], "thun--baeckerei")


def test_quartier_build_of_an_aggregate_reports_its_members(
    aggregate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", "--no-site", "--root", str(aggregate), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "published 4 businesses" in captured.out
    assert "thun's record faraway is skipped" in captured.out
    assert "note: member biel: 1 business, copy from 2026-11-24T08:00:00Z" in captured.err
    # A local error still publishes nothing, whatever the members hold.
    (aggregate / "entries" / "ch" / "bern" / "eckcafe.yaml").write_text("id: [", "utf-8")
    assert main(["build", "--no-site", "--root", str(aggregate), "--out", str(out)]) == 1
    assert "nothing published" in capsys.readouterr().err


@pytest.mark.parametrize("damage", [b"{not json\n", b'{"id": "x"}\n'])
def test_a_damaged_copy_on_disk_is_a_warning_and_the_build_goes_on(
    aggregate: Path, tmp_path: Path, damage: bytes
) -> None:
    """A records file changed by hand (or a disk fault): the build says so and goes on."""
    copy = mirror.read_state(aggregate, "biel")
    assert copy is not None and copy.records_file
    with (mirror.member_folder(aggregate, "biel") / copy.records_file).open("ab") as f:
        f.write(damage)
    directory, result = build(aggregate, tmp_path / "out", today=TODAY)
    assert result is not None and directory.errors == []
    assert any("run quartier federate again" in p.message for p in directory.warnings)
    assert ENTRY.format("minimal") in result.files  # the local entries are all there


def test_an_aggregate_of_members_only_builds_and_validates_without_an_entries_folder(
    aggregate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """entries/ is optional once the settings list members; still required otherwise."""
    shutil.rmtree(aggregate / "entries")
    out = tmp_path / "out"
    assert main(["validate", "--root", str(aggregate), "--strict"]) == 0
    assert main(["build", "--no-site", "--root", str(aggregate), "--out", str(out)]) == 0
    assert "published 3 businesses" in capsys.readouterr().out
    assert {e["id"] for e in _json(out, "api/v1/categories/bakery.json")["entries"]} == {
        "biel--dup",
        "thun--baeckerei",
        "thun--testbeck",
    }
    directory, result = build(aggregate, tmp_path / "full", today=TODAY)
    assert result is not None and directory.errors == []
    # Without members, a missing entries/ is the clear error it always was.
    settings = yaml.safe_load((aggregate / "directory.yaml").read_text("utf-8"))
    del settings["members"]
    (aggregate / "directory.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    assert main(["validate", "--root", str(aggregate)]) != 0
    assert "no entries/ folder" in capsys.readouterr().err
