"""``quartier validate``: check entries and report every problem at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import add_root_option, resolve_root

HELP = """\
Check entries against the contract, the directory's settings and each other.

Every problem in every file is collected first, then reported with
file:line:column, what is wrong and how to fix it. Exit status: 0 valid,
1 invalid data, 2 usage error. Warnings (a stale last_verified, say) do not
fail unless --strict.

examples:
  quartier validate                      # the whole entries/ tree
  quartier validate entries/ch/bern/velowerk-lorraine.yaml
  quartier validate --format github      # annotations on a pull request
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check entries and report every problem",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="entry files to check in full (default: every file under entries/)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text for people, json for programs, github for pull request annotations",
    )
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="re-read every other entry instead of using .quartier-cache/",
    )
    add_root_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..directory import read_directory
    from ..problems import QuartierError
    from ..report import REPORTERS

    paths: list[Path] = args.paths
    for path in paths:
        if not path.is_file():
            raise QuartierError(f"{path}: no such file")
    root = resolve_root(args.root, paths[0].parent if paths else None)
    directory = read_directory(
        root, only=paths or None, use_cache=not args.no_cache, keep_entries=False
    )
    REPORTERS[args.format](directory.problems, directory.checked_files, sys.stdout)
    if directory.errors or (args.strict and directory.warnings):
        return 1
    return 0
