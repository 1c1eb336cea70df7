"""What every stage reports: a problem at a place in a file, with a fix.

Stages never print or raise for a user's mistake; they return
:class:`Problem` values, which reporters turn into text, JSON or CI
annotations once every file has been read.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class QuartierError(Exception):
    """A problem that stops a command before it starts (bad arguments, missing config)."""
