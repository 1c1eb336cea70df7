"""A new entry's id, chosen from its name: ASCII, lowercase, hyphens, never taken.

Ids are permanent page addresses, so they are plain: German umlauts are
written out as the sample's ids do (``Chäsegge`` -> ``chaesegge``), other
accents dropped (``Marché`` -> ``marche``), ``&`` said in the answers'
language. An id already in the directory, or one Windows reserves for a
device (``con``, ``aux``), gets the place added, then a number.

Example::

    entry_id("Boulangerie du Marché", "fr", taken={"x"}, place="Bern")   # 'boulangerie-du-marche'
    entry_id("Velowerk Lorraine", "de", taken={"velowerk-lorraine"}, place="Bern")
    # 'velowerk-lorraine-bern'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

from ..fields import windows_reserved

MAX_LENGTH = 60
_AND = {"en": "and", "de": "und", "fr": "et", "it": "e", "es": "y"}
# Letters NFKD leaves alone, or that German writes out.
_SPELLED = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)


def slug(text: str, language: str = "en") -> str:
    """``slug("Nadel & Faden", "de") == "nadel-und-faden"``; ``""`` when no letter is ASCII."""
    text = text.replace("&", f" {_AND.get(language, 'and')} ").replace("+", " ")
    text = unicodedata.normalize("NFC", text).translate(_SPELLED)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"'s\b", "s", text)  # Joe's Bikes -> joes-bikes; L'Atelier -> l-atelier
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > MAX_LENGTH:
        text = (
            text[:MAX_LENGTH].rsplit("-", 1)[0] if "-" in text[:MAX_LENGTH] else text[:MAX_LENGTH]
        )
    return text


def entry_id(
    name: str, language: str, taken: Container[str], place: str, fallback: str = "business"
) -> str:
    """A fresh id for a business called ``name`` in ``place`` (see the module docstring)."""
    base = slug(name, language)
    if len(base) < 2:
        base = "-".join(p for p in (slug(fallback), slug(place)) if p) or "business"
    candidates = [base]
    where = slug(place)
    if where and not base.endswith(where):
        candidates.append(f"{base}-{where}")
    for candidate in candidates:
        if candidate not in taken and not windows_reserved(candidate):
            return candidate
    number = 2
    while f"{candidates[-1]}-{number}" in taken:
        number += 1
    return f"{candidates[-1]}-{number}"
