"""One module per ``quartier`` command: ``register(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..problems import QuartierError

if TYPE_CHECKING:
    from ..checks import Context
    from ..discover import Index


def add_root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the directory repository (the folder with directory.yaml); "
        "default: found from the current folder upwards",
    )


def resolve_root(root: Path | None, near: Path | None = None) -> Path:
    """The repository root: --root, else the nearest directory.yaml above ``near`` or cwd."""
    if root is not None:
        return root
    from ..config import find_config  # pydantic loads only when a command runs

    found = find_config(near if near is not None else Path.cwd())
    if found is None:
        raise QuartierError(
            "no directory.yaml found here or above; run inside a Quartier repository "
            "or pass --root PATH"
        )
    return found.parent


def settings_of(root: Path) -> Context:
    """The directory's settings and taxonomy, or the first error in them as a usage error.

    For commands that need only the settings (``schema``, ``forms``), not the entries.
    """
    from ..directory import load_context

    ctx, problems = load_context(root)
    if ctx is None:
        first = next(p for p in problems if p.is_error)
        raise QuartierError(f"{first.path}:{first.line}: {first.message}")
    return ctx


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """--root / --source / --rebuild, shared by search, partners and mcp."""
    add_root_option(parser)
    parser.add_argument(
        "--source",
        metavar="URL_OR_PATH",
        help="a published directory instead of a repository: the URL or path of its "
        "feed.json, its API, or a `quartier build` output folder",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the search index even if it looks current"
    )


def index_from_args(args: argparse.Namespace) -> Index:
    """The search index that --root or --source (see :func:`add_source_options`) point at.

    Says on stderr when the index must be built (a large directory takes a
    while), and which published records were left out, e.g.
    ``quartier search velo --source https://x.org/`` ->
    ``quartier: building the search index of https://x.org/ (cached for next time)``.
    """
    import sys

    from ..discover.source import open_index, skipped_report

    if args.source and args.root:
        raise QuartierError("give either --root or --source, not both")
    spec: str | Path = args.source or resolve_root(args.root)
    index = open_index(spec, args.rebuild, lambda msg: print(msg, file=sys.stderr, flush=True))
    for line in skipped_report(index):
        print(line, file=sys.stderr)
    return index
