"""The mirror of members on disk: its read API (what the build reads) and its writer."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml

from quartier.config import DirectoryConfig
from quartier.federation import mirror
from quartier.federation.mirror import Gone, MirrorError, Row, State

from .conftest import SAMPLE


def _config(*members: str) -> DirectoryConfig:
    data = yaml.safe_load((SAMPLE / "directory.yaml").read_text(encoding="utf-8"))
    data["members"] = [
        {"id": m, "url": f"https://{m}.example.org/", "license": "CC0-1.0"} for m in members
    ]
    return DirectoryConfig.model_validate(data)


def _row(oid: str, **entry: object) -> Row:
    return Row(
        id=oid,
        sha256="a" * 64,
        fetched_at="2026-11-24T10:00:00Z",
        source_commit="c0ffee1",
        url=f"https://m.example.org/b/{oid}/",
        provenance={"directory": "M"},
        entry={"id": oid, "name": oid.title(), "last_verified": "2026-10-01", **entry},
    )


def _state(member: str, **kw: object) -> State:
    return State(
        member=member,
        name=f"{member.title()} lokal",
        url=f"https://{member}.example.org/",
        license="CC0-1.0",
        license_url="https://creativecommons.org/publicdomain/zero/1.0/",
        fetched_at="2026-11-24T10:00:00Z",
        checked_at="2026-11-24T10:00:00Z",
        **kw,  # type: ignore[arg-type]
    )


def test_records_are_sorted_by_federated_id_with_ids_rewritten(tmp_path: Path) -> None:
    # 'ab' is a prefix of 'ab-c': sorting by member then id must equal sorting by federated id.
    mirror.write(tmp_path, _state("ab-c"), [_row("a"), _row("z")])
    mirror.write(
        tmp_path,
        _state("ab"),
        [_row("old", status="permanently_closed", superseded_by="zz"), _row("zz")],
    )
    mirror.write(tmp_path, _state("gone-member"), [_row("x")])  # not in the settings
    got = list(mirror.records(tmp_path, _config("ab-c", "ab")))
    ids = [fid for fid, _, _ in got]
    assert ids == ["ab--old", "ab--zz", "ab-c--a", "ab-c--z"] == sorted(ids)
    entry = orjson.loads(got[0][1])
    assert (entry["id"], entry["superseded_by"]) == ("ab--old", "ab--zz")
    source = got[2][2]
    assert source == mirror.Source(
        member="ab-c",
        name="Ab-C lokal",
        directory_url="https://ab-c.example.org/",
        id="ab-c--a",
        original_id="a",
        record_url="https://ab-c.example.org/api/v1/entries/a.json",
        page_url="https://m.example.org/b/a/",
        source_commit="c0ffee1",
        fetched_at="2026-11-24T10:00:00Z",
        license="CC0-1.0",
        license_url="https://creativecommons.org/publicdomain/zero/1.0/",
        last_verified="2026-10-01",
        upstream={"directory": "M"},
    )


def test_copies_follow_the_settings_and_gone_is_sorted(tmp_path: Path) -> None:
    tomb = Gone(
        id="thun--b", member="thun", original_id="b", since="2026-11-20", until="2026-12-20"
    )
    tomb2 = Gone(
        id="biel--a", member="biel", original_id="a", since="2026-11-01", until="2026-12-01"
    )
    mirror.write(tmp_path, _state("thun", gone=[tomb]), [_row("a")])
    mirror.write(tmp_path, _state("biel", gone=[tomb2], error="HTTP 500"), [])
    config = _config("thun", "biel", "never-fetched")
    assert [(c.member, c.records, c.gone, c.error) for c in mirror.copies(tmp_path, config)] == [
        ("thun", 1, 1, None),
        ("biel", 0, 1, "HTTP 500"),
    ]
    assert mirror.gone(tmp_path, config) == [tomb2, tomb]
    assert [fid for fid, _, _ in mirror.records(tmp_path, config)] == ["thun--a"]


def test_a_state_only_update_keeps_the_records_file(tmp_path: Path) -> None:
    state = _state("thun")
    mirror.write(tmp_path, state, [_row("a"), _row("b")])
    first = state.records_file
    state.error, state.checked_at = "connection refused", "2026-11-25T10:00:00Z"
    mirror.write(tmp_path, state)
    again = mirror.read_state(tmp_path, "thun")
    assert again is not None and again.records_file == first and again.records == 2
    assert again.error == "connection refused"
    assert [r.id for r in mirror.read_rows(tmp_path, again)] == ["a", "b"]
    # A new set of rows replaces the file, and the old one is removed.
    mirror.write(tmp_path, again, [_row("c")])
    files = sorted(p.name for p in mirror.member_folder(tmp_path, "thun").iterdir())
    assert files == [again.records_file, "state.json"]


def test_a_crash_before_the_state_is_renamed_leaves_the_old_copy(tmp_path: Path) -> None:
    mirror.write(tmp_path, _state("thun"), [_row("a")])
    folder = mirror.member_folder(tmp_path, "thun")
    # What a crash after the records file but before state.json leaves behind:
    (folder / "records-0123456789abcdef.jsonl").write_bytes(b'{"half":')
    (folder / ".state.json.999.tmp").write_bytes(b"{")
    assert [fid for fid, _, _ in mirror.records(tmp_path, _config("thun"))] == ["thun--a"]


@pytest.mark.parametrize(
    "content",
    [b"{", b"[]", b'{"format": 1, "member": "other"}', b'{"format": 99, "member": "thun"}'],
)
def test_a_damaged_state_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    folder = mirror.member_folder(tmp_path, "thun")
    folder.mkdir(parents=True)
    (folder / "state.json").write_bytes(content)
    with pytest.raises(MirrorError, match=r"state\.json: .*run quartier federate again"):
        mirror.copies(tmp_path, _config("thun"))


def test_a_link_planted_as_the_state_is_not_read(tmp_path: Path) -> None:
    # The link points at a complete, valid state: only O_NOFOLLOW can refuse it.
    elsewhere = tmp_path / "elsewhere"
    mirror.write(elsewhere, _state("thun"), [_row("a")])
    secret = mirror.member_folder(elsewhere, "thun") / "state.json"
    assert mirror.read_state(elsewhere, "thun") is not None  # readable where it is
    folder = mirror.member_folder(tmp_path, "thun")
    folder.mkdir(parents=True)
    (folder / "state.json").symlink_to(secret)
    with pytest.raises(MirrorError, match=r"cannot read the copy of a member in .*state\.json"):
        mirror.read_state(tmp_path, "thun")


def test_remove_and_on_disk(tmp_path: Path) -> None:
    mirror.write(tmp_path, _state("thun"), [_row("a")])
    mirror.write(tmp_path, _state("biel"), [])
    assert mirror.on_disk(tmp_path) == ["biel", "thun"]
    mirror.remove(tmp_path, "thun")
    assert mirror.on_disk(tmp_path) == ["biel"]


def test_lines_of_unchanged_records_are_kept_byte_for_byte(tmp_path: Path) -> None:
    state = _state("thun")
    mirror.write(tmp_path, state, [_row("a"), _row("b", name='Quote " and \\\\ slash')])
    before = (mirror.member_folder(tmp_path, "thun") / str(state.records_file)).read_bytes()
    index = mirror.read_index(tmp_path, state)
    assert {oid: sha for oid, (sha, _) in index.items()} == {"a": "a" * 64, "b": "a" * 64}
    mirror.write(tmp_path, state, [index["a"][1], _row("b", name='Quote " and \\\\ slash')])
    after = (mirror.member_folder(tmp_path, "thun") / str(state.records_file)).read_bytes()
    assert after == before
    assert [r.entry["name"] for r in mirror.read_rows(tmp_path, state)] == [
        "A",
        'Quote " and \\\\ slash',
    ]
