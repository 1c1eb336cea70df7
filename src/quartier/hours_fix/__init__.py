"""Opening hours as owners write them, turned into the OpenStreetMap value that means the same.

Owners copy hours from the shop door: ``Mo: 10:00-12:00``, ``8-18 Uhr``,
``Lu-Ve 7h-18h30``, ``Mon-Sat 10am-6pm, Sun noon-5pm``, ``12:00–14:00`` with
an en dash. OpenStreetMap's ``opening_hours`` syntax refuses all of them, and
an error that only says where the parser stopped does not tell the owner
what to write. :func:`propose` reads such a text and answers with the exact
value to use, or None when it cannot tell::

    propose("Lu-Ve 7h-18h30, sa 7h-16h")      # 'Mo-Fr 07:00-18:30; Sa 07:00-16:00'
    propose("Mo – Fr: 9 – 12 Uhr und Mo, Di, Do: 15 – 18 Uhr")
    # 'Mo-Fr 09:00-12:00, Mo,Tu,Th 15:00-18:00' (the afternoon is added, not replacing)
    propose("Wed-Fri 2-7pm")                   # 'We-Fr 14:00-19:00'
    propose("9-5")                             # None: 09:00-05:00, or nine to five?

It never guesses: a text it cannot read whole (an unknown word, ``11-6``,
``Do`` in a text that does not say whether it is German or Spanish) gets no
proposal, and every proposal is parsed by the same parser that validates
entries. ``quartier validate`` shows it as the fix of the error ("did you
mean ...?") and the issue-form intake uses it; nothing rewrites a file.

How it reads, in three steps (each linear in the text's length; texts longer
than :data:`MAX_LENGTH` get no proposal at all), each in its own module:

1. *tokens* (``_reading``): comments in any quotes, times (``7h30``,
   ``12.30``, ``10am``), numbers, words, punctuation; every pattern is
   bounded, so no input can make a regular expression backtrack;
2. *words* (``_words``, ``_reading``): day and month names of en, de, fr,
   it and es, holidays, "closed", "to"/"bis"/"à", "and"/"und"/"et"; a word
   that means different things in different languages (``Di`` is Tuesday in
   German, Sunday in French) takes the meaning of the language the rest of
   the text is in;
3. *rules* (``_rules``, ``_times``): day selectors, times and states grouped
   into OSM rules. Rules the owner separated with a comma, "and" or a line
   break are joined with ``;`` when they are about different days; "and"
   over the same days adds (an OSM ``,`` rule); a later rule that closes
   days or names holidays or dates replaces; any other overlap is unclear
   and gets no proposal.

Measured against the reference library's own test values in
tests/cases/hours/README.md. Why not a library: opening_hours.js (the
reference) is JavaScript; the Python ones on PyPI either only parse valid
values (opening-hours-py, which checks every proposal here), read English
alone into their own JSON (parse-opening-hours, 2021), or are AGPL and
unmaintained since 2019 with an Earley parser that hostile text can slow
down (oh-sanitizer).
"""

from __future__ import annotations

from ..fields import hours_problem, impossible_date
from ._reading import _PREFIX, _phrases, _senses, _tokens
from ._rules import _Reader
from ._words import _CannotTell

__all__ = ["MAX_LENGTH", "propose"]

# Longer texts get no proposal: the field holds 1,000 characters, and owners'
# spellings are at most a few times longer than the OSM value they mean.
MAX_LENGTH = 4000


def propose(text: str, *, language: str | None = None) -> str | None:
    """The OSM ``opening_hours`` value that means what ``text`` says, or None when unclear.

    ``language`` (en, de, fr, it, es), when known, settles words that are days
    in several languages (``Do``: Thursday in German, Sunday in Spanish) if the
    text itself does not. A text that is already valid comes back as it is,
    with its spaces tidied::

        propose("Mo: 10:00-12:00")      # 'Mo 10:00-12:00'
        propose("Montag 8-18 Uhr")      # 'Mo 08:00-18:00'
        propose("Mon-Fri 9am-5pm")      # 'Mo-Fr 09:00-17:00'
        propose("Feb 30")               # None: no such day
    """
    if len(text) > MAX_LENGTH:
        return None
    tidy = " ".join(text.split())
    if not tidy:
        return None
    if hours_problem(tidy) is None:
        return tidy if impossible_date(tidy) is None else None
    # Each line of a text copied from a door is a rule (or more).
    lines = "\n".join(" ".join(line.split()) for line in text.splitlines())
    try:
        prefix = _PREFIX.match(lines)  # 'opening_hours = ...', 'Öffnungszeiten: ...'
        tokens = _tokens(lines[prefix.end() :] if prefix else lines)
        candidate = _Reader(_senses(_phrases(tokens), language)).rules()
    except _CannotTell:
        return None
    if len(candidate) > 1000 or hours_problem(candidate) is not None:
        return None
    if impossible_date(candidate) is not None:
        return None
    return candidate
