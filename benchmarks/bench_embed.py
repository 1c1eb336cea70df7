"""What partners by meaning cost: embedding, the vectors' size, and query latency.

Run by hand, never in CI (timings depend on the machine), with the
``embeddings`` extra installed (``pip install -e '.[embeddings]'``)::

    .venv/bin/python benchmarks/bench_embed.py             # 2,000 synthetic businesses
    .venv/bin/python benchmarks/bench_embed.py --n 10000 --queries 200

What it does (see ``quartier.discover.embed``):

1. a calibration loop (as ``bench_discover.py``): how fast this machine is now;
2. generates ``--n`` synthetic businesses (``benchmarks/synth.py``, published
   as ``bench_discover.py`` does, cached under ``benchmarks/_data/``) and builds
   their search index in a temporary cache folder;
3. embeds every business's offers, offerings and summary once (what the first
   ``quartier partners`` with the extra does), and reports the milliseconds per
   text, the texts per business, the seconds and the size of the cached
   vectors, and how long a fresh process takes to read them back;
4. times ``--queries`` partner queries of businesses that seek something, with
   and without embeddings (p50/p95; with them each query embeds its needs);
5. extrapolates the build time and size to 100,000 businesses from the
   figures per business (linear: every business is embedded once), and says so.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "benchmarks"))

from bench_discover import calibration, pct, prepare  # noqa: E402

NATIONAL = 100_000


def bench(n: int, seed: int, queries: int) -> None:
    from quartier.discover import embed, open_index, partners

    if not embed.available():
        raise SystemExit(f"the embeddings extra is not installed: {embed.INSTALL}")
    published = prepare(n, seed)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["QUARTIER_CACHE_DIR"] = cache
        index = open_index(published, rebuild=True)
        embed.encode(["warm-up: the model is loaded once per process"])

        t = time.perf_counter()
        vectors = embed.business_vectors(index, announce=False)
        built = time.perf_counter() - t
        texts = len(vectors.matrix)
        size = embed.cache_path(index).stat().st_size
        per_text = built / texts
        per_business = texts / index.n
        print(
            f"embedding: {index.n} businesses, {texts} texts ({per_business:.2f} a business) "
            f"in {built:.1f} s: {per_text * 1000:.1f} ms a text; vectors "
            f"{vectors.matrix.shape[1]} float32 a text, cache file {size / 1e6:.1f} MB"
        )
        loads = []
        for _ in range(3):
            again = open_index(published)  # another Index: the vectors come from the file
            t = time.perf_counter()
            embed.business_vectors(again, announce=False)
            loads.append(time.perf_counter() - t)
        print(f"reading the cached vectors back: median {statistics.median(loads) * 1000:.0f} ms")

        one = []
        for text in ["frisches Brot vor sieben Uhr", "label printing for our jars", "nappes"]:
            t = time.perf_counter()
            embed.encode([text])
            one.append(time.perf_counter() - t)
        print(f"one need embedded alone: median {statistics.median(one) * 1000:.1f} ms")

        seekers = [
            index.ids[d]
            for d in range(index.n)
            if not index.is_closed(d) and embed.need_texts(index.record(d)["entry"])
        ]
        plan = random.Random(seed).sample(seekers, min(queries, len(seekers)))
        for label, flag in (("lexical", False), ("with embeddings", True)):
            times = []
            for seeker in plan:
                t = time.perf_counter()
                partners(index, seeker, embeddings=flag)
                times.append(time.perf_counter() - t)
            print(
                f"partners, {label} ({len(times)} queries): p50 {pct(times, 50) * 1000:.1f} ms, "
                f"p95 {pct(times, 95) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
            )

        minutes = NATIONAL * per_business * per_text / 60
        mb = size / index.n * NATIONAL / 1e6
        print(
            f"extrapolated (linear, from the figures per business above, not measured) to "
            f"{NATIONAL:,} businesses: {minutes:.0f} min to embed once, a {mb:.0f} MB cache file"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Benchmark partners with sentence embeddings (the embeddings extra).",
        epilog="example: python benchmarks/bench_embed.py --n 2000",
    )
    p.add_argument("--n", type=int, default=2000, help="synthetic businesses (default 2000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--queries", type=int, default=100, help="partner queries to time")
    args = p.parse_args(argv)
    print(f"quartier embeddings benchmark, {date.today()}, Python {sys.version.split()[0]}")
    print(f"calibration: a 3,000,000-step Python loop takes {calibration():.2f} s (best of 3)")
    bench(args.n, args.seed, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
