"""The map page in a real browser (Chromium), served over HTTP on loopback.

Every request off 127.0.0.1 is aborted, the map's tiles included: the
markers, clusters, popups and the list under the map must work without them.
The sample has a temporarily and a permanently closed business, photos and
two areas; the hostile corpus's names are markup that must stay text.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from . import test_site_browser as site_browser
from .conftest import SAMPLE
from .test_site_browser import (
    ARTIFACTS,
    TIMEOUT_MS,
    Visit,
    _entries,
    _hostile_entries,
    _nothing_ran,
    playwright_api,
)

# The browser, the loopback server, the built sites and the tab of the site's browser tests.
browser = site_browser.browser
serve = site_browser.serve
base = site_browser.base
hostile_base = site_browser.hostile_base
visit = site_browser.visit

expect = playwright_api.expect
MIN_TARGET = 44  # CSS px; WCAG 2.2 2.5.8 asks at least 24

# The markers and clusters drawn inside the map's box: [title or label, class, box].
_TARGETS = """() => {
  const map = document.getElementById("q-map").getBoundingClientRect();
  return [...document.querySelectorAll("#q-map .leaflet-marker-icon")].map(e => {
    const r = e.getBoundingClientRect();
    return {name: e.title || e.getAttribute("aria-label"), cls: e.className,
            x: r.left, y: r.top, w: r.width, h: r.height,
            inside: r.left >= map.left && r.right <= map.right && r.top >= map.top
                    && r.bottom <= map.bottom};
  }).filter(t => t.inside);
}"""


def _open_map(v: Visit, url: str) -> Any:
    page = v.page
    page.goto(url + "/map/")
    page.wait_for_selector("#q-map[data-markers]")
    return page


def _inside(entries: dict[str, dict[str, Any]], bbox: list[float]) -> set[str]:
    west, south, east, north = bbox
    return {
        e["name"]
        for e in entries.values()
        if west <= e["location"]["geo"]["lon"] <= east
        and south <= e["location"]["geo"]["lat"] <= north
    }


def _listed(page: Any) -> set[str]:
    return {t.strip() for t in page.locator("#q-map-list li > a").all_inner_texts()}


def _show(page: Any, entry_id: str, name: str) -> None:
    """The list's "Show on map" button of ``entry_id``: its marker comes into view, popup open."""
    page.locator(f'#q-map-list .q-map-show[data-id="{entry_id}"]').click()
    expect(page.locator(".leaflet-popup-content .q-popup__name")).to_have_text(name)
    expect(page.locator(".leaflet-popup-content .q-popup__name")).to_have_attribute(
        "href", f"../businesses/{entry_id}/"
    )


def _zoom_out_until_listed(page: Any, count: int) -> None:
    """Zoom out until the list under the map holds ``count`` businesses (all of them)."""
    items = page.locator("#q-map-list li")
    for _ in range(16):
        if items.count() == count:
            return
        page.locator("#q-map .leaflet-control-zoom-out").click()
        page.wait_for_timeout(300)  # Leaflet's zoom animation (0.25 s) settles
    expect(items).to_have_count(count)


def test_markers_are_clustered_and_the_list_follows_the_view(visit: Visit, base: str) -> None:
    entries = _entries()
    settings = yaml.safe_load((SAMPLE / "directory.yaml").read_text("utf-8"))
    page = _open_map(visit, base)
    assert page.get_attribute("#q-map", "data-markers") == str(len(entries))
    # The first area's view holds its businesses in clusters: fewer markers than businesses.
    clusters = page.locator("#q-map .q-cluster")
    expect(clusters.first).to_be_visible()
    counts = [int(t) for t in clusters.all_inner_texts()]
    assert all(n >= 2 for n in counts)
    labels = [clusters.nth(i).get_attribute("aria-label") for i in range(clusters.count())]
    assert labels == [f"{n} businesses here: zoom in" for n in counts]
    areas = settings["areas"][:2]
    for i, area in enumerate(areas):
        if i:  # the map opens on the first area; the buttons move to the others
            page.locator(".q-area", has_text=area["name"]).click()
        inside = _inside(entries, area["bbox"])
        elsewhere = _inside(entries, areas[1 - i]["bbox"])
        assert inside and elsewhere, area["id"]
        # The view holds the area (and a margin): its businesses, not the other area's.
        page.wait_for_function(
            "n => document.querySelectorAll('#q-map-list li').length >= n", arg=len(inside)
        )
        listed = _listed(page)
        assert inside <= listed and not listed & elsewhere, (area["id"], listed)
        expect(page.locator("#q-map-count")).to_have_text(
            f"Businesses in this view: {page.locator('#q-map-list li').count()}."
        )
    # A cluster opens with the keyboard: Enter on it zooms in, until single pins show.
    page.locator(".q-area", has_text=settings["areas"][0]["name"]).click()
    expect(clusters.first).to_be_visible()
    before = page.locator("#q-map .q-pin").count()
    clusters.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#q-map .q-pin').length > n", arg=before)
    visit.screenshot("map.png")
    assert visit.own_errors() == []


