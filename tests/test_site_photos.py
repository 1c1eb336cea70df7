"""Photos and the business page's first answers, in the built HTML of the sample directory.

The sample's entries carry drawn photos (scripts/sample_photos.py) and, for
some, an outside image ``url`` too: pages show the files as ``<picture>``
(WebP and JPEG, sizes given, lazy below the top), the outside addresses
never reach an ``<img>``; lists show a thumbnail; the page's social preview
and JSON-LD name the site's own copy. The page says one status, the country
by name, the attributes in words, and no heading without content.
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the site needs the site extra: pip install 'quartier[site]'")
import yaml
from PIL import Image

from quartier.site import photos as site_photos

from .conftest import SAMPLE
from .site_support import build_into, entry_ids

BASE = yaml.safe_load((SAMPLE / "directory.yaml").read_text("utf-8"))["base_url"]


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(sample_root, tmp_path_factory.mktemp("site") / "_site")


def _page(site: Path, entry_id: str) -> str:
    return (site / "businesses" / entry_id / "index.html").read_text("utf-8")


def _article(html: str) -> str:
    return html[html.index('<article class="q-business"') : html.index("</article>")]


class _Tags(HTMLParser):
    """Start tags with their attributes, and the headings with what follows each."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.events: list[tuple[str, str]] = []  # ("h2", text) / ("content", text or tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3"):
            self.events.append((tag, ""))
        elif tag in ("p", "li", "table", "dl", "picture", "address", "div", "ul"):
            self.events.append(("content", tag))

    def handle_data(self, data: str) -> None:
        if data.strip() and self.events and self.events[-1][0] in ("h1", "h2", "h3"):
            self.events[-1] = (self.events[-1][0], self.events[-1][1] + data.strip())
        elif data.strip():
            self.events.append(("content", data.strip()))


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def test_the_lead_photo_is_a_picture_with_webp_and_jpeg_and_its_size(site: Path) -> None:
    tags = _parse(_article(_page(site, "velowerk-lorraine"))).tags
    sources = [a for t, a in tags if t == "source"]
    imgs = [a for t, a in tags if t == "img"]
    assert sources[0]["type"] == "image/webp"
    assert sources[0]["srcset"] == (
        "../../photos/velowerk-lorraine/velowerk-lorraine-bicycle-480.webp 480w, "
        "../../photos/velowerk-lorraine/velowerk-lorraine-bicycle-960.webp 960w, "
        "../../photos/velowerk-lorraine/velowerk-lorraine-bicycle-1600.webp 1200w"
    )
    lead = imgs[0]
    assert lead["src"] == "../../photos/velowerk-lorraine/velowerk-lorraine-bicycle-1600.jpg"
    assert (lead["width"], lead["height"]) == ("1200", "800")  # the drawing's own size
    assert lead["alt"] == "A bicycle with a green frame in front of the workshop wall (drawing)"
    assert lead["fetchpriority"] == "high" and "loading" not in lead
    for name in ("480.jpg", "960.webp", "1600.jpg"):
        path = site / f"photos/velowerk-lorraine/velowerk-lorraine-bicycle-{name}"
        img = Image.open(io.BytesIO(path.read_bytes()))
        assert not img.getexif() and "icc_profile" not in img.info


def test_outside_image_urls_are_never_loaded_by_the_page(site: Path) -> None:
    # velowerk-lorraine also names https://velowerk-lorraine.ch/img/werkstatt.jpg.
    html = _page(site, "velowerk-lorraine")
    tags = _parse(html).tags
    for tag, attrs in tags:
        for name in ("src", "srcset"):
            value = attrs.get(name) or ""
            assert "://" not in value or value.startswith(BASE), (tag, value)
    # It stays data: the JSON-LD lists it after the site's own copy.
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    doc = json.loads(script[1])
    assert [i["contentUrl"] for i in doc["image"]] == [
        BASE + "photos/velowerk-lorraine/velowerk-lorraine-bicycle-1600.jpg",
        "https://velowerk-lorraine.ch/img/werkstatt.jpg",
    ]
    assert doc["image"][0]["creditText"] == "Drawn for Quartier"


def test_a_business_with_only_an_outside_url_shows_no_image(site: Path) -> None:
    entries = {i: (SAMPLE / "entries").rglob(f"{i}.yaml") for i in entry_ids()}
    only_url = [
        i
        for i, paths in entries.items()
        if (text := next(paths).read_text("utf-8")).count("- url:") and "- file:" not in text
    ]
    assert only_url, "the sample should keep a business whose image is only an outside url"
    for entry_id in only_url:
        assert "<img" not in _article(_page(site, entry_id))


