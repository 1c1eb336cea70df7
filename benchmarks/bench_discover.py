"""How fast discovery is: index build, index load, query latency, MCP round trip.

Run by hand, never in CI (timings depend on the machine)::

    .venv/bin/python benchmarks/bench_discover.py            # 100,000 synthetic entries
    .venv/bin/python benchmarks/bench_discover.py --n 10000 --queries 500

What it does:

1. generates ``--n`` synthetic entries with ``benchmarks/synth.py`` and
   publishes them as ``quartier build`` does (``data/entries.ndjson`` and
   ``api/v1/*.json``), both cached under ``benchmarks/_data/``, since
   validating 100,000 YAML files is not what is measured here;
2. builds the search index from the published files (what ``quartier
   search --source`` and ``quartier mcp --source`` do on first use): the
   NDJSON is read, then parsed and indexed by one process per core;
3. opens the index as a fresh process would (``open_index``: fingerprint
   plus memory map), several times;
4. runs a mixed set of queries in-process (words in four languages, typos,
   places, radius, opening times, categories) and reports p50/p95/max;
5. starts ``quartier mcp`` over stdio on the sample entries with the SDK's
   real client and measures tool-call round trips.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "benchmarks" / "_data"
sys.path.insert(0, str(PROJECT / "benchmarks"))

QUERY_WORDS = [
    ("Velo", {}),
    ("bike repair", {"near": "Lorraine"}),
    ("bicyle", {}),
    ("Bäckerei", {"near": "Breitenrain", "radius_km": 1.5}),
    ("boulangerie", {}),
    ("bread", {"open_at": "saturday 10:00"}),
    ("Kaffee", {"open_now": True}),
    ("coffee", {"near": "Seabright"}),
    ("café", {"near": "3012"}),
    ("cheese", {}),
    ("Käse", {}),
    ("Käse in der Altstadt", {}),  # a place read from the question
    ("Schreiner", {"near": "Köniz"}),  # trades that travel there count as reachable
    ("organic", {"category": "organic_grocery"}),
    ("flowers", {"near": "Länggasse"}),
    ("fleuriste", {}),
    ("tailor", {"near": "Mattenhof"}),
    ("Schneiderei", {}),
    ("repair", {}),
    ("reparación", {"near": "Downtown"}),
    ("vintage clothing", {}),
    ("second hand", {"wheelchair": True}),
    ("wine", {"open_at": "friday 19:00"}),
    ("restaurant", {"near": "Westside", "radius_km": 2}),
    ("pizza", {}),
    ("yoga", {"near": "Pleasure Point"}),
    ("tattoo", {}),
    ("plumber", {"near": "Köniz"}),
    ("locally made gifts with a story", {}),
    ("ceramcis", {}),
    ("books", {"language": "fr"}),
    ("", {"near": "Lorraine", "category": "bakery"}),
]


def prepare(n: int, seed: int) -> Path:
    """A published directory of ``n`` synthetic entries (cached)."""
    import synth

    tree = DATA / f"synth-{n}"
    marker = tree / synth.MARKER
    meta = json.loads(marker.read_text()) if marker.is_file() else {}
    if meta.get("n") != n or meta.get("seed") != seed or meta.get("version") != synth.VERSION:
        t = time.perf_counter()
        synth.generate(tree, n, seed)
        print(f"generated {n} entries in {time.perf_counter() - t:.1f} s", flush=True)
    out = DATA / f"published-{n}"
    stamp = out / "source.json"
    source = {"n": n, "seed": seed, "marker": marker.read_text()}
    if stamp.is_file() and json.loads(stamp.read_text()) == source:
        return out
    import orjson

    from quartier.directory import read_directory
    from quartier.publish import urls
    from quartier.publish.public import entry_data

    t = time.perf_counter()
    directory = read_directory(tree, use_cache=False)
    assert directory.config is not None and directory.taxonomy is not None
    base = directory.config.base_url
    (out / "api" / "v1").mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(parents=True, exist_ok=True)
    with (out / "data" / "entries.ndjson").open("wb") as f:
        for eid in sorted(directory.entries):
            row = {
                "entry": entry_data(directory.entries[eid]),
                "url": base + urls.business_page(eid),
            }
            f.write(orjson.dumps(row) + b"\n")
    (out / "api" / "v1" / "directory.json").write_bytes(
        orjson.dumps(directory.config.model_dump(mode="json"))
    )
    (out / "api" / "v1" / "taxonomy.json").write_bytes(
        orjson.dumps(directory.taxonomy.model_dump(mode="json"))
    )
    stamp.write_text(json.dumps(source))
    print(
        f"validated and published {len(directory.entries)} entries in "
        f"{time.perf_counter() - t:.1f} s (not measured below)",
        flush=True,
    )
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def calibration() -> float:
    """Seconds of a fixed pure-Python loop (best of 3): how fast this machine is right now.

    The host's speed changes from hour to hour; figures are comparable only next to it.
    """
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        total = 0
        for i in range(3_000_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - t)
    return best


def parse_floor(ndjson: Path) -> float:
    """Seconds to parse every line with orjson on one core: the least any index build costs."""
    import orjson

    t = time.perf_counter()
    with ndjson.open("rb") as f:
        for line in f:
            orjson.loads(line)
    return time.perf_counter() - t


def bench_index(published: Path, queries: int) -> None:
    import os

    from quartier.discover import SearchQuery, open_index, search
    from quartier.discover.reader import Index
    from quartier.discover.source import _published_rows, build_index

    os.environ["QUARTIER_CACHE_DIR"] = str(DATA / "cache")
    t = time.perf_counter()
    rows, config, taxonomy = _published_rows(published)
    read = time.perf_counter() - t
    dest = DATA / "cache" / "bench-index.bin"
    t = time.perf_counter()
    build_index(rows, config, taxonomy, "bench", dest, "bench")
    built = time.perf_counter() - t
    del rows
    print(
        f"entries: {published / 'data' / 'entries.ndjson'} "
        f"({(published / 'data' / 'entries.ndjson').stat().st_size / 1e6:.0f} MB)"
    )
    floor = parse_floor(published / "data" / "entries.ndjson")
    print(
        f"index build: {read + built:.2f} s (read NDJSON {read:.2f} s, parse and index "
        f"{built:.2f} s, {os.cpu_count()} cores), file {dest.stat().st_size / 1e6:.0f} MB; "
        f"{(read + built) / floor:.1f}x the bare orjson parse of every line ({floor:.2f} s, 1 core)"
    )

    open_index(published)  # make sure the cached index exists
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        index = open_index(published)
        loads.append(time.perf_counter() - t)
    t = time.perf_counter()
    Index.open(dest)
    raw = time.perf_counter() - t
    print(
        f"index load: median {statistics.median(loads) * 1000:.0f} ms, max "
        f"{max(loads) * 1000:.0f} ms (open_index with fingerprint; bare mmap+header "
        f"{raw * 1000:.0f} ms), {index.n} businesses, {len(index.post)} terms"
    )

    now = datetime(2026, 11, 24, 12, 0)
    rng = random.Random(3)
    plan = [rng.choice(QUERY_WORDS) for _ in range(queries)]
    # The first query pays for the sorted vocabulary (prefixes, typos): report it apart.
    t = time.perf_counter()
    search(index, SearchQuery("Velo", now=now))
    first = time.perf_counter() - t
    times = []
    for text, opts in plan:
        q = SearchQuery(text, now=now, **opts)
        t = time.perf_counter()
        search(index, q)
        times.append(time.perf_counter() - t)
    print(
        f"query ({len(times)} in-process, {len(QUERY_WORDS)} kinds): "
        f"p50 {pct(times, 50) * 1000:.1f} ms, p95 {pct(times, 95) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms; first query {first * 1000:.0f} ms"
    )
    by_kind: dict[str, list[float]] = {}
    for (text, opts), took in zip(plan, times, strict=True):
        by_kind.setdefault(f"{text!r} {opts}" if opts else repr(text), []).append(took)
    slow = sorted(by_kind.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
    print(
        "slowest kinds: " + "; ".join(f"{k} {statistics.median(v) * 1000:.1f} ms" for k, v in slow)
    )


def bench_mcp(calls: int) -> None:
    import anyio
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "quartier", "mcp", "--root", str(PROJECT)]
    )
    args: list[dict[str, Any]] = [
        {"query": "Velo", "near": "Lorraine"},
        {"query": "bread", "open_at": "saturday 10:00"},
        {"query": "coffee", "near": "95062"},
        {"query": "ceramcis"},
    ]

    async def main() -> tuple[list[float], float]:
        t = time.perf_counter()
        async with Client(params, read_timeout_seconds=30) as client:
            started = time.perf_counter() - t
            await client.call_tool("search_businesses", args[0])
            times = []
            for i in range(calls):
                t = time.perf_counter()
                if i % 5 == 4:
                    await client.call_tool("find_partners", {"id": "kafi-zwischenhalt"})
                else:
                    await client.call_tool("search_businesses", args[i % len(args)])
                times.append(time.perf_counter() - t)
        return times, started

    times, started = anyio.run(main)
    print(
        f"MCP over stdio (sample entries, {len(times)} tool calls): p50 "
        f"{pct(times, 50) * 1000:.1f} ms, p95 {pct(times, 95) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms; server start and handshake {started * 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Benchmark quartier search, partners and the MCP server.",
        epilog="example: python benchmarks/bench_discover.py --n 100000",
    )
    p.add_argument("--n", type=int, default=100_000, help="synthetic entries (default 100000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--queries", type=int, default=1000, help="in-process queries to time")
    p.add_argument("--mcp-calls", type=int, default=200, help="MCP tool calls to time")
    args = p.parse_args(argv)
    print(f"quartier discovery benchmark, {date.today()}, Python {sys.version.split()[0]}")
    print(f"calibration: a 3,000,000-step Python loop takes {calibration():.2f} s (best of 3)")
    bench_index(prepare(args.n, args.seed), args.queries)
    bench_mcp(args.mcp_calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
