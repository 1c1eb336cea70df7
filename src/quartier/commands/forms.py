"""``quartier forms``: write the directory's issue forms, or check that they have not drifted."""

from __future__ import annotations

import argparse
import sys

from . import add_root_option, resolve_root, settings_of

HELP = """\
Write the GitHub issue forms of the directory into .github/ISSUE_TEMPLATE/:
"Add or update my business" in each of the directory's languages
(add-business-<lang>.yml), "Report a problem with an entry"
(report-problem.yml) and the template chooser (config.yml). They are made
from directory.yaml (languages, areas, local categories) and the entry
contract, so owners without git can join; a change of the settings or a new
quartier means running this again.

--check changes nothing and fails (exit 1) naming every file that differs,
as CI does with the JSON Schema.

examples:
  quartier forms            # write the forms
  quartier forms --check    # in CI: fail when they drifted from directory.yaml
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "forms",
        help="write the issue forms from directory.yaml, or check them",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--check", action="store_true", help="only report forms that drifted")
    add_root_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..intake.forms import drifted, issue_forms, write

    root = resolve_root(args.root)
    ctx = settings_of(root)
    files = issue_forms(ctx.config, ctx.taxonomy)
    if args.check:
        stale = drifted(root, files)
        if stale:
            print(
                "issue forms drifted from directory.yaml: "
                + ", ".join(stale)
                + "\nrun: quartier forms",
                file=sys.stderr,
            )
            return 1
        print(f"issue forms up to date ({len(files)} files)", file=sys.stderr)
        return 0
    for rel in write(root, files):
        print(f"wrote {rel}" if rel in files else f"removed {rel}", file=sys.stderr)
    return 0
