"""``quartier stale``: entries nobody has confirmed for too long, and the reminders' plan."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import add_root_option, resolve_root

if TYPE_CHECKING:
    from ..config import DirectoryConfig
    from ..stale import Due, Plan, Report

HELP = """\
List the entries whose last_verified is older than the directory's
stale_after_days (or --days), and those that will be within --soon days,
with their maintainers, age, file and page. Owners are asked to confirm
their entry now and then so that customers and assistants can trust it;
permanently closed entries need no reminding and are left out. Exit status
0 (a report, not a failure), 1 when directory.yaml has errors, 2 for a
usage error.

With --plan, read the open issues as `gh api --paginate` printed them and
print as JSON what the weekly reminder workflow (.github/workflows/stale.yml)
does: open one issue per stale entry that has none, mentioning its
maintainers; thank and close when the entry was verified again (or say so
when it closed or is gone); after stale_grace_days without an answer, label
the issue needs-decision for the directory's maintainers. Nothing is
changed here: the workflow performs the actions, one GitHub API call each.

examples:
  quartier stale                          # stale now, and within 30 days
  quartier stale --days 180 --soon 60
  quartier stale --format github          # annotations at each last_verified line
  gh api --paginate --slurp \\
    "repos/OWNER/NAME/issues?state=open&creator=github-actions%5Bbot%5D&per_page=100" > issues.json
  quartier stale --plan issues.json --repository https://github.com/OWNER/NAME
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "stale",
        help="list entries not verified for too long; plan reminder issues",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--days",
        type=_positive,
        metavar="N",
        help="stale after N days (default: stale_after_days in directory.yaml, 365)",
    )
    p.add_argument(
        "--soon",
        type=_not_negative,
        default=30,
        metavar="DAYS",
        help="also list entries that become stale within DAYS days (default 30; 0: none)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text for people, json for programs, github for annotations in a workflow",
    )
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="count ages from this day instead of today (to reproduce a run)",
    )
    reminders = p.add_argument_group("reminder issues (with --plan)")
    reminders.add_argument(
        "--plan",
        type=Path,
        metavar="ISSUES.json",
        help="the open issues as `gh api --paginate [--slurp]` printed them; "
        "print the workflow's actions as JSON",
    )
    reminders.add_argument(
        "--repository",
        metavar="URL",
        help="the GitHub repository the issues and links are in "
        "(default: repository in directory.yaml)",
    )
    reminders.add_argument(
        "--branch",
        default="main",
        help="the branch the 'edit this entry' links open (default main)",
    )
    reminders.add_argument(
        "--grace-days",
        type=_positive,
        metavar="N",
        help="days before an unanswered reminder is labelled needs-decision "
        "(default: stale_grace_days in directory.yaml, 90)",
    )
    reminders.add_argument(
        "--max-new",
        type=_not_negative,
        default=20,
        metavar="N",
        help="open at most N new issues per run, oldest entries first (default 20)",
    )
    reminders.add_argument(
        "--bot",
        default="github-actions[bot]",
        metavar="LOGIN",
        help="the account that opens the reminders; other people's issues are ignored "
        "(default github-actions[bot])",
    )
    add_root_option(p)
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    return _whole(text, 1, "a number of days of 1 or more")


def _not_negative(text: str) -> int:
    return _whole(text, 0, "a number of 0 or more")


def _whole(text: str, minimum: int, what: str) -> int:
    # A word, a sign or a fraction is as wrong as a number below the minimum: one
    # message naming the option's meaning, not argparse's "invalid _positive value".
    value = int(text) if text.strip().isdigit() else -1
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def run(args: argparse.Namespace) -> int:
    from ..directory import read_directory
    from ..messages import message
    from ..report import text as text_report
    from ..stale import select

    root = resolve_root(args.root)
    today: date = args.today or date.today()
    directory = read_directory(root, today=today)
    if directory.config is None:
        text_report(directory.problems, directory.checked_files, sys.stderr)
        return 1
    report = select(directory, today, args.days, args.soon)
    if report.invalid:
        print(message("stale.report.invalid", count=len(report.invalid)), file=sys.stderr)
    if args.plan is not None:
        return _plan(args, directory.config, report)
    WRITERS[args.format](report, sys.stdout)
    return 0


