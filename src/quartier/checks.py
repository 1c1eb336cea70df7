"""Checks that need more than one field: the directory's context and the other entries.

``check_entry`` looks at one valid entry with the directory's settings and
taxonomy (is the point inside the region, does the phone exist in that
country, is the category known). ``check_tree`` looks across entries (ids
unique, no two files for the same business, ``superseded_by`` resolves), using
only the small :class:`Keys` each entry leaves behind, so a warm cache of
keys is enough to check one changed file against 10,000 others.

Names and website hosts are compared as they look, not as they are encoded:
a Cyrillic 'е' in "Vеlowerk", a host written in Unicode or in Punycode, and
``I``/``l``/``1`` all compare by their Unicode confusables skeleton
(:mod:`quartier.confusables`). A closed entry is exempt only from the entry
that replaces it (through a chain of ``superseded_by``), never from the rest.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from .config import DirectoryConfig
from .confusables import skeleton
from .explain import field_path
from .fields import SLUG_MAX, SLUG_RE, normalize_phone, windows_reserved
from .load import Document
from .messages import message
from .model import Entry
from .problems import Problem, Severity
from .stale import is_stale
from .steering import steering_texts
from .taxonomy import Taxonomy

DUPLICATE_DISTANCE_M = 50.0
# The same name a little farther away is worth a look (a copy placed beside its
# victim); farther still it is usually a second shop, and fine.
NEARBY_NAME_M = 500.0
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
_SHARED_SUFFIXES = tuple("." + h for h in sorted(SHARED_HOSTS))
_NOT_ALNUM_ASCII = re.compile(r"[^0-9a-z]+")
_LEGAL = r"\b(gmbh|ag|sa|sarl|sàrl|llc|inc|ltd|co|corp|kg|klg|gbr|ug)\b\.?"
_LEGAL_FORMS = re.compile(_LEGAL)
_LEGAL_FORMS_ANY_CASE = re.compile(_LEGAL, re.IGNORECASE)  # slower: only where one is


@dataclass(frozen=True, slots=True)
class Keys:
    """What the cross-entry checks need of one entry, with positions for messages."""

    id: str
    path: str
    id_pos: tuple[int, int]
    phone: str | None
    phone_pos: tuple[int, int]
    host: str | None  # compared: the skeleton of the host in Unicode form
    host_shown: str | None  # shown: the host in ASCII (Punycode) form
    host_pos: tuple[int, int]
    # Compared forms of ``name`` and of every value of ``names`` (see name_keys),
    # and for each: its field, line, column and look-alike characters, if any.
    names: tuple[str, ...]
    name_at: tuple[tuple[str, int, int, str], ...]
    lat: float
    lon: float
    superseded_by: str | None
    superseded_pos: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Context:
    config: DirectoryConfig
    taxonomy: Taxonomy
    today: date


def website_host(url: str) -> tuple[str, str] | None:
    """The host of a website as compared and as shown, or None for a shared host.

    ``("velowerk.ch", "velowerk.ch")`` for https://www.Velowerk.ch/kontakt; a
    host written in Unicode and its Punycode spelling give the same pair, and
    a look-alike host (Cyrillic 'е') the same compared form.
    """
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    shown, readable = _host_forms(host)
    shown = shown.removeprefix("www.")
    if shown in SHARED_HOSTS or shown.endswith(_SHARED_SUFFIXES):
        return None
    return skeleton(skeleton(readable.removeprefix("www.")).casefold()), shown


def _host_forms(host: str) -> tuple[str, str]:
    """The host in ASCII (IDNA) form and in Unicode form."""
    if host.isascii() and "xn--" not in host:
        return host, host
    try:
        import idna  # a dependency of email-validator; only needed for such hosts

        ascii_form = idna.encode(host, uts46=True).decode("ascii")
        return ascii_form, idna.decode(ascii_form)
    except (ImportError, UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
        labels = host.split(".")
        return ".".join(map(_ascii_label, labels)), ".".join(map(_unicode_label, labels))


def _ascii_label(label: str) -> str:
    return label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")


def _unicode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            pass
    return label


def name_keys(name: str) -> tuple[str, ...]:
    """The forms in which two business names are compared: equal when they look alike.

    Case, accents, legal forms (GmbH, AG, ...), spaces and punctuation are
    ignored, and look-alike characters are replaced by their confusables
    skeleton. That skeleton tells case apart ('I' looks like 'l', 'i' does
    not), so a name has two forms: the skeleton of the name in lower case
    and that of the name as written (``"MILANO"`` and ``"Milano"`` share the
    first, ``"MlLANO"`` and ``"MILANO"`` the second).
    """
    text = name if name.isascii() else _without_marks(name)
    if _LEGAL_FORMS.search(text.lower()):
        text = _LEGAL_FORMS_ANY_CASE.sub(" ", text)
    out: list[str] = []
    for form in (text.casefold(), text):
        key = _squash(skeleton(form))
        if key and key not in out:
            out.append(key)
    return tuple(out)


def _without_marks(text: str) -> str:
    """Compatibility forms decomposed and accents removed: 'Ｃａｆé' -> 'Cafe'."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _squash(text: str) -> str:
    """Lower case, without accents, letters and digits only."""
    if text.isascii():  # the same, in one step
        return _NOT_ALNUM_ASCII.sub("", text.lower())
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def lookalikes(name: str) -> str:
    """The characters of ``name`` that imitate ASCII ones, for a message ('' if none)."""
    if name.isascii():
        return ""
    notes = []
    for char in dict.fromkeys(name):
        if char.isascii() or not char.isalnum():
            continue
        plain = _without_marks(char)
        if plain.isascii():
            continue  # an accented or full-width letter: its base letter is compared
        proto = skeleton(plain)
        if proto != plain and proto.isascii() and proto.isalnum():
            code = f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()
            notes.append(message("checks.lookalike", character=char, code=code, prototype=proto))
    return ", ".join(notes[:3]) + (", ..." if len(notes) > 3 else "")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def check_entry(
    entry: Entry, doc: Document, stem: str, ctx: Context, *, federated: bool = False
) -> list[Problem]:
    """Checks of one valid entry against the file name, the region and the taxonomy.

    ``federated`` is for a record an aggregate took from a member (``quartier
    federate``): it has no file, so the file-name rules are skipped, and its
    id is ``<member>--<id>``; every other check is the same as for a local entry.
    """
    out: list[Problem] = []

    def add(
        loc: tuple[str | int, ...],
        field: str,
        text: str,
        hint: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        line, column = doc.locate(loc)
        out.append(Problem(doc.path, line, column, field, text, hint, severity))

    if federated:
        pass  # no file name; the id was made by federate from the member's id
    elif "--" in entry.id:
        add(
            ("id",),
            "id",
            message("checks.id_federated", id=entry.id),
            message("checks.id_federated.fix", id=entry.id.replace("--", "-")),
        )
    elif len(entry.id) > SLUG_MAX:
        add(
            ("id",),
            "id",
            message("checks.id_too_long", id=entry.id, length=len(entry.id), most=SLUG_MAX),
            message("checks.id_too_long.fix", most=SLUG_MAX),
        )
    elif entry.id != stem:
        valid_stem = re.fullmatch(SLUG_RE, stem) is not None and not windows_reserved(stem)
        add(
            ("id",),
            "id",
            message("checks.id_mismatch", id=entry.id, stem=stem),
            message("checks.id_mismatch.or_set.fix", id=entry.id, stem=stem)
            if valid_stem
            else message("checks.id_mismatch.fix", id=entry.id),
        )

    if entry.superseded_by is not None:
        if entry.status != "permanently_closed":
            # A temporarily closed copy naming its victim would otherwise be exempt
            # from every duplicate check (a move is a permanent closure).
            add(
                ("superseded_by",),
                "superseded_by",
                message("checks.superseded.not_closed", status=entry.status),
                message("checks.superseded.not_closed.fix"),
            )
        elif entry.superseded_by == entry.id:
            add(
                ("superseded_by",),
                "superseded_by",
                message("checks.superseded.itself"),
                message("checks.superseded.itself.fix"),
            )

    tax = ctx.taxonomy
    for loc, cat in entry.category_refs():
        if tax.get(cat) is None:
            guess = tax.suggest(cat)
            add(
                loc,
                field_path(loc),
                message("checks.unknown_category", category=cat),
                guess or message("checks.unknown_category.fix"),
            )

    geo, address = entry.location.geo, entry.location.address
    area = ctx.config.area_for(geo.lat, geo.lon)
    if area is None:
        if ctx.config.area_for(geo.lon, geo.lat) is not None:
            add(
                ("location", "geo"),
                "location.geo",
                message("checks.swapped", lat=geo.lat, lon=geo.lon),
                message("checks.swapped.fix", lat=geo.lat, lon=geo.lon),
            )
        else:
            names = ", ".join(a.name for a in ctx.config.areas)
            add(
                ("location", "geo"),
                "location.geo",
                message("checks.outside", lat=geo.lat, lon=geo.lon, areas=names),
                message("checks.outside.fix"),
            )
    elif address.country not in area.countries:
        add(
            ("location", "address", "country"),
            "location.address.country",
            message(
                "checks.wrong_country",
                country=address.country,
                area=area.name,
                countries=", ".join(area.countries),
            ),
            message("checks.wrong_country.fix"),
        )
    expected = ctx.config.expected_languages(area)
    if not set(entry.summary) & set(expected):
        add(
            ("summary",),
            "summary",
            message("checks.summary_language", languages=", ".join(expected)),
            message("checks.summary_language.fix", language=expected[0]),
        )

    if entry.status != "permanently_closed":
        if entry.contact is None or not (
            entry.contact.website or entry.contact.email or entry.contact.phone
        ):
            add(
                ("contact",),
                "contact",
                message("checks.no_contact"),
                message("checks.no_contact.fix"),
                Severity.WARNING,
            )
        if is_stale(entry.last_verified, ctx.today, ctx.config.stale_after_days):
            add(
                ("last_verified",),
                "last_verified",
                message("checks.stale", day=entry.last_verified, days=ctx.config.stale_after_days),
                message("checks.stale.fix"),
                Severity.WARNING,
            )
    for i, cert in enumerate(entry.certifications):
        if cert.valid_until and cert.valid_until < ctx.today:
            add(
                ("certifications", i, "valid_until"),
                f"certifications[{i}].valid_until",
                message("checks.expired", name=cert.name, day=cert.valid_until),
                message("checks.expired.fix"),
                Severity.WARNING,
            )
    # Texts an assistant would relay: the reviewer decides (see quartier.steering).
    for loc, _text, what in steering_texts(doc.data):
        add(
            loc,
            field_path(loc),
            message("checks.steering", what=what),
            message("checks.steering.fix"),
            Severity.WARNING,
        )
    return out


def keys_of(entry: Entry, doc: Document) -> Keys:
    contact = entry.contact
    country = entry.location.address.country
    phone = normalize_phone(contact.phone, country) if contact and contact.phone else None
    host = website_host(contact.website) if contact and contact.website else None
    texts: list[tuple[tuple[str, ...], str]] = [(("name",), entry.name)]
    texts += [(("names", lang), text) for lang, text in (entry.names or {}).items()]
    names: list[str] = []
    name_at: list[tuple[str, int, int, str]] = []
    for loc, text in texts:
        line, column = doc.locate(loc)
        note = lookalikes(text)
        for key in name_keys(text):
            if key not in names:
                names.append(key)
                name_at.append((field_path(loc), line, column, note))
    geo = entry.location.geo
    return Keys(
        id=entry.id,
        path=doc.path,
        id_pos=doc.locate(("id",)),
        phone=phone,
        phone_pos=doc.locate(("contact", "phone")),
        host=host[0] if host else None,
        host_shown=host[1] if host else None,
        host_pos=doc.locate(("contact", "website")),
        names=tuple(names),
        name_at=tuple(name_at),
        lat=geo.lat,
        lon=geo.lon,
        superseded_by=entry.superseded_by,
        superseded_pos=doc.locate(("superseded_by",)),
    )


def check_tree(
    keys: Iterable[Keys],
    blame: set[str] | None = None,
    known_ids: set[str] | None = None,
    successors: dict[str, str] | None = None,
) -> list[Problem]:
    """Across entries: unique ids, no duplicate businesses, superseded_by resolves.

    With ``blame``, only problems in those files are reported, so a pull
    request is blamed only for what it introduced; ``known_ids`` then names
    every entry of the tree when ``keys`` holds only some of them, and
    ``successors`` maps the id of every entry of the tree that has a
    ``superseded_by`` to it (to follow a chain of moves through entries not
    in ``keys``).
    """
    items = list(keys)
    all_ids = known_ids if known_ids is not None else {k.id for k in items}
    chain = dict(successors or {})
    for k in items:
        if k.superseded_by:
            chain.setdefault(k.id, k.superseded_by)
    if blame is not None:
        items = _involving(items, blame)
    items.sort(key=lambda k: k.path)
    by_id: dict[str, list[Keys]] = defaultdict(list)
    for k in items:
        by_id[k.id].append(k)
    out: list[Problem] = []

    def report(
        k: Keys,
        pos: tuple[int, int],
        field: str,
        text: str,
        hint: str = "",
        severity: Severity = Severity.ERROR,
    ) -> None:
        if blame is None or k.path in blame:
            hint = hint or message("checks.same.fix")
            out.append(Problem(k.path, pos[0], pos[1], field, text, hint, severity))

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
                message("checks.duplicate_id", id=k.id, path=first.path),
                message("checks.duplicate_id.fix"),
            )
    for k in items:
        if k.superseded_by and k.superseded_by not in all_ids:
            report(
                k,
                k.superseded_pos,
                "superseded_by",
                message("checks.superseded.unknown", id=k.superseded_by),
                message("checks.superseded.unknown.fix"),
            )

    related = _related(chain)

    def pairs(values: Callable[[Keys], Iterable[str | None]]) -> list[_Pair]:
        return _sharing(items, values, related)

    def blamed(pair: _Pair) -> _Pair:
        # Blame the later file, or the one being checked when only some are.
        a, ai, b, bi = pair
        if blame is not None and b.path not in blame:
            return b, bi, a, ai
        return pair

    for pair in pairs(lambda k: (k.phone,)):
        a, _, b, _ = blamed(pair)
        other = f"{a.path}:{a.phone_pos[0]}"
        report(b, b.phone_pos, "contact.phone", message("checks.same_phone", other=other))
    for pair in pairs(lambda k: (k.host,)):
        a, _, b, _ = blamed(pair)
        other = f"{a.path}:{a.host_pos[0]}"
        if a.host_shown == b.host_shown:
            text = message("checks.same_website", host=b.host_shown, other=other)
        else:
            text = message(
                "checks.lookalike_website", host=b.host_shown, other_host=a.host_shown, other=other
            )
        report(b, b.host_pos, "contact.website", text)
    nearby: list[tuple[Keys, tuple[int, int], str, str]] = []
    for pair in pairs(lambda k: k.names):
        a, ai, b, bi = blamed(pair)
        metres = distance_m(a.lat, a.lon, b.lat, b.lon)
        if metres > NEARBY_NAME_M:
            continue
        if metres > DUPLICATE_DISTANCE_M:
            # A second shop of one business, or a copy placed a little away from
            # its victim: a person tells which (unless that name is an error already).
            field, line, column, _ = b.name_at[bi]
            nearby.append(
                (
                    b,
                    (line, column),
                    field,
                    message(
                        "checks.nearby_name", other=f"{a.path}:{a.name_at[ai][1]}", metres=metres
                    ),
                )
            )
            continue
        field, line, column, note = b.name_at[bi]
        other_field, other_line, _, _ = a.name_at[ai]
        other = f"{a.path}:{other_line}" + ("" if other_field == "name" else f" ({other_field})")
        near = DUPLICATE_DISTANCE_M
        if note:
            text = message("checks.lookalike_name", other=other, lookalikes=note, distance=near)
            hint = message("checks.lookalike_name.fix")
        else:
            text = message("checks.same_name", other=other, distance=near)
            hint = message("checks.same.fix")
        report(b, (line, column), field, text, hint)
    named = {(p.path, p.field) for p in out}
    for k, pos, field, text in nearby:
        if (k.path, field) not in named:
            named.add((k.path, field))
            hint = message("checks.nearby_name.fix")
            report(k, pos, field, text, hint, Severity.WARNING)
    return out


