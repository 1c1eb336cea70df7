"""``quartier federate``: bring the copy of every member directory up to date."""

from __future__ import annotations

import argparse
import sys

from . import add_root_option, resolve_root, settings_of

HELP = """\
Fetch what changed at each member listed under members: in directory.yaml
(other Quartier directories, by the URL or folder of their published build)
into the directory's mirror, .quartier-cache/federation/. Only the files
whose sha256 changed are downloaded (an unchanged member costs one
conditional request); every record is checked as a local entry is, and an
invalid one is skipped and listed. A member that fails (down, too slow, an
HTTP error, a truncated, malformed or oversized file, a hash that does not
match, a redirect elsewhere, a contract or license this directory cannot
take) keeps its last good copy, and the report says why. Records a member
removed are kept as gone for 30 days. Each member has 10 minutes, the
whole run --deadline minutes (30): a member whose turn comes after that
fails with fault timeout and keeps its last good copy. Then quartier build, validate, serve,
search and mcp include the members' businesses. See docs/federation.md.

Exit status 0, also when a member failed (the report names it); 2 when the
settings are wrong or --member names no member.

examples:
  quartier federate
  quartier federate --member thun
  quartier federate --format json > federation.json      # in CI
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "federate",
        help="update the copies of the member directories (members: in directory.yaml)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--member", metavar="ID", help="update only this member")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (a table per member), json for programs",
    )
    p.add_argument(
        "--deadline",
        metavar="MINUTES",
        type=float,
        default=30.0,
        help="the most the whole run may take, every member included (default 30)",
    )
    add_root_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import orjson

    from ..federation.report import as_json, text
    from ..federation.run import federate

    root = resolve_root(args.root)
    ctx = settings_of(root)
    progress = None
    if sys.stderr.isatty():

        def progress(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

    total_s = max(args.deadline, 0.0) * 60
    report = federate(root, ctx, only=args.member, progress=progress, total_s=total_s)
    if args.format == "json":
        sys.stdout.buffer.write(orjson.dumps(as_json(report), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        print(text(report))
    return 0
