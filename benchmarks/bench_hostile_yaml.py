"""Benchmark of the strict loader on hostile YAML (run by hand, never in CI).

Each hostile file is loaded with ``quartier.load.load_bytes`` in a fresh
child process (with an address-space limit and a timeout, so a regression
reports a failure instead of taking the machine down) and compared with a
normal entry of similar size loaded in the same process:

- alias bombs (10 levels of 9 aliases: 9**9 values once expanded) written
  with each line break libyaml knows, and once with the text pre-scan
  switched off, so that only the node walk stands in the way;
- flat files at and past the node cap (a sequence, a mapping of duplicates),
  a flood of aliases and of duplicate keys under it;
- nesting far past any limit, in flow and block style, and files full of
  deeply nested lists: libyaml's scanner looks at every open flow level at
  each token, up to its own limit of 1,000 levels, so this is the slowest
  input per byte (it was before the alias fix too).

Printed for each: its size, what the loader said, the best time of a few
loads, the ratio to the normal file, the growth of peak RSS over the loads
(libyaml's own memory included) and tracemalloc's peak for one load. The
targets: every hostile file refused (or, at the cap, loaded) in under
``TARGET_RATIO`` times the normal file, under ``TARGET_S`` and with peak RSS
growth under ``TARGET_MB``: work linear in the file's size, no
amplification. A CPU-loop calibration (bench_build's) says how fast this
machine was at the time.

    .venv/bin/python benchmarks/bench_hostile_yaml.py
    .venv/bin/python benchmarks/bench_hostile_yaml.py --json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  # the sibling module, found through the path set above

# Per hostile file: time at most TARGET_RATIO times a normal entry of its size
# and under TARGET_S; peak RSS growth under TARGET_MB.
TARGET_RATIO = 20.0
TARGET_S = 1.0
TARGET_MB = 64.0
MEMORY_LIMIT = 2 << 30  # address space of a child: a bomb that gets through fails here
TIMEOUT_S = 120.0
BREAKS = {
    "lf": "\n",
    "crlf": "\r\n",
    "cr": "\r",
    "nel": "\x85",
    "line-sep": "\u2028",
    "para-sep": "\u2029",
}

# The CPU loop bench_build times beside each build, so figures compare across benches.
from bench_build import CALIBRATE  # noqa: E402

# One child per case: argv[1] is the hostile file, argv[2] the normal one,
# argv[3] "1" to switch the text pre-scan off. Prints one JSON line.
CHILD = r"""
import gc, json, resource, sys, time, tracemalloc
from pathlib import Path
from quartier import load
hostile, normal = Path(sys.argv[1]).read_bytes(), Path(sys.argv[2]).read_bytes()
if sys.argv[3] == "1":
    load._may_hold_anchors = lambda text: False

def best(raw):
    times, total = [], 0.0
    while len(times) < 3 or (total < 0.3 and len(times) < 50):
        t = time.perf_counter()
        doc = load.load_bytes(raw, "x.yaml")
        times.append(time.perf_counter() - t)
        total += times[-1]
    return min(times), doc

