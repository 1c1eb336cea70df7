"""``quartier schema``: print the JSON Schema of an entry, generated from the models."""

from __future__ import annotations

import argparse
import sys

from . import add_root_option, resolve_root, settings_of

HELP = """\
Print the JSON Schema (2020-12) of an entry file, with the directory's
category ids as an enum. Editors use it for autocompletion; other tools can
validate entries with it.

example:
  quartier schema > entry.schema.json
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of an entry",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_root_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..schema import dumps, entry_json_schema

    root = resolve_root(args.root)
    ctx = settings_of(root)
    taxonomy = ctx.taxonomy
    sys.stdout.write(dumps(entry_json_schema(taxonomy)))
    return 0
