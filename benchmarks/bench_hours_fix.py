"""Benchmark of ``quartier.hours_fix`` and the opening_hours check on hostile text (run by hand).

An owner's hours reach ``propose`` from a YAML file (at most 1,000
characters, pydantic's limit, before any check runs) and from an issue body
(any length the intake lets through). A text longer than ``MAX_LENGTH``
gets no proposal at once; below that, each step reads the text once
(bounded patterns, no backtracking), so the time grows with the length and
nothing else. This measures both:

- ``propose`` on 100 KB values built to hurt (one long number, word,
  unterminated comment, thousands of rules, brackets, am/pm marks, quotes),
  and on the same kinds of text at the length limit;
- the reader behind it with the length limit lifted, on 1 KB, 10 KB and
  100 KB of each kind of text, to show that ten times the text costs about
  ten times the time (a quadratic step would cost a hundred);
- ``check_opening_hours`` (the parser, then the proposal and the date
  check) on the same 100 KB values, as the intake calls it.

Printed for each: the size, the best time of ``REPEAT`` runs (garbage
collector off while timing, as timeit does) and the answer. The targets:
``propose`` and ``check_opening_hours`` answer every 100 KB value, and
``propose`` every value of ``MAX_LENGTH`` (the longest it reads), in under
``TARGET_S``, well under the second the issue allows; the reader's time
grows by at most ``TARGET_GROWTH`` per tenfold length.

    .venv/bin/python benchmarks/bench_hours_fix.py
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

from quartier import hours_fix
from quartier.fields import check_opening_hours
from quartier.hours_fix._reading import _phrases, _senses, _tokens
from quartier.hours_fix._rules import _Reader
from quartier.hours_fix._words import _CannotTell

TARGET_S = 0.1
TARGET_GROWTH = 20.0  # linear is 10; quadratic would be 100
REPEAT = 5
SIZE = 100_000

# A unit of text, repeated to the size wanted.
UNITS = {
    "number": "1",
    "word": "a",
    "unterminated comment": 'x"',
    "rules, comma": "Mo 10:00-12:00, ",
    "rules, semicolon": "Mo-Fr 9-18 Uhr; ",
    "rules, new lines": "Mo-Fr 9-18 Uhr\n",
    "days": "Mo,",
    "day or month": "mar,",
    "times": "9-",
    "brackets": "(",
    "am/pm": " a.m.",
    "quotes": "„",
    "quotes of two kinds": '„x"',
    "apostrophes": "d'",
    "dates": "Feb 30,",
}


def text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def best(call: Callable[[], object]) -> tuple[float, object]:
    """The best of REPEAT runs, with the garbage collector off while timing (as timeit does)."""
    times, answer = [], None
    for _ in range(REPEAT):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            answer = call()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times), answer


def reader(value: str) -> str | None:
    """propose's reading without the length limit or the parser's check."""
    try:
        return _Reader(_senses(_phrases(_tokens(value)), None)).rules()
    except _CannotTell:
        return None


def checked(value: str) -> str:
    try:
        return check_opening_hours(value)
    except ValueError as error:
        return f"refused ({str(error.args[1])[:30]})"


def main() -> int:
    failures = 0
    limit = hours_fix.MAX_LENGTH
    for size in (SIZE, limit):
        print(f"propose on {size:,} characters (limit {limit:,}):")
        for name, unit in UNITS.items():
            seconds, answer = best(lambda unit=unit, n=size: hours_fix.propose(text(unit, n)))  # type: ignore[misc]
            failures += seconds > TARGET_S
            print(f"  {name:22} {seconds * 1000:8.3f} ms  -> {str(answer)[:40]!r}")
    print("the reader, no limit: 1 KB, 10 KB, 100 KB (growth per tenfold length):")
    for name, unit in UNITS.items():
        row = [best(lambda unit=unit, n=n: reader(text(unit, n)))[0] for n in (1_000, 10_000, SIZE)]  # type: ignore[misc]
        growth = max(row[1] / max(row[0], 1e-7), row[2] / max(row[1], 1e-7))
        failures += row[2] > 0.005 and growth > TARGET_GROWTH
        cells = "  ".join(f"{t * 1000:8.3f} ms" for t in row)
        print(f"  {name:22} {cells}  x{growth:5.1f}")
    print(f"check_opening_hours on {SIZE:,} characters:")
    for name, unit in UNITS.items():
        seconds, answer = best(lambda unit=unit: checked(text(unit, SIZE)))  # type: ignore[misc]
        failures += seconds > TARGET_S
        print(f"  {name:22} {seconds * 1000:8.3f} ms  -> {str(answer)[:40]!r}")
    print("all within targets" if not failures else f"{failures} over target")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
