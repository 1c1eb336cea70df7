"""What the site's map needs in the browser: the clustering library and one small data file.

The map page (``map/``, drawn by ``assets/map.js``) shows every business as a
marker, grouped into clusters by Leaflet.markercluster, so a directory of
10,000 businesses draws a few dozen clusters, not 10,000 pins. The library
comes from a pinned PyPI package (``xstatic-leaflet-markercluster``, the
upstream release files as they are), copied into ``assets/leaflet/`` beside
Leaflet itself; nothing is loaded from a CDN.

The markers, popups and the list under the map are drawn from
``map/points.json``: only what they show, in arrays rather than objects
(about a tenth of the GeoJSON's bytes). Example::

    {"v": 1,
     "categories": ["Bakery", "Café"],
     "statuses": ["open", "temporarily_closed", "permanently_closed"],
     "points": [["kafi-zwischenhalt", "Kafi Zwischenhalt", 46.95612, 7.44501, 1, 0,
                 ["photos/kafi-zwischenhalt/kafi-zwischenhalt-coffee-480.jpg", 480, 320]]]}

A point is ``[id, name, lat, lon, category index, status index]`` and, when
the business has a photo file the site publishes, ``[thumbnail path, width,
height]`` (the path from the site's root; the popup shows it beside the name,
so its alt text is empty). Points are
in id order, so two builds of the same input are byte-identical.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from ..model import Entry
from ..photos import THUMB
from ..photos import thumbnail as photo_thumbnail
from ..problems import QuartierError
from ..publish.context import BuildContext
from ..publish.writer import Output, dumps
from .photos import photos_of

POINTS_PATH = "map/points.json"
CLUSTER_DIR = "assets/leaflet/markercluster"
# The package's files (under xstatic/pkg/leaflet_markercluster/data) the page loads.
CLUSTER_FILES = ("leaflet.markercluster.js", "MarkerCluster.css")
STATUSES = ("open", "temporarily_closed", "permanently_closed")
# Coordinates to 5 decimals: about a metre, all a marker needs.
PLACES = 5
# Leaflet.markercluster's licence (MIT-LICENCE.txt upstream); the minified file carries none.
CLUSTER_LICENSE = """\
Leaflet.markercluster 1.4.1, https://github.com/Leaflet/Leaflet.markercluster

Copyright 2012 David Leaver

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION
OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def write_map(ctx: BuildContext, out: Output) -> None:
    """Copy the clustering library into the site and write ``map/points.json``."""
    copy_markercluster(out)
    out.write_bytes(POINTS_PATH, dumps(points(ctx), pretty=False))


def copy_markercluster(out: Output) -> None:
    try:
        base = resources.files("xstatic.pkg.leaflet_markercluster") / "data"
    except ModuleNotFoundError:
        raise QuartierError(
            "the map needs Leaflet.markercluster: install the site extra, "
            "pip install 'quartier[site]'"
        ) from None
    for name in CLUSTER_FILES:
        out.write_bytes(f"{CLUSTER_DIR}/{name}", (base / name).read_bytes())
    out.write_bytes(f"{CLUSTER_DIR}/LICENSE.txt", CLUSTER_LICENSE.encode())


def points(ctx: BuildContext) -> dict[str, Any]:
    """The map's data (see the module docstring): categories by index, one array a business."""
    lang = ctx.config.site.language
    entries = sorted(ctx.entries(), key=lambda e: e.id)
    cat_ids = sorted({e.category for e in entries})
    index = {c: i for i, c in enumerate(cat_ids)}
    labels = [_category_label(ctx, c, lang) for c in cat_ids]
    rows = [_row(ctx, e, index[e.category]) for e in entries]
    return {"v": 1, "categories": labels, "statuses": list(STATUSES), "points": rows}


def _row(ctx: BuildContext, entry: Entry, category: int) -> list[Any]:
    geo = entry.location.geo
    row: list[Any] = [
        entry.id,
        entry.name,
        round(geo.lat, PLACES),
        round(geo.lon, PLACES),
        category,
        STATUSES.index(entry.status),
    ]
    thumb = thumbnail(ctx, entry)
    if thumb is not None:
        row.append(thumb)
    return row


def thumbnail(ctx: BuildContext, entry: Entry) -> list[Any] | None:
    """``[path, width, height]`` of the lead photo's smallest JPEG, if the site publishes it.

    The path is :func:`quartier.photos.thumbnail`'s (the GeoJSON's too); the
    size lets the popup keep its place while the picture loads. A photo given
    only as an outside URL has none: visitors' browsers never load it.
    """
    path = photo_thumbnail(entry)
    published = photos_of(ctx, entry)
    if path is None or not published:
        return None
    width, height = published[0].sizes[THUMB]
    return [path, width, height]


def _category_label(ctx: BuildContext, category: str, lang: str) -> str:
    cat = ctx.taxonomy.get(category)
    return cat.label(lang) if cat else category