def traced(raw):
    gc.collect()
    tracemalloc.start()
    load.load_bytes(raw, "x.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak

load.load_bytes(normal, "x.yaml")  # warm up imports and caches
gc.collect()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hostile_s, doc = best(hostile)
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
normal_s, normal_doc = best(normal)
print(json.dumps({
    "hostile_s": hostile_s,
    "normal_s": normal_s,
    "rss_growth_kb": rss1 - rss0,
    "traced_hostile_b": traced(hostile),
    "traced_normal_b": traced(normal),
    "problems": len(doc.problems),
    "first": doc.problems[0].message if doc.problems else "",
    "first_at": [doc.problems[0].line, doc.problems[0].column] if doc.problems else None,
    "loaded": doc.data is not None,
    "normal_ok": normal_doc.data is not None and not normal_doc.problems,
}))
"""


def bomb(levels: int, br: str, width: int = 9) -> bytes:
    """Anchors and aliases each on a line of their own (the shape that got past
    the old line-based pre-scan when lines did not end in '\\n')."""
    lines = ["a0:", "  &a0", "  - lol"]
    for i in range(1, levels):
        lines += [f"a{i}:", f"  &a{i}"]
        for _ in range(width):
            lines += ["  -", f"    *a{i - 1}"]
    return (br.join(lines) + br).encode()


def hostile_cases(max_nodes: int, max_bytes: int) -> list[tuple[str, bytes, bool]]:
    """(name, file, pre-scan off)."""
    room = max_bytes - 64
    cases = [(f"alias bomb, {name} breaks", bomb(10, br), False) for name, br in BREAKS.items()]
    cases.append(("alias bomb, cr breaks, pre-scan off", bomb(10, "\r"), True))
    cases += [
        ("flat list at the cap (loads)", b"items: [" + b"a, " * (max_nodes - 4) + b"a]\n", False),
        ("flat list past the cap", b"items: [" + b"a, " * (room // 3) + b"a]\n", False),
        ("flat mapping of duplicates", b"{" + b"a, " * (room // 3) + b"a}\n", False),
        ("duplicate keys under the cap", b"{" + b"a, " * (max_nodes // 2 - 2) + b"a}\n", False),
        ("aliases of one value", b"a: &x x\nb: [" + b"*x, " * (room // 4) + b"*x]\n", False),
        ("flow nesting, 130,000 deep", b"a: " + b"[" * (room - 8) + b"\n", False),
        ("block nesting, 65,000 deep", b"a:\n  " + b"- " * (room // 2) + b"x\n", False),
        ("flow nesting, 999 deep", b"a: " + b"[" * 999 + b"]" * 999 + b"\n", False),
        ("64 lists each 999 deep", _deep_lists(999, room), False),
        ("5,000 lists each 10 deep", _deep_lists(10, room), False),
    ]
    for name, raw, _ in cases:
        assert len(raw) <= max_bytes, name
    return cases


def _deep_lists(depth: int, room: int) -> bytes:
    """As many keys as fit, each with a flow list nested ``depth`` deep: libyaml
    checks every open level at each token, so this is its slowest input."""
    one = b"[" * depth + b"]" * depth
    count = room // (len(one) + 8)
    return b"".join(b"a%d: %s\n" % (i, one) for i in range(count))


def normal_entries(tmp: Path) -> tuple[list[bytes], bytes]:
    """Synthetic entries, and the lines of one entry's offerings to grow a large one."""
    synth.generate(tmp / "tree", 200, seed=1)
    files = sorted((tmp / "tree" / "entries").rglob("*.yaml"))
    texts = [f.read_bytes() for f in files]
    with_offers = next(t for t in texts if b"\nofferings:\n" in t)
    return texts, with_offers


def normal_like(size: int, texts: list[bytes], with_offers: bytes) -> bytes:
    """A valid-looking entry of about ``size`` bytes: a synthetic one of that size,
    or, past the largest, one whose offerings are repeated until it is that size."""
    if size <= max(len(t) for t in texts):
        return min(texts, key=lambda t: abs(len(t) - size))
    head, _, rest = with_offers.partition(b"\nofferings:\n")
    lines = rest.split(b"\n")
    cut = next(i for i, line in enumerate(lines) if line and not line.startswith(b" "))
    block, tail = b"\n".join(lines[:cut]) + b"\n", b"\n".join(lines[cut:])
    copies = max(1, (size - len(head) - len(tail)) // len(block))
    return head + b"\nofferings:\n" + block * copies + tail


def run_case(hostile: bytes, normal: bytes, prescan_off: bool, tmp: Path) -> dict[str, Any]:
    (tmp / "hostile.yaml").write_bytes(hostile)
    (tmp / "normal.yaml").write_bytes(normal)
    argv = [sys.executable, "-c", CHILD, str(tmp / "hostile.yaml"), str(tmp / "normal.yaml")]
    try:
        done = subprocess.run(
            [*argv, "1" if prescan_off else "0"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"no answer within {TIMEOUT_S:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"failed": f"exit {done.returncode}: {last}"}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def calibrate() -> float:
    """Seconds the fixed loop of bench_build takes now, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", CALIBRATE], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    from quartier.load import MAX_BYTES, MAX_NODES

    calibration = calibrate()
    rows = []
    with tempfile.TemporaryDirectory(prefix="quartier-hostile-") as name:
        tmp = Path(name)
        texts, with_offers = normal_entries(tmp)
        for case, raw, prescan_off in hostile_cases(MAX_NODES, MAX_BYTES):
            normal = normal_like(len(raw), texts, with_offers)
            result = run_case(raw, normal, prescan_off, tmp)
            rows.append({"case": case, "bytes": len(raw), "normal_bytes": len(normal), **result})
    calibration_after = calibrate()
    if args.json:
        print(json.dumps({"calibration_s": [calibration, calibration_after], "cases": rows}))
        return 0 if all(_ok(r) for r in rows) else 1
    print(
        f"strict loader on hostile YAML: MAX_BYTES {MAX_BYTES:,}, MAX_NODES {MAX_NODES:,}; "
        f"python {sys.version.split()[0]}"
    )
    print(
        f"calibration (bench_build's CPU loop): {calibration:.2f} s before, "
        f"{calibration_after:.2f} s after"
    )
    print(
        "each case in a fresh child; best of at least 3 loads; 'normal' is a synthetic "
        "entry of similar size loaded in the same child\n"
    )
    head = (
        f"{'case':38} {'bytes':>7} {'ms':>8} {'normal ms':>9} {'ratio':>7} "
        f"{'+RSS MB':>7} {'traced MB':>9}  result"
    )
    print(head)
    print("-" * (len(head) + 30))
    for r in rows:
        if "failed" in r:
            print(f"{r['case']:38} {r['bytes']:>7,} FAILED: {r['failed']}")
            continue
        result = "loaded" if r["loaded"] else f"{r['problems']:,} problem(s): {r['first']}"
        if r["first_at"] and not r["loaded"]:
            result += f" (first at {r['first_at'][0]}:{r['first_at'][1]})"
        print(
            f"{r['case']:38} {r['bytes']:>7,} {r['hostile_s'] * 1e3:>8.2f} "
            f"{r['normal_s'] * 1e3:>9.2f} {r['hostile_s'] / r['normal_s']:>6.1f}x "
            f"{r['rss_growth_kb'] / 1024:>7.1f} {r['traced_hostile_b'] / 2**20:>9.2f}  {result}"
        )
    slow = [r["case"] for r in rows if not _ok(r)]
    print(
        f"\ntarget: each within {TARGET_RATIO:.0f}x the normal file, under {TARGET_S:.0f} s "
        f"and {TARGET_MB:.0f} MB of peak RSS growth: "
        + ("ok" if not slow else "MISSED for " + ", ".join(slow))
    )
    return 0 if not slow else 1


def _ok(row: dict[str, Any]) -> bool:
    return (
        "failed" not in row
        and row["hostile_s"] < TARGET_S
        and row["hostile_s"] <= TARGET_RATIO * row["normal_s"]
        and row["rss_growth_kb"] / 1024 < TARGET_MB
        and row["normal_ok"]
    )


if __name__ == "__main__":
    sys.exit(main())
