"""Discovery evaluation: the sets, the metrics, and a plain BM25 baseline on the same data.

Used by ``tests/test_discover_eval.py`` (CI thresholds) and run by hand to print
the figures recorded in ``tests/eval/RESULTS.md`` and the README::

    .venv/bin/python -m tests.eval_support            # held-out sets
    .venv/bin/python -m tests.eval_support --dev      # the outsider's dev set too
    .venv/bin/python -m tests.eval_support --fresh    # the second outsider's set too
    .venv/bin/python -m tests.eval_support --third    # the third outsider's set too

Four sets, each a directory with its queries and partner pairs:

- ``sample``: the sample entries (``tests/fixtures/sample``) with
  ``tests/eval/queries.yaml`` and ``partners.yaml``;
- ``outsider``: ``tests/eval/outsider`` (92 businesses written by someone who
  never saw the matcher, see its BRIEF.md), held-out ``queries.yaml`` and
  ``partners.yaml``, and ``dev/`` for tuning. Its expectations are never edited.
- ``fresh``: ``tests/eval/fresh`` (a second outsider's directory, Fribourg and San
  Antonio, written blind after the first set had been tuned on, see its BRIEF.md):
  measured blind twice (tests/eval/RESULTS.md), then used for tuning partners;
- ``third``: ``tests/eval/third`` (a third outsider's, Ticino and Montréal, written
  blind while the second was tuned on): only ever reported, never tuned on.

Quartier's partners are measured lexical only, and, when the ``embeddings`` extra is
installed, as "Quartier + USE" (fused with sentence embeddings; search is the same).

Metrics (K = 5): hit@5 (one of ``expect`` among the first five), MRR (of the
first expected id, 0 past five), must-not violations (queries with one of
``must_not`` among the first five) and partner recall@5 (pairs whose provider is
among the seeker's first five partners).

The baseline is what a plain keyword search does with the same words:
BM25 (``rank_bm25.BM25Okapi``, its defaults) over each business's own text
(name, summary, description, story, offerings, offers, address and notes, in
every language it is written in), lower-cased words, no stemming, no stop
words, no taxonomy; the structured options of a query (near, open_at,
wheelchair...) are not applied, and only businesses with a positive score are
listed. For partners, each of the seeker's needs is a query against every
other business's text, a business scoring the best of its needs.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

TESTS = Path(__file__).parent
EVAL = TESTS / "eval"
OUTSIDER = EVAL / "outsider"
FRESH = EVAL / "fresh"
THIRD = EVAL / "third"
SAMPLE = TESTS / "fixtures" / "sample"
NOW = datetime(2026, 11, 24, 12, 0)  # a Tuesday, local time at each business
K = 5

Ranker = Callable[[dict[str, Any]], list[str]]
PartnerRanker = Callable[[str], list[str]]


@dataclass
class Figures:
    """The figures of one matcher on one set, with what it missed (for a failing test's message)."""

    queries: int = 0
    hit_at_5: float = 0.0
    mrr: float = 0.0
    must_not_violations: int = 0
    pairs: int = 0
    partner_recall_at_5: float = 0.0
    misses: list[str] = field(default_factory=list)

    def row(self, name: str) -> str:
        """One Markdown table row: name, queries, hit@5, MRR, must-not, pairs, recall@5."""
        return (
            f"| {name} | {self.queries} | {self.hit_at_5:.3f} | {self.mrr:.3f} | "
            f"{self.must_not_violations} | {self.pairs} | {self.partner_recall_at_5:.3f} |"
        )


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def search_figures(rank: Ranker, queries: list[dict[str, Any]], figures: Figures) -> Figures:
    """Fill ``figures`` with hit@5, MRR and must-not violations of ``rank`` over ``queries``."""
    hits, rr, bad = 0, 0.0, 0
    for q in queries:
        top = rank(q)[:K]
        rank_of = next((i for i, x in enumerate(top) if x in q["expect"]), None)
        wrong = [x for x in top if x in (q.get("must_not") or ())]
        if wrong:
            bad += 1
            figures.misses.append(f"must_not {wrong}: {q['query']!r} -> {top}")
        if rank_of is None:
            figures.misses.append(f"miss {q['query']!r} expected {q['expect']} -> {top}")
            continue
        hits += 1
        rr += 1 / (rank_of + 1)
    figures.queries = len(queries)
    figures.hit_at_5 = hits / len(queries)
    figures.mrr = rr / len(queries)
    figures.must_not_violations = bad
    return figures


def partner_figures(rank: PartnerRanker, pairs: list[list[str]], figures: Figures) -> Figures:
    """Fill ``figures`` with the recall@5 of ``rank`` over ``[seeker, provider]`` pairs."""
    found = 0
    cache: dict[str, list[str]] = {}
    for seeker, provider in pairs:
        if seeker not in cache:
            cache[seeker] = rank(seeker)[:K]
        if provider in cache[seeker]:
            found += 1
        else:
            figures.misses.append(f"partner {seeker} -> {provider} not in {cache[seeker]}")
    figures.pairs = len(pairs)
    figures.partner_recall_at_5 = found / len(pairs)
    return figures


# -- the sets


@dataclass
class EvalSet:
    """A directory and its queries and pairs; ``root`` holds directory.yaml and entries/."""

    name: str
    root: Path
    queries: list[dict[str, Any]]
    pairs: list[list[str]]

    def entries(self) -> dict[str, dict[str, Any]]:
        """Every entry of the directory by id, read as plain YAML."""
        out = {}
        for path in sorted((self.root / "entries").rglob("*.yaml")):
            e = yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)
            out[e["id"]] = e
        return out


