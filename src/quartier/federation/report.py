"""The report of ``quartier federate``: a table per member for people, JSON for CI.

Example of the text form::

    member  status     new  changed  unchanged  invalid  gone  copy
    thun    updated      1        1         10        1     1  0 s old
    biel    unchanged    0        0          5        0     0  0 s old
    bern    FAILED       -        -          -        -     0  2 d old (kept)
    bern: http://bern.example.org/api/v1/index.json: HTTP 500 Internal Server Error
    invalid records (skipped):
      thun--kafi: location.geo (1:812): the point ... is outside the areas ...

Every text a member's files can influence is made printable first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..fetch import printable
from ..messages import message
from .run import Report
from .update import Outcome

_COLUMNS = ("new", "changed", "unchanged", "invalid", "gone")


def age_seconds(fetched_at: str | None, at: str) -> int | None:
    if fetched_at is None:
        return None
    try:
        then = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
        now = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, int((now - then).total_seconds()))


def age_text(seconds: int | None) -> str:
    """'none' when there is no copy, else '40 s', '12 min', '5 h', '3 d'."""
    if seconds is None:
        return message("federate.report.no_copy")
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _status(o: Outcome) -> str:
    if o.status == "failed":
        return message("federate.status.failed")
    if o.status == "unchanged":
        return message("federate.status.unchanged")
    return message("federate.status.updated")


def text(report: Report) -> str:
    if not report.outcomes and not report.removed:
        return message("federate.report.no_members")
    rows = [["member", "status", *_COLUMNS, "copy"]]
    for o in report.outcomes:
        failed = o.status == "failed"
        counts = [o.new, o.changed, o.unchanged, len(o.invalid), o.gone]
        cells = [str(c) for c in counts]
        if failed:
            cells = ["-", "-", "-", "-", str(o.gone)]
        age = age_text(age_seconds(o.fetched_at, report.at))
        if failed and o.fetched_at is not None:
            age = message("federate.report.kept", age=age)
        rows.append([o.member, _status(o), *cells, age])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [
            c.ljust(w) if i < 2 or i == len(r) - 1 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    for o in report.outcomes:
        if o.fault:
            lines.append(f"{o.member}: {printable(o.fault, 400)}")
    invalid = [i for o in report.outcomes for i in o.invalid]
    if invalid:
        lines.append(message("federate.report.invalid", count=len(invalid)))
        for i in invalid:
            shown = f"{i.member}--{i.id}" if i.id else i.member
            lines.append(f"  {printable(shown)}: {printable(i.problem, 400)}")
    for o in report.outcomes:
        for note in o.notes:
            lines.append(printable(note, 400))
    for member in report.removed:
        lines.append(message("federate.report.removed", member=member))
    return "\n".join(lines)


def as_json(report: Report) -> dict[str, Any]:
    return {
        "at": report.at,
        "members": [
            {
                "member": o.member,
                "name": o.name,
                "url": o.url,
                "status": o.status,
                "via": o.via or None,
                "new": o.new,
                "changed": o.changed,
                "unchanged": o.unchanged,
                "removed": o.removed,
                "revived": o.revived,
                "dropped": o.dropped,
                "gone": o.gone,
                "records": o.records,
                "invalid": [{"id": i.id, "problem": i.problem} for i in o.invalid],
                "notes": o.notes,
                "fault": o.fault,
                "fault_kind": o.fault_kind,
                "fetched_at": o.fetched_at,
                "age_seconds": age_seconds(o.fetched_at, report.at),
                "requests": o.requests,
            }
            for o in report.outcomes
        ],
        "removed_members": report.removed,
    }
