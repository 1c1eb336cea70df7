"""What the "Add your business" form needs from the directory, for the page and its script.

The form (``pages/entry-form.html``, run by ``assets/entry-form.js``)
builds an entry's YAML file in the owner's browser: no server, nothing
fetched from elsewhere. Everything it must know is put into the page here:
the categories with labels in the site's language, the areas' bounding
boxes and countries, the languages, the ways to send the file (the
repository's new-file and issue-form addresses, the contact e-mail; a way
whose setting is missing is not offered), and every word it shows, from the
site's catalogue.

Example::

    form = context(ctx)
    form["categories"][0]["options"][0]   # {'id': 'bakery', 'label': 'Bakery'}
    form["data_json"]                      # for <script type="application/json">
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from ..fields import SLUG_MAX
from ..init.render import SUMMARIES
from ..model import Entry
from ..publish.context import BuildContext
from ..stale import form_language as stale_form_language
from ..taxonomy import Category, Taxonomy
from .i18n import Strings, endonym, strings

# Lengths the contract allows (quartier.fields: ShortText and PlainLine, Text,
# OpeningHoursText, the phone's); tests/test_entry_form.py checks them against the model.
MAX_LENGTHS = {
    "name": 200,
    "summary": 200,
    "story": 4000,
    "street": 200,
    "postal_code": 12,
    "locality": 200,
    "opening_hours": 1000,
    "phone": 40,
    "line": 200,
    "id": SLUG_MAX,  # a local file's id; record ids of an aggregate are longer
}
# The longest addresses the form hands over. GitHub answers 414 above about 8 KB of
# address; 2,000 characters is what every mail program takes from a mailto: link.
GITHUB_URL_LIMIT = 8000
MAILTO_LIMIT = 2000
HOURS_EXAMPLE = "Mo-Fr 09:00-18:00; Sa 09:00-16:00"
# One-click hours: (first day, last day or None, value); labels are written in the site's language.
HOURS_HELPERS = (
    ("Mo", "Fr", "Mo-Fr 09:00-18:00"),
    ("Mo", "Fr", "Mo-Fr 08:00-12:00,13:30-18:00"),
    ("Sa", None, "Sa 09:00-16:00"),
)
_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# Field ids of the form (the issue form's where they match) -> catalogue key of their label.
LABELS = {
    "name": "form_name",
    "category": "form_category",
    "summary": "form_summary",
    "story": "form_story",
    "street": "form_street",
    "postal_code": "form_postal_code",
    "locality": "form_locality",
    "country": "form_country",
    "location": "form_location",
    "opening_hours": "hours",
    "phone": "phone",
    "email": "email",
    "website": "website",
    "languages": "languages",
    "languages_other": "languages",
    "seeks": "form_seeks",
    "provides": "form_provides",
    "login": "form_login",
    "id": "form_id",
}
EXAMPLES = {
    "location": "46.9591, 7.4452",
    "email": "hallo@example.org",
    "website": "https://example.org",
    "login": "octocat",
    "id": "my-shop",
    "language": "it, pt",
}
POSTAL_EXAMPLES = {"CH": "3013", "US": "95060", "DE": "10115", "FR": "75011", "IT": "00184"}


def phone_example(country: str) -> str:
    """A phone number as people of ``country`` write it, from libphonenumber's examples."""
    import phonenumbers

    number = phonenumbers.example_number(country)
    if number is None:
        return "+41 31 332 11 22"
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def _sort_key(text: str) -> str:
    """Alphabetical order for people: accents and case do not count."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def _group_of(cat: Category, tax: Taxonomy) -> str:
    """The top group of a category (local categories may sit under a category)."""
    seen = set()
    while cat.parent is not None and cat.id not in seen:
        seen.add(cat.id)
        parent = tax.get(cat.parent)
        if parent is None:
            break
        cat = parent
    return cat.id


def category_options(tax: Taxonomy, lang: str) -> list[dict[str, Any]]:
    """Every category an entry may name, under its group, with labels in ``lang``, sorted."""
    groups: dict[str, list[dict[str, str]]] = {g.id: [] for g in tax.groups()}
    for cat in tax.categories:
        if cat.parent is not None:
            groups.setdefault(_group_of(cat, tax), []).append(
                {"id": cat.id, "label": cat.label(lang)}
            )
    out = []
    for group_id, options in groups.items():
        group = tax.get(group_id)
        if options and group is not None:
            options.sort(key=lambda o: (_sort_key(o["label"]), o["id"]))
            out.append({"label": group.label(lang), "options": options})
    return sorted(out, key=lambda g: _sort_key(g["label"]))


def _maintainers_required() -> bool:
    """Whether the contract wants at least one login in an entry's ``maintainers``."""
    field = Entry.model_fields["maintainers"]
    return any(getattr(m, "min_length", 0) for m in field.metadata)


