"""Reporters: how problems reach a person, a program or a CI system.

Each reporter takes every problem at once (they are collected first) and
writes to a stream. Choose one by name with ``--format``::

    text    entries/ch/bern/x.yaml:12:5: error: opening_hours: ... (fix: ...)
    json    {"valid": false, "errors": 1, "warnings": 0, "problems": [...]}
    github  ::error file=entries/ch/bern/x.yaml,line=12,col=5,title=opening_hours::...
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TextIO

from .messages import message
from .problems import Problem, printable_problem

# ANSI styles of the text reporter and of quartier build's lines (see paint).
STYLES = {"error": "1;31", "warning": "33", "ok": "32", "note": "36", "hint": "1"}


def colour_on(stream: TextIO) -> bool:
    """Whether to colour what goes to ``stream``: a person's terminal, and NO_COLOR unset.

    A pipe, a file or CI logs get plain text; so does anyone who sets
    ``NO_COLOR`` to anything but the empty string (https://no-color.org).
    """
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, stream: TextIO) -> str:
    """``text`` in ``style`` (a key of :data:`STYLES`) if :func:`colour_on` ``stream``.

    Example: ``paint("error", "error", sys.stdout)`` is ``"\\x1b[1;31merror\\x1b[0m"`` on a
    terminal and ``"error"`` anywhere else.
    """
    return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if colour_on(stream) else text


def text(problems: Sequence[Problem], files: int, out: TextIO) -> None:
    for p in map(printable_problem, problems):
        fix = " " + message("report.fix.text", hint=p.hint) if p.hint else ""
        severity = paint(p.severity.value, "error" if p.is_error else "warning", out)
        out.write(f"{p.path}:{p.line}:{p.column}: {severity}: {p.field}: {p.message}{fix}\n")
    style = "ok" if not problems else "error" if any(p.is_error for p in problems) else "warning"
    out.write(paint(summary(problems, files), style, out) + "\n")


def summary(problems: Sequence[Problem], files: int) -> str:
    """``"14 files checked: 2 errors, 1 warning"`` or ``"...: all valid"``."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    checked = message("report.files", count=files)
    verdict = message("report.errors", count=errors) if errors else message("report.all_valid")
    if not warnings:
        return message("report.summary", files=checked, verdict=verdict)
    noted = message("report.warnings", count=warnings)
    return message("report.summary.warnings", files=checked, verdict=verdict, warnings=noted)


def as_json(problems: Sequence[Problem], files: int, out: TextIO) -> None:
    errors = sum(p.is_error for p in problems)
    payload = {
        "valid": errors == 0,
        "files": files,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [
            {**asdict(p), "severity": p.severity.value} for p in map(printable_problem, problems)
        ],
    }
    json.dump(payload, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(problems: Sequence[Problem], files: int, out: TextIO) -> None:
    """GitHub Actions workflow commands, so errors show on the pull request's lines."""
    for p in map(printable_problem, problems):
        level = "error" if p.is_error else "warning"
        fix = " " + message("report.fix.github", hint=p.hint) if p.hint else ""
        where = f"file={_escape_prop(p.path)},line={p.line},col={p.column}"
        props = f"{where},title={_escape_prop(p.field)}"
        out.write(f"::{level} {props}::{_escape_data(p.message + '.' + fix)}\n")
    out.write(summary(problems, files) + "\n")


REPORTERS: dict[str, Callable[[Sequence[Problem], int, TextIO], None]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
