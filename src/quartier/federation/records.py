"""One record read from a member, checked as a local entry is, and the member's filters.

A member's ``api/v1/entries/<id>.json`` is somebody else's file: it is
checked with the entry contract (:class:`~quartier.model.Entry`) and the same
checks as a local entry (:func:`~quartier.checks.check_entry` in its
federated mode: the region of THIS directory's areas, hours, phones,
categories), under the id it gets here (``thun--<id>``). A record that fails
is skipped and reported with the member, its id and the first problem with
its position in the member's file; it never reaches the mirror.

The record is validated with pydantic straight from JSON (fast); only a
record with a problem is read again with the YAML loader, so that the
problem gets its line and column in the member's file (JSON is YAML).

Example::

    kept = check_record(raw, "thun", "baeckerei", ctx, url)
    if kept.problem:      print(kept.problem)     # "location.geo (1:912): the point ..."
    elif kept.gone:       ...                     # the member publishes it as gone
    else:                 mirror_row(kept.entry)  # the member's entry object, as published
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from ..checks import Context, check_entry
from ..config import Area
from ..explain import problems_from
from ..fields import RECORD_ID_RE
from ..load import Document, load_bytes
from ..messages import message
from ..model import Entry, address_country
from ..taxonomy import Taxonomy
from .provenance import clean_provenance

_RECORD_ID = re.compile(RECORD_ID_RE)
RECORD_MAX_BYTES = 1 << 20  # a record with its JSON-LD is a few KiB; 1 MiB is generous


@dataclass(frozen=True)
class Checked:
    """What one record turned out to be: kept (``entry``), gone, or refused (``problem``)."""

    entry: dict[str, Any] | None = None
    url: str = ""
    provenance: dict[str, Any] | None = None
    gone: bool = False
    problem: str | None = None
    provenance_dropped: bool = False  # it had one, of another shape or too large


def valid_id(text: object) -> bool:
    return isinstance(text, str) and len(text) <= 200 and _RECORD_ID.fullmatch(text) is not None


def check_record(raw: bytes, member: str, oid: str, ctx: Context, where: str) -> Checked:
    """Member ``member``'s record ``oid`` (its file's bytes, from ``where``), checked."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Checked(problem=message("federate.record.json", reason=str(exc)[:200]))
    if not isinstance(record, dict):
        return Checked(problem=message("federate.record.shape"))
    if record.get("gone") is True:
        return Checked(gone=True)  # a record the member itself keeps as gone
    entry, url = record.get("entry"), record.get("url")
    if not isinstance(entry, dict) or not isinstance(url, str):
        return Checked(problem=message("federate.record.shape"))
    if entry.get("id") != oid:
        shown = str(entry.get("id"))[:80]
        return Checked(problem=message("federate.record.id", id=shown, expected=oid))
    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        return Checked(problem=message("federate.record.url", url=url[:80]))
    published = record.get("provenance")
    provenance = clean_provenance(published)
    data = _federated(entry, member)
    try:
        valid = Entry.model_validate(data, context={"country": address_country(data)})
    except ValidationError as exc:
        return Checked(problem=_first(problems_from(exc, _doc(raw, where, data), Entry)))
    # No file name: stem is the id; check_entry(federated=True) skips the file-name rules.
    doc = Document(where, data)
    errors = [p for p in check_entry(valid, doc, valid.id, ctx, federated=True) if p.is_error]
    if errors:
        doc = _doc(raw, where, data)
        errors = [p for p in check_entry(valid, doc, valid.id, ctx, federated=True) if p.is_error]
        return Checked(problem=_first(errors))
    return Checked(
        entry=entry,
        url=url,
        provenance=provenance,
        provenance_dropped=provenance is None and published is not None,
    )


def _federated(entry: dict[str, Any], member: str) -> dict[str, Any]:
    """The entry as it is here: its id and superseded_by in this directory's ids."""
    data = dict(entry)
    data["id"] = f"{member}--{entry['id']}"
    if isinstance(data.get("superseded_by"), str):
        data["superseded_by"] = f"{member}--{data['superseded_by']}"
    return data


def _doc(raw: bytes, where: str, data: dict[str, Any]) -> Document:
    """A Document over the record's ``entry`` object, located in the member's file."""
    whole = load_bytes(raw, where, max_bytes=RECORD_MAX_BYTES)
    node = None
    if whole.root is not None:
        for key, value in getattr(whole.root, "value", []):
            if getattr(key, "value", None) == "entry":
                node = value
    return Document(where, data, node)


def _first(problems: list[Any]) -> str:
    if not problems:
        return message("federate.record.shape")
    p = problems[0]
    return message(
        "federate.record.problem", field=p.field, line=p.line, column=p.column, problem=p.message
    )


def in_areas(entry: dict[str, Any], areas: list[Area]) -> bool:
    """Whether the entry's point is inside one of the member's ``areas`` (no filter: True)."""
    if not areas:
        return True
    geo = (entry.get("location") or {}).get("geo") or {}
    lat, lon = geo.get("lat"), geo.get("lon")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return False
    return any(a.contains(lat, lon) for a in areas)


def in_categories(entry: dict[str, Any], wanted: list[str], taxonomy: Taxonomy) -> bool:
    """Whether the entry has one of ``wanted`` (or a child of one) as a category."""
    if not wanted:
        return True
    named = [entry.get("category"), *(entry.get("categories") or [])]
    for cat in named:
        current = taxonomy.get(cat) if isinstance(cat, str) else None
        seen = 0
        while current is not None and seen < 10:
            if current.id in wanted:
                return True
            current = taxonomy.get(current.parent) if current.parent else None
            seen += 1
    return False


__all__ = ["Checked", "check_record", "in_areas", "in_categories", "valid_id"]
