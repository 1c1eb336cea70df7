"""The taxonomy's words each business page carries for the site's search box (search_terms.py)."""

from __future__ import annotations

from pathlib import Path

from quartier.site.search_terms import category_terms
from quartier.taxonomy import load_taxonomy

from .site_support import build_into


def _taxonomy():  # type: ignore[no-untyped-def]
    taxonomy, problems = load_taxonomy()
    assert taxonomy is not None, problems
    return taxonomy


def test_terms_hold_every_language_and_regional_word_once() -> None:
    taxonomy = _taxonomy()
    bakery = taxonomy.get("bakery")
    assert bakery is not None
    terms = category_terms(taxonomy, ["bakery", "bakery"]).split(", ")
    for lang, label in bakery.labels.items():
        assert label in terms, lang
    for lang, words in bakery.synonyms.items():  # gsw and es-US included
        for word in words:
            assert word.casefold() in {t.casefold() for t in terms}, (lang, word)
    assert len({t.casefold() for t in terms}) == len(terms)


def test_unknown_category_adds_nothing_and_groups_are_not_added() -> None:
    taxonomy = _taxonomy()
    assert category_terms(taxonomy, ["no_such_category"]) == ""
    bakery = category_terms(taxonomy, ["bakery"]).split(", ")
    group = taxonomy.get("food_drink")
    assert group is not None
    assert group.labels["en"] not in bakery


def test_business_page_carries_hidden_terms_escaped(sample_root: Path, tmp_path: Path) -> None:
    out = build_into(sample_root, tmp_path / "_site")
    html = (out / "businesses" / "holzofebeck-breitsch" / "index.html").read_text("utf-8")
    block = html.split('<p class="q-search-terms" hidden>', 1)[1].split("</p>", 1)[0]
    for word in ("Brot", "pain", "Panadería", "Gipfeli"):
        assert word in block
    # Inside the indexed article, hidden from view and screen readers.
    article = html.split('<article class="q-business" data-pagefind-body', 1)[1]
    assert article.index('class="q-search-terms" hidden') < article.index("</article>")
