"""The public view of an entry: what every output publishes, and nothing more.

Home-based trades (``hide_address: yes``) never have their street, postal
code or exact point published: the point is rounded to two decimals (about
1 km). Phone numbers are published in E.164 form (``+41313321122``), which
is also valid input, so the public view round-trips through the contract.

Example::

    public_entry(entry).location.geo.lat   # 46.96 for a hidden address
"""

from __future__ import annotations

from typing import Any

from ..fields import normalize_phone
from ..model import Entry

HIDDEN_PRECISION = 2


def public_entry(entry: Entry, base_url: str | None = None) -> Entry:
    """A copy of ``entry`` that is safe and normalized for publishing.

    With the site's ``base_url``, a photo file without ``url`` gets the
    address of its largest copy on the site, so readers of the data (JSON-LD,
    the API, a federating directory) find it: ``https://.../photos/<id>/<stem>-1600.jpg``.
    """
    location = entry.location
    if location.hide_address:
        address = location.address.model_copy(update={"street": None, "postal_code": None})
        geo = location.geo.model_copy(
            update={
                "lat": round(location.geo.lat, HIDDEN_PRECISION),
                "lon": round(location.geo.lon, HIDDEN_PRECISION),
            }
        )
        location = location.model_copy(update={"address": address, "geo": geo})
    contact = entry.contact
    if contact and contact.phone:
        e164 = normalize_phone(contact.phone, entry.location.address.country)
        contact = contact.model_copy(update={"phone": e164 or contact.phone})
    images = entry.images
    if base_url is not None and any(i.file and not i.url for i in images):
        from ..photos import LARGE, variant

        images = [
            i.model_copy(update={"url": base_url + variant(entry.id, i.file, LARGE, "jpg")})
            if i.file and not i.url
            else i
            for i in images
        ]
    return entry.model_copy(update={"location": location, "contact": contact, "images": images})


def entry_dump(public: Entry) -> dict[str, Any]:
    """JSON-ready data of an entry in the contract's own shape (input-compatible)."""
    return public.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def entry_data(entry: Entry) -> dict[str, Any]:
    """The public entry as JSON-ready data in the contract's own shape (input-compatible)."""
    return entry_dump(public_entry(entry))
