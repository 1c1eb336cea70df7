"""schema.org JSON-LD for one business, and safe embedding in HTML.

The type is the most specific LocalBusiness subtype the taxonomy's crosswalk
gives for the primary category (``bicycle_repair`` -> ``BikeStore``). Hours
become ``openingHoursSpecification`` through :mod:`quartier.hours`; the OSM
string itself travels in ``openingHours`` only where it is plain enough for
schema.org's simpler syntax, so nothing is claimed that the data does not say.

A closed business stays in the data: its status is published as an
``additionalProperty`` named ``status`` (schema.org has no lifecycle field),
so an assistant can tell "closed" from "unknown".

Example::

    doc = business_jsonld(public_entry(entry, site.config.base_url), site)
    html = f'<script type="application/ld+json">{embed(doc)}</script>'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ..config import DirectoryConfig
from ..fields import LangText
from ..hours import weekly
from ..model import Entry
from ..taxonomy import Taxonomy
from . import urls

_DAY_NAMES = {
    "Mo": "Monday",
    "Tu": "Tuesday",
    "We": "Wednesday",
    "Th": "Thursday",
    "Fr": "Friday",
    "Sa": "Saturday",
    "Su": "Sunday",
}


@dataclass(frozen=True)
class Site:
    """What JSON-LD needs to know about the directory."""

    config: DirectoryConfig
    taxonomy: Taxonomy

    def url(self, rel: str) -> str:
        return self.config.base_url + rel


def pick(text: LangText | dict[str, str] | None, languages: list[str]) -> str | None:
    """The text in the first of ``languages`` present, else in any language."""
    if not text:
        return None
    for lang in languages:
        if lang in text:
            return text[lang]
    return next(iter(text.values()))


def business_jsonld(e: Entry, site: Site) -> dict[str, Any]:
    """The schema.org description of one business; pass the public view (``public_entry``)."""
    langs = site.config.languages
    category = site.taxonomy.get(e.category)
    page = site.url(urls.business_page(e.id))
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": category.schema_org if category else "LocalBusiness",
        "@id": page + "#business",
        "identifier": e.id,
        "name": e.name,
        "url": page,
    }
    alternate = sorted({v for v in (e.names or {}).values() if v != e.name})
    if alternate:
        doc["alternateName"] = alternate
    doc["description"] = pick(e.summary, langs)
    address = e.location.address
    postal: dict[str, Any] = {"@type": "PostalAddress"}
    if address.street:
        postal["streetAddress"] = address.street
    if address.postal_code:
        postal["postalCode"] = address.postal_code
    postal["addressLocality"] = address.locality
    if address.region:
        postal["addressRegion"] = address.region
    postal["addressCountry"] = address.country
    doc["address"] = postal
    doc["geo"] = {
        "@type": "GeoCoordinates",
        "latitude": e.location.geo.lat,
        "longitude": e.location.geo.lon,
    }
    area = _area_served(e)
    if area:
        doc["areaServed"] = area
    if e.opening_hours:
        spec = _hours_spec(e.opening_hours)
        if spec:
            doc["openingHoursSpecification"] = spec
    if e.contact:
        if e.contact.phone:
            doc["telephone"] = e.contact.phone
        if e.contact.email:
            doc["email"] = e.contact.email
    same_as = [u for u in [e.contact.website if e.contact else None] if u]
    same_as += [s.url for s in e.social]
    if same_as:
        doc["sameAs"] = same_as
    offers = [_offer(o, langs) for o in e.offerings]
    if e.collaboration:
        offers += [
            {
                "@type": "Offer",
                "description": pick(n.text, langs),
                "businessFunction": "http://purl.org/goodrelations/v1#ProvideService",
            }
            for n in e.collaboration.provides
        ]
        seeks = [
            {"@type": "Demand", "description": pick(n.text, langs)} for n in e.collaboration.seeks
        ]
        if seeks:
            doc["seeks"] = seeks
    if offers:
        doc["makesOffer"] = offers
    if e.languages:
        doc["knowsLanguage"] = list(e.languages)
    if e.story:
        if e.story.founders:
            doc["founder"] = [{"@type": "Person", "name": p.name} for p in e.story.founders]
        if e.story.founding_date:
            doc["foundingDate"] = e.story.founding_date
        story = pick(e.story.text, langs)
        if story:
            doc["slogan"] = story
    if e.payment:
        doc["paymentAccepted"] = ", ".join(e.payment)
    if e.accessibility:
        doc["amenityFeature"] = [
            {
                "@type": "LocationFeatureSpecification",
                "name": "wheelchair",
                "value": e.accessibility.wheelchair,
            }
        ]
    if e.certifications:
        doc["hasCredential"] = [
            {
                "@type": "EducationalOccupationalCredential",
                "name": c.name,
                "credentialCategory": "certification",
                "recognizedBy": {"@type": "Organization", "name": c.issuer},
                "url": c.evidence_url,
                **({"expires": c.valid_until.isoformat()} if c.valid_until else {}),
            }
            for c in e.certifications
        ]
    # Photo files have their site copy's address here (public_entry); outside
    # addresses are listed as data too (crawlers fetch them, visitors never do).
    if images := [i for i in e.images if i.url]:
        doc["image"] = [
            {
                "@type": "ImageObject",
                "contentUrl": i.url,
                "description": pick(i.alt, langs),
                **({"creditText": i.credit} if i.credit else {}),
            }
            for i in images
        ]
    doc["additionalProperty"] = [
        {"@type": "PropertyValue", "name": "status", "value": e.status},
        {"@type": "PropertyValue", "name": "lastVerified", "value": e.last_verified.isoformat()},
    ]
    if e.superseded_by:
        doc["additionalProperty"].append(
            {
                "@type": "PropertyValue",
                "name": "supersededBy",
                "value": site.url(urls.business_page(e.superseded_by)),
            }
        )
    return doc


def _offer(offering: Any, langs: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@type": "Product" if offering.kind == "product" else "Service",
        "name": pick(offering.name, langs),
    }
    description = pick(offering.description, langs)
    if description:
        item["description"] = description
    if offering.kind == "product":
        if offering.materials:
            item["material"] = ", ".join(offering.materials)
        if offering.origin:
            item["countryOfOrigin"] = {"@type": "Country", "name": offering.origin}
    return {"@type": "Offer", "itemOffered": item}


def _area_served(e: Entry) -> list[dict[str, Any]]:
    area = e.location.service_area
    if area is None:
        return []
    out: list[dict[str, Any]] = []
    if area.radius_km:
        out.append(
            {
                "@type": "GeoCircle",
                "geoMidpoint": {
                    "@type": "GeoCoordinates",
                    "latitude": e.location.geo.lat,
                    "longitude": e.location.geo.lon,
                },
                "geoRadius": f"{area.radius_km:g} km",
            }
        )
    out += [{"@type": "Place", "name": name} for name in area.localities]
    return out


def _hours_spec(text: str) -> list[dict[str, Any]]:
    by_slot: dict[tuple[str, str], list[str]] = {}
    schedule = weekly(text)
    if schedule is None:  # seasonal or with fallbacks: no weekly claim
        return []
    for day, slots in schedule.items():
        for opens, closes in slots:
            by_slot.setdefault((opens, "23:59" if closes == "24:00" else closes), []).append(day)
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [f"https://schema.org/{_DAY_NAMES[d]}" for d in days],
            "opens": f"{opens}:00",
            "closes": f"{closes}:00" if closes != "23:59" else "23:59:59",
        }
        for (opens, closes), days in sorted(by_slot.items())
    ]


def embed(doc: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">`` element, safe for any text.

    ``<``, ``>`` and ``&`` are escaped as JSON unicode escapes so no text can
    close the script element or open a comment; U+2028/2029 are escaped too.
    """
    text = orjson.dumps(doc).decode("utf-8")
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