def sample_set() -> EvalSet:
    return EvalSet("sample", SAMPLE, load(EVAL / "queries.yaml"), load(EVAL / "partners.yaml"))


def outsider_set(dev: bool = False) -> EvalSet:
    folder = OUTSIDER / "dev" if dev else OUTSIDER
    return EvalSet(
        "outsider dev" if dev else "outsider held-out",
        OUTSIDER,
        load(folder / "queries.yaml"),
        load(folder / "partners.yaml"),
    )


def fresh_set() -> EvalSet:
    """The second outsider's set (measured blind, then tuned on; no dev part)."""
    return EvalSet("fresh", FRESH, load(FRESH / "queries.yaml"), load(FRESH / "partners.yaml"))


def third_set() -> EvalSet:
    """The third outsider's set: reported only, never tuned on (no dev part)."""
    return EvalSet("third", THIRD, load(THIRD / "queries.yaml"), load(THIRD / "partners.yaml"))


# -- Quartier's matcher


def quartier_query(q: dict[str, Any]) -> Any:
    from quartier.discover import SearchQuery

    return SearchQuery(
        text=q.get("query", ""),
        near=str(q["near"]) if q.get("near") is not None else None,
        radius_km=q.get("radius_km"),
        open_at=q.get("open_at"),
        category=q.get("category"),
        language=q.get("language"),
        wheelchair=q.get("wheelchair", False),
        include_temporarily_closed=q.get("include_closed", False),
        now=NOW,
    )


def quartier_rankers(index: Any, embeddings: bool = False) -> tuple[Ranker, PartnerRanker]:
    """Search and partners of ``index`` as rankers; a refused query ranks nothing.

    Partners by the lexical matcher alone unless ``embeddings`` (then fused with the
    ``embeddings`` extra's ranking, see ``quartier.discover.embed``); search is lexical.
    """
    from quartier.discover import partners, search
    from quartier.problems import QuartierError

    def rank(q: dict[str, Any]) -> list[str]:
        try:
            return [r.id for r in search(index, quartier_query(q)).results]
        except QuartierError:
            return []

    def partner_rank(seeker: str) -> list[str]:
        return [p.id for p in partners(index, seeker, K, embeddings=embeddings).partners]

    return rank, partner_rank


def with_embeddings() -> bool:
    """Whether the ``embeddings`` extra is installed (the "Quartier + USE" rows)."""
    from quartier.discover import embed

    return embed.available()


def open_copy(root: Path, into: Path) -> Any:
    """The index of a copy of ``root`` in ``into`` (the cache is written beside the copy)."""
    from quartier.discover import open_index

    shutil.copytree(root, into, ignore=shutil.ignore_patterns(".quartier-cache"))
    return open_index(into, rebuild=True)


