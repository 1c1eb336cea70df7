"""``quartier intake``: turn an "Add or update my business" issue into an entry, or a comment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import add_root_option, resolve_root

HELP = """\
Read the answers of an issue made with the form "Add or update my business"
(the issue body as GitHub delivers it, or GitHub's JSON of the issue) and
turn them into an entry file at entries/<country>/<area>/<id>.yaml, checked
against the whole directory as quartier validate checks it. Owners do not
need git: the issue's workflow runs this, then opens a pull request for the
maintainers, or comments on the issue.

Prints the entry file (--write saves it) when the answers make a valid
entry, or a comment for the issue in the owner's language that lists what
to correct, each with an example. A new entry gets a fresh id from its name
and the issue's author as its maintainer; an update (the answer "entry id")
changes only the fields the answers change. Nothing is fetched: locations
come from coordinates or from map links that contain them.

Exit status: 0 a valid entry (or, with --json, an issue that is not an
intake issue: nothing to do), 1 the owner must correct something, 2 usage
error.

examples:
  quartier intake issue.md --author octocat
  gh issue view 12 --json body,author,number,labels,state > issue.json
  quartier intake --json issue.json --write
  quartier intake --json "$GITHUB_EVENT_PATH" --github-output "$GITHUB_OUTPUT"
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "intake",
        help="turn an issue-form issue into an entry file or a comment",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "source",
        type=Path,
        metavar="ISSUE",
        help="the issue body (Markdown, as GitHub delivers it; - for standard input), "
        "or with --json GitHub's JSON of the issue or of an issues event",
    )
    p.add_argument("--json", action="store_true", help="ISSUE is GitHub's JSON, not the body")
    p.add_argument("--author", metavar="LOGIN", help="the issue's author (taken from the JSON)")
    p.add_argument("--issue", type=int, metavar="NUMBER", help="the issue's number (from the JSON)")
    p.add_argument(
        "--write", action="store_true", help="save the entry file in the repository, not print it"
    )
    p.add_argument(
        "--github-output",
        type=Path,
        metavar="FILE",
        help="also append the result, comment and pull request's texts to FILE "
        "($GITHUB_OUTPUT in a workflow)",
    )
    add_root_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..intake.body import MAX_BODY, MAX_JSON_BYTES, Issue, read_issue_json
    from ..intake.github import intake_issue
    from ..problems import QuartierError

    limit = MAX_JSON_BYTES if args.json else MAX_BODY * 4
    raw = _read(args.source, limit)
    if args.json:
        issue = read_issue_json(raw)
        reason = intake_issue(issue)
        if reason is not None:
            print(f"quartier intake: nothing to do: {reason}", file=sys.stderr)
            _outputs(args.github_output, {"result": "ignore"})
            return 0
    else:
        try:
            issue = Issue(body=raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise QuartierError(f"{args.source} is not UTF-8 text") from None
    author = args.author or issue.author
    if not author:
        raise QuartierError("who opened the issue? give --author LOGIN (it becomes the maintainer)")
    number = args.issue if args.issue is not None else issue.number
    return _intake(args, issue.body, author, number)


def _intake(args: argparse.Namespace, body: str, author: str, number: int | None) -> int:
    from ..intake.comment import comment, pull_request
    from ..intake.run import intake

    root = resolve_root(args.root)
    outcome = intake(root, body, author, number)
    if not outcome.valid:
        text = comment(outcome)
        sys.stdout.write(text)
        _outputs(args.github_output, {"result": "correct", "comment": text})
        return 1
    assert outcome.text is not None and outcome.path is not None
    if outcome.update:
        changed = ", ".join(outcome.changed) or "nothing but last_verified"
        print(f"quartier intake: updates {outcome.path}: {changed}", file=sys.stderr)
    if args.write:
        _write(root, outcome.path, outcome.text, outcome.update)
        print(f"quartier intake: wrote {outcome.path}", file=sys.stderr)
    else:
        sys.stdout.write(outcome.text)
    values = {"result": "valid", "path": outcome.path, "entry_id": outcome.entry_id or ""}
    if args.github_output is not None and number is not None:
        pr = pull_request(outcome)
        values |= {
            "branch": pr.branch,
            "title": pr.title,
            "body": pr.body,
            "commit_message": pr.commit_message,
        }
    _outputs(args.github_output, values)
    return 0


def _read(path: Path, limit: int) -> bytes:
    from ..problems import QuartierError

    try:
        if str(path) == "-":
            raw = sys.stdin.buffer.read(limit + 1)
        else:
            with path.open("rb") as source:
                raw = source.read(limit + 1)
    except OSError as exc:
        raise QuartierError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise QuartierError(
            f"{path} is larger than {limit:,} bytes: not an issue GitHub could deliver "
            "(nothing was read)"
        )
    return raw


def _write(root: Path, rel: str, text: str, update: bool) -> None:
    from ..problems import QuartierError

    target = root / rel
    # The path comes from the directory's own ids and areas; still, never outside entries/.
    if not target.resolve().is_relative_to((root / "entries").resolve()):
        raise QuartierError(f"refusing to write {rel}: not inside entries/")
    if target.exists() and not update:
        raise QuartierError(f"{rel} exists already; nothing was written")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w" if update else "x", encoding="utf-8", newline="\n") as out:
        out.write(text)


def _outputs(path: Path | None, values: dict[str, str]) -> None:
    if path is None:
        return
    from ..intake.github import outputs

    with path.open("a", encoding="utf-8") as out:
        out.write(outputs(values))
