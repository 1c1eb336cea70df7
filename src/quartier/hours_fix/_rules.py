"""Tokens -> the OSM value: the last step of :mod:`quartier.hours_fix`.

Day selectors, dates, times, states and comments grouped into OSM rules,
each written the OSM way, and the rules joined as the owner meant them
(:func:`_joiner`); anything that can mean two things raises _CannotTell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._reading import _Token
from ._times import _clock, _Point, _span
from ._words import DAYS, _CannotTell

# --- senses -> rules ---------------------------------------------------------
_DAYISH = frozenset(["day", "holiday", "everyday", "weekend", "weekdays"])
_GROUP_DAYS = {"everyday": ("Mo-Su", range(7)), "weekend": ("Sa-Su", (5, 6))}
_GROUP_DAYS["weekdays"] = ("Mo-Fr", range(5))


@dataclass
class _Rule:
    years: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)
    day_groups: list[str] = field(default_factory=list)
    days: set[int] | None = None  # None: no weekday selector
    holidays: bool = False
    times: list[str] = field(default_factory=list)
    overnight: bool = False
    state: str = ""
    comment: str | None = None
    always: bool = False

    def plain(self) -> bool:
        """Only weekdays and times: two such rules compare by their days."""
        return not (self.years or self.months or self.weeks or self.holidays) and bool(self.days)

    def text(self) -> str:
        times = list(self.times)
        selectors = self.years + self.months + self.weeks + self.day_groups
        if self.always and times:
            raise _CannotTell
        if self.always:  # '24/7' alone, or all day on the days named
            times = ["00:00-24:00"] if selectors else ["24/7"]
        parts = [*selectors, ",".join(times), self.state]
        if self.comment is not None:
            parts.append(f'"{self.comment}"')
        return " ".join(p for p in parts if p)


class _Reader:
    """Reads rules from tokens that each have one sense."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def kind(self, ahead: int = 0) -> str:
        if self.i + ahead >= len(self.tokens):
            return ""
        token = self.tokens[self.i + ahead]
        if token.sense is not None:
            return token.sense.kind
        return "range" if token.kind == "-" else token.kind

    def take(self) -> _Token:
        if self.i >= len(self.tokens):
            raise _CannotTell  # the text stops mid-way: 'Mo 10-'
        token = self.tokens[self.i]
        self.i += 1
        return token

    def value(self) -> str:
        """The sense of the next token (a day, a month, a state), taking it."""
        sense = self.take().sense
        if sense is None:
            raise _CannotTell
        return sense.value

    def expect(self, *kinds: str) -> _Token:
        if self.kind() not in kinds:
            raise _CannotTell
        return self.take()

    def rules(self) -> str:
        """The whole value, rules joined as the owner meant them."""
        rules: list[_Rule] = []
        joiners: list[str] = []
        earlier = _Earlier()
        separator = ""
        while self.kind():
            kind = self.kind()
            if kind in (";", "||"):
                self.take()
                separator = kind if rules else ""
                continue
            if kind in (",", "and", "newline", "/") and rules:
                self.take()
                separator = separator or kind
                continue
            if kind == "newline":
                self.take()
                continue
            rule = self.rule()
            if rules:
                joiners.append(_joiner(earlier, rule, separator or "implicit"))
            earlier.add(rule)
            rules.append(rule)
            separator = ""
        if not rules:
            raise _CannotTell
        parts = [rules[0].text()]
        for joiner, rule in zip(joiners, rules[1:], strict=True):
            parts += [joiner, rule.text()]
        return "".join(parts)

    def rule(self) -> _Rule:
        rule = _Rule()
        start = self.i
        while self.kind():
            kind = self.kind()
            late = bool(rule.times or rule.comment is not None or rule.always)
            late = late or bool(rule.state and (rule.day_groups or rule.months or rule.weeks))
            if kind in _DAYISH:
                if late and (rule.day_groups or rule.comment is not None or rule.always):
                    # 'Mo-Fr 9-18 Sa 10-14' on one line: the reference reads Mo-Sa 09:00-18:00
                    raise _CannotTell
                if rule.day_groups and not (rule.days is None and kind != "holiday"):
                    raise _CannotTell  # 'Mo Tu Fr': a list, or a typo?
                self.day_group(rule)
            elif kind == "month" or (kind == "number" and len(self.tokens[self.i].text) == 4):
                # '00:00-24:00 week 05 Feb': selectors in another order, one rule
                target = rule.months if kind == "month" else rule.years
                if target or rule.comment is not None:
                    raise _CannotTell
                target.append(self.months() if kind == "month" else self.years())
            elif kind == "week":
                if rule.weeks or rule.comment is not None:
                    raise _CannotTell
                rule.weeks.append(self.weeks())
            elif kind == "daylight" and not rule.times:
                self.take()
                rule.times.append("sunrise-sunset")
            elif self.time_starts():
                if rule.comment is not None or rule.times:
                    raise _CannotTell
                self.times(rule)
            elif kind == "state" and not rule.state:
                rule.state = self.value()
            elif kind == "comment" and rule.comment is None:
                rule.comment = self.take().text
            elif kind == "always" and not rule.always:
                self.take()
                rule.always = True
            elif kind == ":" and (rule.days or rule.months or rule.weeks or rule.years):
                self.take()  # 'Mo: 10-12': OSM writes no colon after days
            elif kind == ":" and (
                (rule.always and not rule.state) or (rule.state and self.kind(1) == "comment")
            ):
                self.take()  # '24/7: closed: "always closed"'
            elif kind in (",", "and", ";", "||", "newline", "/"):
                break
            else:
                raise _CannotTell
        if self.i == start:
            raise _CannotTell
        if rule.state == "off" and len(rule.times) > 1:
            raise _CannotTell  # 'Mo 9-18, 12-13 off': which part is closed?
        return rule

    def day_group(self, rule: _Rule) -> None:
        days: list[str] = []
        holidays: list[str] = []
        first = self.kind()
        while True:
            kind = self.kind()
            if kind == "day":
                days.append(self.day(rule))
            elif kind == "holiday":
                holidays.append(self.holiday())
                rule.holidays = True
            elif kind in _GROUP_DAYS:
                self.take()
                text, numbers = _GROUP_DAYS[kind]
                days.append(text)
                rule.days = (rule.days or set()) | set(numbers)
            else:
                raise _CannotTell
            if self.kind() in (",", "and", "/") and self.kind(1) in _DAYISH:
                self.take()
                continue
            break
        if rule.days is None and days:
            rule.days = set()
        ordered = holidays + days if first == "holiday" else days + holidays
        rule.day_groups.append(",".join(ordered))

    def day(self, rule: _Rule) -> str:
        first = DAYS.index(self.value())
        rule.days = rule.days if rule.days is not None else set()
        if self.kind() == "range" and self.kind(1) in ("and", "/", ","):
            self.take()  # German 'Sonn- und Feiertags': the hyphen stands for '-tags'
        if self.kind() == "range" and self.kind(1) == "day":
            self.take()
            last = DAYS.index(self.value())
            if last == first:
                raise _CannotTell
            rule.days |= {(first + k) % 7 for k in range((last - first) % 7 + 1)}
            text = f"{DAYS[first]}-{DAYS[last]}"
        else:
            rule.days.add(first)
            text = DAYS[first]
        if self.kind() == "[":
            text += self.bracket()
        return text

    def bracket(self) -> str:
        """'[1,3]', '[-1]': which of the month's weekdays."""
        out = self.take().kind
        while self.kind() in ("number", "range", "-", ","):
            token = self.take()
            out += token.text if token.kind == "number" else ("-" if token.kind != "," else ",")
        return out + self.expect("]").kind

    def holiday(self) -> str:
        text = self.value()
        if self.kind() in ("+", "range") and self.kind(1) == "number" and self.kind(2) == "dayword":
            sign = "+" if self.take().kind == "+" else "-"
            count = int(self.take().text)
            self.take()
            text += f" {sign}{count} day" + ("s" if count != 1 else "")
        return text

    def years(self) -> str:
        out = self.take().text
        while self.kind() in ("range", "/", ",") and self.kind(1) == "number":
            mark = "-" if self.kind() == "range" else self.kind()
            self.take()
            out += mark + self.take().text
        if self.kind() == "+":
            out += self.take().kind
        return out

    def weeks(self) -> str:
        self.take()
        out = "week "
        while True:
            out += f"{int(self.expect('number').text):02d}"
            if self.kind() == "range":
                self.take()
                out += f"-{int(self.expect('number').text):02d}"
            if self.kind() == "/" and self.kind(1) == "number":
                self.take()
                out += f"/{int(self.take().text)}"
            if self.kind() == "," and self.kind(1) == "number":
                self.take()
                out += ","
                continue
            return out

    def months(self) -> str:
        """'Jan', 'Jan-Mar', 'Dec 24', 'Dec 24-26', 'Dec 24-Jan 02', 'Jan 01,Jan 03'."""
        items: list[str] = []
        month = ""
        while True:
            if self.kind() == "month":
                month = self.value()
                item = month
                if self.day_of_month():
                    item += f" {self.take().hour:02d}"
                if self.kind() == "range" and self.kind(1) == "month":
                    self.take()
                    month = self.value()
                    item += f"-{month}"
                    if " " in item and self.day_of_month():  # 'Jan 05-Mar 10', not 'Mai-Sep 10-18'
                        item += f" {self.take().hour:02d}"
                elif self.kind() == "range" and " " in item and self.day_of_month(1):
                    self.take()
                    item += f"-{self.take().hour:02d}"
            elif self.day_of_month() and month:
                item = f"{month} {self.take().hour:02d}"
            else:
                raise _CannotTell
            items.append(item)
            # 'Jan 01,3' is Jan 01 and Jan 03; 'Feb, 24' names no day of February before it.
            after_comma = self.kind(1) == "month" or (
                " " in item and self.day_of_month(1) and self.kind(2) != "range"
            )
            if self.kind() == "," and after_comma:
                self.take()
                continue
            return ",".join(items)

    def day_of_month(self, ahead: int = 0) -> bool:
        if self.kind(ahead) != "number":
            return False
        token = self.tokens[self.i + ahead]
        return len(token.text) <= 2 and 1 <= token.hour <= 31

    def time_starts(self, ahead: int = 0) -> bool:
        kind = self.kind(ahead)
        if kind == "number":
            return len(self.tokens[self.i + ahead].text) <= 2
        return kind in ("time", "noon", "midnight", "sun", "allday", "(")

    def times(self, rule: _Rule) -> None:
        while True:
            rule.times.append(self.span(rule))
            if self.kind() in (",", "and", "/", "+") and self.time_starts(1):
                self.take()
                continue
            if self.time_starts():
                continue
            return

    def span(self, rule: _Rule) -> str:
        if self.kind() == "allday":
            self.take()
            return "00:00-24:00"
        first = self.point()
        if self.kind() in ("range", "-", "="):
            self.take()
            if self.kind() == "openend":
                self.take()
                return _clock(first.minutes) + "+"
            last = self.point()
            text, overnight = _span(first, last)
            rule.overnight |= overnight
            if self.kind() == "+" and self.time_starts(1):
                return text  # '8-12 + 14-18': plus, another time
            if self.kind() == "+" and not (first.exact and last.exact):
                raise _CannotTell  # '10-18+': open after 18:00, or a typo? ('11:00-24:00+' is OSM)
            if self.kind() in ("+", "openend"):
                self.take()
                text += "+"
            return text
        if self.kind() in ("+", "openend"):
            self.take()
            return (first.text or _clock(first.minutes)) + "+"
        if first.all_day:  # '24h', alone
            return "00:00-24:00"
        raise _CannotTell  # a time alone is not opening hours

    def point(self) -> _Point:
        token = self.take()
        kind = token.sense.kind if token.sense is not None else token.kind
        if kind == "time" or (kind == "number" and len(token.text) <= 2):
            if token.minute >= 60 or token.hour > 48:
                raise _CannotTell
            return _Point(
                token.hour * 60 + token.minute,
                token.ampm,
                token.exact,
                bare=not token.minutes and not token.ampm,
                all_day=token.all_day and not token.ampm,
            )
        if kind == "noon":
            return _Point(12 * 60, named=True)
        if kind == "midnight":
            return _Point(0, midnight=True, named=True)
        if kind == "sun":
            return _Point(text=token.text)
        if kind == "(" and self.kind() == "sun" and self.kind(1) in ("+", "range", "-"):
            event = self.take().text
            sign = "+" if self.take().kind == "+" else "-"
            offset = self.point()
            self.expect(")")
            return _Point(text=f"({event}{sign}{_clock(offset.minutes)})")
        raise _CannotTell


