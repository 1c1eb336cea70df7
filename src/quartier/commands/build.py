"""``quartier build``: validate, then publish every file into one folder."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import add_root_option, resolve_root

if TYPE_CHECKING:
    from ..directory import Directory
    from ..publish import BuildResult

HELP = """\
Validate the directory, then write every published file into one folder:
feed.json (JSON Feed 1.1) and feed.atom (Atom 1.0), the static API under
api/v1/ (one JSON and one JSON-LD per business, lists, index.json with
sha256 of every file), data/ (NDJSON, GeoJSON, Parquet, datapackage.json), llms.txt,
llms-full.txt, sitemap.xml, robots.txt and api/v1/openapi.json.

Invalid data is never published: errors are reported as by
`quartier validate` and the command exits 1. Two builds of the same input
are byte-identical. The output replaces the folder only once complete.

A directory with members (members: in directory.yaml) publishes their
businesses with its own, from the copies `quartier federate` keeps: each
with its provenance, the same business listed twice as one record, records
removed at a member as gone (api/v1/gone.json). A member's invalid record
is a warning and left out; only this directory's own errors stop the build.

The changes feed (api/v1/changes/) continues the previous build's sequence:
the one in --previous (a folder or the published site's URL), else the
output folder's, else it starts at 1.

examples:
  quartier build                    # into _site/
  quartier build --out public/ --commit "$GITHUB_SHA"
  quartier build --previous https://quartier.example.org/   # in CI
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
    previous = p.add_mutually_exclusive_group()
    previous.add_argument(
        "--previous",
        metavar="PATH_OR_URL",
        default=None,
        help="the published build whose changes feed this one continues: its folder or base "
        "URL; a URL that has no api/v1/index.json (404) starts at sequence 1 "
        "(default: the output folder's previous build)",
    )
    previous.add_argument(
        "--no-previous",
        action="store_true",
        help="start the changes feed anew at sequence 1, whatever was published before",
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
    from ..publish import steps
    from ..publish.context import git_commit
    from ..publish.pipeline import build
    from ..publish.previous import open_previous

    root = resolve_root(args.root).resolve()
    out = check_output_folder((args.out or root / "_site").resolve(), root)
    commit = args.commit or git_commit(root)
    bar = _ProgressBar(quiet=args.quiet)
    site = _with_site(args)
    # Read before the build: the output folder is the default, and the build replaces it.
    reading = nullcontext(None) if args.no_previous else open_previous(args.previous, out)
    try:
        with reading as previous, steps.listening(bar.step):
            directory, result = build(
                root, out, commit=commit, site=site, progress=bar.start, previous=previous
            )
    except OSError as exc:
        from ..problems import QuartierError

        where = exc.filename or out
        raise QuartierError(f"cannot write {where}: {exc.strerror or exc}") from None
    finally:
        bar.close()  # before the summary, so that the finished bar stays above it
    if result is None:
        return _refuse(directory)
    return _report(directory, result, site=site)


def _with_site(args: argparse.Namespace) -> bool:
    """Whether to build the HTML site too; says why not when it cannot."""
    if args.no_site:
        return False
    from ..site import site_available

    if not site_available():
        print("note: no HTML site: install quartier[site] (machine outputs only)", file=sys.stderr)
        return False
    return True


def _note(text: str) -> None:
    from ..report import paint

    print(f"{paint('note', 'note', sys.stderr)}: {text}", file=sys.stderr)


def _refuse(directory: Directory) -> int:
    from ..report import paint, text

    text(directory.problems, directory.checked_files, sys.stdout)
    for note in directory.notes:
        _note(note)
    print(
        paint("nothing published: fix the errors above first", "error", sys.stderr), file=sys.stderr
    )
    return 1


def _report(directory: Directory, result: BuildResult, site: bool) -> int:
    from ..report import paint, text

    # Warnings do not stop publishing; they are shown with the summary line.
    text(directory.warnings, directory.checked_files, sys.stdout)
    for note in [*directory.notes, *result.notes]:
        _note(note)
    size = sum(n for _, n in result.files.values())
    published = (
        f"published {result.businesses} business{'' if result.businesses == 1 else 'es'}: "
        f"{len(result.files)} files, {size / 1e6:.1f} MB in {result.out}"
    )
    print(paint(published, "ok", sys.stdout))
    if site:
        print(view_hint(directory.root))
    return 0


def view_hint(root: Path) -> str:
    """The build's last line: how to look at the site (a server, never the file from disk).

    The map and search fetch files, which a browser refuses for a page opened
    from disk (file://), so ``quartier serve`` is the way to look::

        view the site with: quartier serve, then open http://127.0.0.1:8000/ ...
    """
    from ..report import paint

    command = "quartier serve"
    if root.resolve() != Path.cwd().resolve():
        command += f" --root {shlex.quote(str(root))}"
    return (
        f"view the site with: {paint(command, 'hint', sys.stdout)}, then open "
        "http://127.0.0.1:8000/ (the map and search need a web server: they do not work "
        "in a page opened from disk)"
    )


class _ProgressBar:
    """A tqdm bar on a terminal for builds of 500 businesses or more; nothing otherwise."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet
        self._bar: Any = None

    def start(self, total: int) -> Callable[[], None] | None:
        """The function to call once per business, or None for no bar."""
        if self._quiet or not sys.stderr.isatty() or total < 500:
            return None
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="entry", desc="publishing", file=sys.stderr)
        return self._tick

    def _tick(self) -> None:
        self._bar.update(1)

    def step(self, what: str) -> None:
        """Show what the build works on beside the bar (see quartier.publish.steps)."""
        if self._bar is not None:
            self._bar.set_postfix_str(what)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
