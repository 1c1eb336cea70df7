"""What every stage reports: a problem at a place in a file, with a fix.

Stages never print or raise for a user's mistake; they return
:class:`Problem` values, which reporters turn into text, JSON or CI
annotations once every file has been read.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, e.g. ``entries/x.yaml:12:5: opening_hours: ... (fix)``."""

    path: str
    line: int
    column: int
    field: str
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.message)


def printable(text: str) -> str:
    r"""``text`` with control, format and line-separator characters shown as escapes.

    Messages echo what a file says (an unknown key, a bad value, a file
    name). Written raw, an ESC or OSC sequence from a stranger's pull request
    would rewrite a reviewer's screen or clipboard, and a bidi override or a
    line break would disguise the message. Example: ``printable("a\x1b[2Jb")``
    returns the nine characters ``a\x1b[2Jb`` (a backslash, then ``x1b``).
    """
    if text.isprintable():
        return text
    return "".join(ch if _shown(ch) else ascii(ch)[1:-1] for ch in text)


def _shown(ch: str) -> bool:
    # Letters, marks, numbers, punctuation, symbols and spaces; not Cc, Cf, Zl, Zp, Cs, Co.
    category = unicodedata.category(ch)
    return category[0] not in "CZ" or category == "Zs"


def printable_problem(p: Problem) -> Problem:
    """The problem with every text a file can influence made :func:`printable`."""
    texts = (p.path, p.field, p.message, p.hint)
    if all(t.isprintable() for t in texts):
        return p
    return replace(
        p,
        path=printable(p.path),
        field=printable(p.field),
        message=printable(p.message),
        hint=printable(p.hint),
    )


class QuartierError(Exception):
    """A problem that stops a command before it starts (bad arguments, missing config)."""
