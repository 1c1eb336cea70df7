"""Checks that need more than one field: the directory's context and the other entries.

``check_entry`` looks at one valid entry with the directory's settings and
taxonomy (is the point inside the region, does the phone exist in that
country, is the category known). ``check_tree`` looks across entries (ids
unique, no two files for the same business, ``superseded_by`` resolves), using
only the small :class:`Keys` each entry leaves behind, so a warm cache of
keys is enough to check one changed file against 10,000 others.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from .config import DirectoryConfig
from .explain import field_path
from .fields import SLUG_RE, normalize_phone
from .load import Document
from .model import Entry
from .problems import Problem, Severity
from .taxonomy import Taxonomy

DUPLICATE_DISTANCE_M = 50.0
# Hosts many unrelated businesses share; the same host there proves nothing.
SHARED_HOSTS = frozenset(
    {
        "facebook.com",
        "instagram.com",
        "twitter.com",
        "tiktok.com",
        "youtube.com",
        "youtu.be",
        "bsky.app",
        "threads.net",
        "mastodon.social",
        "pinterest.com",
        "wa.me",
        "t.me",
        "carrd.co",
        "beacons.ai",
        "square.site",
        "myshopify.com",
        "jimdosite.com",
        "linktr.ee",
        "sites.google.com",
        "google.com",
        "business.site",
        "wixsite.com",
        "etsy.com",
        "yelp.com",
        "tripadvisor.com",
        "wordpress.com",
        "squarespace.com",
        "github.io",
        "linkedin.com",
        "x.com",
    }
)
_LEGAL_FORMS = re.compile(r"\b(gmbh|ag|sa|sarl|sàrl|llc|inc|ltd|co|corp|kg|klg|gbr|ug)\b\.?")


@dataclass(frozen=True, slots=True)
class Keys:
    """What the cross-entry checks need of one entry, with positions for messages."""

    id: str
    path: str
    id_pos: tuple[int, int]
    phone: str | None
    phone_pos: tuple[int, int]
    host: str | None
    host_pos: tuple[int, int]
    name: str
    name_pos: tuple[int, int]
    lat: float
    lon: float
    status: str
    superseded_by: str | None
    superseded_pos: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Context:
    config: DirectoryConfig
    taxonomy: Taxonomy
    today: date


def website_host(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if not host or host in SHARED_HOSTS or any(host.endswith("." + h) for h in SHARED_HOSTS):
        return None
    return host


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _LEGAL_FORMS.sub(" ", text)
    return "".join(c for c in text if c.isalnum())


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def check_entry(entry: Entry, doc: Document, stem: str, ctx: Context) -> list[Problem]:
    """Checks of one valid entry against the file name, the region and the taxonomy."""
    out: list[Problem] = []

    def add(
        loc: tuple[str | int, ...],
        field: str,
        message: str,
        hint: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        line, column = doc.locate(loc)
        out.append(Problem(doc.path, line, column, field, message, hint, severity))

    if entry.id != stem:
        valid_stem = re.fullmatch(SLUG_RE, stem) is not None
        add(
            ("id",),
            "id",
            f"id '{entry.id}' does not match the file name '{stem}.yaml'",
            f"rename the file to {entry.id}.yaml" + (f" or set id: {stem}" if valid_stem else ""),
        )

    if entry.superseded_by is not None:
        if entry.status == "open":
            add(
                ("superseded_by",),
                "superseded_by",
                "superseded_by is only for closed businesses",
                "set status: permanently_closed, or remove superseded_by",
            )
        elif entry.superseded_by == entry.id:
            add(
                ("superseded_by",),
                "superseded_by",
                "superseded_by names this entry itself",
                "name the entry that replaces it",
            )

    tax = ctx.taxonomy
    refs: list[tuple[tuple[str | int, ...], str]] = [(("category",), entry.category)]
    refs += [(("categories", i), c) for i, c in enumerate(entry.categories)]
    if entry.collaboration:
        for side in ("seeks", "provides"):
            for i, need in enumerate(getattr(entry.collaboration, side)):
                refs += [
                    ((("collaboration", side, i, "categories", j)), c)
                    for j, c in enumerate(need.categories)
                ]
    for loc, cat in refs:
        if tax.get(cat) is None:
            guess = tax.suggest(cat)
            add(
                loc,
                field_path(loc),
                f"unknown category '{cat}'",
                guess or "see schema/taxonomy.yaml for the category ids",
            )

    geo, address = entry.location.geo, entry.location.address
    area = ctx.config.area_for(geo.lat, geo.lon)
    if area is None:
        if ctx.config.area_for(geo.lon, geo.lat) is not None:
            add(
                ("location", "geo"),
                "location.geo",
                f"lat {geo.lat} and lon {geo.lon} look swapped: the point is outside the region, "
                "but inside it the other way round",
                f"write lat: {geo.lon} and lon: {geo.lat}",
            )
        else:
            names = ", ".join(a.name for a in ctx.config.areas)
            add(
                ("location", "geo"),
                "location.geo",
                f"the point {geo.lat}, {geo.lon} is outside this directory's region ({names})",
                "check the coordinates (right-click the entrance in a map app to copy them)",
            )
    elif address.country not in area.countries:
        add(
            ("location", "address", "country"),
            "location.address.country",
            f"country '{address.country}' does not fit the point, which lies in {area.name} "
            f"({', '.join(area.countries)})",
            "check the country code and the coordinates",
        )
    expected = ctx.config.expected_languages(area)
    if not set(entry.summary) & set(expected):
        add(
            ("summary",),
            "summary",
            f"summary has no text in a language this directory expects ({', '.join(expected)})",
            f"add a line in {expected[0]}",
        )

    if entry.status != "permanently_closed":
        if entry.contact is None or not (
            entry.contact.website or entry.contact.email or entry.contact.phone
        ):
            add(
                ("contact",),
                "contact",
                "there is no way to contact the business",
                "add a website, email or phone under contact",
                Severity.WARNING,
            )
        limit = timedelta(days=ctx.config.stale_after_days)
        if ctx.today - entry.last_verified > limit:
            add(
                ("last_verified",),
                "last_verified",
                f"last verified on {entry.last_verified}, more than "
                f"{ctx.config.stale_after_days} days ago",
                "check the entry is still true and set last_verified to today",
                Severity.WARNING,
            )
    for i, cert in enumerate(entry.certifications):
        if cert.valid_until and cert.valid_until < ctx.today:
            add(
                ("certifications", i, "valid_until"),
                f"certifications[{i}].valid_until",
                f"'{cert.name}' expired on {cert.valid_until}",
                "renew the evidence or remove the certification",
                Severity.WARNING,
            )
    return out


def keys_of(entry: Entry, doc: Document) -> Keys:
    contact = entry.contact
    country = entry.location.address.country
    phone = normalize_phone(contact.phone, country) if contact and contact.phone else None
    host = website_host(contact.website) if contact and contact.website else None
    geo = entry.location.geo
    return Keys(
        id=entry.id,
        path=doc.path,
        id_pos=doc.locate(("id",)),
        phone=phone,
        phone_pos=doc.locate(("contact", "phone")),
        host=host,
        host_pos=doc.locate(("contact", "website")),
        name=normalize_name(entry.name),
        name_pos=doc.locate(("name",)),
        lat=geo.lat,
        lon=geo.lon,
        status=entry.status,
        superseded_by=entry.superseded_by,
        superseded_pos=doc.locate(("superseded_by",)),
    )


def check_tree(
    keys: Iterable[Keys], blame: set[str] | None = None, known_ids: set[str] | None = None
) -> list[Problem]:
    """Across entries: unique ids, no duplicate businesses, superseded_by resolves.

    With ``blame``, only problems in those files are reported, so a pull
    request is blamed only for what it introduced; ``known_ids`` then names
    every entry of the tree when ``keys`` holds only some of them.
    """
    items = list(keys)
    all_ids = known_ids if known_ids is not None else {k.id for k in items}
    if blame is not None:
        items = _involving(items, blame)
    items.sort(key=lambda k: k.path)
    by_id: dict[str, list[Keys]] = defaultdict(list)
    for k in items:
        by_id[k.id].append(k)
    out: list[Problem] = []

    def report(k: Keys, pos: tuple[int, int], field: str, message: str, hint: str) -> None:
        if blame is None or k.path in blame:
            out.append(Problem(k.path, pos[0], pos[1], field, message, hint))

    for group in by_id.values():
        if len(group) < 2:
            continue
        # The entry already there keeps its id; the named (new) file is blamed.
        first = next((k for k in group if blame is not None and k.path not in blame), group[0])
        for k in group:
            if k is first:
                continue
            report(
                k,
                k.id_pos,
                "id",
                f"id '{k.id}' is already used by {first.path}",
                "ids are unique across the directory: choose another, e.g. add the quarter",
            )
    for k in items:
        if k.superseded_by and k.superseded_by not in all_ids:
            report(
                k,
                k.superseded_pos,
                "superseded_by",
                f"superseded_by names '{k.superseded_by}', which is not an entry",
                "name the id of an existing entry",
            )

    def related(a: Keys, b: Keys) -> bool:
        # A move or merger legitimately repeats phone, host and name.
        return (
            a.superseded_by == b.id
            or b.superseded_by == a.id
            or "permanently_closed" in (a.status, b.status)
            or a.id == b.id
        )

    def pairs(key: str) -> Iterable[tuple[Keys, Keys]]:
        groups: dict[str, list[Keys]] = defaultdict(list)
        for k in items:
            value = getattr(k, key)
            if value:
                groups[value].append(k)
        for group in groups.values():
            for i, b in enumerate(group):
                for a in group[:i]:
                    if not related(a, b):
                        yield a, b

    def report_pair(a: Keys, b: Keys, what: str, pos: str, field: str) -> None:
        # Blame the later file, or the one being checked when only some are.
        if blame is not None and b.path not in blame:
            a, b = b, a
        other_line = getattr(a, pos)[0]
        report(
            b,
            getattr(b, pos),
            field,
            what.format(other=f"{a.path}:{other_line}") + ": is this the same business?",
            _SAME_HINT,
        )

    for a, b in pairs("phone"):
        report_pair(a, b, "same phone number as {other}", "phone_pos", "contact.phone")
    for a, b in pairs("host"):
        report_pair(a, b, f"same website ({b.host}) as {{other}}", "host_pos", "contact.website")
    for a, b in pairs("name"):
        if distance_m(a.lat, a.lon, b.lat, b.lon) <= DUPLICATE_DISTANCE_M:
            report_pair(
                a,
                b,
                f"same name as {{other}}, less than {DUPLICATE_DISTANCE_M:.0f} m away",
                "name_pos",
                "name",
            )
    return out


def _involving(items: list[Keys], blame: set[str]) -> list[Keys]:
    """The blamed entries and those sharing an id, phone, host or name with one.

    Checking one changed file against 10,000 others then groups a handful of
    entries instead of all of them.
    """
    mine = [k for k in items if k.path in blame]
    ids = {k.id for k in mine} | {k.superseded_by for k in mine if k.superseded_by}
    phones = {k.phone for k in mine if k.phone}
    hosts = {k.host for k in mine if k.host}
    names = {k.name for k in mine}
    return [
        k
        for k in items
        if k.path in blame
        or k.id in ids
        or k.superseded_by in ids
        or (k.phone and k.phone in phones)
        or (k.host and k.host in hosts)
        or k.name in names
    ]


_SAME_HINT = (
    "keep one file per business; if it moved or merged, set status: permanently_closed "
    "and superseded_by on the old entry"
)