# -- the BM25 baseline

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased words, nothing else: 'Zvieri mit Guetzli' -> ['zvieri', 'mit', 'guetzli']."""
    return _WORD.findall(text.lower())


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def business_text(e: dict[str, Any]) -> str:
    """What a keyword search can see of a business: its own words, not its needs or ids."""
    collab = e.get("collaboration") or {}
    address = (e.get("location") or {}).get("address") or {}
    parts = [
        e.get("name"),
        e.get("summary"),
        e.get("description"),
        e.get("story"),
        e.get("offerings"),
        [p.get("text") for p in collab.get("provides") or ()],
        [address.get("street"), address.get("locality")],
        (e.get("accessibility") or {}).get("note"),
    ]
    return " ".join(_strings(parts))


def needs(e: dict[str, Any]) -> list[str]:
    """The seeker's needs, each need's text in all its languages."""
    seeks = (e.get("collaboration") or {}).get("seeks") or ()
    return [" ".join(_strings(n.get("text"))) for n in seeks]


def bm25_rankers(entries: dict[str, dict[str, Any]]) -> tuple[Ranker, PartnerRanker]:
    """Plain BM25 search and partners over ``entries`` (see the module's docstring)."""
    from rank_bm25 import BM25Okapi

    ids = list(entries)
    bm25 = BM25Okapi([words(business_text(entries[i])) for i in ids])

    def ranked(scores: Any, skip: str | None = None) -> list[str]:
        order = sorted(range(len(ids)), key=lambda d: (-scores[d], ids[d]))
        return [ids[d] for d in order if scores[d] > 0 and ids[d] != skip]

    def rank(q: dict[str, Any]) -> list[str]:
        return ranked(bm25.get_scores(words(q.get("query", ""))))

    def partner_rank(seeker: str) -> list[str]:
        best = [0.0] * len(ids)
        for need in needs(entries[seeker]):
            for d, s in enumerate(bm25.get_scores(words(need))):
                best[d] = max(best[d], s)
        return ranked(best, skip=seeker)

    return rank, partner_rank


def evaluate(s: EvalSet, index: Any) -> dict[str, Figures]:
    """Quartier's (lexical, and with embeddings when the extra is installed) and the
    baseline's figures on ``s``."""
    out = {}
    matchers = [("Quartier", quartier_rankers(index))]
    if with_embeddings():
        # Search stays lexical (fused search breaks filters): the same search figures.
        matchers.append(("Quartier + USE", quartier_rankers(index, embeddings=True)))
    matchers.append(("BM25", bm25_rankers(s.entries())))
    for name, (rank, partner_rank) in matchers:
        f = search_figures(rank, s.queries, Figures())
        out[name] = partner_figures(partner_rank, s.pairs, f)
    return out


HEADER = (
    "| set, matcher | queries | hit@5 | MRR | must-not violations | pairs | partner recall@5 |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def main(argv: list[str]) -> int:
    """Print the figures table (Markdown) of every set; ``-v`` lists the misses too."""
    from quartier.directory import read_directory
    from quartier.discover import open_index
    from quartier.publish import build

    sets = [sample_set(), outsider_set()]
    if "--fresh" in argv:
        sets.append(fresh_set())
    if "--third" in argv:  # asked for by name, so no one tuning sees its misses by chance
        sets.append(third_set())
    if "--dev" in argv:
        sets.append(outsider_set(dev=True))
    rows, misses = [HEADER], []
    with tempfile.TemporaryDirectory() as tmp:
        sample_out = Path(tmp) / "sample-site"
        build(read_directory(SAMPLE), sample_out)
        indexes = {"sample": open_index(sample_out, rebuild=True)}
        indexes["outsider"] = open_copy(OUTSIDER, Path(tmp) / "outsider")
        for name, root in (("fresh", FRESH), ("third", THIRD)):
            if any(s.name == name for s in sets):
                indexes[name] = open_copy(root, Path(tmp) / name)
        for s in sets:
            for name, f in evaluate(s, indexes[s.name.split()[0]]).items():
                rows.append(f.row(f"{s.name}, {name}"))
                misses += [f"{s.name}, {name}: {m}" for m in f.misses]
    print("\n".join(rows))
    if "-v" in argv:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
