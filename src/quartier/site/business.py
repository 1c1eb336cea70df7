"""The content of one business page: everything the entry says, in every language it has.

The data shown is the public view (hidden addresses stay hidden), the same
the JSON-LD in the page's head describes, so the two always match. All text
goes through Jinja's autoescaping; descriptions through :mod:`.markup`.

Search filters are the exception to escaping: Pagefind's interface puts filter
values into the page as HTML, and Pagefind decodes the entities in a filter's
text when it indexes it (twice, in 1.5), so no number of escapes is sure to
survive. The characters markup needs, ``<``, ``>`` and ``&``, take their
fullwidth forms in filter values instead (see :data:`FILTER_SAFE`), as does
``"``, with which Pagefind 1.5 lists a value but never matches it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from ..hours import DAYS, weekly
from ..model import Entry
from ..publish import urls
from ..publish.context import BuildContext
from .i18n import Strings, endonym, first_of, strings
from .markup import render
from .search_terms import category_terms

# Text that can be shown as HTML whatever decodes it (no tag, no entity), and matched.
FILTER_SAFE = str.maketrans({"<": "\uff1c", ">": "\uff1e", "&": "\uff06", '"': "\uff02"})


@cache
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("quartier.site", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("business.html")


# How the networks write their own names; "other" is a word of the interface.
NETWORKS = {
    "instagram": "Instagram",
    "facebook": "Facebook",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "linkedin": "LinkedIn",
    "pinterest": "Pinterest",
    "threads": "Threads",
    "x": "X",
}


def _first(text: dict[str, str] | None, prefs: list[str]) -> tuple[str, str]:
    """(language, text) in the first preferred language present."""
    lang, value = first_of(text, prefs)
    return lang, str(value)


def _blocks(text: dict[str, str] | None) -> list[dict[str, str]]:
    return [
        {"lang": lang, "text": value, "name": endonym(lang)} for lang, value in (text or {}).items()
    ]


def network_name(t: Strings, network: str) -> str:
    """A profile's network as the page names it: ``'Instagram'``, or "Other profile" translated."""
    return NETWORKS.get(network) or t["network_other"]


def context(ctx: BuildContext, entry: Entry, public: Entry | None = None) -> dict[str, Any]:
    """Template data of one business page; ``public`` is ``ctx.public(entry)`` if known."""
    ui = ctx.config.site.language
    t = strings(ui)
    prefs = [ui, *ctx.config.languages]
    e = public or ctx.public(entry)
    tax = ctx.taxonomy

    def label(cat_id: str) -> str:
        cat = tax.get(cat_id)
        return cat.label(ui) if cat else cat_id

    summary_lang, summary = _first(e.summary, prefs)
    languages = []
    for lang in dict.fromkeys([*e.summary, *(e.description or {})]):
        block = {
            "lang": lang,
            "title": endonym(lang),
            "summary": e.summary.get(lang) if lang != summary_lang else None,
            "description": render(e.description[lang])
            if e.description and lang in e.description
            else None,
        }
        # The summary shown on top needs no second heading of its own language.
        if block["summary"] or block["description"]:
            languages.append(block)
    area = ctx.config.area_for(entry.location.geo.lat, entry.location.geo.lon)
    timezone = area.timezone if area else ctx.config.areas[0].timezone
    schedule = []
    raw_schedule: dict[str, list[tuple[str, str]]] | None = None
    if e.opening_hours:
        raw_schedule = weekly(e.opening_hours)
    if raw_schedule is not None:
        for day in DAYS:
            slots = raw_schedule[day]
            text = ", ".join(f"{a}–{b}" for a, b in slots) if slots else t["closed_day"]
            schedule.append({"name": t.day(day), "text": text})
    contact = None
    if e.contact and (
        e.contact.website or e.contact.email or e.contact.phone or e.contact.booking_url
    ):
        website = e.contact.website
        contact = {
            "website": website,
            "website_label": (urlsplit(website).hostname or website).removeprefix("www.")
            if website
            else None,
            "email": e.contact.email,
            "phone": entry.contact.phone if entry.contact else None,
            "phone_e164": e.contact.phone,
            "booking_url": e.contact.booking_url,
        }
    story = None
    if e.story:
        parts = [
            {"title": t[key], "texts": _blocks(getattr(e.story, key))}
            for key in ("craft", "sourcing", "purpose")
            if getattr(e.story, key)
        ]
        story = {
            "texts": _blocks(e.story.text),
            "founders": [
                {"name": p.name, "role": _first(p.role, prefs)[1] if p.role else None}
                for p in e.story.founders
            ],
            "founded": t.partial_date(e.story.founding_date) if e.story.founding_date else None,
            "parts": parts,
        }
        if not any(story.values()):
            story = None  # no heading over nothing
    offerings = []
    for o in e.offerings:
        lang, name = _first(o.name, prefs)
        offerings.append(
            {
                "lang": lang,
                "name": name,
                "description": (o.description or {}).get(lang) or _first(o.description, prefs)[1],
                "materials": ", ".join(o.materials),
                "made_locally": o.made_locally == "yes",
            }
        )

    def needs(items: Any) -> list[dict[str, str]]:
        out = []
        for n in items:
            lang, text = _first(n.text, prefs)
            out.append({"lang": lang, "text": text})
        return out

    accessibility = None
    if e.accessibility:
        lang, note = _first(e.accessibility.note, prefs)
        accessibility = {"level": t[e.accessibility.wheelchair], "note": note, "lang": lang}
    superseded = None
    if e.superseded_by and e.superseded_by in ctx.directory.entries:
        superseded = {"id": e.superseded_by, "name": ctx.directory.entries[e.superseded_by].name}
    repo = ctx.config.repository
    path = ctx.directory.paths.get(e.id)
    merged = ctx.directory.federated.get(e.id)
    member = None
    if merged is not None and not merged.local:
        # A member's business: its page there is the original, and changes are made there.
        first = merged.sources[0]
        member = {"name": first.name, "url": first.page_url}
        path = None
    secondary = [c for c in dict.fromkeys(e.categories) if c != e.category]
    photos = _photos(ctx, entry, prefs)
    # The place's name, as on its page: one entry's spelling does not make a second filter.
    place = ctx.by_place[urls.slug(e.location.address.locality)][0]
    return {
        "e": e,
        "t": t,
        "category_label": label(e.category),
        "category_url": urls.category_page(e.category),
        "secondary": [{"label": label(c), "url": urls.category_page(c)} for c in secondary],
        # Pagefind shows a filter's name as it is: the name is the interface's word.
        "filters": {
            t["filter_category"]: [
                label(c).translate(FILTER_SAFE) for c in (e.category, *secondary)
            ],
            t["filter_place"]: [place.translate(FILTER_SAFE)],
        },
        "locality": e.location.address.locality,
        "summary_lang": summary_lang,
        "summary": summary,
        "languages": languages,
        "schedule": schedule,
        "schedule_json": json.dumps(raw_schedule or {}, separators=(",", ":")),
        "timezone": timezone,
        "hidden": e.location.hide_address,
        "address": e.location.address,
        "country": t.country_name(e.location.address.country),
        "service_area": ", ".join(e.location.service_area.localities)
        if e.location.service_area
        else "",
        "geo": e.location.geo,
        "tiles": ctx.config.site.tiles,
        "contact": contact,
        "social": [{"url": s.url, "name": network_name(t, s.network)} for s in e.social],
        "story": story,
        "offerings": offerings,
        "seeks": needs(e.collaboration.seeks) if e.collaboration else [],
        "provides": needs(e.collaboration.provides) if e.collaboration else [],
        "spoken": ", ".join(t.language_name(x) for x in e.languages),
        "accessibility": accessibility,
        "payment": ", ".join(t["payment_" + p] for p in e.payment),
        "certifications": e.certifications,
        "last_verified": t.date(e.last_verified),
        "superseded": superseded,
        "edit_url": f"{repo.rstrip('/')}/edit/main/{path}" if repo and path else None,
        "member": member,
        "report": report_links(ctx, e.id, t),
        # The lifecycle wins: a closed business shows no "open now", so the page never says both.
        "closed": e.status != "open",
        "attributes": attribute_labels(t, e),
        "lead_photo": photos[0] if photos else None,
        "more_photos": photos[1:],
        "days_json": json.dumps({d: t.day(d) for d in DAYS}, ensure_ascii=False),
        # PC: the categories' labels and synonyms in every language, hidden, for the search box.
        "search_terms": category_terms(tax, (e.category, *secondary)),
    }


