"""Open or closed at a time, from OSM ``opening_hours`` and the area's timezone.

"Open now" means now where the business is: each area of the directory has
its IANA timezone, and the hours are evaluated at the local time there, with
the public holidays of the business's country as far as ``opening-hours-py``
knows them (``PH off`` on Christmas Day in Bern). A time asked for without a
timezone ("saturday 10:00", "2026-11-28T10:00") is read as local time at
each business, which is what a person means by "open on Saturday at ten".

Example::

    when = parse_when("saturday 10:00", now=datetime(2026, 11, 24, 9, 0))
    state("Tu-Fr 09:00-18:30; Sa 09:00-16:00", "CH", local_time(when, "Europe/Zurich"))
    # HoursState(open=True, until=datetime(2026, 11, 28, 16, 0), comment='')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ..problems import QuartierError

# Weekday names people type, Monday first, in the directory's usual languages.
_DAYS = (
    ("monday", "mon", "mo", "montag", "lundi", "lun", "lunes", "lunedi"),
    ("tuesday", "tue", "tu", "dienstag", "di", "mardi", "mar", "martes", "martedi"),
    ("wednesday", "wed", "we", "mittwoch", "mi", "mercredi", "mer", "miercoles", "mercoledi"),
    ("thursday", "thu", "th", "donnerstag", "do", "jeudi", "jeu", "jueves", "giovedi"),
    ("friday", "fri", "fr", "freitag", "vendredi", "ven", "viernes", "venerdi"),
    ("saturday", "sat", "sa", "samstag", "samedi", "sam", "sabado", "sabato"),
    ("sunday", "sun", "su", "sonntag", "so", "dimanche", "dim", "domingo", "domenica"),
)
DAY_NAMES = {name: i for i, names in enumerate(_DAYS) for name in names}
_RELATIVE = {"today": 0, "heute": 0, "aujourd'hui": 0, "hoy": 0, "oggi": 0}
_RELATIVE.update({"tomorrow": 1, "morgen": 1, "demain": 1, "manana": 1, "domani": 1})
_TIME = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm|h|uhr)?$")


def on_24h_clock(hour: int, minute: int, meridiem: str | None) -> tuple[int, int] | None:
    """(hour, minute) on the 24-hour clock, or None when out of range; ``meridiem`` is what
    followed the time ('pm', 'p', 'am', 'a', 'h', 'uhr' or None): ``on_24h_clock(8, 0, 'pm')``
    is (20, 0), ``on_24h_clock(12, 30, 'a')`` is (0, 30)."""
    half = (meridiem or "")[:1]
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour, minute


@dataclass(frozen=True, slots=True)
class When:
    """A moment to check: ``local`` is wall-clock time at each business unless ``aware``."""

    moment: datetime
    aware: bool
    label: str


@dataclass(frozen=True, slots=True)
class HoursState:
    """Open or closed at a moment, until when, and the hours' own comment."""

    open: bool | None  # None: no hours, or the hours say 'unknown'
    until: datetime | None  # next change, local time; None: no change within a week
    comment: str


def parse_when(text: str, now: datetime) -> When:
    """'now', 'saturday 10:00', 'Sa 10h', 'tomorrow 9am', '2026-11-28T10:00' (local time).

    A weekday means its next occurrence, today included. ``now`` is the
    caller's local wall clock (naive) and is what relative days count from.
    """
    raw = " ".join(text.strip().lower().split())
    if raw in ("", "now", "jetzt", "maintenant", "ahora", "adesso"):
        return When(now, False, "now")
    try:
        moment = datetime.fromisoformat(
            raw.upper().replace(" ", "T", 1) if raw[:4].isdigit() else ""
        )
    except ValueError:
        moment = None
    if moment is not None:
        return When(moment, moment.tzinfo is not None, moment.isoformat(timespec="minutes"))
    parts = raw.replace(",", " ").split()
    day_offset: int | None = None
    hour, minute = 12, 0
    rest = []
    for part in parts:
        key = part.replace("é", "e").replace("á", "a").replace("ì", "i").rstrip(".")
        if key in DAY_NAMES and day_offset is None:
            day_offset = (DAY_NAMES[key] - now.weekday()) % 7
        elif key in _RELATIVE and day_offset is None:
            day_offset = _RELATIVE[key]
        else:
            rest.append(part)
    if rest:
        m = _TIME.match(" ".join(rest).replace(" ", ""))
        if not m:
            raise QuartierError(
                f"cannot read the time {text!r}: write e.g. 'saturday 10:00', 'tomorrow 9am' "
                "or '2026-11-28T10:00'"
            )
        clock = on_24h_clock(int(m.group(1)), int(m.group(2) or 0), m.group(3))
        if clock is None:
            raise QuartierError(f"cannot read the time {text!r}: hours 0-23, minutes 0-59")
        hour, minute = clock
    if day_offset is None and not rest:
        raise QuartierError(
            f"cannot read {text!r} as a day or time: write e.g. 'saturday 10:00' or "
            "'2026-11-28T10:00'"
        )
    day = (now + timedelta(days=day_offset or 0)).date()
    moment = datetime(day.year, day.month, day.day, hour, minute)
    return When(moment, False, moment.strftime("%A %H:%M"))


def local_time(when: When, timezone: str) -> datetime:
    """Naive wall-clock time at a business in ``timezone`` for ``when``."""
    if not when.aware:
        return when.moment
    return when.moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


@lru_cache(maxsize=4096)
def _parsed(hours: str, country: str) -> Any:
    import opening_hours

    try:
        return opening_hours.OpeningHours(hours, country=country or None, max_interval_days=8)
    except (SyntaxError, ValueError, TypeError):
        try:  # a country the holiday calendar does not know
            return opening_hours.OpeningHours(hours, max_interval_days=8)
        except (SyntaxError, ValueError, TypeError):
            return None


@lru_cache(maxsize=65536)
def state(hours: str | None, country: str, moment: datetime) -> HoursState:
    """The state of ``hours`` at local time ``moment`` (cached: many businesses share hours)."""
    if not hours:
        return HoursState(None, None, "")
    oh = _parsed(hours, country)
    if oh is None:
        return HoursState(None, None, "")
    kind, comment = oh.state(moment)
    name = str(kind).rsplit(".", 1)[-1].lower()
    is_open = True if name == "open" else False if name == "closed" else None
    change = oh.next_change(moment)
    until = change.replace(tzinfo=None) if isinstance(change, datetime) else None
    return HoursState(is_open, until, str(comment or ""))


def describe(s: HoursState, moment: datetime, asked: str) -> str:
    """'open now until 18:30', 'closed on Saturday 10:00; opens Tue 09:00', 'hours not known'."""
    at = "now" if asked == "now" else f"at {asked}"
    note = f" ({s.comment})" if s.comment else ""
    if s.open is None:
        return "opening hours not known"
    if s.open:
        if s.until is None:
            return f"open {at}{note}"
        return f"open {at} until {_when(s.until, moment)}{note}"
    if s.until is None:
        return f"closed {at}; not open in the next week"
    return f"closed {at}; opens {_when(s.until, moment)}{note}"


def _when(t: datetime, moment: datetime) -> str:
    if t.date() == moment.date():
        return t.strftime("%H:%M")
    if (t.date() - moment.date()).days < 7:
        return t.strftime("%a %H:%M")
    return t.strftime("%Y-%m-%d %H:%M")
