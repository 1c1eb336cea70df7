"""Two times as people write them -> an OSM time span, or _CannotTell when unclear.

``9-18``, ``7h-18h30``, ``10am-6``, ``2-7pm``, ``22-2``: the 24-hour or
12-hour reading people mean, and whether the span runs past midnight;
``9-5``, ``12-8`` and ``8-8`` can mean two things and raise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ._words import _CannotTell


@dataclass(slots=True)
class _Point:
    minutes: int = 0
    ampm: str = ""
    exact: bool = False
    bare: bool = False  # an hour alone: '8' in '8-18'
    midnight: bool = False
    named: bool = False  # 'noon', 'midnight': clear in any habit
    all_day: bool = False  # '24h'
    text: str = ""  # a sun event, as written in OSM


def _span(first: _Point, last: _Point) -> tuple[str, bool]:
    """'HH:MM-HH:MM' for two points, and whether it runs past midnight; or _CannotTell."""
    if first.text or last.text:
        return f"{first.text or _clock(_hour24(first))}-{last.text or _clock(_hour24(last))}", False
    first, last = _share_ampm(first, last)
    start, end = _hour24(first), _hour24(last)
    if last.midnight or (last.ampm == "a" and end == 0):
        end = 24 * 60
    if start >= 24 * 60 or end == start:
        raise _CannotTell
    if end < start:
        # '22-2' and '23:00-01:00' run past midnight; '9-5', '11:00-6:00' are day hours in
        # 12-hour habits, and '12-8' could be either.
        past_midnight = (
            (first.ampm and last.ampm)
            or (first.exact and last.exact)
            or (first.bare and last.bare and start >= 17 * 60 and end <= 8 * 60)
        )
        if not past_midnight:
            raise _CannotTell
    return f"{_clock(start)}-{_clock(end)}", end < start or end > 24 * 60


def _share_ampm(first: _Point, last: _Point) -> tuple[_Point, _Point]:
    """'2-7pm' is 14:00-19:00, '9-5pm' 09:00-17:00, '10am-6' 10:00-18:00, as people mean them.

    The time without its am or pm is the one, of its two readings, that comes
    first after (or, for the start, before) the other time; '14:00-6pm' is
    already clear. (The reference reads '4-10 pm' as 04:00-22:00.)
    """
    if bool(first.ampm) == bool(last.ampm):
        return first, last
    marked, plain = (first, last) if first.ampm else (last, first)
    hour = plain.minutes // 60
    if plain.named or not 1 <= hour <= 12:
        return first, last  # 24-hour time, noon or midnight: nothing to share
    other = "a" if marked.ampm == "p" else "p"
    anchor = _hour24(marked)
    for ampm in (marked.ampm, other):
        guess = replace(plain, ampm=ampm)
        if (first is plain and _hour24(guess) < anchor) or (
            last is plain and _hour24(guess) > anchor
        ):
            return (guess, last) if first is plain else (first, guess)
    if last is plain and marked.ampm == "p":  # '8pm-2': two in the night
        return first, replace(plain, ampm="a")
    raise _CannotTell


def _hour24(point: _Point) -> int:
    """Minutes after midnight, am/pm applied."""
    if not point.ampm:
        return point.minutes
    hour, minute = divmod(point.minutes, 60)
    if not 1 <= hour <= 12:
        raise _CannotTell
    return ((hour % 12) + (12 if point.ampm == "p" else 0)) * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
