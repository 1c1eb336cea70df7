"""The search index in pieces, merged in a real browser (Chromium) over loopback HTTP.

The sample is built twice: with one index, and with pieces of three pages
(five Pagefind indexes that the site's script merges with Pagefind's
multisite search, see :mod:`quartier.site.search_index`). The same searches
must give the same results, links, counts and filters in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from quartier.site import search_index

from . import test_site_browser as site_browser
from .site_support import build_into
from .test_site_browser import (
    Visit,
    _count,
    _entries,
    _search,
    _search_with_filters,
    playwright_api,
)

# The browser, the tab and the loopback server of the site's browser tests, as fixtures here too.
browser = site_browser.browser
serve = site_browser.serve
visit = site_browser.visit

PIECE = 3


@pytest.fixture(scope="module")
def sites(
    sample_root: Path, tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Path], str]
) -> dict[str, str]:
    """The sample built with one index and in pieces, served on loopback: kind -> address."""
    one = build_into(sample_root, tmp_path_factory.mktemp("one") / "_site")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "PIECE_PAGES", PIECE)
        pieces = build_into(sample_root, tmp_path_factory.mktemp("pieces") / "_site")
    assert not (one / "pagefind" / "1").exists()
    assert (pieces / "pagefind" / "4" / "pagefind-entry.json").is_file()
    return {"one": serve(one), "pieces": serve(pieces)}


def _all_results(v: Visit) -> list[tuple[str, str]]:
    """(name, path of the link) of every result, after showing them all."""
    page = v.page
    more = page.locator(".pagefind-ui__button", has_text=re.compile("more", re.I))
    message = page.locator(".pagefind-ui__message")
    total = _count(message)
    links = page.locator(".pagefind-ui__result-link")
    while more.count():
        more.click()
    playwright_api.expect(links).to_have_count(total)
    found = links.evaluate_all("els => els.map(e => [e.innerText.trim(), e.href])")
    return sorted((name, urlsplit(href).path) for name, href in found)


# True once the panel's place counts add up to the result count: the search's own counts.
SEARCH_COUNTS_SHOWN = """() => {
    const message = document.querySelector(".pagefind-ui__message");
    const total = message ? parseInt(message.innerText, 10) : NaN;
    let sum = 0;
    for (const box of document.querySelectorAll(
        '.pagefind-ui__filter-panel input.pagefind-ui__filter-checkbox[name="place"]'
    )) {
        const label = box.nextElementSibling ? box.nextElementSibling.textContent : "";
        const m = label.match(/\\((\\d+)\\)\\s*$/);
        sum += m ? parseInt(m[1], 10) : 0;
    }
    return total > 0 && sum === total;
}"""


def _filters(v: Visit, base: str, query: str) -> list[str]:
    """Search ``query`` with the filter panel, then every value of every filter with its
    count, as the panel shows them for the search.

    The panel first lists the whole directory's counts and replaces them when the
    search's own arrive; reading it in between once compared one site's totals with
    the other's counts for "Bern" (CI, stop 18). Every business has one place, so the
    search's counts have arrived when the place counts add up to the result count. In a
    full run Pagefind's interface once kept the totals for 30 s after the results
    (its filter list loaded after the search); a new page load then shows the counts,
    as _search_with_filters does for a missing filter. Three loads at most.
    """
    panel = v.page.locator(".pagefind-ui__filter-panel")
    for attempt in range(3):
        _search_with_filters(v, base, query, 2)
        try:
            v.page.wait_for_function(SEARCH_COUNTS_SHOWN, timeout=15_000)
            break
        except playwright_api.Error:
            if attempt == 2:
                raise
    groups = panel.locator("details.pagefind-ui__filter-block")
    for i in range(groups.count()):
        if not groups.nth(i).evaluate("details => details.open"):
            groups.nth(i).locator(".pagefind-ui__filter-name").click()
    labels = panel.locator("input.pagefind-ui__filter-checkbox + label")
    playwright_api.expect(labels.first).to_be_visible()
    return sorted(t.strip() for t in labels.all_inner_texts())


@pytest.mark.parametrize("query", ["Bern", "Sauerteigbrot", "repair", "Café"])
def test_pieces_find_what_one_index_finds(visit: Visit, sites: dict[str, str], query: str) -> None:
    found = {}
    for kind, base in sites.items():
        _search(visit, base, query)
        found[kind] = _all_results(visit)
    assert found["one"], query
    # Everything one index finds, the pieces find. They may find more: a piece without
    # the whole word falls back to pages with a shorter form of it ("Sauerteig" for
    # "Sauerteigbrot"), which one index holding the whole word does not (Pagefind's way).
    assert set(found["one"]) <= set(found["pieces"])
    # Every link leads to the business's own page, served.
    for _, path in found["pieces"]:
        assert re.fullmatch(r"/businesses/[a-z0-9-]+/", path), path
    assert visit.own_errors() == []


def test_every_piece_is_merged(visit: Visit, sites: dict[str, str]) -> None:
    entry = _entries()["holzofebeck-breitsch"]  # the 4th id: in piece 1, not the main index
    _search(visit, sites["pieces"], "Sauerteigbrot")
    assert (entry["name"], "/businesses/holzofebeck-breitsch/") in _all_results(visit)
    fetched = {urlsplit(url).path for url in visit.requests}
    for number in range(1, 5):
        assert f"/pagefind/{number}/pagefind-entry.json" in fetched, sorted(fetched)
    # Merged pieces are read with the main index's code: they ship none of their own.
    assert not [p for p in fetched if re.match(r"/pagefind/\d+/.*\.(js|css|pagefind)$", p)]
    assert visit.own_errors() == []


def test_filters_count_the_whole_directory(visit: Visit, sites: dict[str, str]) -> None:
    shown = {}
    for kind, base in sites.items():
        shown[kind] = _filters(visit, base, "Bern")
    assert shown["pieces"] == shown["one"]
    assert any(re.fullmatch(r"Café \([2-9]\)", label) for label in shown["pieces"]), shown
    # Narrowing by a category keeps exactly its businesses, from every piece.
    bern_cafes = {
        e["name"]
        for e in _entries().values()
        if e["location"]["address"]["locality"] == "Bern"
        and "cafe" in [e["category"], *e.get("categories", [])]
    }
    panel = visit.page.locator(".pagefind-ui__filter-panel")
    panel.locator('input.pagefind-ui__filter-checkbox[name="category"][value="Café"]').check(
        force=True
    )
    message = visit.page.locator(".pagefind-ui__message")
    playwright_api.expect(message).to_have_text(re.compile(rf"^{len(bern_cafes)} results? for"))
    assert {name for name, _ in _all_results(visit)} == bern_cafes
    assert visit.own_errors() == []
