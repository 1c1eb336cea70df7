"""``quartier build``: validate, then publish every file into one folder."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from . import add_root_option, resolve_root

HELP = """\
Validate the directory, then write every published file into one folder:
feed.json (JSON Feed 1.1), the static API under api/v1/ (one JSON and one
JSON-LD per business, lists, index.json with sha256 of every file),
data/ (NDJSON, GeoJSON, Parquet, datapackage.json), llms.txt,
llms-full.txt, sitemap.xml, robots.txt and api/v1/openapi.json.

Invalid data is never published: errors are reported as by
`quartier validate` and the command exits 1. Two builds of the same input
are byte-identical. The output replaces the folder only once complete.

examples:
  quartier build                    # into _site/
  quartier build --out public/ --commit "$GITHUB_SHA"
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "build",
        help="validate and publish the directory's files",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/_site)")
    p.add_argument(
        "--commit",
        default=None,
        help="source commit for provenance (default: the checked-out git commit, if any)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-site",
        action="store_true",
        help="machine outputs only, without the HTML site (which needs quartier[site])",
    )
    add_root_option(p)
    p.set_defaults(run=run)


# Folders of a directory repository that a build must never replace.
PROTECTED = ("entries", "schema", "site", "src", ".git")


def check_output_folder(out: Path, root: Path) -> Path:
    """``out`` if a build may replace it; a clear refusal otherwise.

    A build replaces its output folder whole, so it must never be the
    repository, a folder holding it, one of its source folders, a file, or a
    folder of someone else's files.
    """
    from ..problems import QuartierError

    if out == root or out in root.parents:
        raise QuartierError(f"--out {out} would replace the repository itself; choose e.g. _site")
    for name in PROTECTED:
        if out == root / name or root / name in out.parents:
            raise QuartierError(
                f"--out {out} is inside the repository's {name}/; choose e.g. _site"
            )
    if out.exists() and not out.is_dir():
        raise QuartierError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "api" / "v1" / "index.json").is_file():
        raise QuartierError(
            f"--out {out} holds files that are not a previous build; choose an empty or new folder"
        )
    return out


def run(args: argparse.Namespace) -> int:
    from ..directory import read_directory
    from ..publish import Extra, build
    from ..publish.context import git_commit
    from ..report import text

    root = resolve_root(args.root).resolve()
    out = check_output_folder((args.out or root / "_site").resolve(), root)
    directory = read_directory(root)
    if directory.errors:
        text(directory.problems, directory.checked_files, sys.stdout)
        print("nothing published: fix the errors above first", file=sys.stderr)
        return 1
    # Warnings do not stop publishing; they are shown with the summary line.
    text(directory.warnings, directory.checked_files, sys.stdout)
    commit = args.commit or git_commit(root)
    tick = None
    if not args.quiet and sys.stderr.isatty() and len(directory.entries) >= 500:
        from tqdm import tqdm

        bar = tqdm(total=len(directory.entries), unit="entry", desc="publishing", file=sys.stderr)

        def tick() -> None:
            bar.update(1)

    extras: tuple[Extra, ...] = ()
    if not args.no_site:
        from ..site import build_site, site_available

        if not (root / "mkdocs.yml").is_file():
            print(
                "note: no mkdocs.yml here, so no HTML site (machine outputs only)", file=sys.stderr
            )
        elif site_available():
            extras = (functools.partial(build_site, tick=tick),)
        else:
            print(
                "note: no HTML site: install quartier[site] (machine outputs only)", file=sys.stderr
            )
    try:
        result = build(
            directory, out, commit=commit, tick=tick if not extras else None, extras=extras
        )
    except OSError as exc:
        from ..problems import QuartierError

        where = exc.filename or out
        raise QuartierError(f"cannot write {where}: {exc.strerror or exc}") from None
    finally:
        if tick is not None:
            bar.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    size = sum(n for _, n in result.files.values())
    print(
        f"published {len(directory.entries)} businesses: {len(result.files)} files, "
        f"{size / 1e6:.1f} MB in {out}"
    )
    if extras:
        print(f"open {out / 'index.html'} in a browser, or preview with: quartier serve")
    return 0