def _day(t: Strings, code: str) -> str:
    return str(t.locale.days["format"]["abbreviated"][_DAYS.index(code)])


def hours_helpers(t: Strings) -> list[dict[str, str]]:
    """The one-click hours, labelled in the site's language: ``Mon–Fri 09:00–18:00``."""
    out = []
    for first, last, value in HOURS_HELPERS:
        days = _day(t, first) + (f"–{_day(t, last)}" if last else "")
        times = value.split(" ", 1)[1].replace("-", "–").replace(",", ", ")
        out.append({"label": f"{days} {times}", "value": value})
    out.append({"label": t["form_hours_holidays"], "value": "PH off"})
    return out


def _json_for_html(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open markup, whatever the texts hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def context(ctx: BuildContext) -> dict[str, Any]:
    """The form's values for the page template, and its script's data as ``data_json``."""
    settings = ctx.config
    lang = settings.site.language
    t = strings(lang)
    languages = list(
        dict.fromkeys([*settings.languages, *(x for a in settings.areas for x in a.languages)])
    )
    countries = list(dict.fromkeys(c for a in settings.areas for c in a.countries))
    repo = settings.repository.rstrip("/") if settings.repository else None
    form_language = stale_form_language(lang, settings.languages)
    first_country = countries[0]
    data = {
        "lang": lang,
        "directory": settings.name,
        "repository": repo,
        "newFile": f"{repo}/new/main" if repo else None,
        "email": settings.contact_email,
        "areas": [
            {"id": a.id, "name": a.name, "bbox": list(a.bbox), "countries": list(a.countries)}
            for a in settings.areas
        ],
        "maintainers": list(settings.maintainers),
        "maintainersRequired": _maintainers_required(),
        "max": MAX_LENGTHS,
        "githubLimit": GITHUB_URL_LIMIT,
        "mailtoLimit": MAILTO_LIMIT,
        "examples": {
            **EXAMPLES,
            "hours": HOURS_EXAMPLE,
            "phone": phone_example(first_country),
            "postal_code": POSTAL_EXAMPLES.get(first_country, "1000"),
        },
        "labels": {name: t[key].rstrip(":") for name, key in LABELS.items()},
        "text": {k: v for k, v in t.items() if k.startswith("form_")},
        "tiles": settings.site.tiles.model_dump(),
        "mapText": {"zoomIn": t["zoom_in"], "zoomOut": t["zoom_out"]},
    }
    return {
        "t": t,
        "repository": repo,
        "email": settings.contact_email,
        "issue_form": f"{repo}/issues/new?template=add-business-{form_language}.yml"
        if repo
        else None,
        "categories": category_options(ctx.taxonomy, lang),
        "languages": [{"id": x, "name": endonym(x)} for x in languages],
        "text_language": lang if lang in languages else languages[0],
        "countries": [{"id": c, "name": t.country_name(c)} for c in countries],
        "areas": settings.areas,
        "hours_helpers": hours_helpers(t),
        "max": MAX_LENGTHS,
        "examples": data["examples"],
        "summary_example": SUMMARIES.get(lang, SUMMARIES["en"]),
        "data_json": _json_for_html(data),
    }
