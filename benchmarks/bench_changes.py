"""Benchmark of the changes feed: what continuing the previous build's sequence costs a build.

Run by hand (never in CI), each measurement in a fresh child process so that
peak memory (ru_maxrss) is that step's alone:

    .venv/bin/python benchmarks/bench_changes.py              # 10,000 and 100,000 businesses
    .venv/bin/python benchmarks/bench_changes.py --n 10000

For each size, in one run: the machine-output build with no previous build
(sequence 1), the same build again with the output folder as the previous one
(nothing changed: the feed is read and reproduced), and the feed stage alone
on that output (read and check the previous build, write the feed), with
nothing changed and with 1% of the businesses changed. Target (issue 12): the
feed stage stays a few percent of the build, and reading the previous build
adds memory in proportion to its manifest, not more.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_build  # noqa: E402

BUILD = r"""
import json, resource, sys, time
from pathlib import Path
from quartier.publish.pipeline import build
from quartier.publish.previous import open_previous
root, out = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
with open_previous(None, out) as previous:
    directory, result = build(root, out, commit="0" * 40, previous=previous)
t1 = time.perf_counter()
assert result is not None, directory.errors[:3]
print(json.dumps({"build_s": t1 - t0, "businesses": result.businesses,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FEED = r"""
import json, resource, sys, time
from pathlib import Path
import orjson
from quartier.publish import changes
from quartier.publish.previous import open_previous
from quartier.publish.writer import Output
site, scratch, share = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
manifest = orjson.loads((site / "api/v1/index.json").read_bytes())
entries = {rel: (i["sha256"], i["bytes"]) for rel, i in manifest["files"].items()
           if rel.startswith(changes.ENTRIES)}
del manifest
every = int(1 / share) if share else 0
for n, rel in enumerate(sorted(entries)):
    if every and n % every == 0:
        entries[rel] = ("f" * 64, 1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
with open_previous(None, site) as base, Output(scratch) as out:
    t1 = time.perf_counter()
    out.files.update(entries)  # the new build's entry files, as a build records them
    head = changes.write(out, "https://bench.example.org/", base)
    t2 = time.perf_counter()
print(json.dumps({"read_s": t1 - t0, "write_s": t2 - t1, "sequence": head["sequence"],
    "rss_before_mib": before,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(script: str, *args: object) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def run(n: int) -> dict[str, float]:
    root, _ = bench_build.tree(n)
    out = HERE / "_out" / f"changes-n{n}"
    scratch = HERE / "_out" / f"changes-n{n}-scratch"
    for folder in (out, scratch):
        shutil.rmtree(folder, ignore_errors=True)
    os.sync()
    time.sleep(bench_build.SETTLE_S)
    loop = bench_build.calibrate()
    first = child(BUILD, root, out)  # no previous build: sequence 1
    again = child(BUILD, root, out)  # the output folder as the previous build, unchanged
    same = child(FEED, out, scratch, 0)
    shutil.rmtree(scratch, ignore_errors=True)
    changed = child(FEED, out, scratch, 0.01)
    shutil.rmtree(scratch, ignore_errors=True)
    loop = (loop + bench_build.calibrate()) / 2
    manifest_mib = (out / "api/v1/index.json").stat().st_size / 2**20
    seq1_mib = (out / "api/v1/changes/1.json").stat().st_size / 2**20
    return {
        "n": n,
        "cpu_loop_s": loop,
        "build_first_s": first["build_s"],
        "build_again_s": again["build_s"],
        "build_peak_mib": first["peak_mib"],
        "build_again_peak_mib": again["peak_mib"],
        "feed_unchanged_s": same["read_s"] + same["write_s"],
        "feed_unchanged_read_s": same["read_s"],
        "feed_1pct_s": changed["read_s"] + changed["write_s"],
        "feed_1pct_sequence": changed["sequence"],
        "feed_read_added_mib": same["peak_mib"] - same["rss_before_mib"],
        "manifest_mib": manifest_mib,
        "sequence_1_mib": seq1_mib,
        "feed_share_of_build": (same["read_s"] + same["write_s"]) / first["build_s"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="businesses (repeatable)")
    args = parser.parse_args()
    for n in args.n or [10_000, 100_000]:
        figures = run(n)
        print(json.dumps(figures, indent=2))
        print(
            f"n={n}: build {figures['build_first_s']:.1f} s (again, reading the previous "
            f"build: {figures['build_again_s']:.1f} s); feed stage "
            f"{figures['feed_unchanged_s']:.2f} s unchanged, "
            f"{figures['feed_1pct_s']:.2f} s with 1% changed = "
            f"{100 * figures['feed_share_of_build']:.1f}% of the build; reading the previous "
            f"build adds {figures['feed_read_added_mib']:.0f} MiB (manifest "
            f"{figures['manifest_mib']:.1f} MiB); CPU loop {figures['cpu_loop_s']:.2f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