def _plan(args: argparse.Namespace, config: DirectoryConfig, report: Report) -> int:
    import json

    from ..messages import message
    from ..problems import QuartierError
    from ..stale import (
        MAX_ISSUES_BYTES,
        Reminders,
        form_language,
        load_issues,
        plan,
        repository_url,
    )

    repository = args.repository or config.repository
    if not repository:
        raise QuartierError(message("stale.no_repository"))
    try:
        with args.plan.open("rb") as issues_file:
            raw = issues_file.read(MAX_ISSUES_BYTES + 1)
    except OSError as exc:
        raise QuartierError(
            message("stale.issues.unreadable", path=args.plan, reason=exc.strerror or exc)
        ) from None
    issues = load_issues(raw.decode("utf-8", errors="replace"), str(args.plan))
    settings = Reminders(
        repository=repository_url(repository),
        branch=args.branch,
        form_language=form_language(config.site.language, config.languages),
        maintainers=tuple(config.maintainers),
        grace_days=args.grace_days or config.stale_grace_days,
        bot=args.bot,
        max_new=args.max_new,
    )
    result = plan(report, issues, settings)
    json.dump([a.as_dict() for a in result.actions], sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    _summary(result)
    return 0


def _summary(result: Plan) -> None:
    from ..messages import message

    counts = result.counts
    print(
        message(
            "stale.plan.summary",
            opened=counts.get("open", 0),
            closed=counts.get("close", 0),
            labelled=counts.get("label", 0),
            comments=counts.get("comment", 0),
        ),
        file=sys.stderr,
    )
    if result.waiting:
        print(message("stale.plan.waiting", count=result.waiting), file=sys.stderr)


def _line(stale: bool, due: Due, report: Report) -> str:
    from ..messages import message
    from ..problems import printable

    return printable(
        message(
            "stale.report.stale" if stale else "stale.report.soon",
            name=due.name,
            id=due.id,
            day=due.last_verified.isoformat(),
            age=due.age,
            days=report.days,
            due=due.stale_on.isoformat(),
            maintainers=", ".join(f"@{m}" for m in due.maintainers),
            url=due.url,
        )
    )


def write_text(report: Report, out: TextIO) -> None:
    """``entries/ch/bern/x.yaml:31: stale: Velowerk Lorraine (velowerk-lorraine) ...`` lines."""
    for stale, dues in ((True, report.stale), (False, report.soon)):
        for due in dues:
            out.write(f"{_path(due.path)}:{due.line}: {_line(stale, due, report)}\n")
    out.write(_total(report) + "\n")


def write_json(report: Report, out: TextIO) -> None:
    import json

    json.dump(report.as_dict(), out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_github(report: Report, out: TextIO) -> None:
    """Workflow commands: a warning at each stale entry's last_verified, a notice for soon ones."""
    from ..messages import message
    from ..report import _escape_data, _escape_prop

    for stale, level, dues in ((True, "warning", report.stale), (False, "notice", report.soon)):
        title = message("stale.report.stale.title" if stale else "stale.report.soon.title")
        for due in dues:
            where = f"file={_escape_prop(_path(due.path))},line={due.line}"
            text = _escape_data(_line(stale, due, report))
            out.write(f"::{level} {where},title={_escape_prop(title)}::{text}\n")
    out.write(_total(report) + "\n")


def _path(path: str) -> str:
    from ..problems import printable

    return printable(path)


def _total(report: Report) -> str:
    from ..messages import message

    return message(
        "stale.report.summary",
        entries=message("stale.report.entries", count=len(report.known)),
        stale=len(report.stale),
        soon=len(report.soon),
        soon_days=report.soon_days,
    )


WRITERS = {"text": write_text, "json": write_json, "github": write_github}
