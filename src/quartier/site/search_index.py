"""The site's search index in pieces of bounded size, which the visitor's browser merges.

Pagefind keeps everything it indexes in memory until it writes the bundle:
about 115 KB per business page, so one index of 100,000 businesses needs
some 11 GiB. Instead the business pages, in the order of their ids, are cut
into pieces of at most :data:`PIECE_PAGES` pages, and each piece is indexed
by its own Pagefind run, one after the other: the memory is that of one
piece, whatever the size of the directory (or of an aggregate of many).

The first piece is the main index, at ``pagefind/`` (its interface script is
the one the pages load); piece ``k`` is written to ``pagefind/<k>/``.
``pagefind/pieces.json`` (``{"pieces": N}``) says how many there are; the
site's script (``theme/assets/quartier.js``) merges pieces 1 to N-1 into the
main one with Pagefind's multisite search (``mergeIndex``), so results,
filters and their counts are those of the whole directory. A directory of
up to :data:`PIECE_PAGES` businesses has one index, as before.

Each Pagefind run indexes a folder of hard links to its piece's pages (in
``.quartier-search/`` inside the output while it runs), so it reads the very
files the site publishes and gives them the same URLs.

Run as ``python -m quartier.site.search_index SITE [--piece-pages N]`` by
:func:`quartier.site.finish.start_pagefind`, in the background while the
build writes the machine outputs; it exits 1 with the failing piece's log.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..publish import urls

# Pages per Pagefind run: about 600 MiB for Pagefind at 5,000 pages.
PIECE_PAGES = 5_000
PIECES_FILE = "pagefind/pieces.json"
WORK_FOLDER = ".quartier-search"
BUNDLE = "pagefind"


def business_pages(site: Path) -> list[str]:
    """The ids of the businesses that have a page in ``site``, sorted."""
    return sorted(p.parent.name for p in (site / urls.BUSINESSES).glob("*/index.html"))


def pieces(ids: list[str], size: int) -> list[list[str]]:
    """``ids`` cut into runs of at most ``size``, in order.

    ``pieces(["a", "b", "c"], 2) == [["a", "b"], ["c"]]``
    """
    if size < 1:
        raise ValueError(f"a piece holds at least one page, not {size}")
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def bundle_folder(site: Path, number: int) -> Path:
    """Where piece ``number`` is written: the main index for 0, ``pagefind/<number>/`` after."""
    return site / BUNDLE if number == 0 else site / BUNDLE / str(number)


def command(piece: Path, dest: Path) -> list[str]:
    """The Pagefind run that indexes the business articles under ``piece`` into ``dest``.

    Only business pages carry ``data-pagefind-body``: naming their article
    spares Pagefind the rest of the page.
    """
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(piece),
        "--output-path",
        str(dest),
        "--root-selector",
        "[data-pagefind-body]",
    ]


def link_pages(site: Path, ids: list[str], folder: Path) -> None:
    """Hard links (copies where the file system has none) to the pages of ``ids``."""
    for entry_id in ids:
        rel = f"{urls.business_page(entry_id)}index.html"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / rel, folder / rel)
        except OSError:
            shutil.copyfile(site / rel, folder / rel)


def prune(bundle: Path) -> None:
    """Drop a merged piece's scripts, styles and WebAssembly: the main index's serve every piece.

    A merged index is read with the main bundle's code (Pagefind loads no
    WebAssembly for it), so only its entry, metadata and chunks are needed:
    this spares some 800 KB per piece.
    """
    for path in bundle.iterdir():
        if path.is_file() and (path.suffix in (".js", ".css") or path.name.startswith("wasm.")):
            path.unlink()


class PieceFailed(Exception):
    """Pagefind failed on one piece; the message holds its log."""


def index_site(site: Path, piece_pages: int = PIECE_PAGES) -> int:
    """Index every business page of ``site`` in pieces; return how many pieces were written."""
    ids = business_pages(site)
    plan = pieces(ids, piece_pages)
    work = site / WORK_FOLDER
    try:
        for number, piece in enumerate(plan):
            folder = work / str(number)
            link_pages(site, piece, folder)
            with tempfile.TemporaryFile() as log:
                done = subprocess.run(
                    command(folder, bundle_folder(site, number)), stdout=log, stderr=log
                )
                if done.returncode != 0:
                    log.seek(0)
                    raise PieceFailed(
                        f"piece {number + 1} of {len(plan)} ({piece[0]} to {piece[-1]}):\n"
                        + log.read().decode("utf-8", "replace")
                    )
            shutil.rmtree(folder)
            if number:
                prune(bundle_folder(site, number))
        (site / PIECES_FILE).write_text(json.dumps({"pieces": len(plan)}) + "\n", "utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return len(plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m quartier.site.search_index",
        description="Index a built site's business pages with Pagefind, in pieces.",
    )
    parser.add_argument("site", type=Path, help="the build's output folder")
    parser.add_argument("--piece-pages", type=int, default=PIECE_PAGES, help="pages per piece")
    args = parser.parse_args(argv)
    try:
        index_site(args.site, args.piece_pages)
    except PieceFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
