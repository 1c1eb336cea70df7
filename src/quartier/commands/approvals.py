"""``quartier approvals``: may this pull request change these entries, given who approved it?"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import add_root_option

if TYPE_CHECKING:
    from ..pullrequest import Maintainers, Verdict

HELP = """\
Decide whether a pull request may change what it changes, from who opened
and who approved it: the pull-request check that makes an entry's
maintainers mean something.

Every entry the pull request adds, changes or deletes needs its author or an
approving reviewer to be one of the entry's maintainers, or one of the
directory's (directory.yaml). Both are read from --base, never from the pull
request, so a pull request cannot make its author a maintainer and approve
itself. A new entry may list as maintainers only people who opened or
approved the pull request (or a directory maintainer approves: for an owner
without a GitHub account, or an intake pull request opened by a bot).
Deleting or moving an entry, and changing directory.yaml, take a directory
maintainer. docs/maintainers.md says why.

Without FILE, git lists what changed between the merge base with --base and
HEAD. Commits are compared, not the working tree. Teams (org/team-slug in
directory.yaml) are read from GitHub with the token in QUARTIER_TEAMS_TOKEN.

Exit status: 0 allowed, 1 an approval is missing (the reason per file),
2 usage error.

examples:
  quartier approvals --base origin/main --author mallory
  quartier approvals --base origin/main --author mallory --approved-by lea-brunner
  quartier approvals --base main --author octocat -- entries/ch/bern/velowerk-lorraine.yaml
  gh api --paginate --slurp repos/OWNER/REPO/pulls/42/reviews > reviews.json
  quartier approvals --base origin/main --author mallory --reviews reviews.json \\
      --head-sha "$HEAD_SHA" --format github
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "approvals",
        help="check that an entry's maintainers approved the pull request that changes it",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="files the pull request adds, changes or deletes, relative to the repository "
        "(default: ask git; put -- before a name that starts with -)",
    )
    p.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="the branch the pull request goes into, e.g. origin/main: maintainers are read there",
    )
    p.add_argument("--author", required=True, metavar="LOGIN", help="the pull request's author")
    p.add_argument(
        "--approved-by",
        action="append",
        default=[],
        metavar="LOGIN",
        help="someone whose approval stands (repeat for each)",
    )
    p.add_argument(
        "--reviews",
        metavar="FILE",
        help="the pull request's reviews as GitHub's API lists them (- for standard input); "
        "the current approvals count",
    )
    p.add_argument(
        "--head-sha",
        metavar="SHA",
        help="with --reviews: only approvals of this commit (the pull request's head) count",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text for people, json for programs, github for pull request annotations",
    )
    add_root_option(p)
    p.set_defaults(run=run)


@dataclass(frozen=True)
class Decision:
    """What the reporters show: each verdict, notes for the reviewer, and who acted."""

    verdicts: list[Verdict]
    notes: list[str]
    author: str
    approvers: list[str]
    directory: Maintainers

    @property
    def allowed(self) -> bool:
        return all(v.allowed for v in self.verdicts)


def run(args: argparse.Namespace) -> int:
    from .. import approvals, pullrequest
    from ..messages import message
    from ..problems import QuartierError

    author = approvals.login(args.author, "--author")
    approvers = [approvals.login(a, "--approved-by") for a in args.approved_by]
    if args.head_sha and not args.reviews:
        raise QuartierError(message("approvals.head_sha_alone"))
    if args.reviews:
        reviews = approvals.read_reviews(args.reviews)
        approvers += approvals.current_approvers(reviews, args.head_sha or None)
    # The repository git knows, found without loading the settings' models (pydantic).
    root = args.root if args.root is not None else pullrequest.toplevel(Path.cwd())
    if args.files:
        changes = pullrequest.named_changes(root, args.base, args.files)
    else:
        changes = pullrequest.changed_files(root, args.base)
    listed = pullrequest.directory_maintainers(root, changes.maintainers_at)
    members, unread = approvals.read_teams(
        listed.teams,
        os.environ.get(approvals.TOKEN_ENV),
        os.environ.get("GITHUB_API_URL", "https://api.github.com"),
    )
    directory = pullrequest.Maintainers(listed.people, listed.teams, members)
    notes = [
        message("approvals.team.unread", team=f"@{team}", reason=why)
        for team, why in unread.items()
    ]
    others = sum(1 for c in changes.items if not c.is_entry and c.path != pullrequest.SETTINGS)
    if others:
        notes.append(message("approvals.other_files", count=others))
    verdicts = pullrequest.decide(root, changes, author, approvers, directory)
    decision = Decision(verdicts, notes, author, list(dict.fromkeys(approvers)), directory)
    REPORTERS[args.format](decision, sys.stdout)
    return 0 if decision.allowed else 1


def summary(verdicts: Sequence[Verdict]) -> str:
    from ..messages import message

    refused = sum(not v.allowed for v in verdicts)
    if not verdicts:
        return message("approvals.summary.nothing")
    if refused:
        return message("approvals.summary.refused", count=refused, files=len(verdicts))
    return message("approvals.summary.allowed", count=len(verdicts))


def text(decision: Decision, out: TextIO) -> None:
    """``path: reason`` per file, refusals first; notes go to standard error."""
    from ..problems import printable

    for note in decision.notes:
        print(f"quartier: {printable(note)}", file=sys.stderr)
    for v in sorted(decision.verdicts, key=lambda v: (v.allowed, v.path)):
        out.write(f"{printable(v.path)}: {printable(v.reason)}\n")
    out.write(summary(decision.verdicts) + "\n")


def as_json(decision: Decision, out: TextIO) -> None:
    from ..problems import printable

    payload = {
        "allowed": decision.allowed,
        "author": decision.author,
        "approved_by": decision.approvers,
        "directory_maintainers": [*decision.directory.people, *decision.directory.teams],
        "notes": decision.notes,
        "files": [
            {
                "path": printable(v.path),
                "change": v.change,
                "allowed": v.allowed,
                "reason": printable(v.reason),
                "maintainers": [printable(m) for m in v.maintainers],
                "line": v.line,
            }
            for v in sorted(decision.verdicts, key=lambda v: v.path)
        ],
    }
    json.dump(payload, out, ensure_ascii=False, indent=2)
    out.write("\n")


def github(decision: Decision, out: TextIO) -> None:
    """Workflow commands: an error on each file that lacks an approval, on the pull request."""
    from ..problems import printable
    from ..report import _escape_data, _escape_prop

    for note in decision.notes:
        out.write(f"::warning title=approvals::{_escape_data(printable(note))}\n")
    for v in sorted(decision.verdicts, key=lambda v: v.path):
        if v.allowed:
            out.write(f"{printable(v.path)}: {printable(v.reason)}\n")
            continue
        where = f"file={_escape_prop(printable(v.path))},line={v.line},col={v.column}"
        out.write(f"::error {where},title=approvals::{_escape_data(printable(v.reason))}\n")
    out.write(summary(decision.verdicts) + "\n")


REPORTERS: dict[str, Callable[[Decision, TextIO], None]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
