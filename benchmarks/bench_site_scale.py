"""Benchmark of the whole site at national scale: wall time and peak memory of every process.

Run by hand (never in CI). Each build is ``quartier build`` (site, search and
machine outputs) in a fresh process, watched from here: every 0.2 s this
script sums the memory of the build's whole process tree (the build, its
forked workers, Pagefind), so the figure is what the machine must hold, not
only the largest process. Two sums are kept: RSS (pages shared by forked
workers counted once per process: an upper bound) and PSS (shared pages
divided among the processes sharing them: what they really hold together).

    .venv/bin/python benchmarks/bench_site_scale.py --n 10000
    .venv/bin/python benchmarks/bench_site_scale.py --n 10000 --n 100000 \\
        --before /tmp/quartier-head/src          # the same, with an older checkout too

``--before SRC`` runs the same build with ``PYTHONPATH=SRC`` first (e.g. a
``git worktree`` of an earlier commit), so one run gives both figures
side by side, each with a calibration figure (a fixed CPU loop timed before
and after each build: this VM's CPU is shared, read times against it).

Target (issue 12): the site of 100,000 businesses builds within 2 GiB of
memory for all its processes together, and the memory stays flat as the
directory grows: Pagefind indexes the business pages in pieces of a bounded
size (``quartier.site.search_index``), which the visitor's browser merges.

Measured on 2026-11-26 on a shared 2-core VM under heavy load (load average
15-20, calibration loop 4.8-6.1 s against 0.72 s when quiet, so the times
say little): at 10,000, one index: tree 1,366 MiB PSS, Pagefind 1,015 MiB;
in pieces (2): 930 MiB, Pagefind 542 MiB. At 100,000 in pieces (20): tree
3,295 MiB PSS, Pagefind 546 MiB (flat), the build process alone 2,085 MiB
RSS, 1.25 MB fetched before the first search. One index at 100,000 was not
run again: Pagefind alone grows by about 115 KB a page (10 GiB, issue 12).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_build import SETTLE_S, calibrate, tree  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL_S = 0.2


@dataclass
class Peaks:
    """The largest sums seen over a process tree, and the processes seen."""

    rss: int = 0
    pss: int = 0
    pagefind_rss: int = 0
    main_rss: int = 0
    samples: int = 0
    names: set[str] = field(default_factory=set)


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process now running."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(pid: int) -> list[int]:
    kids, found, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(kids.get(p, ()))
    return found


def _memory(pid: int) -> tuple[str, int, int] | None:
    """(command name, RSS bytes, PSS bytes) of one process, or None once it has ended."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        return None
    return name, rss, pss


def watch(pid: int, peaks: Peaks, stop: threading.Event) -> None:
    """Sample the tree under ``pid`` until ``stop`` is set."""
    while not stop.is_set():
        rss = pss = pagefind = 0
        for p in _tree(pid):
            if (seen := _memory(p)) is None:
                continue
            name, r, s = seen
            peaks.names.add(name)
            rss, pss = rss + r, pss + s
            if "pagefind" in name:
                pagefind += r
            if p == pid:
                peaks.main_rss = max(peaks.main_rss, r)
        peaks.rss, peaks.pss = max(peaks.rss, rss), max(peaks.pss, pss)
        peaks.pagefind_rss = max(peaks.pagefind_rss, pagefind)
        peaks.samples += 1
        stop.wait(INTERVAL_S)


def measure(root: Path, src: Path, label: str) -> dict[str, object]:
    """Build ``root``'s whole site with the package in ``src``; figures of that build."""
    out = HERE / "_out" / f"{root.name}-scale-{label}"
    trash = out.with_name(out.name + "-old")
    shutil.rmtree(trash, ignore_errors=True)
    if out.exists():
        out.rename(trash)  # deleted after the build: deleting is slow here and would count
    os.sync()
    time.sleep(SETTLE_S)
    before = calibrate()
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "quartier", "build", "--root", str(root)]
    command += ["--out", str(out), "--quiet", "--commit", "0" * 40]
    peaks, stop = Peaks(), threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = threading.Thread(target=watch, args=(process.pid, peaks, stop), daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    shutil.rmtree(trash, ignore_errors=True)
    if process.returncode != 0:
        raise SystemExit(f"{label}: the build failed:\n{stderr.decode()[-3000:]}")
    parts = list((out / "pagefind").glob("**/pagefind-entry.json"))
    return {
        "label": label,
        "src": str(src),
        "wall_s": round(wall, 1),
        "peak_tree_rss_mib": round(peaks.rss / 2**20),
        "peak_tree_pss_mib": round(peaks.pss / 2**20),
        "peak_pagefind_rss_mib": round(peaks.pagefind_rss / 2**20),
        "peak_build_process_rss_mib": round(peaks.main_rss / 2**20),
        "search_indexes": len(parts),
        "search_startup_kib": startup_kib(out),
        "samples": peaks.samples,
        "cpu_loop_s": round((before + calibrate()) / 2, 3),
        "published": stdout.decode().strip().splitlines()[-2:-1],
    }


def startup_kib(out: Path) -> float:
    """KiB a browser fetches for its first search, before any word's chunk or any result.

    Per index: its entry file, its metadata and its filters (the filter panel
    shows counts over the whole directory); Pagefind's code and WebAssembly
    are the main bundle's, once.
    """
    total = 0
    for entry in (out / "pagefind").glob("**/pagefind-entry.json"):
        bundle = entry.parent
        files = [entry, *bundle.glob("*.pf_meta"), *bundle.glob("filter/*")]
        total += sum(f.stat().st_size for f in files)
    return round(total / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, action="append", help="businesses (repeatable)")
    parser.add_argument(
        "--before", type=Path, help="a src/ folder of another checkout, built first for comparison"
    )
    args = parser.parse_args()
    sizes = args.n or [10_000, 100_000]
    for n in sizes:
        started = time.perf_counter()
        root, reused = tree(n)
        how = "reused" if reused else "generated"
        print(f"{how} {n} entries in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        runs = [("before", args.before)] if args.before else []
        runs.append(("after", PROJECT / "src"))
        for label, src in runs:
            figures = measure(root, src.resolve(), label)
            print(json.dumps({"n": n, **figures}), flush=True)
            mib = figures["peak_tree_pss_mib"]
            print(f"  {label}: {mib} MiB ({mib / n * 1024:.1f} KiB per business)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
