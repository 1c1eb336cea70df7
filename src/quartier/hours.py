"""Weekly opening hours derived from an OpenStreetMap ``opening_hours`` string.

Pages show hours in words and JSON-LD needs ``openingHoursSpecification``;
both come from the same derivation: the real OSM parser (opening-hours-py)
evaluated over a fixed reference week with no public holidays. Rules that
depend on the season or on holidays (``PH off``, ``Dec 24 off``) are not
weekly and are left to the original string, which every output also carries.

Example::

    weekly("Apr-Oct Tu-Su 11:00-22:00")   # None: not the same every week
    weekly("Mo-Fr 08:30-12:00,13:30-18:30; Sa 09:00-16:00")
    # {'Mo': [('08:30', '12:00'), ('13:30', '18:30')], ..., 'Sa': [('09:00', '16:00')], 'Su': []}
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# A Monday-to-Sunday week, far from the seasons' edges in no particular way:
# fixed so that outputs are deterministic.
_WEEK_START = datetime(2024, 1, 8)
# A second week half a year later: a schedule that differs is seasonal, not weekly.
_SUMMER_WEEK_START = datetime(2024, 7, 8)

Schedule = dict[str, list[tuple[str, str]]]


@lru_cache(maxsize=4096)
def _week(text: str, start: datetime) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    import opening_hours  # a Rust parser, loaded on first use

    oh = opening_hours.OpeningHours(text)
    days: dict[str, list[tuple[str, str]]] = {d: [] for d in DAYS}
    end_of_week = start + timedelta(days=7)
    # Start a day early so that Sunday night's hours past midnight reach Monday.
    for begin, end, state, _comment in oh.intervals(start - timedelta(days=1), end_of_week):
        if state != opening_hours.State.OPEN:  # closed, or unknown ("by appointment")
            continue
        cursor = max(begin, start)
        while cursor < end:  # split at midnight: one slot per day
            midnight = datetime(cursor.year, cursor.month, cursor.day) + timedelta(days=1)
            stop = min(end, midnight)
            closes = "24:00" if stop == midnight else stop.strftime("%H:%M")
            days[DAYS[cursor.weekday()]].append((cursor.strftime("%H:%M"), closes))
            cursor = stop
    return tuple((d, tuple(days[d])) for d in DAYS)


def weekly(text: str) -> Schedule | None:
    """Open slots per weekday (``Mo`` .. ``Su``), each ``(opens, closes)`` as HH:MM.

    ``None`` when the hours are not the same every week (seasons, dates) or use
    fallback rules (``||``): then only the original string is true, and
    pages and JSON-LD must not claim a weekly schedule.
    """
    if "||" in text:
        return None
    winter, summer = _week(text, _WEEK_START), _week(text, _SUMMER_WEEK_START)
    if winter != summer:
        return None
    return {day: list(slots) for day, slots in winter}
