"""The map's data and library as a build publishes them (quartier.site.mapdata), without a browser.

The browser side (clusters, closed businesses, targets, no tiles) is in
tests/test_map_browser.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from quartier.problems import QuartierError
from quartier.site import mapdata
from quartier.site.i18n import strings

from .conftest import SAMPLE
from .site_support import HOSTILE, build_into, hostile_repo

pytest.importorskip("mkdocs", reason="the site needs the site extra: pip install 'quartier[site]'")
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(sample_root, tmp_path_factory.mktemp("site") / "_site")


def _entries(root: Path) -> dict[str, dict[str, Any]]:
    paths = (root / "entries").rglob("*.yaml")
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in paths}


def test_points_hold_what_markers_and_popups_show_in_id_order(site: Path) -> None:
    raw = (site / mapdata.POINTS_PATH).read_bytes()
    data = json.loads(raw)
    entries = _entries(SAMPLE)
    assert data["v"] == 1
    assert data["statuses"] == ["open", "temporarily_closed", "permanently_closed"]
    assert [p[0] for p in data["points"]] == sorted(entries)
    t = strings("en")
    for point in data["points"]:
        entry = entries[point[0]]
        assert point[1] == entry["name"]
        assert point[2] == round(entry["location"]["geo"]["lat"], 5)
        assert point[3] == round(entry["location"]["geo"]["lon"], 5)
        assert data["statuses"][point[5]] == entry.get("status", "open")
        assert isinstance(data["categories"][point[4]], str)
        has_file = any("file" in image for image in entry.get("images", []))
        assert (len(point) == 7) == has_file, point[0]
        if has_file:
            path, width, height = point[6]
            assert re.fullmatch(rf"photos/{point[0]}/[a-z0-9-]+-480\.jpg", path)
            assert (site / path).is_file() and width <= 480 and height > 0
    # Both kinds of closed business are in the sample, and the labels exist in the interface.
    assert {data["statuses"][p[5]] for p in data["points"]} == set(data["statuses"])
    assert t["status_temporarily_closed"] and t["status_permanently_closed"]
    # Category labels are the taxonomy's, in the site's language.
    cafe = next(p for p in data["points"] if p[0] == "kafi-zwischenhalt")
    assert data["categories"][cafe[4]] == "Café"


def test_points_are_compact_and_small(site: Path) -> None:
    """No indentation or spaces, and a small part of the GeoJSON the map used to read."""
    raw = (site / mapdata.POINTS_PATH).read_bytes()
    assert b"\n" not in raw and b'", "' not in raw and b'": ' not in raw
    geojson = (site / "data" / "entries.geojson").stat().st_size
    assert len(raw) * 3 < geojson, (len(raw), geojson)
    # About 100 bytes a business (a photo's path adds ~60): 10,000 make about 1 MB, 0.2 gzipped.
    assert len(raw) / len(json.loads(raw)["points"]) < 140


def test_map_page_names_its_data_and_carries_no_entry_text(site: Path) -> None:
    html = (site / "map" / "index.html").read_text("utf-8")
    assert 'data-points="../map/points.json"' in html
    assert "entries.geojson" not in html
    for entry in _entries(SAMPLE).values():
        assert entry["name"] not in html  # markers and list come from the data, as text
    text = re.search(r'data-text="([^"]*)"', html)
    assert text is not None
    words = json.loads(text.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    t = strings("en")
    assert words["status"]["temporarily_closed"] == t["status_temporarily_closed"]
    assert words["cluster"] == t["map_cluster"]


def test_the_clustering_library_is_the_pinned_packages_files(site: Path) -> None:
    pins = tomllib.loads((PROJECT / "pyproject.toml").read_text("utf-8"))
    site_extra = pins["project"]["optional-dependencies"]["site"]
    pinned = next(d for d in site_extra if d.startswith("xstatic-leaflet-markercluster=="))
    assert metadata.version("xstatic-leaflet-markercluster") == pinned.split("==")[1]
    package = resources.files("xstatic.pkg.leaflet_markercluster") / "data"
    for name in mapdata.CLUSTER_FILES:
        assert (site / mapdata.CLUSTER_DIR / name).read_bytes() == (package / name).read_bytes()
    assert (
        b"L.MarkerClusterGroup"
        in (site / mapdata.CLUSTER_DIR / mapdata.CLUSTER_FILES[0]).read_bytes()
    )
    licence = (site / mapdata.CLUSTER_DIR / "LICENSE.txt").read_text("utf-8")
    assert "Copyright 2012 David Leaver" in licence and "Permission is hereby granted" in licence
    # The licence names the version the package ships.
    source = (package / "leaflet.markercluster-src.js").read_text("utf-8")
    version = re.search(r"Leaflet\.markercluster (\d+\.\d+\.\d+)", source)
    assert version is not None and f"Leaflet.markercluster {version.group(1)}," in licence


def test_without_the_package_the_build_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing(name: str) -> Any:
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(mapdata.resources, "files", missing)
    with pytest.raises(QuartierError, match=r"pip install 'quartier\[site\]'"):
        mapdata.copy_markercluster(None)  # type: ignore[arg-type]  # fails before writing


def test_hostile_names_are_data_in_the_points(tmp_path: Path) -> None:
    """Names full of markup are JSON strings, never HTML in the page; map.js shows them as text."""
    out = build_into(hostile_repo(tmp_path / "repo"), tmp_path / "_site")
    data = json.loads((out / mapdata.POINTS_PATH).read_bytes())
    names = {e["name"] for e in _entries(HOSTILE).values()}
    assert {p[1] for p in data["points"]} == names
    assert any("<" in name for name in names)
    html = (out / "map" / "index.html").read_text("utf-8")
    for name in names:
        assert name not in html
