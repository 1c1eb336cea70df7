"""The files of a new directory repository, rendered from the templates beside this module.

Templates are plain files under ``templates/`` with ``{{name}}`` placeholders
(GitHub's ``${{ expr }}`` has spaces and is left alone). A line that holds
only a placeholder whose value is empty is dropped, so an optional setting
leaves no blank line. Values that come from a person go through
:func:`scalar`, which writes them plain when the strict loader reads them
back unchanged and double-quoted otherwise, so a name like ``Zürich: Kreis 4``
cannot break the YAML.

Example::

    render("name: {{name}}\\n", {"name": scalar("Quartier Lausanne")})
    # 'name: Quartier Lausanne\\n'
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from importlib import resources

from ..load import load_bytes

_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_ALONE = re.compile(r"^[ \t]*\{\{([a-z_]+)\}\}[ \t]*$")

# Languages the owner-facing texts (entries/README.md and its template) are written in.
OWNER_LANGUAGES = ("en", "de", "fr", "it", "es")

# The template's one-line summary, per language: a directory with several of
# these languages shows the owner how a summary in each looks.
SUMMARIES = {
    "en": "Neighbourhood bakery baking sourdough bread in a wood-fired oven.",
    "de": "Quartierbäckerei mit Sauerteigbrot aus dem Holzofen.",
    "fr": "Boulangerie de quartier, pain au levain cuit au feu de bois.",
    "it": "Panetteria di quartiere, pane a lievito madre cotto nel forno a legna.",
    "es": "Panadería de barrio, pan de masa madre cocido en horno de leña.",
}

# The directory's one-line description, per language (``{area}`` is the area's name).
DESCRIPTIONS = {
    "en": "Independent shops, cafés, workshops and makers in {area}.",
    "de": "Unabhängige Läden, Cafés, Werkstätten und Handwerk in {area}.",
    "fr": "Commerces, cafés, ateliers et artisans indépendants à {area}.",
    "it": "Negozi, caffè, laboratori e artigiani indipendenti a {area}.",
    "es": "Comercios, cafeterías, talleres y artesanos independientes en {area}.",
}


@cache
def template(name: str) -> str:
    """The text of ``templates/<name>`` (package data)."""
    return resources.files(__package__).joinpath("templates", name).read_text("utf-8")


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with every ``{{name}}`` replaced; a KeyError names a placeholder without a value."""
    lines = []
    for line in text.splitlines(keepends=True):
        alone = _ALONE.match(line)
        if alone and values[alone.group(1)] == "":
            continue
        lines.append(_PLACEHOLDER.sub(lambda m: values[m.group(1)], line))
    return "".join(lines)


def scalar(text: str) -> str:
    """``text`` as a YAML value (block context) that the strict loader reads back unchanged."""
    return _scalar(text, "v: {}\n")


def flow_list(items: list[str]) -> str:
    """``[a, b]``, each item written so that the loader reads it back unchanged."""
    return "[" + ", ".join(_scalar(item, "v: [{}]\n") for item in items) + "]"


def _scalar(text: str, context: str) -> str:
    plain = context.format(text)
    doc = load_bytes(plain.encode("utf-8"), "value")
    value = doc.data.get("v") if doc.data is not None else None
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if value == text and "#" not in text:
        return text
    # JSON's string syntax is YAML's double-quoted one; escapes keep every character.
    return json.dumps(text, ensure_ascii=False)


def summary_lines(languages: list[str], indent: str = "  ") -> str:
    """The template's ``summary`` lines: one per directory language the template speaks.

    When the directory speaks none of them, one English line under its first
    language, with a comment asking for a translation: every summary needs a
    line in a language the directory expects.
    """
    lines = [f"{indent}{lang}: {SUMMARIES[lang]}" for lang in languages if lang in SUMMARIES]
    if not lines:
        first = languages[0]
        lines = [f"{indent}{first}: {SUMMARIES['en']}  # write this in {first}"]
    return "\n".join(lines)


def owner_language(languages: list[str]) -> str:
    """The language of entries/README.md: the directory's first, if the texts exist in it."""
    return languages[0] if languages[0] in OWNER_LANGUAGES else "en"


def description(languages: list[str], area_name: str) -> str:
    return DESCRIPTIONS[owner_language(languages)].format(area=area_name)


def example_phone(country: str) -> str:
    """A valid fixed-line number of ``country`` as written locally, or "" if none is known.

    The library's own example numbers: they pass the phone check of the
    contract, and the owner replaces them.
    """
    import phonenumbers

    number = phonenumbers.example_number_for_type(
        country, phonenumbers.PhoneNumberType.FIXED_LINE
    ) or phonenumbers.example_number(country)
    if number is None:
        return ""
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def entry_template(
    *,
    language: str,
    languages: list[str],
    schema_url: str,
    locality: str,
    country: str,
    bbox: list[float],
    today: date,
) -> str:
    """The entry an owner copies, in ``language``, placed at the middle of the area.

    The point is the centre of the bounding box, so it lies inside the
    region; the address is in the area's first country, the phone number is
    a valid one of that country, and the summary is in the directory's
    languages: a copy validates once the owner gives it its own id.
    """
    west, south, east, north = bbox
    phone = example_phone(country)
    return render(
        template(f"entries/entry.{language}.yaml"),
        {
            "schema_url": schema_url,
            "summary": summary_lines(languages),
            "locality": scalar(locality),
            "country": scalar(country),
            "lat": f"{(south + north) / 2:.4f}",
            "lon": f"{(west + east) / 2:.4f}",
            "phone": f"  phone: {scalar(phone)}" if phone else "",
            "languages": flow_list(languages),
            "today": today.isoformat(),
        },
    )