def test_closed_businesses_are_marked_in_the_list_marker_and_popup(visit: Visit, base: str) -> None:
    entries = _entries()
    page = _open_map(visit, base)
    _zoom_out_until_listed(page, len(entries))  # both areas in view
    labels = {
        "temporarily_closed": "Temporarily closed",
        "permanently_closed": "Permanently closed",
    }
    closed = {i: e["status"] for i, e in entries.items() if e.get("status") in labels}
    assert set(closed.values()) == set(labels)  # the sample has one of each
    for item in page.locator("#q-map-list li").all():
        entry_id = (item.locator("a").get_attribute("href") or "").split("/")[-2]
        badge = item.locator(".q-status")
        if entry_id in closed:
            # In words, not by colour alone.
            expect(badge).to_have_text(labels[closed[entry_id]])
        else:
            expect(badge).to_have_count(0)
    for entry_id, status in closed.items():
        name = entries[entry_id]["name"]
        _zoom_out_until_listed(page, len(entries))
        _show(page, entry_id, name)
        marker = page.locator(f'#q-map .q-pin[title="{name} ({labels[status]})"]')
        expect(marker).to_be_visible()
        expect(marker).to_have_class(re.compile(rf"\bq-pin--{status}\b"))
        expect(page.locator(".leaflet-popup-content .q-status")).to_have_text(labels[status])
        visit.screenshot(f"map-{status}.png")
    open_id = next(i for i, e in sorted(entries.items()) if e.get("status", "open") == "open")
    _zoom_out_until_listed(page, len(entries))
    _show(page, open_id, entries[open_id]["name"])
    marker = page.locator(f'#q-map .q-pin--open[title="{entries[open_id]["name"]}"]')
    expect(marker).to_be_visible()
    expect(page.locator(".leaflet-popup-content .q-status")).to_have_count(0)
    assert visit.own_errors() == []


def test_popup_has_name_category_photo_and_link(visit: Visit, base: str) -> None:
    entries = _entries()
    page = _open_map(visit, base)
    entry_id, entry = next(
        (i, e) for i, e in sorted(entries.items()) if any("file" in m for m in e.get("images", []))
    )
    _show(page, entry_id, entry["name"])
    popup = page.locator(".leaflet-popup-content")
    link = popup.locator("a.q-popup__name")
    expect(link).to_have_attribute("href", f"../businesses/{entry_id}/")
    # The popup's link has the focus: a keyboard user is where the list's button sent them.
    assert page.evaluate("document.activeElement.className") == "q-popup__name"
    photo = popup.locator("img.q-popup__photo")
    expect(photo).to_have_attribute("src", re.compile(rf"^\.\./photos/{entry_id}/.+-480\.jpg$"))
    page.wait_for_function(
        "() => document.querySelector('.q-popup__photo').naturalWidth > 0", timeout=TIMEOUT_MS
    )
    assert photo.get_attribute("alt") == ""  # beside the name, which says what it is
    expect(popup.locator(".q-small")).to_have_text(re.compile(r"\S"))
    link.click()
    expect(page.locator("h1")).to_have_text(entry["name"])
    assert visit.own_errors() == []


