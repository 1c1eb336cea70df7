"""The ``quartier`` command: parses arguments and hands over to one module per command.

Each command lives in ``quartier.commands.<name>`` with ``register(subparsers)``
and ``run(args) -> int``. Exit codes: 0 success, 1 invalid data, 2 usage
error. A user's mistake is a message, never a traceback; an unexpected crash
writes its traceback to a log file and says where.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence

from . import __version__
from .problems import QuartierError, printable

COMMANDS = (
    "init",
    "validate",
    "build",
    "serve",
    "schema",
    "search",
    "partners",
    "mcp",
    "stale",
    "approvals",
    "forms",
    "intake",
    "federate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quartier",
        description="Quartier: an open directory of local independent businesses, kept in git.",
        epilog="Example: quartier validate entries/ch/bern/velowerk-lorraine.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"quartier {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"quartier.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except QuartierError as exc:
        print(f"quartier: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("quartier: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped early (quartier validate | head): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        log = write_crash_log(traceback.format_exc())
        print(
            f"quartier: internal error; this is a bug, please report it with {log}", file=sys.stderr
        )
        return 3


def write_crash_log(text: str) -> str:
    """Write a traceback to a new private file and return its path.

    A fixed name in a shared temporary folder could be a symlink planted by
    another user; ``mkstemp`` creates a fresh file (O_EXCL, mode 0600) instead.
    """
    try:
        fd, path = tempfile.mkstemp(prefix="quartier-crash-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError:
        return "(no log: the temporary folder is not writable)"
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
