"""A business page on a phone (390 x 844, Chromium): the first screen answers first.

What (name, lead photo), open now, where and how to reach: the status line,
the address and every contact link lie within the first viewport, without
scrolling; and no ``h2``/``h3`` of any sample business page stands over
nothing. The site is the sample's, served on loopback; other hosts are refused.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .site_support import build_into, entry_ids

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: browser tests need it", allow_module_level=True)
pytest.importorskip("mkdocs", reason="the site needs the site extra: pip install 'quartier[site]'")
playwright_api = pytest.importorskip("playwright.sync_api")
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).parent / "artifacts" / "screenshots"

# Every element's box, measured in the page: is it inside the first viewport?
_IN_FIRST_SCREEN = """els => els.map(e => {
  const r = e.getBoundingClientRect();
  return {text: e.textContent.trim(), top: r.top, bottom: r.bottom, height: r.height,
          inside: r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight};
})"""
# A heading with nothing after it before the next heading of its level or higher.
_EMPTY_HEADINGS = """() => {
  const all = [...document.querySelectorAll("article h2, article h3")];
  const level = h => Number(h.tagName[1]);
  return all.filter(h => {
    let n = h.nextElementSibling;
    if (!n) return true;
    if (/^H[1-6]$/.test(n.tagName)) return level(n) <= level(h);
    return n.textContent.trim() === "" && !n.querySelector("img, table, iframe, .q-map");
  }).map(h => h.textContent.trim());
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_into(sample_root, tmp_path_factory.mktemp("site") / "_site")
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def phone(base: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)

        def local_only(route: Any) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                route.abort()

        context.route("**/*", local_only)
        yield context.new_page()
        browser.close()


@pytest.mark.parametrize("entry_id", ["velowerk-lorraine", "erdwerk-keramik", "tidepool-records"])
def test_first_screen_answers_what_open_where_and_how_to_reach(
    phone: Any, base: str, entry_id: str
) -> None:
    phone.goto(f"{base}/businesses/{entry_id}/")
    phone.wait_for_load_state("load")
    status = phone.locator(".q-open-now, .q-status-line")
    playwright_api.expect(status).to_have_count(1)
    playwright_api.expect(status).to_be_visible()  # the open-now line is filled by script
    boxes = phone.eval_on_selector_all(
        "h1, .q-lead-photo img, .q-open-now, .q-status-line, .q-where, .q-reach a", _IN_FIRST_SCREEN
    )
    assert len(boxes) >= 5, boxes
    assert [b for b in boxes if not b["inside"]] == []
    taps = phone.eval_on_selector_all(".q-reach a", _IN_FIRST_SCREEN)
    assert taps and all(b["height"] >= 44 for b in taps), taps
    if entry_id == "velowerk-lorraine":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "business-phone-first-screen.png"))


def test_no_heading_stands_over_nothing(phone: Any, base: str) -> None:
    empty = {}
    for entry_id in entry_ids():
        phone.goto(f"{base}/businesses/{entry_id}/")
        if found := phone.evaluate(_EMPTY_HEADINGS):
            empty[entry_id] = found
    assert empty == {}