@dataclass
class _Earlier:
    """What the rules read so far speak of, for :func:`_joiner` (one pass, however many)."""

    any: bool = False
    days: set[int] = field(default_factory=set)  # of the rules of days alone
    unplain: bool = False  # a rule of holidays, dates or times alone: it may meet any day
    overnight: bool = False

    def add(self, rule: _Rule) -> None:
        self.any = True
        self.days |= rule.days if rule.plain() and rule.days else set()
        self.unplain |= not rule.plain()
        self.overnight |= rule.overnight


def _joiner(earlier: _Earlier, rule: _Rule, separator: str) -> str:
    """How a rule follows the ones before it: '; ' replaces their hours, ', ' adds to them.

    The owner's ';' and '||' stay. Where the owner wrote a comma, 'and' or
    a new line, rules about other days are joined with ';' (the usual form);
    a rule that closes days or that names holidays or dates replaces what
    plain rules before it said ('..., So geschlossen'); 'and' over the same
    days adds ('Mo-Fr 9-12 und Mo 15-18'); anything else is unclear
    ('Mo-Sa 9-18, Sa 9-14': shorter on Saturday, or a second opening?).
    """
    if separator == ";":
        return "; "
    if separator == "||":
        return " || "
    overlapping = (
        earlier.unplain or not rule.plain() or bool(rule.days and rule.days & earlier.days)
    )
    if not overlapping:
        return ", " if rule.overnight or earlier.overnight else "; "
    specific = bool(rule.holidays or rule.years or rule.months or rule.weeks)
    selects = specific or rule.days is not None  # a rule of times alone speaks of every day
    if selects and (rule.state == "off" or specific) and not earlier.unplain:
        return "; "
    if separator == "and" and rule.plain():
        return ", "
    raise _CannotTell