def test_markers_and_clusters_are_tap_sized_and_apart(visit: Visit, base: str) -> None:
    """Every marker and cluster is a 44x44 target that keeps 24x24 of its own (WCAG 2.2 2.5.8)."""
    page = _open_map(visit, base)
    seen_pins = 0
    for _ in range(8):  # from the area's view, into clusters, down to single pins
        page.wait_for_timeout(500)  # Leaflet's zoom animation (0.25 s) settles
        targets = page.evaluate(_TARGETS)
        assert targets
        for t in targets:
            assert min(t["w"], t["h"]) > MIN_TARGET - 0.5, t  # during a zoom: 43.99997
            assert t["name"], t  # each has an accessible name
        # Neighbours may overlap a little, never so much that a target keeps less than
        # 24x24 px of its own (axe's target-size rule: "partially obscured").
        for i, a in enumerate(targets):
            for b in targets[i + 1 :]:
                dx = abs((a["x"] + a["w"] / 2) - (b["x"] + b["w"] / 2))
                dy = abs((a["y"] + a["h"] / 2) - (b["y"] + b["h"] / 2))
                assert max(dx, dy) >= 24, (a, b)
        seen_pins += sum("q-pin" in t["cls"] for t in targets)
        cluster = next((t for t in targets if "q-cluster" in t["cls"]), None)
        if cluster is None:
            break
        page.mouse.click(cluster["x"] + cluster["w"] / 2, cluster["y"] + cluster["h"] / 2)
    assert seen_pins
    assert visit.own_errors() == []


def test_the_map_works_without_tiles(visit: Visit, base: str) -> None:
    """The tile server is unreachable (every request off loopback is aborted)."""
    entries = _entries()
    page = _open_map(visit, base)
    expect(page.locator("#q-map .q-cluster").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    tiles = [u for u in visit.aborted if urlsplit(u).hostname == "tile.openstreetmap.org"]
    assert tiles, visit.aborted  # the map asked for tiles, and got none
    assert page.locator("#q-map .leaflet-tile-loaded").count() == 0
    # A click on a cluster zooms in: the cluster gives way to what it held.
    cluster = next(t for t in page.evaluate(_TARGETS) if "q-cluster" in t["cls"])
    handle = page.locator(f'#q-map .q-cluster[aria-label="{cluster["name"]}"]').first
    icon = handle.element_handle()
    page.mouse.click(cluster["x"] + cluster["w"] / 2, cluster["y"] + cluster["h"] / 2)
    page.wait_for_function("el => !el.isConnected", arg=icon)
    # The list opens a popup on the plain background.
    listed = page.locator("#q-map-list .q-map-show").first.get_attribute("data-id")
    assert listed in entries
    _show(page, listed, entries[listed]["name"])
    assert visit.own_errors() == []


def test_hostile_names_stay_text_in_the_list_markers_and_popups(
    visit: Visit, hostile_base: str
) -> None:
    names = {e["name"] for e in _hostile_entries().values()}
    page = _open_map(visit, hostile_base)
    _nothing_ran(visit, loaded=True)
    _zoom_out_until_listed(page, len(names))
    assert _listed(page) == names
    _nothing_ran(visit)
    buttons = page.locator("#q-map-list .q-map-show")
    for i in range(buttons.count()):
        label = buttons.nth(i).get_attribute("aria-label") or ""
        name = label.removeprefix("Show on map: ")
        assert name in names
        buttons.nth(i).click()
        popup = page.locator(".leaflet-popup-content .q-popup__name")
        expect(popup).to_have_count(1)  # the previous one fades out
        expect(popup).to_have_text(name)
        _nothing_ran(visit)
        _zoom_out_until_listed(page, len(names))  # back to a view that lists them all
    visit.screenshot("hostile-map.png")
    assert visit.own_errors() == []


def test_map_on_a_phone(browser: Any, base: str) -> None:
    """On a phone's width the map, its clusters and the list fit; a screenshot for a person."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    try:
        page = context.new_page()
        page.goto(base + "/map/")
        page.wait_for_selector("#q-map[data-markers]", timeout=TIMEOUT_MS)
        expect(page.locator("#q-map .q-cluster").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-phone.png"), full_page=True)
    finally:
        context.close()
