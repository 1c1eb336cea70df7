"""The last steps of a site build: static assets and the search index.

Leaflet comes from a pinned PyPI package (``django-js-lib-leaflet``, a plain
repackaging of Leaflet's release files with no dependencies), copied into
``assets/leaflet/``; nothing is loaded from a CDN. The search index is built
by Pagefind (``pagefind[bin]`` from PyPI) over the finished HTML, in pieces
of bounded size (:mod:`.search_index`), so a visitor's browser fetches only
the index chunks a query needs and the build's memory stays bounded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from ..problems import QuartierError
from ..publish import steps, urls
from ..publish.writer import Output

LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
    "images/layers.png",
    "images/layers-2x.png",
)


def copy_leaflet(out: Output) -> None:
    try:
        base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    except ModuleNotFoundError:
        raise QuartierError(
            "the map needs Leaflet: install the site extra, pip install 'quartier[site]'"
        ) from None
    for name in LEAFLET_FILES:
        out.write_bytes(f"assets/leaflet/{name}", (base / name).read_bytes())


def run_pagefind(out: Output) -> None:
    """Index every business page for search, and wait for it (see :func:`start_pagefind`)."""
    start_pagefind(out).wait()


class PagefindRun:
    """Pagefind indexing in the background; :meth:`wait` for it or :meth:`cancel` it.

    Its output goes to temporary files, not pipes, so it can never block on a
    full pipe while the build does something else. It runs in a session of
    its own, so that :meth:`cancel` stops it and the Pagefind run it started
    together, and removes its work folder (``cleanup``).
    """

    def __init__(self, command: list[str] | None, cleanup: Path | None = None) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by wait or cancel
        self._cleanup = cleanup
        # The child imports this very package, wherever it was imported from here.
        package = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))
        self._process = (
            subprocess.Popen(
                command,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONPATH": path},
            )
            if command
            else None
        )

    def wait(self) -> None:
        if self._process is None:
            self._log.close()
            return
        try:
            steps.announce("the site search index (Pagefind)")  # PE (issue 15)
            code = self._process.wait()
            if code != 0:
                self._log.seek(0)
                log = self._log.read().decode("utf-8", "replace")
                raise QuartierError(f"Pagefind failed to index the site:\n{log}")
        finally:
            self._log.close()

    def cancel(self) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)
        self._log.close()


def start_pagefind(out: Output) -> PagefindRun:
    """Start indexing every business page (those that mark ``data-pagefind-body``).

    The pages are indexed in pieces of :data:`.search_index.PIECE_PAGES`,
    one Pagefind run after the other, which the visitor's browser merges (see
    :mod:`.search_index`): Pagefind's memory stays that of one piece.

    The bundle is left out of the manifest (``api/v1/index.json``): Pagefind
    writes its filter and metadata indexes in an order that changes between
    runs (upstream issue #638), and the manifest must stay byte-identical for
    the same input. The bundle is for browsers, not for API readers.
    """
    # Imported here: the package must not hold the module that ``-m`` runs (runpy warns).
    from . import search_index

    if not any((out.root / urls.BUSINESSES).glob("*/index.html")):
        # A new directory with no business yet: nothing to search, and Pagefind
        # refuses an empty site. The home page shows no search box then.
        return PagefindRun(None)
    command = [sys.executable, "-m", "quartier.site.search_index", str(out.root)]
    command += ["--piece-pages", str(search_index.PIECE_PAGES)]
    return PagefindRun(command, cleanup=out.root / search_index.WORK_FOLDER)


def copy_tree(src: Path, out: Output, skip: tuple[str, ...]) -> None:
    """Copy MkDocs' output into the build, except files Quartier writes itself."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and not rel.startswith(skip):
            out.write_bytes(rel, path.read_bytes())
