"""``build_tree``: validating and publishing in one pass gives what reading, then building gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from quartier import parallel
from quartier.directory import read_directory
from quartier.publish import build
from quartier.publish.stream import build_tree

from .conftest import CASES, SAMPLE, TODAY


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("forked", [False, True])
def test_one_pass_writes_the_same_bytes_as_reading_then_building(
    sample_root: Path, forked: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte for byte, every file; small feed pages so the spilled items are paged too."""
    build(
        read_directory(sample_root, today=TODAY), tmp_path / "a", commit="2" * 40, feed_page_size=4
    )
    monkeypatch.setattr(parallel, "FORCE", forked)
    directory, result = build_tree(
        sample_root, tmp_path / "b", commit="2" * 40, feed_page_size=4, today=TODAY
    )
    assert result is not None and directory.errors == []
    expected, written = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert "feed-2.json" in written
    assert sorted(written) == sorted(expected)
    for rel, data in expected.items():
        assert written[rel] == data, rel
    assert result.businesses == len(read_directory(sample_root, today=TODAY).entries)
    assert (
        result.files
        == build(
            read_directory(sample_root, today=TODAY),
            tmp_path / "c",
            commit="2" * 40,
            feed_page_size=4,
        ).files
    )


def _broken_tree(make_root) -> Path:  # type: ignore[no-untyped-def]
    good = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    return make_root(
        {
            "entries/ch/bern/minimal.yaml": good,
            # The same id in another folder: only the cross-entry check sees it.
            "entries/ch/thun/minimal.yaml": good.replace("Testbeck", "Testbeck Thun"),
            "entries/ch/bern/other.yaml": good.replace("id: minimal", "id: other").replace(
                "bakery", "bakeryy"
            ),
        }
    )


@pytest.mark.parametrize("forked", [False, True])
def test_invalid_tree_reports_like_validate_and_publishes_nothing(
    forked: bool, make_root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _broken_tree(make_root)
    monkeypatch.setattr(parallel, "FORCE", forked)
    (tmp_path / "pub").mkdir()
    directory, result = build_tree(root, tmp_path / "pub" / "out", today=TODAY)
    assert result is None
    assert directory.problems == read_directory(root, today=TODAY).problems
    messages = [p.message for p in directory.errors]
    assert any("unknown category 'bakeryy'" in m for m in messages)
    assert any("is already used by" in m for m in messages)
    assert list((tmp_path / "pub").iterdir()) == [], "no output and no temporary folder"


def test_cross_entry_error_keeps_the_previous_output(make_root, tmp_path: Path) -> None:
    good = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    root = make_root({"entries/ch/bern/minimal.yaml": good})
    out = tmp_path / "pub" / "out"
    _, first = build_tree(root, out, today=TODAY)
    assert first is not None
    before = _files(out)
    (root / "entries/ch/thun").mkdir(parents=True)
    (root / "entries/ch/thun/minimal.yaml").write_text(good, "utf-8")
    directory, result = build_tree(root, out, today=TODAY)
    assert result is None and [p.field for p in directory.errors] == ["id"]
    assert _files(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["out"]


@pytest.mark.parametrize("forked", [False, True])
def test_progress_is_told_the_total_and_ticks_once_per_file(
    sample_root: Path, forked: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "FORCE", forked)
    totals: list[int] = []
    ticks: list[None] = []

    def progress(total: int):  # type: ignore[no-untyped-def]
        totals.append(total)
        return lambda: ticks.append(None)

    _, result = build_tree(sample_root, tmp_path / "out", progress=progress, today=TODAY)
    files = len(list((SAMPLE / "entries").rglob("*.yaml")))
    assert result is not None and totals == [files] and len(ticks) == files


@pytest.mark.parametrize("broken_entry", [True, False])
def test_a_full_disk_still_reports_the_entries_errors_first(
    broken_entry: bool, make_root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing fails part-way: invalid entries are reported as validate would; else the OSError."""
    good = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    files = {"entries/ch/bern/minimal.yaml": good}
    if broken_entry:  # sorts after the good one, so writing has failed by then
        files["entries/ch/bern/zzz.yaml"] = good.replace("id: minimal", "id: zzz").replace(
            "bakery", "bakeryy"
        )
    root = make_root(files)

    def full(self: object, file: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("quartier.publish.writer.Output.put", full)
    (tmp_path / "pub").mkdir()
    if broken_entry:
        directory, result = build_tree(root, tmp_path / "pub" / "out", today=TODAY)
        assert result is None
        assert [p.message for p in directory.errors] == [
            p.message for p in read_directory(root, today=TODAY).errors
        ]
    else:
        with pytest.raises(OSError, match="No space"):
            build_tree(root, tmp_path / "pub" / "out", today=TODAY)
    assert list((tmp_path / "pub").iterdir()) == []


def test_a_refused_build_leaves_no_new_folders(make_root, tmp_path: Path) -> None:
    good = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
    root = make_root({"entries/minimal.yaml": good.replace("bakery", "bakeryy")})
    (tmp_path / "pub").mkdir()
    _, result = build_tree(root, tmp_path / "pub" / "a" / "b" / "out", today=TODAY)
    assert result is None
    assert list((tmp_path / "pub").iterdir()) == []


def test_the_sink_refuses_businesses_out_of_id_order(sample_root: Path, tmp_path: Path) -> None:
    from quartier.publish.context import BuildContext
    from quartier.publish.entry import publish_entry
    from quartier.publish.sink import collect
    from quartier.publish.writer import Output

    directory = read_directory(sample_root, today=TODAY)
    ctx = BuildContext(directory)
    first, second = (publish_entry(ctx, e) for e in ctx.entries()[:2])
    with (
        pytest.raises(ValueError, match="id order"),
        Output(tmp_path / "out") as out,
        collect(ctx, out) as sink,
    ):
        sink.add(second)
        sink.add(first)
    assert list(tmp_path.iterdir()) == []
