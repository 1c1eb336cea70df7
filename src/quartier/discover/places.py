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
from dataclasses import dataclass
from functools import lru_cache

from .text import fold

# Kinds in order of trust: when two kinds share a name, the earlier wins.
KINDS = ("coordinates", "business", "postal_code", "locality", "area", "quarter", "street")
LISTED_KINDS = ("area", "locality", "postal_code", "quarter")
MAX_QUARTER_SPREAD_KM = 2.5

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
_NAMED = re.compile(
    r"(?:\b(?:im|in|in der|in the|beim|bei der|quartier|Quartier|dans le quartier|du quartier de la"
    r"|à la|à|au|en|near|de la)\s+)"
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
        name = _QUARTER_SUFFIX_ANY_CASE.sub("", match.group(1)).strip()
        words = place_key(name).split()
        if words and words[-1] in ("quarter", "quartier", "avenue", "street", "strasse"):
            continue
        if len(name) >= 4:
            out.append(name)
    return out


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), accurate to metres at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


class Gazetteer:
    """Place names to points, collected while the index is built."""

    def __init__(self) -> None:
        self._points: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self._labels: dict[tuple[str, str], str] = {}
        self.places: dict[str, Place] = {}

    def add(self, kind: str, label: str, lat: float, lon: float) -> None:
        key = place_key(label)
        if not key:
            return
        self._points.setdefault((kind, key), []).append((lat, lon))
        self._labels.setdefault((kind, key), label.strip())

    def finish(self) -> None:
        """Turn collected points into places, one per name, the most trusted kind first."""
        rank = {k: i for i, k in enumerate(KINDS)}
        for (kind, key), points in sorted(self._points.items(), key=lambda kv: rank[kv[0][0]]):
            if key in self.places:
                continue
            lat = sum(p[0] for p in points) / len(points)
            lon = sum(p[1] for p in points) / len(points)
            if kind in ("quarter", "street"):
                spread = max(distance_km(lat, lon, p[0], p[1]) for p in points)
                if spread > MAX_QUARTER_SPREAD_KM:
                    continue
            label = self._labels[(kind, key)]
            self.places[key] = Place(key, label, kind, round(lat, 5), round(lon, 5), len(points))
        self._points.clear()

    def find(self, name: str) -> Place | None:
        key = place_key(name)
        found = self.places.get(key)
        if found is None:
            bare = _QUARTER_SUFFIX.sub("", key).strip()
            found = self.places.get(bare)
        return found

    def to_rows(self) -> list[tuple[str, str, str, float, float, int]]:
        return [(p.key, p.label, p.kind, p.lat, p.lon, p.count) for p in self.places.values()]

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, str, float, float, int]]) -> Gazetteer:
        gaz = cls()
        gaz.places = {r[0]: Place(*r) for r in rows}
        return gaz
