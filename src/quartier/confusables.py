"""Look-alike characters: the confusables skeleton of Unicode Technical Standard #39.

Two texts that look the same have the same skeleton: ``skeleton("Vеlowerk")``
with a Cyrillic 'е' is ``"Velowerk"``, and ``skeleton("paypa1")`` equals
``skeleton("paypal")``. The skeleton is for comparing, never for showing: it
maps to whichever character Unicode picked as the prototype ('0' becomes 'O',
'm' becomes 'rn').

    skeleton(X) = NFD(prototypes of each character of (NFD(X) without
                  default-ignorable characters))

The mapping is Unicode's confusables.txt, kept in :mod:`quartier._confusables`
(regenerate it with ``scripts/confusables.py``); it is read on first use.
"""

from __future__ import annotations

import unicodedata

# Default_Ignorable_Code_Point (DerivedCoreProperties.txt): invisible in text,
# so "Velo\u200bwerk" must not differ from "Velowerk".
_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)

_table: dict[int, str | None] | None = None


def _mapping() -> dict[int, str | None]:
    global _table
    if _table is None:
        from ._confusables import DATA

        # split("\n"), not splitlines(): some sources are other line breaks.
        lines = DATA.split("\n")[:-1]
        table: dict[int, str | None] = {ord(line[0]): line[1:] for line in lines}
        for first, last in _IGNORABLE:
            table.update(dict.fromkeys(range(first, last + 1)))
        _table = table
    return _table


def skeleton(text: str) -> str:
    """The UTS #39 skeleton of ``text``: equal for texts that look alike."""
    if text.isascii():  # the usual case: no decomposing, a few ASCII look-alikes
        return text.translate(_ASCII) if _ASCII_MAPPED.intersection(text) else text
    mapped = unicodedata.normalize("NFD", text).translate(_mapping())
    return unicodedata.normalize("NFD", mapped)


# What confusables.txt says of ASCII characters (tests check it still does).
_ASCII = {
    ord('"'): "''",
    ord("%"): "\u00b0/\u2080",
    ord("0"): "O",
    ord("1"): "l",
    ord("I"): "l",
    ord("`"): "'",
    ord("m"): "rn",
    ord("|"): "l",
}
_ASCII_MAPPED = frozenset(map(chr, _ASCII))
