"""The name a place is shown under, chosen from how its entries spell it.

Many entries name one locality ("Bern", "BERN", "bern"); one of them must not
decide the heading of a shared page, an ``llms.txt`` line or the place a
search says it looked near. So the most common spelling wins, and a tie goes
to the plainest (see :func:`plainness`). Used by the build and the search index.

Example::

    common_spelling(Counter({"Bern": 3, "BERN": 1}))  # 'Bern'
"""

from __future__ import annotations

import unicodedata
from collections import Counter


def common_spelling(spellings: Counter[str]) -> str:
    """The most used spelling; among equally used ones, the plainest."""
    if len(spellings) == 1:
        return next(iter(spellings))
    return min(spellings, key=lambda s: (-spellings[s], *plainness(s)))


def plainness(spelling: str) -> tuple[int, int, int, str]:
    """How far a spelling of a place strays from its slug; lower is plainer.

    Ties between spellings used equally often go to the one whose every
    character the slug keeps (letters with or without accents, digits, spaces
    and hyphens), then the shorter, then the one with fewer capitals past the
    first of each word ("Bern" before "BERN"), then code point order. Text in
    another script or added symbols (Cyrillic words after "Köniz",
    "Bern<img>") thus never wins a tie against the plain name.
    """
    ascii_form = unicodedata.normalize("NFKD", spelling).encode("ascii", "ignore").decode()
    dropped = sum(not (c.isalnum() or c in " -") for c in ascii_form)
    dropped += max(len(spelling) - len(ascii_form), 0)
    shouting = sum(c.isupper() for word in spelling.split() for c in word[1:])
    return (dropped, len(spelling), shouting, spelling)
