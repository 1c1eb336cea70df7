"""A point on the map from what an owner typed: coordinates, or a map link that holds them.

Owners copy coordinates from a map app (``46.9591, 7.4452``, ``46,9591 7,4452``,
``46°56'56"N 7°26'16"E``) or paste a link (OpenStreetMap, Google Maps, Apple
Maps, a ``geo:`` URI). Nothing is fetched: a short link (``maps.app.goo.gl``)
holds no coordinates and is answered with how to get the long one.

Example::

    read_point("46.9591, 7.4452")                  # Point(lat=46.9591, lon=7.4452, ...)
    read_point("https://www.openstreetmap.org/?mlat=46.95&mlon=7.44#map=18/46.95/7.44")
    read_point("https://maps.app.goo.gl/abc")      # "link": a link without coordinates
    read_point("Lorrainestrasse 23, Bern")         # "unreadable"
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Point:
    """Latitude and longitude in degrees, and the two numbers as the owner wrote them."""

    lat: float
    lon: float
    lat_text: str
    lon_text: str

    @property
    def shown(self) -> str:
        """``"46.9591, 7.4452"``: the point as the form asks for it."""
        return f"{self.lat_text}, {self.lon_text}"

    @property
    def swapped(self) -> Point:
        return Point(self.lon, self.lat, self.lon_text, self.lat_text)

    @property
    def on_earth(self) -> bool:
        return -90 <= self.lat <= 90 and -180 <= self.lon <= 180


NotRead = Literal["unreadable", "link"]
# A number with a decimal point (or none), signed; U+2212 is a typographic minus.
_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
_PAIR = re.compile(rf"\s*\(?\s*({_NUMBER})\s*[,;/ ]\s*({_NUMBER})\s*\)?\s*")
_COMMA_PAIR = re.compile(
    r"\s*([-+]?\d{1,3},\d+)\s*[;/ ]\s*,?\s*([-+]?\d{1,3},\d+)\s*|"
    r"\s*([-+]?\d{1,3},\d+),\s+([-+]?\d{1,3},\d+)\s*"
)
# 46°56'56"N, 46° 56.933' N, N 46°56'56", 46.9489° N: degrees, minutes, seconds, hemisphere.
_DMS = re.compile(
    r"([NSEWO])?\s*(\d{1,3}(?:[.,]\d+)?)\s*°\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*['′’]\s*)?"
    r"(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:\"|″|”|''|′′)\s*)?([NSEWO])?",
    re.IGNORECASE,
)
_LABELS = re.compile(r"\b(?:lat(?:itude)?|lng|lon(?:g(?:itude)?)?|breite|länge)\b\s*[:=]?", re.I)
# Query parameters of map links that hold "lat,lon", the place's marker first.
_QUERY_KEYS = ("q", "query", "ll", "destination", "daddr", "center", "sll", "coordinate")
_AT = re.compile(rf"@({_NUMBER}),({_NUMBER})")
_DATA = re.compile(rf"!3d({_NUMBER})!4d({_NUMBER})")
_MAP_FRAGMENT = re.compile(rf"map=\d+(?:\.\d+)?/({_NUMBER})/({_NUMBER})")


def read_point(text: str) -> Point | NotRead:
    """The point ``text`` gives, or why there is none (see the module docstring)."""
    text = text.strip().replace("\u2212", "-")
    if re.match(r"(?:https?://|www\.|geo:|maps\.|goo\.gl)", text, re.I):
        return _from_link(text)
    return _from_numbers(text) or _from_dms(text) or "unreadable"


def _from_numbers(text: str) -> Point | None:
    plain = _LABELS.sub(" ", text).strip()
    match = _PAIR.fullmatch(plain)
    if match:
        return _point(match.group(1), match.group(2))
    comma = _COMMA_PAIR.fullmatch(plain)
    if comma:
        lat, lon = (g for g in comma.groups() if g is not None)
        return _point(lat.replace(",", "."), lon.replace(",", "."), lat, lon)
    return None


def _from_dms(text: str) -> Point | None:
    found = [m for m in _DMS.finditer(text) if m.group(2) and "°" in m.group(0)]
    if len(found) != 2:
        return None
    values: list[tuple[float, str]] = []
    for m in found:
        hemisphere = (m.group(1) or m.group(5) or "").upper()
        degrees, minutes, seconds = (float((g or "0").replace(",", ".")) for g in m.group(2, 3, 4))
        if minutes >= 60 or seconds >= 60:
            return None
        value = degrees + minutes / 60 + seconds / 3600
        if hemisphere in ("S", "W"):
            value = -value
        values.append((round(value, 6), hemisphere))
    (first, h1), (second, h2) = values
    if h1 in ("E", "W", "O") and h2 in ("N", "S", ""):
        first, second = second, first  # written longitude first, and said so
    return _point(_number(first), _number(second))


def _from_link(text: str) -> Point | NotRead:
    if text.lower().startswith("geo:"):
        return _from_numbers(text[4:].split(";")[0].split("?")[0]) or "link"
    if not re.match(r"https?://", text, re.I):
        text = "https://" + text
    parts = urlsplit(text)
    query = parse_qs(parts.query)
    for lat_key, lon_key in (("mlat", "mlon"), ("lat", "lon")):
        if lat_key in query and lon_key in query:
            point = _point(query[lat_key][0], query[lon_key][0])
            if point:
                return point
    path = unquote(parts.path)
    for pattern in (_DATA, _AT):  # Google: the place's own point, then the map's centre
        match = pattern.search(path) or pattern.search(unquote(parts.query))
        if match:
            point = _point(match.group(1), match.group(2))
            if point:
                return point
    for key in _QUERY_KEYS:
        for value in query.get(key, []):
            point = _from_numbers(value.replace("+", " "))
            if point:
                return point
    match = _MAP_FRAGMENT.search(parts.fragment)
    if match:
        return _point(match.group(1), match.group(2)) or "link"
    return "link"


def _point(
    lat: str, lon: str, lat_text: str | None = None, lon_text: str | None = None
) -> Point | None:
    try:
        a, b = float(lat), float(lon)
    except ValueError:
        return None
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    return Point(a, b, (lat_text or lat).lstrip("+"), (lon_text or lon).lstrip("+"))


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def centre(bbox: list[float]) -> Point:
    """The middle of a bounding box ``[west, south, east, north]``, to four decimals."""
    west, south, east, north = bbox
    lat, lon = round((south + north) / 2, 4), round((west + east) / 2, 4)
    return Point(lat, lon, f"{lat:.4f}", f"{lon:.4f}")
