"""Reusable field types of the entry contract, each with the check it needs.

Every type here takes the text a person wrote (the loader keeps all values as
text) and either accepts it or raises ``ValueError`` with a message that says
what to write instead. Checks that need a library import it on first use, so
loading the models stays cheap.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from .messages import message

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# A published record's id: a slug, or slugs joined by '--' for a business an
# aggregate took from a member ('thun--baeckerei-mueller', and from an
# aggregate of aggregates 'canton--thun--baeckerei-mueller'). A slug never
# holds '--', so the member's id is what stands before the first '--'.
# A local entry's id (its file name) is at most this long; a record id is longer
# because an aggregate prefixes its member's id ("thun--" + id, "canton--thun--" + id).
SLUG_MAX = 80
RECORD_ID_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)*$"
CATEGORY_RE = r"^[a-z][a-z0-9_]*$"
GITHUB_RE = r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$"
LANG_RE = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"
COUNTRY_RE = r"^[A-Z]{2}$"
PARTIAL_DATE_RE = r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$"
_SPACE = re.compile(r"\s")
# C0 and C1 controls (but tab and newline), carriage returns and Unicode line
# separators (they move a terminal's cursor or split a line where no one sees it),
# direction overrides and marks, and noncharacters.
_CONTROL_CHARS = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    r"\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff"
)
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# What check_text and check_plain_line refuse, for editors (the JSON Schema says
# "not": {"pattern": ...}; Python and JavaScript read these alike): nothing
# visible, a control character, and in a line a line break between words
# (a line separator that stripping removes, at either end, is refused there too).
TEXT_REFUSED_RE = rf"^\s*$|[{_CONTROL_CHARS}]"
LINE_REFUSED_RE = rf"{TEXT_REFUSED_RE}|\S[^\S\n]*\n\s*\S"


# Tags every directory uses, known valid: checking them needs no 60 ms import.
_COMMON_LANGUAGES = frozenset(
    [
        "ar",
        "bg",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "eu",
        "fa",
        "fi",
        "fr",
        "ga",
        "gl",
        "gsw",
        "he",
        "hi",
        "hr",
        "hu",
        "hy",
        "id",
        "is",
        "it",
        "ja",
        "ka",
        "ko",
        "lb",
        "lt",
        "lv",
        "mk",
        "ml",
        "mt",
        "nl",
        "no",
        "pl",
        "pt",
        "rm",
        "ro",
        "ru",
        "sk",
        "sl",
        "sq",
        "sr",
        "sv",
        "sw",
        "ta",
        "th",
        "tr",
        "uk",
        "ur",
        "vi",
        "zh",
    ]
)


@lru_cache(maxsize=4096)
def _valid_language(tag: str) -> bool:
    if tag in _COMMON_LANGUAGES:
        return True
    import langcodes

    return bool(langcodes.tag_is_valid(tag))


def check_language(tag: str) -> str:
    if not _valid_language(tag):
        raise ValueError(message("fields.language", tag=tag), message("fields.language.fix"))
    return tag


def check_plain_line(text: str) -> str:
    text = text.strip()
    if "\n" in text:
        raise ValueError(message("fields.multiline"), message("fields.multiline.fix"))
    return check_text(text)


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError(message("fields.empty"), message("fields.empty.fix"))
    if _CONTROL.search(text):
        raise ValueError(message("fields.control"), message("fields.control.fix"))
    return text


# Plain lowercase addresses (the usual case) that the full check below accepts
# as they are: no user name, no space, a dotted host. Everything else takes
# the full check; tests/test_fields.py checks that both agree.
_PLAIN_URL = re.compile(
    r"https?://[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"
    r"(?::[0-9]{1,5})?(?:[/?#][!-?A-\[\]-~]*)?"  # printable ASCII but space, '@' and '\\'
)


# Full stops a browser maps to '.', percent escapes, and anything no host name holds.
_ODD_HOST = re.compile(r"[\u3002\uff0e\uff61%\\/:@\s]")


def check_url(text: str) -> str:
    text = text.strip()
    if _PLAIN_URL.fullmatch(text):
        return text
    return _check_url_in_full(text)


def _check_url_in_full(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError(
            message("fields.url.control", text=repr(text)), message("fields.url.control.fix")
        )
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(message("fields.url.scheme", text=text), message("fields.url.scheme.fix"))
    if "@" in parts.netloc:
        # https://real-host.ch@attacker.ch/ leads to attacker.ch: what stands before
        # '@' is a user name (and password), which only makes it look like another.
        host = parts.netloc.rpartition("@")[2]
        plain = urlunsplit(parts._replace(netloc=host))
        raise ValueError(
            message("fields.url.user", text=text, host=host),
            message("fields.url.user.fix", url=plain),
        )
    host = parts.hostname or ""
    if _ODD_HOST.search(host):
        # A browser reads '。' (and '%2e') as '.', so the same site could be
        # written in a way no duplicate check recognises.
        raise ValueError(
            message("fields.url.odd_host", text=text, host=host),
            message("fields.url.odd_host.fix"),
        )
    if "." not in host or _SPACE.search(text) or host.startswith(".") or host.endswith("."):
        raise ValueError(
            message("fields.url.malformed", text=text), message("fields.url.malformed.fix")
        )
    return text


# Plain lowercase ASCII addresses, the usual case, that email-validator
# accepts unchanged except for lowercasing the domain: no quoted or uppercase
# local part (it lowercases some mailbox names), no Unicode, no '--' in the
# domain (Punycode rules), a letters-only top-level domain. Everything else
# goes to the library; tests/test_fields.py checks that both agree.
_PLAIN_EMAIL = re.compile(
    r"(?=.{6,254}$)(?P<local>[a-z0-9_+\-]{1,64}(?:\.[a-z0-9_+\-]+)*)@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def check_email(text: str) -> str:
    """An e-mail address, normalized as email-validator does (domain lowercased).

    Example: ``check_email("hallo@Velowerk.CH") == "hallo@velowerk.ch"``.
    """
    text = text.strip()
    plain = _PLAIN_EMAIL.fullmatch(text)
    if plain and len(plain["local"]) <= 64 and "--" not in plain["domain"]:
        domain = plain["domain"].lower()
        if len(domain) <= 253 and _SPECIAL_USE.isdisjoint(domain.split(".")):
            return f"{plain['local']}@{domain}"
    return _check_email_library(text)


# email_validator.SPECIAL_USE_DOMAIN_NAMES, which it refuses; kept here so that
# the fast path needs no import (tests check that the lists agree).
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def _check_email_library(text: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(
            message("fields.email", text=text, reason=exc), message("fields.email.fix")
        ) from None


@lru_cache(maxsize=16384)
def normalize_phone(text: str, country: str) -> str | None:
    """E.164 form of a phone number as written locally, or None if it is not valid."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: object) -> object:
    """Only YYYY-MM-DD text (or a date) is a date: pydantic would take 1759276800 too."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
        return value
    raise ValueError(message("fields.date", value=value), message("fields.date.fix"))


def check_partial_date(text: str) -> str:
    """A year, year-month or date that exists and is not in the future."""
    parts = [int(p) for p in text.split("-")]
    try:
        day = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValueError(
            message("fields.partial_date.unreal", text=text),
            message("fields.partial_date.unreal.fix"),
        ) from None
    if day > date.today():
        raise ValueError(
            message("fields.partial_date.future", text=text),
            message("fields.partial_date.future.fix"),
        )
    return text


def check_not_future(day: date) -> date:
    if day > date.today():
        raise ValueError(
            message("fields.last_verified.future", day=day),
            message("fields.last_verified.future.fix"),
        )
    return day


def check_opening_hours(text: str) -> str:
    """The hours as OSM ``opening_hours``, or a ValueError that says what to write.

    When the text is an owner's spelling (``Mo: 8-18 Uhr``), the fix is the
    exact value that means the same, from :func:`quartier.hours_fix.propose`
    (imported only then, so valid files never load it).
    """
    written, text = text, " ".join(text.split())
    problem = hours_problem(text)
    if problem is not None:
        from .hours_fix import propose  # only for invalid values: validating stays instant

        proposal = propose(written)  # with its line breaks, which separate rules
        fix = (
            message("fields.hours.proposal.fix", proposal=proposal)
            if proposal
            else message("fields.hours.fix")
        )
        raise ValueError(_explain_hours(text, problem), fix)
    impossible = impossible_date(text)
    if impossible is not None:
        written, month, days = impossible
        raise ValueError(
            message("fields.hours.impossible_date", text=text, date=written, days=days),
            message("fields.hours.impossible_date.fix", month=month, days=days),
        )
    return text


def hours_accepted(text: str) -> bool:
    """Whether :func:`check_opening_hours` accepts ``text``, without its message or a proposal.

    For callers that propose a correction themselves (the intake): building
    the error would run :func:`quartier.hours_fix.propose` once more for nothing.
    """
    text = " ".join(text.split())
    return hours_problem(text) is None and impossible_date(text) is None


def hours_problem(text: str) -> str | None:
    """The parser's complaint about ``text``, or None; most directories repeat a few strings.

    Texts longer than the field's limit (the intake checks issue answers of any
    length) are parsed without being kept: 4,096 of them could hold gigabytes.
    """
    return _parse_hours(text) if len(text) <= 1000 else _parse_hours.__wrapped__(text)


@lru_cache(maxsize=4096)
def _parse_hours(text: str) -> str | None:
    import opening_hours  # a Rust parser, loaded on first use

    try:
        opening_hours.OpeningHours(text)
    # ParserError is missing from the package's own stub.
    except opening_hours.ParserError as exc:  # type: ignore[attr-defined]
        return str(exc)
    return None


# Days per month (February in a leap year).
_MONTH_DAYS = {
    "Jan": 31,
    "Feb": 29,
    "Mar": 31,
    "Apr": 30,
    "May": 31,
    "Jun": 30,
    "Jul": 31,
    "Aug": 31,
    "Sep": 30,
    "Oct": 31,
    "Nov": 30,
    "Dec": 31,
}


@cache
def _month_day() -> re.Pattern[str]:
    """A month and its day: 'Feb 30', '2023 Feb 29', 'Apr 01-31' (but 'Dec 24 10:00' is the 24th).

    Compiled (1 ms) only when a value names a month.
    """
    return re.compile(
        r"(?:(?<![\d:])(\d{4}) ?)?(?<![A-Za-z])(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
        r" ?(\d{1,2})(?![\d:])(?: ?- ?(\d{1,2})(?![\d:]))?"
    )


def _leap(year: int) -> bool:
    # calendar.isleap, without the 3 ms import of calendar (and locale) on every run
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def impossible_date(text: str) -> tuple[str, str, int] | None:
    """The first day in ``text`` that no calendar has: as written, its month, the month's days.

    The parser accepts ``Feb 30`` and ``Apr 01-31``; no shop opens on those
    days, and an owner who wrote one meant another. ``2023 Feb 29`` is
    impossible too (2023 is no leap year); ``Feb 29`` alone is not.

    Example: ``impossible_date("Mo-Fr 10:00-18:00; Apr 31 off")`` is ``('Apr 31', 'Apr', 30)``.
    """
    if not any(month in text for month in _MONTH_DAYS):
        return None
    code = re.sub(r'"[^"]*"', '""', text)  # comments may say anything
    for found in _month_day().finditer(code):
        year, month, first, last = found.groups()
        days = _MONTH_DAYS[month]
        if year and month == "Feb" and not _leap(int(year)):
            days = 28
        for day in (first, last):
            if day is not None and int(day) > days:
                written = f"{year} {month} {day}" if year else f"{month} {day}"
                return written, month, days
    return None


def _explain_hours(text: str, detail: str) -> str:
    """The parser's complaint in words: where it stopped in ``text``, and what it expected.

    Example: for ``Monday 8-18``, "'Monday 8-18' is not valid OpenStreetMap
    opening_hours syntax at character 3 ('nday 8-18'); the parser expected EOI, ...".
    """
    match = re.search(r"--> \d+:(\d+)", detail)
    found = re.search(r"= expected (.+)", detail)
    expected = found.group(1).strip() if found else None
    if match:
        col = int(match.group(1))
        rest = text[col - 1 : col + 11]
        if expected is None:
            return message("fields.hours.at", text=text, column=col, rest=rest)
        return message(
            "fields.hours.at_expected", text=text, column=col, rest=rest, expected=expected
        )
    if expected is None:
        return message("fields.hours", text=text)
    return message("fields.hours.expected", text=text, expected=expected)


# Names Windows reserves for devices, with any extension: a file 'con.yaml' or
# a folder 'aux' cannot be checked out there (Microsoft's "Naming Files, Paths,
# and Namespaces"; COM and LPT with a superscript digit are not slugs anyway).
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"{port}{digit}" for port in ("com", "lpt") for digit in "0123456789"]
)


def windows_reserved(name: str) -> bool:
    """Whether Windows refuses a file or folder of this name (``nul``, ``com1.yaml``)."""
    return name.split(".", 1)[0].rstrip(" ").lower() in WINDOWS_RESERVED


def check_slug(text: str) -> str:
    if windows_reserved(text):
        raise ValueError(
            message("fields.slug.reserved", text=text),
            message("fields.slug.reserved.fix", text=text),
        )
    return text


Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_RE, min_length=2, max_length=SLUG_MAX),
    AfterValidator(check_slug),
    Field(examples=["velowerk-lorraine"]),
]
# Entry.id and Entry.superseded_by: a local file's id is still a Slug (its file
# name, checked by checks.check_entry); a federated record's is '<member>--<id>'.
RecordId = Annotated[
    str,
    StringConstraints(pattern=RECORD_ID_RE, min_length=2, max_length=200),
    AfterValidator(check_slug),
    Field(examples=["velowerk-lorraine", "thun--baeckerei-mueller"]),
]
CategoryId = Annotated[
    str, StringConstraints(pattern=CATEGORY_RE, max_length=60), Field(examples=["bicycle_repair"])
]
LanguageTag = Annotated[
    str,
    AfterValidator(check_language),
    Field(examples=["de", "fr", "en", "gsw"], json_schema_extra={"pattern": LANG_RE}),
]
CountryCode = Annotated[
    str, StringConstraints(pattern=COUNTRY_RE), Field(examples=["CH", "US", "NO"])
]
_LINE_SCHEMA = Field(json_schema_extra={"not": {"pattern": LINE_REFUSED_RE}})
PlainLine = Annotated[
    str, StringConstraints(max_length=200), AfterValidator(check_plain_line), _LINE_SCHEMA
]
Text = Annotated[
    str,
    StringConstraints(max_length=4000),
    AfterValidator(check_text),
    Field(json_schema_extra={"not": {"pattern": TEXT_REFUSED_RE}}),
]
ShortText = Annotated[
    str, StringConstraints(max_length=200), AfterValidator(check_plain_line), _LINE_SCHEMA
]
Url = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(check_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"}),
]
Email = Annotated[
    str, AfterValidator(check_email), WithJsonSchema({"type": "string", "format": "email"})
]
GitHubHandle = Annotated[str, StringConstraints(pattern=GITHUB_RE)]
IsoDate = Annotated[date, BeforeValidator(iso_date)]
PastDate = Annotated[date, BeforeValidator(iso_date), AfterValidator(check_not_future)]
PartialDate = Annotated[
    str,
    StringConstraints(pattern=PARTIAL_DATE_RE),
    AfterValidator(check_partial_date),
    Field(examples=["1998", "2014-05"]),
]
OpeningHoursText = Annotated[
    str,
    StringConstraints(max_length=1000),
    AfterValidator(check_opening_hours),
    Field(examples=["Tu-Fr 09:00-18:30; Sa 09:00-16:00; PH off"]),
]
Tri = Literal["yes", "no", "unknown"]
# A text in several languages: {de: ..., en: ...}, keys are BCP 47 tags.
LangLine = Annotated[dict[LanguageTag, PlainLine], Field(min_length=1)]
LangText = Annotated[dict[LanguageTag, Text], Field(min_length=1)]
