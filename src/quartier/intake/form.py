"""The form "Add or update my business": its fields, and how each answer becomes entry values.

One source for both directions: :data:`FIELDS` lists the issue form's fields
in order (``quartier forms`` renders them, :mod:`quartier.intake.body` finds
them in an issue by their labels), and each field names the entry fields it
fills, so a problem ``quartier validate`` finds in ``contact.phone`` is
reported to the owner as one in their answer "Phone". Beside the list,
:data:`READERS` holds one function per field that checks the answer with the
contract's own checks and writes the entry values (:mod:`.results`).

Example::

    field = BY_ID["opening_hours"]      # FormField('opening_hours', 'textarea', ...)
    field_of("contact.phone")           # 'phone'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..config import Area, DirectoryConfig
from ..fields import _CONTROL as CONTROL  # the contract's refused characters, one definition
from ..fields import (
    check_email,
    check_url,
    hours_accepted,
    impossible_date,
    normalize_phone,
)
from ..taxonomy import Taxonomy
from .location import Point, read_point
from .names import country_code, country_name, display_language, fold, language_codes
from .results import Reading, code
from .texts import text

Kind = Literal["input", "textarea", "dropdown", "checkboxes"]


@dataclass(frozen=True)
class FormField:
    """One field of the issue form: its id, type, whether the form requires it, what it fills.

    ``entry`` lists the entry fields (as ``quartier validate`` names them) the
    answer fills; ``limit`` is the longest answer the contract takes.
    """

    id: str
    kind: Kind
    required: bool
    entry: tuple[str, ...] = ()
    limit: int = 200
    placeholder: bool = True


FIELDS = (
    FormField("entry_id", "input", False, ("id",), 300),
    FormField("name", "input", True, ("name", "names")),
    FormField("category", "dropdown", True, ("category", "categories"), placeholder=False),
    FormField("summary", "textarea", True, ("summary", "description"), 4000),
    FormField("story", "textarea", False, ("story",), 4000),
    FormField("street", "input", False, ("location.address.street",)),
    FormField("postal_code", "input", False, ("location.address.postal_code",), 12),
    FormField("locality", "input", True, ("location.address.locality",)),
    FormField("country", "input", True, ("location.address.country",)),
    FormField("location", "input", True, ("location.geo", "location"), 2000),
    FormField("opening_hours", "textarea", False, ("opening_hours",), 1000),
    FormField("phone", "input", False, ("contact.phone",), 40),
    FormField("email", "input", False, ("contact.email",), 254),
    FormField("website", "input", False, ("contact.website", "contact"), 2000),
    FormField("languages", "input", False, ("languages",)),
    FormField("seeks", "textarea", False, ("collaboration.seeks",), 4000),
    FormField("provides", "textarea", False, ("collaboration.provides", "collaboration"), 4000),
    FormField("answers_language", "dropdown", True, (), placeholder=False),
    FormField("consent", "checkboxes", True, (), placeholder=False),
)
BY_ID = {f.id: f for f in FIELDS}
# Dependencies decide the order: the answers' language first (texts are keyed by it),
# the location before the country (which must be the location's) and the phone.
READ_ORDER = (
    "answers_language",
    "consent",
    "name",
    "category",
    "summary",
    "story",
    "location",
    "street",
    "postal_code",
    "locality",
    "country",
    "opening_hours",
    "phone",
    "email",
    "website",
    "languages",
    "seeks",
    "provides",
)
SUMMARY_LIMIT = 200
LINE_LIMIT = 200


def field_of(entry_field: str) -> str | None:
    """The form field whose answer fills ``entry_field`` (``"contact.phone"`` -> ``"phone"``)."""
    best: tuple[int, str] | None = None
    for form_field in FIELDS:
        for target in form_field.entry:
            inside = entry_field.startswith((target + ".", target + "["))
            if (entry_field == target or inside) and (best is None or len(target) > best[0]):
                best = (len(target), form_field.id)
    return best[1] if best else None


def label(field_id: str, language: str) -> str:
    return text(language, f"form.fields.{field_id}.label")


@dataclass
class Answering:
    """What the readers share: the directory, the languages, and the entry taking shape."""

    config: DirectoryConfig
    taxonomy: Taxonomy
    form_language: str
    examples: dict[str, str]
    update: dict[str, Any] | None = None
    language: str = "en"
    reading: Reading = field(default_factory=Reading)
    point: Point | None = None
    area: Area | None = None
    country: str | None = None

    def set(self, path: tuple[str, ...], value: Any) -> None:
        self.reading.values[path] = value

    def example(self, field_id: str) -> str | None:
        if not BY_ID[field_id].placeholder:
            return None
        return text(self.form_language, f"form.fields.{field_id}.placeholder", **self.examples)

    def correct(self, field_id: str, key: str, proposal: str | None = None, **values: str) -> None:
        example = None if key in _NO_EXAMPLE else self.example(field_id)
        self.reading.correct(field_id, key, example, proposal, **values)


# Corrections an example of the answer would not help with.
_NO_EXAMPLE = frozenset({"summary_language", "control", "consent", "answers_language"})


def read(answering: Answering, answers: dict[str, str]) -> Reading:
    """Every answer checked and turned into entry values, in :data:`READ_ORDER`."""
    for field_id in READ_ORDER:
        value = answers.get(field_id, "").replace("\r\n", "\n").strip()
        form_field = BY_ID[field_id]
        if not value:
            if form_field.required and (answering.update is None or field_id == "consent"):
                key = "consent" if field_id == "consent" else "missing"
                answering.correct(field_id, key)
            if field_id == "answers_language":
                answering.language = answering.form_language
            continue
        bad = CONTROL.search(value)
        if bad:
            answering.correct(field_id, "control", character=_character(bad.group()))
            continue
        if len(value) > form_field.limit:
            answering.correct(
                field_id, "too_long", length=str(len(value)), limit=str(form_field.limit)
            )
            continue
        if form_field.kind == "input" and "\n" in value:
            answering.correct(field_id, "one_line")
            continue
        READERS[field_id](answering, value)
    _summary_language(answering)
    return answering.reading


def _summary_language(a: Answering) -> None:
    """A new entry's summary must be in a language its area expects (quartier validate's rule)."""
    if a.update is not None or a.area is None or ("summary", a.language) not in a.reading.values:
        return
    expected = a.config.expected_languages(a.area)
    if a.language not in expected:
        names = ", ".join(display_language(tag, a.form_language) for tag in expected)
        a.correct(
            "summary",
            "summary_language",
            area=a.area.name,
            languages=names,
            answers_language=label("answers_language", a.form_language),
        )


def _character(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def _answers_language(a: Answering, value: str) -> None:
    match = re.search(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\)\s*$", value)
    codes, unknown = language_codes(match.group(1) if match else value, a.config.languages)
    if len(codes) != 1 or unknown:
        a.language = a.form_language
        a.correct("answers_language", "answers_language", value=code(value))
        return
    a.language = codes[0]


def _consent(a: Answering, value: str) -> None:
    if value != "yes":
        a.correct("consent", "consent")


def _plain(a: Answering, field_id: str, value: str, path: tuple[str, ...]) -> None:
    a.set(path, " ".join(value.split()))


def _name(a: Answering, value: str) -> None:
    _plain(a, "name", value, ("name",))


def _category(a: Answering, value: str) -> None:
    match = re.search(r"\(([a-z][a-z0-9_]*)\)\s*$", value)
    wanted = match.group(1) if match else value.strip().lower()
    if a.taxonomy.get(wanted) is None:
        folded = fold(value)
        wanted = next(
            (
                c.id
                for c in a.taxonomy.categories
                if any(fold(name) == folded for name in c.labels.values())
            ),
            wanted,
        )
    if a.taxonomy.get(wanted) is None:
        a.correct("category", "category", value=code(value))
        return
    a.set(("category",), wanted)


def _summary(a: Answering, value: str) -> None:
    line = " ".join(value.split())
    if len(line) > SUMMARY_LIMIT:
        a.correct(
            "summary",
            "summary_long",
            length=str(len(line)),
            limit=str(SUMMARY_LIMIT),
            story=label("story", a.form_language),
        )
        return
    a.set(("summary", a.language), line)


def _story(a: Answering, value: str) -> None:
    lines = [line.rstrip() for line in value.split("\n")]
    a.set(("story", "text", a.language), "\n".join(lines))


def _location(a: Answering, value: str) -> None:
    point = read_point(value)
    if point == "link":
        a.correct("location", "location_link", value=code(value))
        return
    if point == "unreadable":
        a.correct("location", "location_unreadable", value=code(value))
        return
    shown = code(point.shown)
    area = a.config.area_for(point.lat, point.lon) if point.on_earth else None
    if area is None:
        swapped = point.swapped
        if swapped.on_earth and a.config.area_for(swapped.lat, swapped.lon) is not None:
            a.correct(
                "location",
                "location_swapped",
                proposal=swapped.shown,
                value=shown,
                swapped=code(swapped.shown),
            )
        elif not point.on_earth:
            a.correct("location", "location_range", value=shown)
        else:
            areas = ", ".join(area.name for area in a.config.areas)
            a.correct("location", "location_outside", value=shown, areas=areas)
        return
    a.point, a.area = point, area
    a.set(("location", "geo"), {"lat": point.lat, "lon": point.lon})


def _street(a: Answering, value: str) -> None:
    _plain(a, "street", value, ("location", "address", "street"))


def _postal_code(a: Answering, value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]*", value):
        a.correct("postal_code", "postal_code", value=code(value))
        return
    a.set(("location", "address", "postal_code"), value)


def _locality(a: Answering, value: str) -> None:
    _plain(a, "locality", value, ("location", "address", "locality"))


def _country(a: Answering, value: str) -> None:
    found = country_code(value, a.config.languages)
    if found is None:
        a.correct("country", "country_unknown", value=code(value))
        return
    if a.area is not None and found not in a.area.countries:
        names = ", ".join(country_name(c, a.form_language) for c in a.area.countries)
        a.correct("country", "country_area", value=code(value), area=a.area.name, countries=names)
        return
    a.country = found
    a.set(("location", "address", "country"), found)


def _opening_hours(a: Answering, value: str) -> None:
    lines = [" ".join(line.split()) for line in value.split("\n") if line.strip()]
    joined = "; ".join(lines)
    if hours_accepted(joined):
        a.set(("opening_hours",), joined)
        return
    proposal = propose_hours(value, a.language) or (
        propose_hours(joined, a.language) if joined != value else None
    )
    if proposal is not None and hours_accepted(proposal):
        a.set(("opening_hours",), proposal)
        a.reading.note(
            "opening_hours", "hours", proposal, value=code(value), proposal=code(proposal)
        )
        return
    impossible = impossible_date(proposal or joined)
    if impossible is not None:
        day = impossible[0]
        a.correct("opening_hours", "hours_no_such_day", value=code(value), day=code(day))
        return
    a.correct("opening_hours", "hours", value=code(value))


def propose_hours(value: str, language: str | None = None) -> str | None:
    """Hours as the owner wrote them -> the OSM value (:func:`quartier.hours_fix.propose`).

    ``language`` (the answers' language) settles words several languages
    share, such as ``Do`` (German Thursday, or not a day at all).
    """
    from ..hours_fix import propose

    return propose(value, language=language)


def _phone(a: Answering, value: str) -> None:
    country = a.country or _existing_country(a) or (a.area.countries[0] if a.area else None)
    if country is None:
        country = a.config.areas[0].countries[0]
    if normalize_phone(value, country) is None:
        a.correct(
            "phone", "phone", value=code(value), country=country_name(country, a.form_language)
        )
        return
    a.set(("contact", "phone"), value)


def _existing_country(a: Answering) -> str | None:
    try:
        return str(a.update["location"]["address"]["country"])  # type: ignore[index]
    except (KeyError, TypeError):
        return None


def _email(a: Answering, value: str) -> None:
    value = re.sub(r"^mailto:", "", value, flags=re.I)
    try:
        a.set(("contact", "email"), check_email(value))
    except ValueError:
        a.correct("email", "email", value=code(value))


# A web address as printed on a flyer: a host with a dot, maybe a path, no scheme.
_BARE_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?:[/?#]\S*)?"
)


def _website(a: Answering, value: str) -> None:
    url = value
    if _BARE_HOST.fullmatch(value):
        url = "https://" + value
    try:
        url = check_url(url)
    except ValueError:
        a.correct("website", "website", value=code(value))
        return
    if url != value:
        a.reading.note("website", "website", url, value=code(value), url=code(url))
    a.set(("contact", "website"), url)


def _languages(a: Answering, value: str) -> None:
    codes, unknown = language_codes(value, a.config.languages)
    if unknown:
        a.correct("languages", "language", value=", ".join(code(u) for u in unknown))
        return
    a.set(("languages",), codes)


def _needs(side: str) -> Callable[[Answering, str], None]:
    def read_needs(a: Answering, value: str) -> None:
        lines = [
            re.sub(r"^\s*(?:[-*•·]|\d+[.)])\s+", "", line).strip() for line in value.split("\n")
        ]
        items = [" ".join(line.split()) for line in lines if line.strip()]
        too_long = [line for line in items if len(line) > LINE_LIMIT]
        for line in too_long:
            a.correct(
                side,
                "line_too_long",
                value=code(line),
                length=str(len(line)),
                limit=str(LINE_LIMIT),
            )
        if not too_long:
            a.set(("collaboration", side), [{"text": {a.language: line}} for line in items])

    return read_needs


READERS: dict[str, Callable[[Answering, str], None]] = {
    "answers_language": _answers_language,
    "consent": _consent,
    "name": _name,
    "category": _category,
    "summary": _summary,
    "story": _story,
    "location": _location,
    "street": _street,
    "postal_code": _postal_code,
    "locality": _locality,
    "country": _country,
    "opening_hours": _opening_hours,
    "phone": _phone,
    "email": _email,
    "website": _website,
    "languages": _languages,
    "seeks": _needs("seeks"),
    "provides": _needs("provides"),
}


def examples(config: DirectoryConfig, language: str, area: Area | None = None) -> dict[str, str]:
    """The values the form's texts show as examples, from the directory's own settings.

    A city's form shows its own town, country, a point in its region and a
    phone number in its country's format, never the sample's. A comment to an
    owner uses the owner's area (``area``), the form the directory's first.
    """
    from .ids import slug
    from .location import centre

    area = area or config.areas[0]
    country = area.countries[0]
    point = centre(area.bbox)
    return {
        "directory": config.name,
        "license": config.license,
        "locality": area.name,
        "country": country,
        "country_name": country_name(country, language),
        "lat": point.lat_text,
        "lon": point.lon_text,
        "phone": example_phone(country),
        "languages": ", ".join(display_language(tag, language) for tag in config.languages),
        "example_id": slug(text(language, "form.fields.name.placeholder"), language),
    }


def home_area(config: DirectoryConfig, answers: dict[str, str]) -> Area:
    """The area an owner's answers point to (their town, else their country), for examples."""
    town = fold(answers.get("locality", ""))
    by_town = next((a for a in config.areas if town and fold(a.name).startswith(town)), None)
    country = country_code(answers.get("country", ""), config.languages)
    by_country = next((a for a in config.areas if country in a.countries), None)
    return by_town or by_country or config.areas[0]


def example_phone(country: str) -> str:
    """A fixed-line number of ``country`` as written there, from libphonenumber's metadata."""
    import phonenumbers

    number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    if number is None:
        return f"+{phonenumbers.country_code_for_region(country)} ..."
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
