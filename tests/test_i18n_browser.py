"""The site in French and Italian in a real browser (Chromium), with screenshots to look at.

What the static tests of :mod:`tests.test_i18n` cannot see is drawn in the
visitor's browser: Pagefind's search interface (its own strings come with
Pagefind, chosen by ``<html lang>``), the map's buttons and markers, the
open-now badge. Each language's home page and a business page are checked
for English and saved as full-page screenshots in ``tests/artifacts/``
(``fr-home.png``, ``it-business.png``, ...) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from quartier.site.i18n import strings

from . import test_site_browser as site_browser
from .test_i18n import build_in_language, english_left_over
from .test_site_browser import TIMEOUT_MS, Visit, playwright_api

# The browser and the loopback server of the site's browser tests, as fixtures here too.
browser = site_browser.browser
serve = site_browser.serve

BUSINESS = "velowerk-lorraine"
LANGUAGES = ("fr", "it")
# Pagefind's own count of results for "Bern", in its French and Italian.
RESULTS = {"fr": r"^\d+ résultats? pour Bern$", "it": r"^\d+ risultat[oi] per Bern$"}

# What a visitor reads, as text: text nodes and the attributes browsers show or speak,
# outside code and outside elements in another language (what a business wrote in it).
# Search results are left out too: their titles, excerpts and summaries are the businesses'
# text (the label of a summary is checked on its own).
_READ = r"""() => {
  const page = document.documentElement.lang;
  const attrs = ["title", "aria-label", "alt", "placeholder"];
  const others = "script, style, code, pre, "
    + ".pagefind-ui__result-title, .pagefind-ui__result-excerpt, .pagefind-ui__result-tag";
  const skip = (el) => {
    if (!el || el.closest(others)) return true;
    const lang = el.closest("[lang]");
    return lang !== null && lang.lang !== page;
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!skip(node.parentElement)) out.push(node.textContent);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (skip(el)) continue;
    for (const name of attrs) {
      if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  return out.join(" ").split(/\s+/).join(" ");
}"""


@pytest.fixture(scope="module")
def bases(
    sample_root: Path, tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Path], str]
) -> Iterator[dict[str, str]]:
    """The sample built in each language, served on loopback: language -> address."""
    yield {
        lang: serve(build_in_language(sample_root, tmp_path_factory.mktemp(lang), lang))
        for lang in LANGUAGES
    }


def _pagefind_english(site_js: str) -> dict[str, str]:
    """Pagefind's English interface strings, read from the pagefind-ui.js the build wrote."""
    match = re.search(r'\{placeholder:"Search",(.*?)\}', site_js)
    assert match, "Pagefind's English strings are not where they were (pagefind-ui.js changed)"
    english = dict(re.findall(r'(\w+):"([^"]*)"', match.group(0)))
    assert english["many_results"] == "[COUNT] results for [SEARCH_TERM]", english
    return english


def _english_from_pagefind(text: str, english: dict[str, str]) -> list[str]:
    """Pagefind's English strings found in ``text``, cut at their [PLACEHOLDERS]."""
    found = []
    for key, value in english.items():
        for piece in re.split(r"\[\w+\]", value):
            piece = piece.strip(" .:")
            if re.search(r"[A-Za-z]{3}", piece) and re.search(
                rf"(?<!\w){re.escape(piece)}(?!\w)", text
            ):
                found.append(f"pagefind {key}: {piece!r}")
    return found


def _read(visit: Visit) -> str:
    return str(visit.page.evaluate(_READ))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_page_and_search_are_in_the_site_language(
    lang: str, bases: dict[str, str], browser: Any
) -> None:
    t = strings(lang)
    visit = Visit(browser)
    try:
        page = visit.page
        page.goto(bases[lang] + "/")
        assert page.get_attribute("html", "lang") == lang
        box = page.locator("#q-search input.pagefind-ui__search-input")
        playwright_api.expect(box).to_be_visible()
        playwright_api.expect(box).to_have_attribute("placeholder", t["search_placeholder"])
        page.wait_for_load_state("networkidle")
        assert page.locator(".q-groups a").count() > 0
        english = _pagefind_english(
            page.request.get(bases[lang] + "/pagefind/pagefind-ui.js").text()
        )
        text = _read(visit)
        assert english_left_over(lang, text) + _english_from_pagefind(text, english) == [], text
        visit.screenshot(f"{lang}-home.png")

        # A search: Pagefind's message, buttons and filter names, in the language.
        box.fill("Bern")
        message = page.locator(".pagefind-ui__message")
        playwright_api.expect(message).to_have_text(re.compile(RESULTS[lang]))
        filters = page.locator(".pagefind-ui__filter-panel .pagefind-ui__filter-name")
        playwright_api.expect(filters).to_have_count(2, timeout=30_000)
        # Pagefind's styles capitalise the names it shows.
        shown = {n.strip().casefold() for n in filters.all_inner_texts()}
        assert shown == {t["filter_category"].casefold(), t["filter_place"].casefold()}
        # Each result's excerpt is the business's summary, shown once (not again as a tag).
        excerpts = page.locator(".pagefind-ui__result-excerpt")
        playwright_api.expect(excerpts.first).to_be_visible()
        assert page.locator(".pagefind-ui__result-tag:visible").count() == 0
        page.wait_for_load_state("networkidle")
        text = _read(visit)
        assert english_left_over(lang, text) + _english_from_pagefind(text, english) == [], text
        visit.screenshot(f"{lang}-search.png")
        assert visit.own_errors() == []
        assert visit.dialogs == []
    finally:
        visit.context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_business_page_is_complete_and_in_the_site_language(
    lang: str, bases: dict[str, str], browser: Any
) -> None:
    t = strings(lang)
    visit = Visit(browser)
    try:
        page = visit.page
        page.goto(f"{bases[lang]}/businesses/{BUSINESS}/")
        assert page.get_attribute("html", "lang") == lang
        # The small map has its marker (tiles are refused: the site works without them).
        playwright_api.expect(page.locator('.q-map--small[data-markers="1"]')).to_have_count(1)
        marker = page.locator(".q-map--small .leaflet-marker-icon")
        playwright_api.expect(marker).to_be_visible()
        name = page.locator("h1").inner_text().strip()
        assert marker.get_attribute("title") == name  # its accessible name (a CSS pin, no image)
        playwright_api.expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute(
            "title", t["zoom_in"]
        )
        playwright_api.expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute(
            "title", t["zoom_out"]
        )
        badge = page.locator(".q-open-now")
        playwright_api.expect(badge).to_be_visible()
        # "Open now", "Closed now", or "Closed now, opens <when>" in the site's language.
        shown = badge.inner_text().strip()
        opens = t["closed_now_opens"].split("{when}")[0]
        assert shown in (t["open_now"], t["closed_now"]) or shown.startswith(opens), shown
        hours = page.locator("table.q-hours").inner_text()
        assert all(t.day(day) in hours for day in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"))
        page.wait_for_load_state("networkidle")
        text = _read(visit)
        assert english_left_over(lang, text) == [], text
        visit.screenshot(f"{lang}-business.png")
        # The marker's popup: its close button speaks the language too.
        marker.click()
        playwright_api.expect(page.locator(".leaflet-popup-content")).to_have_text(name)
        close = page.locator(".leaflet-popup-close-button")
        playwright_api.expect(close).to_have_attribute("aria-label", t["close_popup"])
        assert visit.own_errors() == []
        assert visit.dialogs == []
    finally:
        visit.context.close()


def test_the_map_page_and_its_list_are_in_the_site_language(
    bases: dict[str, str], browser: Any
) -> None:
    t = strings("fr")
    visit = Visit(browser)
    try:
        page = visit.page
        page.goto(bases["fr"] + "/map/")
        page.wait_for_selector("#q-map[data-markers]", timeout=TIMEOUT_MS)
        playwright_api.expect(page.locator("#q-map-list li").first).to_be_visible()
        playwright_api.expect(page.locator("#q-map .leaflet-control-zoom-in")).to_have_attribute(
            "aria-label", t["zoom_in"]
        )
        page.wait_for_load_state("networkidle")
        text = _read(visit)
        assert english_left_over("fr", text) == [], text
        visit.screenshot("fr-map.png")
        assert visit.own_errors() == []
    finally:
        visit.context.close()
