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

On a pull request, --changed-since asks git what changed (names are never
passed through a shell): only added or modified entries are checked against
the whole tree; a deleted or renamed entry, or any other changed file, checks
the whole tree. With --author, what `quartier approvals` would decide for
the author alone is shown as warnings (approvals by reviewers are not
visible here; the approvals workflow checks them); deleting an entry stays
an error unless the author is a directory maintainer. Maintainers are read
from the base version, so a pull request cannot make its author one.

examples:
  quartier validate                      # the whole entries/ tree
  quartier validate entries/ch/bern/velowerk-lorraine.yaml
  quartier validate --format github      # annotations on a pull request
  quartier validate --changed-since origin/main --author octocat --format github
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
    p.add_argument(
        "--changed-since",
        metavar="REV",
        help="check what changed since the merge base with REV (a pull request's base branch)",
    )
    p.add_argument(
        "--author",
        metavar="LOGIN",
        help="with --changed-since: the pull request's author, for the maintainers rules",
    )
    add_root_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..directory import read_directory
    from ..messages import message
    from ..problems import Problem, QuartierError
    from ..report import REPORTERS

    paths: list[Path] = args.paths
    if args.author and not args.changed_since:
        raise QuartierError(message("validate.author_alone"))
    if args.changed_since and paths:
        raise QuartierError(message("validate.paths_and_changed_since"))
    for path in paths:
        if not path.is_file():
            raise QuartierError(message("validate.no_such_file", path=path))
    root = resolve_root(args.root, paths[0].parent if paths else None)
    extra: list[Problem] = []
    if args.changed_since:
        from ..pullrequest import authority_problems, changed_files, scope_of

        changes = changed_files(root, args.changed_since)
        scope = scope_of(changes)
        print(message("validate.scope", reason=scope.reason), file=sys.stderr)
        paths = [root / p for p in scope.files] if scope.files is not None else []
        extra = authority_problems(root, changes, args.author)
    theirs: set[int] = set()  # a member's warnings: the member's to fix, not --strict's
    if paths:
        directory = read_directory(
            root, only=paths, use_cache=not args.no_cache, keep_entries=False
        )
    else:  # the whole tree, and the members' copies, as a build reads them
        from ..publish.members import about_member
        from ..publish.pipeline import read

        directory = read(root, keep_entries=False)
        theirs = {id(p) for p in directory.problems if about_member(p)}
    problems = sorted([*directory.problems, *extra], key=Problem.sort_key)
    errors = any(p.is_error for p in problems)
    warnings = any(not p.is_error and id(p) not in theirs for p in problems)
    REPORTERS[args.format](problems, directory.checked_files, sys.stdout)
    if args.format == "text":
        for note in directory.notes:
            print(f"note: {note}", file=sys.stderr)
    if errors or (args.strict and warnings):
        return 1
    return 0
