"""Places the directory knows, so ``--near Lorraine`` needs no geocoding service.

A place is a locality, a postal code, an area, a business (by id or name), a
street, or a quarter that the entries themselves name ("Velowerkstatt im
Lorrainequartier", "in the Matte quarter", "Bäckerei im Quartier Lorraine").
Each becomes a point: the centroid of the entries that mention it. A quarter
named by entries spread over more than a few kilometres is dropped, since it
is probably a common noun rather than a place.

Example::

    gaz = Gazetteer()
    gaz.add("locality", "Bern", 46.95, 7.44)
    gaz.finish()
    gaz.find("bern").lat        # 46.95
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import repeat
from typing import Any

from ..placename import common_spelling
from .text import fold

# Kinds in order of trust: when two kinds share a name, the earlier wins.
KINDS = ("coordinates", "business", "postal_code", "locality", "area", "quarter", "street")
LISTED_KINDS = ("area", "locality", "postal_code", "quarter")
MAX_QUARTER_SPREAD_KM = 2.5
# Kinds whose spread is kept (see Place.spread_km); of a place with SPREAD_TRIM_FROM
# businesses or more, the outermost SPREAD_TRIM on each side (north, south, east, west) are
# left out: a few mistyped points do not stretch a town.
SPREAD_KINDS = ("locality", "postal_code")
SPREAD_TRIM = 0.02
SPREAD_TRIM_FROM = 100

_STREET_WORDS = re.compile(
    r"(strasse|str\.?|gasse|weg|platz|allee|rain|avenue|ave\.?|street|st\.?|drive|dr\.?|road|rd\.?"
    r"|boulevard|blvd\.?|lane|way|rue|chemin|via|calle)$"
)
_QUARTER_SUFFIX = re.compile(r"(quartier|viertel|quarter|neighbou?rhood|district)$")
_QUARTER_SUFFIX_ANY_CASE = re.compile(
    r"(quartier|viertel|quarter|neighbou?rhood|district)$", re.IGNORECASE
)
_UPPER = "A-ZÄÖÜÉÈÀÂÔÎÇÑ"
# "im Lorrainequartier", "in der Länggasse", "in the Matte quarter", "dans le quartier X".
# The lookahead (the first letters of the words below) only spares trying every word at
# every word start: indexing runs this over every summary.
_NAMED = re.compile(
    r"(?:\b(?=[ibqQdàaen])(?:im|in|in der|in the|beim|bei der|quartier|Quartier|dans le quartier"
    r"|du quartier de la|à la|à|au|en|near|de la)\s+)"
    rf"([{_UPPER}][\w'’-]+(?:\s+[{_UPPER}][\w'’-]+)?)"
)


@dataclass(frozen=True, slots=True)
class Place:
    """A named point and how the directory knows it."""

    key: str
    label: str
    kind: str
    lat: float
    lon: float
    count: int
    # How far its businesses spread from the point, in km (localities and postal codes; 0 for
    # the others, and in an index written before this was kept): a search near it reaches
    # this far by default.
    spread_km: float = 0.0


@lru_cache(maxsize=65536)
def place_key(name: str) -> str:
    """The lookup form of a place name: 'Länggasse ' -> 'langgasse'."""
    return " ".join(fold(name).replace("-", " ").split())


def street_names(street: str) -> list[str]:
    """'Lorrainestrasse 23' -> ['lorrainestrasse']; '1700 Mission Street' -> ['mission street']."""
    bare = " ".join(w for w in place_key(street).split() if not any(c.isdigit() for c in w))
    if not bare:
        return []
    # A bare street word ("41st Avenue" without its number) names no place.
    return [bare] if _STREET_WORDS.sub("", bare).strip() else []


def named_quarters(text: str) -> list[str]:
    """Quarter names a text puts after 'im', 'in the', 'dans le quartier': 'im Lorrainequartier'
    -> 'Lorraine'."""
    out = []
    for match in _NAMED.finditer(text):
        name = _quarter(match.group(1))
        if name:
            out.append(name)
    return out


@lru_cache(maxsize=65536)
def _quarter(found: str) -> str:
    """The quarter a name after 'im', 'in the' ... stands for, or "" (cached: names repeat)."""
    name = _QUARTER_SUFFIX_ANY_CASE.sub("", found).strip()
    words = place_key(name).split()
    if words and words[-1] in ("quarter", "quartier", "avenue", "street", "strasse"):
        return ""
    return name if len(name) >= 4 else ""


def _spread_out(lat: float, lon: float, lats: array[float], lons: array[float]) -> bool:
    """Whether a point lies more than MAX_QUARTER_SPREAD_KM from (lat, lon), the centroid.

    Most names are answered by their bounding box (all surely near) or by its
    extreme points (one surely far), without measuring every point.
    """
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    if _within(lat, lon, south, north, west, east, MAX_QUARTER_SPREAD_KM):
        return False
    for i in {lats.index(south), lats.index(north), lons.index(west), lons.index(east)}:
        if distance_km(lat, lon, lats[i], lons[i]) > MAX_QUARTER_SPREAD_KM:
            return True
    return max(map(distance_km, repeat(lat), repeat(lon), lats, lons)) > MAX_QUARTER_SPREAD_KM


def _within(
    lat: float, lon: float, south: float, north: float, west: float, east: float, km: float
) -> bool:
    """Whether every point of the box is surely within ``km`` of (lat, lon).

    The haversine with cos(lat) taken as 1 is never shorter than the real
    distance, so this answers for thousands of points at the cost of one.
    """
    dp = math.radians(max(north - lat, lat - south))
    dl = math.radians(max(east - lon, lon - west))
    if dl > math.pi:
        return False
    h = math.sin(dp / 2) ** 2 + math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h))) <= km


def _spread_km(lat: float, lon: float, lats: array[float], lons: array[float]) -> float:
    """How far the points spread from (lat, lon): to the farthest corner of their box, the
    outermost SPREAD_TRIM of them on each side left out (sorting runs at C speed)."""
    if len(lats) < 2:
        return 0.0
    cut = int(len(lats) * SPREAD_TRIM) if len(lats) >= SPREAD_TRIM_FROM else 0
    ys, xs = sorted(lats), sorted(lons)
    south, north, west, east = ys[cut], ys[-1 - cut], xs[cut], xs[-1 - cut]
    return max(distance_km(lat, lon, y, x) for y in (south, north) for x in (west, east))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), accurate to metres at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


class Gazetteer:
    """Place names to points, collected while the index is built."""

    def __init__(self) -> None:
        # (kind, key) -> lat, lon, lat, lon, ...: flat arrays pickle as bytes, so the
        # gazetteers of a parallel index build travel back to the parent cheaply.
        self._points: dict[tuple[str, str], array[float]] = {}
        # Every spelling of each place, counted: the most common names it (placename.py).
        self._labels: dict[tuple[str, str], Counter[str]] = {}
        self.places: dict[str, Place] = {}

    def add(self, kind: str, label: str, lat: float, lon: float) -> None:
        key = place_key(label)
        if not key:
            return
        points = self._points.get((kind, key))
        if points is None:
            self._points[(kind, key)] = array("d", (lat, lon))
            self._labels[(kind, key)] = Counter((label.strip(),))
        else:
            points.append(lat)
            points.append(lon)
            self._labels[(kind, key)][label.strip()] += 1

    def merge(self, other: Gazetteer) -> None:
        """Add what ``other`` collected after what this one did."""
        for name, points in other._points.items():
            mine = self._points.get(name)
            if mine is None:
                self._points[name] = points
                self._labels[name] = other._labels[name]
            else:
                mine.extend(points)
                self._labels[name].update(other._labels[name])

    def finish(self) -> None:
        """Turn collected points into places, one per name, the most trusted kind first."""
        rank = {k: i for i, k in enumerate(KINDS)}
        for (kind, key), points in sorted(self._points.items(), key=lambda kv: rank[kv[0][0]]):
            if key in self.places:
                continue
            lats, lons = points[0::2], points[1::2]
            lat = sum(lats) / len(lats)
            lon = sum(lons) / len(lons)
            if kind in ("quarter", "street") and _spread_out(lat, lon, lats, lons):
                continue
            label = common_spelling(self._labels[(kind, key)])
            spread = _spread_km(lat, lon, lats, lons) if kind in SPREAD_KINDS else 0.0
            self.places[key] = Place(
                key, label, kind, round(lat, 5), round(lon, 5), len(lats), round(spread, 2)
            )
        self._points.clear()

    def find(self, name: str) -> Place | None:
        """The place named ``name``: its key, without a quarter suffix ('Lorrainequartier'),
        or one of a bilingual name's names ('Bienne' for 'Biel/Bienne')."""
        key = place_key(name)
        found = self.places.get(key)
        if found is None:
            bare = _QUARTER_SUFFIX.sub("", key).strip()
            found = self.places.get(bare) or self.aliases.get(key)
        return found

    @cached_property
    def aliases(self) -> dict[str, Place]:
        """Each name of a bilingual locality or area that is no place of its own ('bienne')."""
        out: dict[str, Place] = {}
        for place in self.places.values():
            if place.kind in ("locality", "area") and "/" in place.key:
                for part in place.key.split("/"):
                    alias = part.strip()
                    if len(alias) >= 3 and alias not in self.places:
                        out.setdefault(alias, place)
        return out

    def to_rows(self) -> list[tuple[str, str, str, float, float, int, float]]:
        return [
            (p.key, p.label, p.kind, p.lat, p.lon, p.count, p.spread_km)
            for p in self.places.values()
        ]

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]]) -> Gazetteer:
        """The gazetteer of :meth:`to_rows` (rows of six, without the spread, read as well)."""
        gaz = cls()
        gaz.places = {r[0]: Place(*r) for r in rows}
        return gaz
