"""A member's words about where its records come from, checked before this directory repeats them.

A member's record carries its own ``provenance`` (what
:meth:`quartier.publish.context.BuildContext.provenance` writes) and its
manifest a ``source_commit``. Both reach every record this directory
publishes (``provenance.sources[i].upstream``, ``source_commit``), so both
are somebody else's text: only the known shape is kept (known keys,
strings within limits, http(s) addresses or a folder member's file: ones,
a commit as hex), the whole at most :data:`MAX_BYTES` and
:data:`MAX_DEPTH` levels of ``sources`` deep;
anything else is dropped, and the caller notes it in the report.

Example::

    clean_provenance({"directory": "Thun", "source": "javascript:alert(1)"})  # None
    clean_commit("<script>")                                                  # None
    clean_commit("1a2b3c4")                                                   # "1a2b3c4"
"""

from __future__ import annotations

import re
from typing import Any

import orjson

MAX_BYTES = 16 << 10  # a provenance with a few sources is well under 2 KiB
MAX_DEPTH = 3  # an aggregate of aggregates of aggregates
_COMMIT = re.compile(r"[0-9a-f]{7,64}")
_TEXT = frozenset(
    {"directory", "last_verified", "license", "name", "member", "id", "original_id"}
    | {"fetched_at", "source_commit"}
)
_URLS = ("directory_url", "source", "license_url", "record_url", "page_url")
_MAX_TEXT = 300
_MAX_URL = 2000
_MAX_LIST = 50


def clean_commit(value: object) -> str | None:
    """A commit id (7 to 64 lowercase hex digits), else None."""
    return value if isinstance(value, str) and _COMMIT.fullmatch(value) else None


def clean_provenance(value: object) -> dict[str, Any] | None:
    """``value`` if it has a provenance's shape and size; None otherwise."""
    if not isinstance(value, dict) or not _shaped(value, MAX_DEPTH):
        return None
    return value if len(orjson.dumps(value)) <= MAX_BYTES else None


def _shaped(value: dict[str, Any], depth: int) -> bool:
    for key, item in value.items():
        if item is None:
            continue
        if key in _TEXT:
            ok = _text(item)
            if key == "source_commit":
                ok = clean_commit(item) is not None
        elif key in _URLS:
            ok = _url(item)
        elif key == "maintainers":
            ok = isinstance(item, list) and len(item) <= _MAX_LIST and all(_text(m) for m in item)
        elif key == "sources":
            ok = (
                depth > 0
                and isinstance(item, list)
                and len(item) <= _MAX_LIST
                and all(isinstance(s, dict) and _shaped(s, depth - 1) for s in item)
            )
        elif key == "upstream":
            ok = depth > 0 and isinstance(item, dict) and _shaped(item, depth - 1)
        else:
            ok = False
        if not ok:
            return False
    return True


def _text(value: object) -> bool:
    return isinstance(value, str) and len(value) <= _MAX_TEXT and value.isprintable()


def _url(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://", "file:///"))  # file: a folder member
        and len(value) <= _MAX_URL
        and value.isprintable()
        and not any(c in value for c in ' "<>\\`')
    )


__all__ = ["MAX_BYTES", "MAX_DEPTH", "clean_commit", "clean_provenance"]