_Pair = tuple[Keys, int, Keys, int]


def _related(chain: dict[str, str]) -> Callable[[Keys, Keys], bool]:
    """Whether two entries may share a phone, host or name: one replaces the other.

    A move or merger legitimately repeats them, but only between the old
    entry and the one that replaces it (through a chain of superseded_by).
    """

    def replaces(old: Keys, new_id: str) -> bool:
        seen: set[str] = set()
        current = old.superseded_by
        while current and current not in seen:
            if current == new_id:
                return True
            seen.add(current)
            current = chain.get(current)
        return False

    def related(a: Keys, b: Keys) -> bool:
        return a.id == b.id or replaces(a, b.id) or replaces(b, a.id)

    return related


def _sharing(
    items: list[Keys],
    values: Callable[[Keys], Iterable[str | None]],
    related: Callable[[Keys, Keys], bool],
) -> list[_Pair]:
    """Unrelated entries sharing a value, once per pair, with the index of that value."""
    groups: dict[str, list[tuple[Keys, int]]] = defaultdict(list)
    for k in items:
        for i, value in enumerate(values(k)):
            if value:
                groups[value].append((k, i))
    found: dict[tuple[int, int], _Pair] = {}
    for group in groups.values():
        for j, (b, bi) in enumerate(group):
            for a, ai in group[:j]:
                if a is not b and (id(a), id(b)) not in found and not related(a, b):
                    found[(id(a), id(b))] = (a, ai, b, bi)
    return list(found.values())


