"""What an index is built from: rows of public entries, or a published NDJSON's lines.

A repository's businesses come as :data:`Row` tuples, already validated by
the build that read them. A published directory's ``data/entries.ndjson`` is
somebody else's data: :class:`NdjsonRows` holds its lines unparsed, and the
index build checks each with :func:`check_line` where it indexes it, in
parallel; a line that fails is a :class:`Skipped` (line, id, field, problem,
all printable) and is left out and reported, never indexed.

Example::

    rows = NdjsonRows(Path("data/entries.ndjson").read_bytes(), "https://x.org/")
    check_line(b'{"entry": {}}', 1, "https://x.org/")   # Skipped(1, '', 'id', ...)
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from typing import Any, NamedTuple

import orjson

from ..messages import message
from ..problems import printable as shown
from .origin import checked as checked_origin

# (public entry JSON, its page in the directory, its origin: None for a local business)
Row = tuple[dict[str, Any], str, list[dict[str, str]] | None]


class NdjsonRows:
    """The lines of a published ``data/entries.ndjson``, read but not parsed yet.

    Parsing and checking 100,000 entries costs more than indexing them, so
    :func:`~quartier.discover.build.build_index` checks each line where it
    indexes it, in parallel. Iterating gives the valid rows in file order,
    like any rows. A published directory is somebody else's data: every line
    is checked as a local entry is (see :func:`check_line`), and lines that
    fail are left out.
    """

    def __init__(self, data: bytes, base: str, categories: Container[str] | None = None) -> None:
        self.data = data
        self.base = base
        self.categories = categories  # the taxonomy's ids, if known: others are refused
        # Where the last line ends: trailing blank lines are no entries. (Not rstrip(): that
        # would copy it all to drop the last newline.)
        self.size = len(data)
        while self.size and data[self.size - 1] in b" \t\r\n\x0b\x0c":
            self.size -= 1

    def __iter__(self) -> Iterator[Row]:
        for number, line in enumerate(self.data[: self.size].split(b"\n"), 1):
            checked = check_line(line, number, self.base, self.categories)
            if checked is not None and not isinstance(checked, Skipped):
                yield checked[0], checked[1], checked[2]


class Skipped(NamedTuple):
    """A published record left out of the index, and why (printable, never raw input)."""

    line: int  # in the NDJSON, from 1
    id: str  # as the record gave it, or ''
    field: str  # e.g. location.geo.lat, or (record) for the line as a whole
    problem: str


def check_line(
    line: bytes, number: int, base: str, categories: Container[str] | None = None
) -> tuple[dict[str, Any], str, list[dict[str, str]] | None, bool] | Skipped | None:
    """One NDJSON line as (public entry, page URL, origin, whether the line is that record as is).

    The entry is validated with the same model as a local entry, its
    categories must be known (when ``categories`` is given), and what is
    kept is the public view of the valid entry (:func:`~quartier.publish.public.entry_data`),
    so a record that hides its address has no street whatever the line said.
    An aggregate's line for a member's business has an ``origin`` too, which
    must be exactly what :func:`~quartier.discover.origin.checked` accepts.
    A line that fails is a :class:`Skipped`; a blank line is None.
    """
    Entry, ValidationError, check_url, entry_data, address_country, field_path = (
        _CHECKS or _checks()
    )
    if not line.strip():
        return None
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Skipped(number, "", "(record)", printable(message("record.not_json", reason=exc)))
    if not isinstance(obj, dict):
        return Skipped(number, "", "(record)", message("record.not_object"))
    raw = obj.get("entry")
    eid = raw.get("id") if isinstance(raw, dict) else None
    eid = printable(eid, 80) if isinstance(eid, str) else ""
    if not isinstance(raw, dict):
        return Skipped(number, eid, "entry", message("record.entry_missing"))
    url = obj.get("url")
    if url is not None:
        try:
            if not isinstance(url, str):
                raise ValueError(message("record.url_not_text"))
            url = check_url(url)
        except ValueError as exc:
            return Skipped(number, eid, "url", printable(str(exc.args[0])))
    origin = obj.get("origin")
    if origin is not None:
        try:
            origin = checked_origin(origin)
        except ValueError as exc:
            return Skipped(number, eid, "origin", printable(str(exc.args[0])))
    try:
        # The record is JSON: validated as JSON (pydantic's JSON mode), which is about 1.6x
        # faster here than validating the parsed dict, and reads every field as a local
        # entry's YAML would (benchmarks/bench_discover.py, the index build).
        text = orjson.dumps(raw)
        entry = Entry.model_validate_json(text, context={"country": address_country(raw)})
    except ValidationError as exc:
        return Skipped(number, eid, *describe(exc))
    if categories is not None:
        for loc, cat in entry.category_refs():
            if cat not in categories:
                where = field_path(loc)
                unknown = message("record.unknown_category", category=cat)
                return Skipped(number, eid, where, printable(unknown))
    public = entry_data(entry)
    keys = 2 if origin is None else 3
    whole = len(obj) == keys and url is not None and url == obj["url"] and public == raw
    return public, url or f"{base}businesses/{entry.id}/", origin, whole


_CHECKS: tuple[Any, ...] = ()


def _checks() -> tuple[Any, ...]:
    """What check_line needs, imported on first use (pydantic and the model are not light)."""
    global _CHECKS
    from pydantic import ValidationError

    from ..explain import field_path
    from ..fields import check_url
    from ..model import Entry, address_country
    from ..publish.public import entry_data

    _CHECKS = (Entry, ValidationError, check_url, entry_data, address_country, field_path)
    return _CHECKS


# Parts of pydantic's error locations that name a union member, not a key.
_UNION_TAG = re.compile(r"^(?:str|int|float|bool|list|dict|date|none)$|[\[(]")


def describe(exc: Any) -> tuple[str, str]:
    """(field, problem) of the first error of a pydantic ``ValidationError``, printable.

    The problem is the validator's own message where it gave one ("'x' is
    not a web address"), else pydantic's ("Input should be a valid number");
    more errors are counted, not listed.
    """
    from ..explain import field_path

    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [p for p in first["loc"] if not (isinstance(p, str) and _UNION_TAG.search(p))]
    error = (first.get("ctx") or {}).get("error")
    if first["type"] == "extra_forbidden":
        problem = message("record.unknown_key")
    elif isinstance(error, ValueError) and error.args:
        problem = str(error.args[0])
    else:
        problem = str(first["msg"])
    said = printable(problem)
    if len(errors) > 1:
        said = message("record.more", problem=said, count=len(errors) - 1)
    return printable(field_path(loc) or "(entry)", 120), said


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe for a terminal (:func:`quartier.problems.printable`), cut to ``limit``.

    What a remote directory sends is never printed raw: ESC would drive the
    terminal, U+202E would reverse what follows; nor at any length.
    """
    text = shown(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
