"""What reading an issue produces: corrections for the owner, notes, and the entry's values.

A :class:`Correction` names the form field the owner must change (by its
issue-form ``id``), the text that says why (a key under ``problems.`` of the
texts catalogue), the values for that text and, when one is known, the exact
value to write instead. A :class:`Note` records how an answer was read (hours
turned into OpenStreetMap syntax, ``https://`` added): it goes into the pull
request, and into the comment when something else needs correcting.

Example::

    Correction("location", "location_swapped", {"value": "`7.44, 46.95`",
               "swapped": "`46.95, 7.44`"}, proposal="46.95, 7.44")
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..problems import printable

# How much of an owner's answer a message quotes: enough to recognise it.
SHOWN_LENGTH = 80


@dataclass(frozen=True)
class Correction:
    """One thing the owner must change, in the form's words (see the module docstring)."""

    field: str
    key: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    example: str | None = None
    proposal: str | None = None


@dataclass(frozen=True)
class Note:
    """How one answer was read, e.g. hours written as ``Mo-Fr 08:00-18:00``."""

    field: str
    key: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    proposal: str | None = None


@dataclass
class Reading:
    """The answers turned into entry values (by path), with what went wrong and how each was read.

    ``values`` maps an entry path such as ``("contact", "phone")`` to the
    value to write; ``stand_ins`` holds the paths filled with a neutral value
    only so that the rest can be checked against the directory (a missing
    location, say); their problems are not the owner's.
    """

    values: dict[tuple[str, ...], Any] = dataclasses.field(default_factory=dict)
    corrections: list[Correction] = dataclasses.field(default_factory=list)
    notes: list[Note] = dataclasses.field(default_factory=list)
    stand_ins: set[tuple[str, ...]] = dataclasses.field(default_factory=set)

    def correct(
        self,
        form_field: str,
        key: str,
        example: str | None = None,
        proposal: str | None = None,
        **values: str,
    ) -> None:
        self.corrections.append(Correction(form_field, key, values, example, proposal))

    def note(self, form_field: str, key: str, written: str | None = None, **values: str) -> None:
        """Record how an answer was read; ``written`` is the exact value put in the entry."""
        self.notes.append(Note(form_field, key, values, written))

    def fields_to_correct(self) -> list[str]:
        return list(dict.fromkeys(c.field for c in self.corrections))


def code(text: str, limit: int = SHOWN_LENGTH) -> str:
    """``text`` as one Markdown code span: shown as typed, never read as Markdown or HTML.

    Control and invisible characters are shown as escapes, lines are joined
    with a visible ``⏎``, a long answer is cut with ``…``, and the fence is
    longer than any run of backticks inside. Mentions and issue references
    in a code span notify no one. Example: ``code("a`b") == "`` a`b ``"``.
    """
    text = printable(text.replace("\r\n", "\n").replace("\n", " ⏎ ").strip())
    text = text or " "
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or text.strip() != text else ""
    return f"{fence}{pad}{text}{pad}{fence}"
