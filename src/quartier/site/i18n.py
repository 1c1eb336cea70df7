"""The site's interface in its languages: one catalogue of words per language, as data.

Every word Quartier itself puts on a page (headings, labels, statuses, the
footer, the 404 page, the maps' buttons) comes from ``locales/<lang>.yaml``,
so translating the interface is a data change: edit a YAML file, and
``tests/test_i18n.py`` checks that it has every key of ``en.yaml`` with the
same placeholders. What a language's grammar decides comes from CLDR through
Babel rather than from rules written here: which plural form a number takes
("0 commerce", "2 commerces"), how numbers and dates are written, and the
names of days, languages and countries. The hand-written pages are translated
as whole pages instead (``pages/<lang>/``, see :mod:`.defaults`).

Example::

    t = strings("fr")
    t["hours"]                      # 'Horaires d’ouverture'
    t.plural("businesses", 0)       # '0 commerce'
    t.date(date(2026, 10, 1))       # '1er octobre 2026'
    t.day("Mo")                     # 'lundi'
    endonym("de")                   # 'Deutsch'
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = Path(__file__).parent / "locales"
REFERENCE = "en"
LANGUAGES = tuple(sorted(p.stem for p in LOCALES.glob("*.yaml")))
"""The interface languages, one catalogue each: ``('de', 'en', 'es', 'fr', 'it')``."""
# Values that are CLDR date patterns, not text with {placeholders}.
DATE_PATTERNS = ("date_pattern", "date_first_pattern", "month_pattern")
# The week as quartier.hours names it, Monday first as Babel counts (0 is Monday).
_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

Catalogue = Mapping[str, str | Mapping[str, str]]
"""A language's catalogue as read: a text per key, or its plural forms by CLDR category."""


@cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` as its YAML file has it, read once per process.

    Raises ``FileNotFoundError`` for a language without a catalogue.
    """
    data = yaml.safe_load((LOCALES / f"{lang}.yaml").read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{LOCALES / f'{lang}.yaml'}: expected a mapping of keys to texts")
    return data


class Strings(Mapping[str, str]):
    """The interface in one language: texts by key, plus plural forms, dates and names.

    A mapping, so templates write ``t.hours`` or ``t["hours"]``. A key the
    language lacks falls back to English, so that a site still builds while a
    translation is incomplete (the tests fail instead).
    """

    def __init__(self, lang: str, data: Catalogue, fallback: Catalogue | None = None) -> None:
        merged = {**(fallback or {}), **data}
        self.lang = lang
        self.locale = Locale.parse(lang)
        self._texts = {k: v for k, v in merged.items() if isinstance(v, str)}
        self._plurals = {k: dict(v) for k, v in merged.items() if isinstance(v, Mapping)}

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def fill(self, key: str, **values: object) -> str:
        """Text ``key`` with its placeholders filled: ``fill("hours_note", tz="Europe/Zurich")``."""
        return self[key].format(**values)

    def number(self, value: int) -> str:
        """``value`` as the language writes it: ``1,234`` in English, ``1 234`` in French."""
        return str(format_decimal(value, locale=self.locale))

    def plural(self, key: str, count: int) -> str:
        """The form of ``key`` that CLDR's rules choose for ``count``, with the number filled in.

        ``strings("fr").plural("businesses", 0)`` is ``'0 commerce'`` (French
        counts zero as one), ``strings("en").plural("businesses", 0)`` is
        ``'0 businesses'``.
        """
        forms = self._plurals[key]
        form = self.locale.plural_form(count)
        return forms.get(form, forms["other"]).format(count=self.number(count))

    def date(self, day: date) -> str:
        """``day`` in words: ``'1 October 2026'``, ``'1er octobre 2026'``, ``'1. Oktober 2026'``."""
        pattern = self["date_first_pattern"] if day.day == 1 else self["date_pattern"]
        return str(format_date(day, pattern, locale=self.locale))

    def partial_date(self, text: str) -> str:
        """A date of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (as founding dates are) in words.

        ``strings("de").partial_date("2014-05")`` is ``'Mai 2014'``; a year
        stays as it is.
        """
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 1:
            return text
        if len(parts) == 2:
            return str(
                format_date(date(parts[0], parts[1], 1), self["month_pattern"], locale=self.locale)
            )
        return self.date(date(parts[0], parts[1], parts[2]))

    def day(self, code: str) -> str:
        """The name of a weekday given as OpenStreetMap writes it: ``day("Mo")`` is ``'Monday'``."""
        return str(self.locale.days["stand-alone"]["wide"][_DAYS.index(code)])

    def language_name(self, tag: str) -> str:
        """The name of language ``tag`` in this language, for lists in running text.

        ``strings("fr").language_name("de")`` is ``'allemand'``; a tag CLDR
        does not know is shown as it is.
        """
        return _display_name(tag, self.locale) or tag

    def country_name(self, code: str) -> str:
        """The name of country ``code`` (ISO 3166) in this language: ``'Suisse'`` for ``CH``."""
        return str(self.locale.territories.get(code.upper(), code))


def _display_name(tag: str, locale: Locale | str) -> str | None:
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(locale)
    except (UnknownLocaleError, ValueError):
        return None
    return str(name) if name else None


@cache
def strings(lang: str) -> Strings:
    """The interface in ``lang``; English for a language without a catalogue."""
    if lang not in LANGUAGES:
        lang = REFERENCE
    return Strings(lang, catalogue(lang), catalogue(REFERENCE))


@cache
def endonym(tag: str) -> str:
    """The name of language ``tag`` in that language, capitalised as a heading.

    ``endonym("fr")`` is ``'Français'``, ``endonym("gsw")`` ``'Schwiizertüütsch'``;
    a tag CLDR does not know is shown as it is. Business pages head each
    language's text with it, so a reader finds their own language by its own name.
    """
    name = _display_name(tag, tag.replace("-", "_"))
    return name[:1].upper() + name[1:] if name else tag


def placeholders(text: str) -> set[str]:
    """The ``{names}`` in ``text``: ``placeholders("Data: {license}")`` is ``{'license'}``.

    Raises ``ValueError`` for braces that ``str.format`` cannot read.
    """
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def catalogue_problems(lang: str, data: Catalogue, reference: Catalogue | None = None) -> list[str]:
    """What keeps ``data`` from being a complete catalogue for ``lang``; empty when it is one.

    Compared with ``reference`` (English by default): every key present, no
    key English lacks, no empty text, the same placeholders, a text where
    English has a text and plural forms where it has them, with every form
    CLDR's rules for ``lang`` can choose, and date patterns Babel can read.

    Example::

        catalogue_problems("fr", {**catalogue("fr"), "hours": ""})
        # ["fr: 'hours' is empty"]
    """
    reference = catalogue(REFERENCE) if reference is None else reference
    problems = [f"{lang}: '{key}' is missing" for key in reference if key not in data]
    problems += [
        f"{lang}: '{key}' is not in {REFERENCE}.yaml" for key in data if key not in reference
    ]
    try:
        locale = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return [*problems, f"{lang}: not a language CLDR knows"]
    needed_forms = {*locale.plural_form.tags, "other"}
    for key, value in data.items():
        if key not in reference:
            continue
        expected = reference[key]
        if isinstance(expected, str):
            if not isinstance(value, str):
                problems.append(f"{lang}: '{key}' must be a text, as in {REFERENCE}.yaml")
            else:
                problems += _text_problems(lang, key, value, expected)
            continue
        if not isinstance(value, Mapping):
            problems.append(f"{lang}: '{key}' must give plural forms, as in {REFERENCE}.yaml")
            continue
        for form in sorted(needed_forms - set(value)):
            problems.append(f"{lang}: '{key}' lacks the plural form '{form}'")
        for form in sorted(set(value) - needed_forms):
            problems.append(f"{lang}: '{key}' has '{form}', a plural form {lang} does not use")
        for form, text in value.items():
            if isinstance(text, str):
                problems += _text_problems(lang, f"{key}.{form}", text, expected["other"])
            else:
                problems.append(f"{lang}: '{key}.{form}' must be a text")
    return problems


def _text_problems(lang: str, key: str, text: str, expected: str) -> list[str]:
    if not text.strip():
        return [f"{lang}: '{key}' is empty"]
    if key in DATE_PATTERNS:
        return _pattern_problems(lang, key, text)
    try:
        names = placeholders(text)
    except ValueError as exc:
        return [f"{lang}: '{key}' has unreadable braces ({exc}): {text!r}"]
    wanted = placeholders(expected)
    if names != wanted:
        shown = ", ".join(f"{{{n}}}" for n in sorted(wanted)) or "none"
        return [f"{lang}: '{key}' must have the placeholders {shown}, as in {REFERENCE}.yaml"]
    return []


def _pattern_problems(lang: str, key: str, pattern: str) -> list[str]:
    """A date pattern must write a date's month and year (Babel reads almost anything)."""
    sample = date(2026, 10, 1)
    try:
        shown = format_date(sample, pattern, locale=lang)
        month = format_date(sample, "MMMM", locale=lang)
    except (ValueError, KeyError, AttributeError):  # AttributeError: a field of a time
        shown, month = "", "?"
    if "2026" not in shown or month not in shown:
        return [f"{lang}: '{key}' is not a CLDR date pattern with month and year: {pattern!r}"]
    return []


def check_all() -> list[str]:
    """Problems of every catalogue in ``locales/`` (see :func:`catalogue_problems`)."""
    return [p for lang in LANGUAGES for p in catalogue_problems(lang, catalogue(lang))]


def reserved_keys() -> set[str]:
    """Names a key must not take: templates would read ``t.<name>`` as the method, not the text."""
    return {name for name in dir(Strings) if not name.startswith("_")} | {"lang", "locale"}


def first_of(text: Mapping[str, Any] | None, prefs: list[str]) -> tuple[str, Any]:
    """(language, value) of a language map in the first preferred language it has.

    ``first_of({"de": "Brot", "en": "Bread"}, ["fr", "en"])`` is ``("en", "Bread")``;
    without any preferred language, the map's first.
    """
    if not text:
        return ("", "")
    for lang in prefs:
        if lang in text:
            return (lang, text[lang])
    lang = next(iter(text))
    return (lang, text[lang])