def attribute_labels(t: Strings, e: Entry) -> list[str]:
    """``['Independent', 'Family-owned']``: the attributes that are yes, in the page's language.

    "no" and "unknown" are not listed: a page says what a business is, and
    an unknown is never shown as a no.
    """
    if e.attributes is None:
        return []
    fields = type(e.attributes).model_fields
    return [t["attr_" + name] for name in fields if getattr(e.attributes, name) == "yes"]


def _photos(ctx: BuildContext, entry: Entry, prefs: list[str]) -> list[dict[str, Any]]:
    """The entry's photo files as ``<picture>`` HTML with credit; the first loads at once.

    An image given only as an outside ``url`` is not shown: visitors' browsers
    load nothing from other hosts.
    """
    from .photos import photos_of, picture

    out = []
    for i, photo in enumerate(photos_of(ctx, entry)):
        lang, alt = _first(photo.image.alt, prefs)
        sizes = "(min-width: 60em) 36rem, 100vw" if i == 0 else "(min-width: 30em) 15rem, 50vw"
        out.append(
            {
                "html": picture(photo, "../../", alt, lang, sizes, lazy=i > 0),
                "credit": photo.image.credit,
                "license": photo.image.license,
            }
        )
    return out


def report_links(ctx: BuildContext, entry_id: str, t: Strings) -> dict[str, str] | None:
    """Where a customer reports that an entry is wrong (closed, moved, wrong hours).

    The repository's problem-report issue form with the entry's id filled in,
    and, when ``contact_email`` is set, an e-mail with the id in its subject
    for people without a GitHub account; None when the directory has neither.
    """
    repo, email = ctx.config.repository, ctx.config.contact_email
    if not repo and not email:
        return None
    links = {}
    if repo:
        query = urlencode({"template": "report-problem.yml", "entry": entry_id}, quote_via=quote)
        links["issue_url"] = f"{repo.rstrip('/')}/issues/new?{query}"
    if email:
        page = ctx.url(urls.business_page(entry_id))
        subject = t.fill("report_subject", id=entry_id)
        body = t.fill("report_body", url=page).replace("\n", "\r\n")
        query = urlencode({"subject": subject, "body": body}, quote_via=quote)
        links["mail_url"] = f"mailto:{quote(email, safe='@')}?{query}"
    return links


def render_business(ctx: BuildContext, entry: Entry, public: Entry | None = None) -> str:
    """The HTML article of one business page."""
    return str(_template().render(**context(ctx, entry, public)))


def description_of(ctx: BuildContext, entry: Entry) -> str:
    ui = ctx.config.site.language
    return _first(entry.summary, [ui, *ctx.config.languages])[1]
