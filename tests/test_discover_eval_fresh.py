"""Search and partner quality on two more outsiders' sets, written after the first was tuned on.

Each was written from a brief by someone who never saw the matcher (its
BRIEF.md is beside it), while others changed the matcher without seeing it;
the expectations are never edited:

- ``tests/eval/fresh`` (Fribourg/Freiburg and San Antonio: 74 businesses, 106
  queries, 53 partner pairs), measured blind twice, then tuned on for partners;
- ``tests/eval/third`` (Lugano, Bellinzona and Montréal: 83 businesses, 108
  queries, 49 pairs), measured blind, never tuned on for partners (three
  search faults its queries showed were fixed in general: see
  tests/eval/RESULTS.md, which has every figure and when it was taken).

The thresholds are the figures reached, rounded down. A failing threshold
prints the set's misses; ``python -m tests.eval_support --fresh --third -v``
prints them on purpose, so no one tuning reads them by chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from quartier.discover import Index

from .eval_support import (
    FRESH,
    THIRD,
    EvalSet,
    Figures,
    bm25_rankers,
    fresh_set,
    open_copy,
    partner_figures,
    quartier_rankers,
    third_set,
    with_embeddings,
)
from .test_discover_eval import figures


@dataclass(frozen=True)
class Reached:
    """What the lexical matcher reached on a set (2026-11-26), rounded down."""

    businesses: int
    queries: int
    pairs: int
    hit_at_5: float
    mrr: float
    must_not_violations: int
    partner_recall_at_5: float
    partner_margin_over_bm25: float
    partner_recall_with_embeddings: float  # the `embeddings` extra, fused with the lexical


# The targets: hit@5 0.95 with no must-not violation, MRR 0.85, partner recall@5 0.85
# and 0.3 above BM25. On the third set (partners never tuned on; blind figure 0.449 before
# partners looked past an area's border) hit@5, must-not and lexical partner recall are not
# reached; with the embeddings extra partner recall is; see tests/eval/RESULTS.md.
SETS = {
    "fresh": (FRESH, fresh_set, Reached(64, 60, 32, 0.96, 0.91, 2, 0.92, 0.67, 0.96)),
    "third": (THIRD, third_set, Reached(70, 70, 45, 0.93, 0.89, 5, 0.69, 0.59, 0.85)),
}


@pytest.fixture(scope="module", params=sorted(SETS))
def outsider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[EvalSet, Index, Reached]:
    root, load, reached = SETS[request.param]
    return load(), open_copy(root, tmp_path_factory.mktemp(request.param) / "repo"), reached


def test_the_set_is_what_its_brief_asked_for(outsider: tuple[EvalSet, Index, Reached]) -> None:
    """The sizes the brief asked for, and no expectation naming a business that does not exist."""
    s, _index, reached = outsider
    ids = set(s.entries())
    assert len(ids) >= reached.businesses
    assert len(s.queries) >= reached.queries and len(s.pairs) >= reached.pairs
    for q in s.queries:
        assert q["expect"] and set(q["expect"]) | set(q.get("must_not") or ()) <= ids, q
    assert {x for pair in s.pairs for x in pair} <= ids
    assert (Path(s.root) / "BRIEF.md").is_file()


def test_search(outsider: tuple[EvalSet, Index, Reached]) -> None:
    s, index, reached = outsider
    f = figures(s, index)
    print(
        f"{s.name} search: {f.queries} queries, hit@5 {f.hit_at_5:.3f}, MRR {f.mrr:.3f}, "
        f"must-not violations {f.must_not_violations}"
    )
    assert f.hit_at_5 >= reached.hit_at_5, f.misses
    assert f.mrr >= reached.mrr, f.misses
    assert f.must_not_violations <= reached.must_not_violations, f.misses


def test_partners_beat_bm25(outsider: tuple[EvalSet, Index, Reached]) -> None:
    s, index, reached = outsider
    f = figures(s, index)
    base = partner_figures(bm25_rankers(s.entries())[1], s.pairs, Figures())
    print(
        f"{s.name} partners: {f.pairs} pairs, recall@5 {f.partner_recall_at_5:.3f} "
        f"(BM25 {base.partner_recall_at_5:.3f})"
    )
    assert f.partner_recall_at_5 >= reached.partner_recall_at_5, f.misses
    margin = f.partner_recall_at_5 - base.partner_recall_at_5
    assert margin >= reached.partner_margin_over_bm25, f.misses


@pytest.mark.skipif(not with_embeddings(), reason="the embeddings extra is not installed")
def test_partners_with_embeddings(outsider: tuple[EvalSet, Index, Reached]) -> None:
    s, index, reached = outsider
    f = partner_figures(quartier_rankers(index, embeddings=True)[1], s.pairs, Figures())
    print(f"{s.name} partners with embeddings: recall@5 {f.partner_recall_at_5:.3f}")
    assert f.partner_recall_at_5 >= reached.partner_recall_with_embeddings, f.misses