def test_social_preview_names_the_sites_own_copy(site: Path) -> None:
    html = _page(site, "erdwerk-keramik")
    image = BASE + "photos/erdwerk-keramik/erdwerk-keramik-cups-1600.jpg"
    assert f'<meta property="og:image" content="{image}">' in html
    assert f'<meta name="twitter:image" content="{image}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta property="og:url" content="{BASE}businesses/erdwerk-keramik/">' in html
    # Without a photo file: a text card, no image.
    plain = _page(site, "aare-roestwerk")
    assert '<meta name="twitter:card" content="summary">' in plain
    assert "og:image" not in plain


def test_category_lists_show_a_thumbnail_only_for_photo_files(site: Path) -> None:
    html = (site / "categories/bicycle-repair/index.html").read_text("utf-8")
    item = re.search(r'<li class="q-has-thumb">.*?</li>', html, re.S)
    assert item is not None and "velowerk-lorraine-bicycle-480.webp 480w" in item[0]
    assert 'alt=""' in item[0] and 'loading="lazy"' in item[0]
    places = (site / "places/bern/index.html").read_text("utf-8")
    assert places.count('class="q-has-thumb"') == 4  # four Bern entries carry a photo file


def test_geojson_gives_the_map_a_thumbnail(site: Path) -> None:
    features = json.loads((site / "data/entries.geojson").read_text("utf-8"))["features"]
    thumbs = {f["id"]: f["properties"].get("thumbnail") for f in features}
    bike = "photos/velowerk-lorraine/velowerk-lorraine-bicycle-480.jpg"
    assert thumbs["velowerk-lorraine"] == bike
    assert thumbs["aare-roestwerk"] is None
    assert (site / thumbs["velowerk-lorraine"]).is_file()


def test_one_status_line_the_lifecycle_wins(site: Path) -> None:
    closed = _article(_page(site, "tidepool-records"))  # permanently closed, with hours
    assert 'class="q-open-now"' not in closed
    assert "Permanently closed" in closed
    open_ = _article(_page(site, "velowerk-lorraine"))
    assert 'class="q-open-now"' in open_
    assert "q-status--open" not in open_ and ">Open<" not in open_
    assert 'data-opens="Closed now, opens {when}"' in open_


def test_where_names_the_country_and_contact_is_tappable_near_the_top(site: Path) -> None:
    article = _article(_page(site, "velowerk-lorraine"))
    first = article[: article.index('class="q-columns"')]
    assert "Lorrainestrasse 23, 3013 Bern, Switzerland" in first
    assert ", CH<" not in article
    assert re.search(r'<a class="q-tap" href="tel:\+41\d+">', first)
    assert 'class="q-tap" href="mailto:' in first


def test_attributes_are_listed_in_words(site: Path) -> None:
    article = _article(_page(site, "erdwerk-keramik"))
    section = re.search(r'<section class="q-attributes".*?</section>', article, re.S)
    assert section is not None
    assert "<h2>Good to know</h2>" in section[0]
    assert "<li>Independent</li>" in section[0]
    assert "family_owned" not in section[0]


@pytest.mark.parametrize("entry_id", entry_ids())
def test_no_heading_without_content(site: Path, entry_id: str) -> None:
    events = _parse(_article(_page(site, entry_id))).events
    for i, (kind, text) in enumerate(events):
        if kind in ("h2", "h3"):
            # Content next, or a heading one level down (a subsection, itself checked).
            nxt = events[i + 1][0] if i + 1 < len(events) else "end"
            ok = nxt == "content" or (nxt.startswith("h") and nxt > kind)
            assert ok, f"{entry_id}: heading '{text}' has nothing under it"


def test_a_rebuild_takes_photos_from_the_cache(
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_into(sample_root, tmp_path / "one")

    def refuse(data: bytes, name: str) -> None:
        raise AssertionError(f"{name} was resized again")

    monkeypatch.setattr(site_photos, "render", refuse)
    second = build_into(sample_root, tmp_path / "two")
    for path in sorted((first / "photos").rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (second / path.relative_to(first)).read_bytes()


def test_photos_made_on_forked_workers_are_the_same(
    sample_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quartier import parallel
    from quartier.directory import read_directory
    from quartier.publish.context import BuildContext

    from .conftest import TODAY

    directory = read_directory(sample_root, today=TODAY)
    here = site_photos.catalogue(BuildContext(directory))
    monkeypatch.setattr(parallel, "FORCE", True)
    forked = site_photos.catalogue(BuildContext(directory))
    assert len(here) == 6
    assert {k: (p.sizes, p.folder) for k, p in forked.items()} == {
        k: (p.sizes, p.folder) for k, p in here.items()
    }
