"""The last steps of a site build: static assets and the search index.

Leaflet comes from a pinned PyPI package (``django-js-lib-leaflet``, a plain
repackaging of Leaflet's release files with no dependencies), copied into
``assets/leaflet/``; nothing is loaded from a CDN. The search index is built
by Pagefind (``pagefind[bin]`` from PyPI) over the finished HTML, so a
visitor's browser fetches only the index chunks a query needs.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

from ..problems import QuartierError
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
    """Index every HTML page that marks a ``data-pagefind-body``.

    The bundle is left out of the manifest (``api/v1/index.json``): Pagefind
    writes its filter and metadata indexes in an order that changes between
    runs (upstream issue #638), and the manifest must stay byte-identical for
    the same input. The bundle is for browsers, not for API readers.
    """
    root = out.root
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(root), "--output-subdir", "pagefind"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise QuartierError(f"Pagefind failed to index the site:\n{result.stdout}{result.stderr}")


def copy_tree(src: Path, out: Output, skip: tuple[str, ...]) -> None:
    """Copy MkDocs' output into the build, except files Quartier writes itself."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and not rel.startswith(skip):
            out.write_bytes(rel, path.read_bytes())
