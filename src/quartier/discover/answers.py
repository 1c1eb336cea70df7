"""What search and partners both answer with: the limit, labels and texts in a language,
fair ties, and a "did you mean" for what is unknown.

A short list and a list of partners are made alike: at most :data:`MAX_LIMIT`
items, a category named by its label in the asker's language, a business's
text in that language when it has one, equally good items ordered by a hash
of the question and the id (never alphabetically, so no business wins every
tie), and an unknown name answered with the nearest known one.

Example::

    check_limit(5)
    category_label(index, "bakery", "de")                          # 'Bäckerei'
    pick_language({"de": "Velowerkstatt", "en": "Bike shop"}, "fr", "en")
    # ('Bike shop', 'en')
    sorted(ids, key=lambda eid: fair_tie(b"partners|kafi", eid))
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..problems import QuartierError

if TYPE_CHECKING:
    from .reader import Index

# The longest short list (or list of partners) a caller may ask for.
MAX_LIMIT = 50


def check_limit(limit: int) -> None:
    """QuartierError with an example unless ``limit`` is between 1 and MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QuartierError(f"limit must be between 1 and {MAX_LIMIT}, e.g. 5")


def did_you_mean(word: str, choices: Any) -> str:
    """ "did you mean 'x'?" for the choice nearest to ``word``, or ''."""
    from ..explain import did_you_mean as nearest  # pydantic comes with it: error path only

    return nearest(word, choices)


def fair_tie(salt: bytes, eid: str) -> int:
    """A number to order equally good items by: stable for one question (``salt``), different
    for the next."""
    return int.from_bytes(hashlib.blake2b(salt + b"\0" + eid.encode(), digest_size=8).digest())


def category_label(index: Index, cid: str, lang: str = "en") -> str:
    """Category ``cid``'s label in ``lang``, else in English, else its id."""
    labels = index.category_info.get(cid, {}).get("labels") or {}
    return str(labels.get(lang) or labels.get("en") or cid)


def pick_language(texts: dict[str, str], lang: str, fallback: str) -> tuple[str, str]:
    """(text, its language) of a language map: in ``lang``, else ``fallback``, else the first
    given; ('', '') if it is empty."""
    if lang in texts:
        return texts[lang], lang
    if fallback in texts:
        return texts[fallback], fallback
    for k, v in texts.items():
        return v, k
    return "", ""


def without_empty_origin(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data`` with ``origin: None`` dropped from each item of ``data[key]`` (a local
    business's answer has no ``origin`` key at all)."""
    for item in data[key]:
        if item.get("origin", ...) is None:
            del item["origin"]
    return data