def same_business(keys: Iterable[Keys]) -> list[list[Keys]]:
    """Groups of entries that are one business, by the rule :func:`check_tree` reports.

    Two entries are the same business when they share a phone or a website
    host, or a name within :data:`DUPLICATE_DISTANCE_M`, unless one replaces
    the other; a group is closed under that relation. An aggregate merges
    each group holding a member's record into one (see
    :mod:`quartier.publish.members`); inside one directory each pair is an
    error. Groups come sorted by their smallest id, each sorted by id.
    """
    items = sorted(keys, key=lambda k: k.id)
    chain = {k.id: k.superseded_by for k in items if k.superseded_by}
    related = _related(chain)
    parent = list(range(len(items)))
    index = {id(k): i for i, k in enumerate(items)}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = _sharing(items, lambda k: (k.phone,), related)
    links += _sharing(items, lambda k: (k.host,), related)
    links += [
        pair
        for pair in _sharing(items, lambda k: k.names, related)
        if distance_m(pair[0].lat, pair[0].lon, pair[2].lat, pair[2].lon) <= DUPLICATE_DISTANCE_M
    ]
    for a, _, b, _ in links:
        ra, rb = root(index[id(a)]), root(index[id(b)])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[Keys]] = defaultdict(list)
    for i, k in enumerate(items):
        groups[root(i)].append(k)
    return [group for _, group in sorted(groups.items()) if len(group) > 1]


def _involving(items: list[Keys], blame: set[str]) -> list[Keys]:
    """The blamed entries and those sharing an id, phone, host or name with one.

    Checking one changed file against 10,000 others then groups a handful of
    entries instead of all of them.
    """
    mine = [k for k in items if k.path in blame]
    ids = {k.id for k in mine} | {k.superseded_by for k in mine if k.superseded_by}
    phones = {k.phone for k in mine if k.phone}
    hosts = {k.host for k in mine if k.host}
    names = {n for k in mine for n in k.names}
    return [
        k
        for k in items
        if k.path in blame
        or k.id in ids
        or k.superseded_by in ids
        or (k.phone and k.phone in phones)
        or (k.host and k.host in hosts)
        or not names.isdisjoint(k.names)
    ]
