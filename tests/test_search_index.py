"""The site's search index in pieces (quartier.site.search_index), without a browser.

The browser's side (the pieces merged give what one index gives) is in
test_search_pieces_browser.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from quartier.problems import QuartierError
from quartier.site import search_index
from quartier.site.finish import PagefindRun

from .site_support import build_into, entry_ids

pytest.importorskip("pagefind", reason="the site needs its extra: pip install 'quartier[site]'")

PIECE = 4


def test_pieces_keep_the_order_and_bound_the_size() -> None:
    ids = [f"b{i:02}" for i in range(10)]
    cut = search_index.pieces(ids, 4)
    assert cut == [ids[0:4], ids[4:8], ids[8:10]]
    assert search_index.pieces(ids, 10) == [ids]
    assert search_index.pieces([], 4) == []
    with pytest.raises(ValueError, match="at least one page"):
        search_index.pieces(ids, 0)


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's whole site, its search index in pieces of four pages."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "PIECE_PAGES", PIECE)
        return build_into(sample_root, tmp_path_factory.mktemp("pieces") / "_site")


def _indexed(bundle: Path) -> int:
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    return sum(language["page_count"] for language in entry["languages"].values())


def test_a_build_indexes_every_business_once_in_pieces(site: Path) -> None:
    ids = entry_ids()
    count = -(-len(ids) // PIECE)
    assert json.loads((site / search_index.PIECES_FILE).read_text("utf-8")) == {"pieces": count}
    bundles = [search_index.bundle_folder(site, n) for n in range(count)]
    assert [_indexed(b) for b in bundles] == [len(p) for p in search_index.pieces(ids, PIECE)]
    assert not search_index.bundle_folder(site, count).exists()
    # The main index carries Pagefind's code; the merged ones only their data.
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    for bundle in bundles[1:]:
        assert sorted(p.name for p in bundle.iterdir() if p.is_dir()) == [
            "filter",
            "fragment",
            "index",
        ]
        assert not [p.name for p in bundle.glob("*") if p.suffix in (".js", ".css", ".pagefind")]
    assert not (site / search_index.WORK_FOLDER).exists()
    # The bundle is for browsers: the manifest does not list it (its order varies upstream).
    manifest = json.loads((site / "api" / "v1" / "index.json").read_text("utf-8"))
    assert not [path for path in manifest["files"] if path.startswith("pagefind/")]


def test_one_index_below_the_threshold(sample_root: Path, tmp_path: Path) -> None:
    site = build_into(sample_root, tmp_path / "_site")
    assert json.loads((site / search_index.PIECES_FILE).read_text("utf-8")) == {"pieces": 1}
    assert _indexed(site / "pagefind") == len(entry_ids())
    assert not (site / "pagefind" / "1").exists()


@pytest.fixture
def pages(site: Path, tmp_path: Path) -> Path:
    """A fresh folder with the built business pages only, to index again."""
    shutil.copytree(site / "businesses", tmp_path / "site" / "businesses")
    return tmp_path / "site"


def _driver(pages: Path, piece_pages: int) -> list[str]:
    module = "quartier.site.search_index"
    return [sys.executable, "-m", module, str(pages), "--piece-pages", str(piece_pages)]


def test_a_failing_piece_is_named_with_pagefind_s_log(pages: Path) -> None:
    # Piece 2 cannot be written: a file stands where its folder goes.
    (pages / "pagefind").mkdir()
    (pages / "pagefind" / "1").write_text("in the way\n")
    run = PagefindRun(_driver(pages, PIECE), cleanup=pages / search_index.WORK_FOLDER)
    with pytest.raises(QuartierError) as caught:
        run.wait()
    ids = search_index.pieces(entry_ids(), PIECE)[1]
    message = str(caught.value)
    assert message.startswith("Pagefind failed to index the site:\npiece 2 of 4 ")
    assert f"({ids[0]} to {ids[-1]})" in message
    assert "pagefind/1" in message  # Pagefind's own words about the folder
    assert not (pages / search_index.WORK_FOLDER).exists()
    assert not (pages / search_index.PIECES_FILE).exists()


def _session(leader: int) -> list[int]:
    """The processes still running in the session ``leader`` started."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == leader and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait (up to two minutes on a loaded machine) for ``condition()`` to hold."""
    deadline = time.monotonic() + 120
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {what}")
        time.sleep(0.05)


def test_cancel_stops_the_pieces_and_their_pagefind(pages: Path) -> None:
    work = pages / search_index.WORK_FOLDER
    # One page a piece: fifteen Pagefind runs, one of them is running when cancelled.
    run = PagefindRun(_driver(pages, 1), cleanup=work)
    leader = run._process.pid  # type: ignore[union-attr]
    _until(lambda: len(_session(leader)) > 1, "Pagefind started by the pieces' driver")
    run.cancel()
    assert _session(leader) == []
    assert not work.exists()
    assert not (pages / search_index.PIECES_FILE).exists()
