"""The index file: the same however it is built (one process or several, sorted or not),
and the bit sets that queries combine."""

from __future__ import annotations

import marshal
import random
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from quartier import parallel
from quartier.directory import read_directory
from quartier.discover import Index, SearchQuery, bitset, layout, search
from quartier.discover import build as build_mod
from quartier.discover.build import build_index
from quartier.discover.records import NdjsonRows
from quartier.discover.source import _published_rows
from quartier.publish import build

from .conftest import SAMPLE

NOW = datetime(2026, 11, 24, 12, 0)
QUERIES: list[dict[str, Any]] = [
    {"text": "Velo"},
    {"text": "bike repair", "near": "Lorraine"},
    {"text": "Brot", "open_at": "saturday 10:00"},
    {"text": "coffee", "near": "Matte", "limit": 3},
    {"text": "cheese wine", "limit": 8},
    {"text": "ceramcis"},
    {"text": "", "near": "Bern", "category": "food", "limit": 10},
    {"text": "repair", "wheelchair": True, "include_temporarily_closed": True},
    {"text": "books", "language": "fr"},
]


@pytest.fixture(scope="module")
def published(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("published") / "site"
    build(read_directory(sample_root), out)
    return out


def contents(index: Index) -> dict[str, Any]:
    """What an index says, independent of how its arrays are laid out."""
    docs = index.docs

    def one(d: int) -> tuple[Any, ...]:
        return (
            *(index.status_of(d), index.area[d], index.wheel[d], index.flags[d]),
            *(index.lat[d], index.lon[d], index.verified[d], index.hours[d]),
            *(index.countries[index.country[d]], index.languages_of(d), index.categories_of(d)),
        )

    return {
        "ids": index.ids,
        "names": index.names,
        "records": [index.record(d) for d in range(index.n)],
        "post": {
            t: sorted((f, tuple(docs[a:b])) for f, a, b in index.segments(t)) for t in index.post
        },
        "cats": [tuple(docs[a:c]) for a, _b, c in index.cat_post],
        "seekers": [tuple(docs[a:b]) for a, b in index.seek_post],
        "per_doc": [one(d) for d in range(index.n)],
        "places": sorted(index.places.to_rows()),
        "surface": index.surface,
    }


def answers(index: Index) -> list[Any]:
    out = []
    for q in QUERIES:
        found = search(index, SearchQuery(**q, now=NOW))
        out.append(([(r.id, r.score, r.why) for r in found.results], found.more, found.notes))
    return out


def build_from(rows: Any, published: Path, dest: Path) -> Index:
    _, config, taxonomy = _published_rows(published)
    return Index.open(build_index(rows, config, taxonomy, "fp", dest, "test"))


def test_parallel_build_is_the_one_process_build(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, *_ = _published_rows(published)
    one = build_from(rows, published, tmp_path / "one.bin")
    # Small blocks and no minimum: the sample's few entries are split among workers.
    monkeypatch.setattr(parallel, "FORCE", True)
    monkeypatch.setattr(build_mod, "NDJSON_BLOCK", 2000)
    monkeypatch.setattr(build_mod, "PARALLEL_MIN_ROWS", 2)
    many = build_from(rows, published, tmp_path / "many.bin")
    from_rows = build_from(list(rows), published, tmp_path / "rows.bin")
    assert contents(many) == contents(one) == contents(from_rows)
    assert answers(many) == answers(one)


def test_unsorted_or_untidy_ndjson_gives_the_same_index(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, *_ = _published_rows(published)
    tidy = build_from(rows, published, tmp_path / "tidy.bin")
    lines = rows.data.split(b"\n")
    random.Random(3).shuffle(lines)
    # A blank line, one that is not JSON, one without an id, and one with a key more.
    extra = orjson.loads(lines[0])
    extra["note"] = "kept apart from the record"
    lines[0] = orjson.dumps(extra)
    lines[1:1] = [b"", b"{not json", b'{"entry": {"name": "no id"}}']
    monkeypatch.setattr(parallel, "FORCE", True)
    monkeypatch.setattr(build_mod, "NDJSON_BLOCK", 2000)
    untidy = build_from(NdjsonRows(b"\n".join(lines), rows.base), published, tmp_path / "u.bin")
    assert contents(untidy) == contents(tidy)


def test_stored_and_built_bitmaps_answer_alike(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, *_ = _published_rows(published)
    built = build_from(rows, published, tmp_path / "built.bin")
    assert not built.seg_bits  # the sample is too small to store any
    monkeypatch.setattr(build_mod, "BITMAP_MIN_DOCS", 1)
    monkeypatch.setattr(build_mod, "BITMAP_SHARE", 10**9)
    stored = build_from(rows, published, tmp_path / "stored.bin")
    assert stored.seg_bits and all(s >= 0 for slots in stored.seg_bits.values() for s in slots)
    for term in stored.post:
        assert stored.term_docsets(term) == built.term_docsets(term), term
    assert answers(stored) == answers(built)


def test_more_says_whether_the_list_was_cut(published: Path, tmp_path: Path) -> None:
    rows, *_ = _published_rows(published)
    index = build_from(rows, published, tmp_path / "i.bin")
    everything = search(index, SearchQuery("coffee", near="Matte", limit=50, now=NOW)).results
    assert 2 <= len(everything) < 50
    cut = search(index, SearchQuery("coffee", near="Matte", limit=len(everything) - 1, now=NOW))
    whole = search(index, SearchQuery("coffee", near="Matte", limit=len(everything), now=NOW))
    assert cut.more and not whole.more
    assert [r.id for r in whole.results] == [r.id for r in everything]


def test_the_reader_answers_in_the_entries_words(published: Path, tmp_path: Path) -> None:
    """Each business's status, access, area, hours, country and last check, as the index
    says them, are what its entry says; the sets by status and access hold exactly those."""
    rows, config, _ = _published_rows(published)
    index = build_from(rows, published, tmp_path / "i.bin")
    areas = config["areas"]
    said: dict[str, set[str]] = {}
    for doc in range(index.n):
        e = index.record(doc)["entry"]
        status = e.get("status", "open")
        access = (e.get("accessibility") or {}).get("wheelchair", "unknown")
        assert index.status_of(doc) == status
        assert index.is_closed(doc) == (status == "permanently_closed")
        assert index.wheelchair_of(doc) == access
        lat, lon = e["location"]["geo"]["lat"], e["location"]["geo"]["lon"]
        inside = [a for a in areas if a["bbox"][1] <= lat <= a["bbox"][3]]
        inside = [a for a in inside if a["bbox"][0] <= lon <= a["bbox"][2]]
        assert index.area_of(doc) == (inside[0]["id"] if inside else None)
        assert index.timezone_of(doc) == (inside[0]["timezone"] if inside else None)
        assert index.opening_hours_of(doc) == e.get("opening_hours")
        assert index.country_of(doc) == e["location"]["address"]["country"]
        assert str(index.last_verified_of(doc)) == e["last_verified"]
        said.setdefault(status, set()).add(e["id"])
        said.setdefault("wheelchair " + access, set()).add(e["id"])
    # The sample has every status, and access of every kind.
    assert {"open", "temporarily_closed", "permanently_closed"} <= said.keys()
    assert {"wheelchair yes", "wheelchair limited", "wheelchair no"} <= said.keys()

    def ids(docset: int) -> set[str]:
        return {index.ids[d] for d in bitset.docs_of(docset, index.nbytes)}

    assert ids(index.with_status("open")) == said["open"]
    both = index.with_status("open", "temporarily_closed")
    assert ids(both) == said["open"] | said["temporarily_closed"]
    assert ids(index.with_wheelchair("yes")) == said["wheelchair yes"]
    assert ids(index.with_wheelchair("no")) == said["wheelchair no"]


@pytest.mark.parametrize("n", [1, 7, 64, 1000])
def test_bitset_round_trip(n: int) -> None:
    rng = random.Random(n)
    nbytes = bitset.size_for(n)
    for share in (0.01, 0.3, 1.0):
        docs = sorted(rng.sample(range(n), max(1, int(n * share))))
        x = bitset.from_docs(docs, nbytes)
        assert bitset.docs_of(x, nbytes) == docs
        assert x.bit_count() == len(docs)
        assert bitset.from_docs([d + 5 for d in docs], nbytes, first=5) == x
        assert bitset.from_bytemap(bytes(1 if d in docs else 0 for d in range(n))) == x
    assert bitset.docs_of(0, nbytes) == []


# -- a damaged index file is built again, never trusted (through the CLI, as a user meets it)


def _repository(make_root: Any) -> Path:
    return make_root(
        {
            f"entries/{p.relative_to(SAMPLE / 'entries')}": p.read_bytes()
            for p in (SAMPLE / "entries").rglob("*.yaml")
        }
    )


def _search(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from quartier.cli import main

    code = main(["search", "repair", "--root", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def _rewrite_header(data: bytes, change: Any) -> bytes:
    """The index ``data`` with its header changed by ``change(meta)``, and a right CRC: only
    the checks of what the header says can find the damage."""
    at = len(layout.MAGIC)
    start = int.from_bytes(data[at : at + 8], "little")
    meta = marshal.loads(data[start:])
    change(meta)
    head = marshal.dumps(meta)
    prefix = start.to_bytes(8, "little") + len(head).to_bytes(8, "little")
    prefix += zlib.crc32(head).to_bytes(8, "little")
    return data[:at] + prefix + data[at + 24 : start] + head


def _section(data: bytes, name: str) -> tuple[int, int]:
    at = len(layout.MAGIC)
    meta = marshal.loads(data[int.from_bytes(data[at : at + 8], "little") :])
    off, length, _ = meta["sections"][name]
    return off, length


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]


def _header_at(data: bytes) -> int:
    at = len(layout.MAGIC)
    return int.from_bytes(data[at : at + 8], "little")


def _set_prefix(data: bytes, slot: int, value: int) -> bytes:
    at = len(layout.MAGIC) + 8 * slot
    return data[:at] + value.to_bytes(8, "little") + data[at + 8 :]


def _set_section(name: str, **change: int) -> Any:
    def apply(meta: dict[str, Any]) -> None:
        off, length, crc = meta["sections"][name]
        meta["sections"][name] = (change.get("off", off), change.get("length", length), crc)

    return apply


DAMAGE: dict[str, Any] = {
    "empty": lambda d: b"",
    "only the magic": lambda d: d[: len(layout.MAGIC) + 4],
    "cut in half": lambda d: d[: len(d) // 2],
    "last byte cut": lambda d: d[:-1],
    "header is garbage": lambda d: d[: _header_at(d)] + b"\xff" * (len(d) - _header_at(d)),
    "header byte flipped": lambda d: _flip(d, (_header_at(d) + len(d)) // 2),
    "header offset beyond the file": lambda d: _set_prefix(d, 0, len(d) * 2),
    "header length beyond the file": lambda d: _set_prefix(d, 1, 1 << 40),
    "header offset negative-ish": lambda d: _set_prefix(d, 0, (1 << 64) - 8),
    "section beyond the file": lambda d: _rewrite_header(d, _set_section("docs", off=1 << 40)),
    "section into the header": lambda d: _rewrite_header(d, _set_section("records", length=len(d))),
    "section of the wrong size": lambda d: _rewrite_header(d, _set_section("lat", length=8)),
    "section misaligned": lambda d: _rewrite_header(
        d, _set_section("lat", off=_section(d, "lat")[0] + 3)
    ),
    "small section byte flipped": lambda d: _flip(d, _section(d, "status")[0] + 1),
    "offsets of the records flipped": lambda d: _flip(d, _section(d, "rec_off")[0] + 9),
    "settings not JSON": lambda d: _rewrite_header(d, lambda m: m.update(config=b"{garbage")),
    "taxonomy a JSON list": lambda d: _rewrite_header(d, lambda m: m.update(taxonomy=b"[]")),
    "header without a key": lambda d: _rewrite_header(d, lambda m: m.pop("cat_post")),
    "header with a wrong type": lambda d: _rewrite_header(d, lambda m: m.update(n="fifteen")),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_is_built_again(
    make_root: Any, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    root = _repository(make_root)
    first = _search(root, capsys)
    assert first[0] == 0 and "velowerk-lorraine" in first[1]
    (path,) = (root / ".quartier-cache").glob("search-index-v*.bin")
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    code, out, err = _search(root, capsys)
    assert (code, out) == first[:2], err
    assert "building the search index" in err and "error" not in err
    (again,) = (root / ".quartier-cache").glob("search-index-v*.bin")
    Index.open(again)  # whole again


def test_a_damaged_record_stops_one_command_with_a_message_and_the_next_builds_anew(
    make_root: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # The records are most of the file, not checked in full at each opening: a damaged one
    # is found when read. (Damage made after the index was checked is found the same way.)
    root = _repository(make_root)
    first = _search(root, capsys)
    (path,) = (root / ".quartier-cache").glob("search-index-v*.bin")
    data = path.read_bytes()
    off, length = _section(data, "records")
    path.write_bytes(data[:off] + b"#" * length + data[off + length :])
    code, out, err = _search(root, capsys)
    assert code == 2 and out == ""
    assert err.startswith("quartier: error: the search index ") and "is damaged" in err
    assert "run the command again" in err and "Traceback" not in err
    assert not path.exists()
    assert _search(root, capsys)[:2] == first[:2]


@pytest.mark.parametrize("section", ["docs", "bits"])
@pytest.mark.parametrize("fill", [b"\xff", b"\x00"])
def test_damage_in_an_unchecked_section_stops_one_command_not_with_a_traceback(
    make_root: Any, capsys: pytest.CaptureFixture[str], section: str, fill: bytes
) -> None:
    # The postings (docs) and bitmaps (bits) are not checksummed at each opening:
    # damage there used to end every later search with exit 3 and keep the file.
    root = _repository(make_root)
    first = _search(root, capsys)
    (path,) = (root / ".quartier-cache").glob("search-index-v*.bin")
    data = path.read_bytes()
    off, length = _section(data, section)
    path.write_bytes(data[:off] + fill * length + data[off + length :])
    code, _, err = _search(root, capsys)
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:  # damage a query trips on removes the file, and the next run rebuilds
        assert "is damaged" in err and not path.exists()
        assert _search(root, capsys)[:2] == first[:2]


def test_a_cache_folder_that_is_a_link_is_not_written_through(
    make_root: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any
) -> None:
    root = _repository(make_root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted = elsewhere / "search-index-v1-keep.bin"
    planted.write_bytes(b"not ours")
    (root / ".quartier-cache").symlink_to(elsewhere)
    monkeypatch.setenv("QUARTIER_CACHE_DIR", str(tmp_path / "user-cache"))
    code, out, _ = _search(root, capsys)
    assert code == 0 and out
    assert sorted(p.name for p in elsewhere.iterdir()) == ["search-index-v1-keep.bin"]
    assert list((tmp_path / "user-cache").glob("repository-*/search-index-v*.bin"))


def test_a_bilingual_place_answers_to_each_of_its_names() -> None:
    from quartier.discover.places import Gazetteer

    gaz = Gazetteer()
    gaz.add("locality", "Biel/Bienne", 47.14, 7.25)
    gaz.add("locality", "Nidau", 47.13, 7.24)
    gaz.finish()
    for name in ("Biel/Bienne", "Bienne", "biel"):
        found = gaz.find(name)
        assert found is not None and found.label == "Biel/Bienne", name
    # The other names are found, not listed: list_places shows Biel/Bienne once.
    assert [row[0] for row in gaz.to_rows()] == ["biel/bienne", "nidau"]
    again = Gazetteer.from_rows(gaz.to_rows())
    assert again.find("Bienne") == gaz.find("Biel/Bienne")
