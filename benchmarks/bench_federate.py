"""Benchmark of federation: N member directories of M businesses served on loopback.

Run by hand (never in CI). For each size (default 5, 10 and 20 members of
5,000 businesses), in one run:

1. the first ``quartier federate`` of a fresh aggregate;
2. a second with nothing changed;
3. a third after 1% of each member's businesses changed (the members'
   rebuilt sites, made with ``--previous``, publish a changes feed);
4. the aggregate's ``quartier build --no-site``;
5. the peer: ``quartier build --no-site`` of the same businesses as local
   entries of one directory.

Each step runs as its own process; its wall time, CPU time and peak memory
(the sum of RSS over its process tree, sampled every 50 ms from /proc, and
the largest single process's ru_maxrss) are reported, with the requests and
bytes the members' servers answered. A fixed CPU loop is timed before and
after each size (as bench_build.py does): read the times against it.

Members (``fed_members.py``) are generated and built once and cached under
benchmarks/_data/fed-n<M>-s<seed>/; each is served by its own
ThreadingHTTPServer on 127.0.0.1 (ports 18500 + k, or QUARTIER_BENCH_PORT).
The aggregate and peer builds are written under benchmarks/_out/.

    .venv/bin/python benchmarks/bench_federate.py                        # 5, 10, 20 x 5,000
    .venv/bin/python benchmarks/bench_federate.py --members 40 --businesses 10000

Targets (issue 12), as ratios in one run: re-federation with nothing changed
< 2% of the first; with 1% changed < 5%; the aggregate's build <= 1.5x the
peer's; peak memory of federate flat in the number of members.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fed_members  # noqa: E402
from bench_build import calibrate  # noqa: E402
from fed_members import QUARTIER, Member  # noqa: E402

DATA = HERE / "_data"
OUT = HERE / "_out"
PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_S = 0.05

# --------------------------------------------------------------------------- measuring


def _children(pid: int) -> list[int]:
    """The children of ``pid`` (made by any of its threads), from /proc/<pid>/task/*/children."""
    out: list[int] = []
    with contextlib.suppress(OSError):  # it ended meanwhile
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += map(int, (task / "children").read_bytes().split())
    return out


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and all its descendants now (about 0.1 ms a process)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += _children(p)
        with contextlib.suppress(OSError):  # it ended meanwhile
            total += int(Path(f"/proc/{p}/statm").read_bytes().split()[1]) * PAGE
    return total


def run_measured(cmd: list[str], log: Path) -> dict[str, Any]:
    """Run ``cmd``; wall and CPU seconds, peak tree RSS and largest maxrss (MiB), output."""
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(proc.pid))
                done.wait(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text("utf-8", errors="replace")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_tree_mib": peak / 2**20,
        "peak_proc_mib": usage.ru_maxrss / 1024,
        "exit": proc.returncode,
        "output": text,
    }


# --------------------------------------------------------------------------- directories


def aggregate_settings(members: list[Member], with_members: bool) -> str:
    """The aggregate's directory.yaml: one country-sized area around every member's."""
    w, s, e, n = fed_members.COUNTRY_BBOX
    text = (
        "name: Schweiz lokal\n"
        "description: Independent businesses of every member town (synthetic, for benchmarks).\n"
        "base_url: https://schweiz.example.org/\n"
        "languages: [de, fr, en, it]\n"
        "license: CC-BY-4.0\n"
        "stale_after_days: 365\n"
        "areas:\n"
        "  - id: schweiz\n"
        "    name: Schweiz\n"
        f"    bbox: [{w}, {s}, {e}, {n}]\n"
        "    countries: [CH]\n"
        "    timezone: Europe/Zurich\n"
        "    languages: [de, fr, en, it]\n"
    )
    if with_members:
        text += "members:\n" + "".join(
            f"  - id: {m.id}\n    url: {fed_members.base_url(m.k)}\n"
            f"    license: {fed_members.license_of(m.k)}\n"
            for m in members
        )
    return text


def make_aggregate(dest: Path, members: list[Member]) -> Path:
    """A fresh aggregate repository (no local entries, no mirror) listing the members."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "entries").mkdir(parents=True)
    (dest / "directory.yaml").write_text(aggregate_settings(members, True), "utf-8")
    return dest


def make_peer(dest: Path, members: list[Member]) -> Path:
    """One directory holding every member's businesses (after the 1% change) as local entries.

    Ids get the member's id as a prefix (``town003-baeckerei-x``, as the
    aggregate's ``town003--baeckerei-x``), since towns reuse names.
    """
    marker = dest / "peer.json"
    want = {"members": [str(m.folder) for m in members], "version": fed_members.VERSION}
    if marker.is_file() and json.loads(marker.read_text("utf-8")) == want:
        newest = max((m.folder / "trees.json").stat().st_mtime for m in members)
        if marker.stat().st_mtime > newest:
            return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    (dest / "directory.yaml").write_text(aggregate_settings(members, False), "utf-8")
    for m in members:
        for src in sorted((m.src_changed / "entries").rglob("*.yaml")):
            folder = dest / src.parent.relative_to(m.src_changed)
            folder.mkdir(parents=True, exist_ok=True)
            lines = src.read_text("utf-8").split("\n")
            for i, line in enumerate(lines):
                if line.startswith(("id: ", "superseded_by: ")):
                    key, _, value = line.partition(": ")
                    lines[i] = f"{key}: {m.id}-{value}"
            (folder / f"{m.id}-{src.name}").write_text("\n".join(lines), "utf-8")
    marker.write_text(json.dumps(want) + "\n", "utf-8")
    return dest


def fresh(out: Path) -> None:
    """Remove ``out`` before a build, and let the disk settle (deleting is not measured)."""
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    time.sleep(2.0)


# --------------------------------------------------------------------------- one size


def federate(root: Path, log: Path) -> dict[str, Any]:
    cmd = [*QUARTIER, "federate", "--root", str(root), "--format", "json"]
    figures = run_measured(cmd, log)
    try:
        report = json.loads(figures["output"][figures["output"].index("{") :])
    except ValueError:
        return figures  # check() shows the output
    # What federate says it did, summed over the members.
    summary: dict[str, int] = {}
    for m in report.get("members", []):
        for key in ("new", "changed", "unchanged", "removed", "requests"):
            summary[key] = summary.get(key, 0) + int(m.get(key) or 0)
        summary["invalid"] = summary.get("invalid", 0) + len(m.get("invalid") or [])
        summary["failed"] = summary.get("failed", 0) + (m.get("fault") is not None)
        via = f"via_{m.get('via') or 'none'}"
        summary[via] = summary.get(via, 0) + 1
    figures["federate"] = summary
    return figures


def build(root: Path, out: Path, log: Path) -> dict[str, Any]:
    fresh(out)
    cmd = [*QUARTIER, "build", "--no-site", "--quiet", "--root", str(root), "--out", str(out)]
    cmd += ["--commit", "0" * 40]
    figures = run_measured(cmd, log)
    figures["bytes_out"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return figures


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def prepare_size(
    n_members: int, n: int, seed: int, builds: bool, rebuild: bool = False
) -> tuple[list[Member], Path]:
    """The members (generated, and built if ``builds``) and the peer tree of one size."""
    members = [
        fed_members.prepare(DATA, k, n, seed, log, builds, rebuild) for k in range(n_members)
    ]
    log(f"{n_members} x {n}: members ready; the peer tree")
    name = f"fed-{n_members}x{n}-s{seed}-p{fed_members.BASE_PORT}"
    return members, make_peer(DATA / f"{name}-peer", members)


def run_size(n_members: int, n: int, seed: int, rebuild: bool = False) -> dict[str, Any]:
    """Every step for one size; a dict of figures per step."""
    members, peer = prepare_size(n_members, n, seed, builds=True, rebuild=rebuild)
    name = f"fed-{n_members}x{n}-s{seed}-p{fed_members.BASE_PORT}"
    work = OUT / name
    work.mkdir(parents=True, exist_ok=True)
    agg = make_aggregate(work / "aggregate", members)
    steps: dict[str, dict[str, Any]] = {}
    os.sync()
    time.sleep(2.0)
    cal_before = calibrate()
    log(f"{name}: cpu loop {cal_before:.2f} s")
    with fed_members.serve(members, "v1") as servers:

        def served() -> dict[str, int]:
            total: dict[str, int] = {}
            for s in servers:
                for key, value in s.counter.take().items():
                    total[key] = total.get(key, 0) + value
            return total

        for step, version in (("first", "v1"), ("unchanged", "v1"), ("changed_1pct", "v2")):
            for s in servers:
                s.use(version)
            log(f"{name}: federate ({step})")
            steps[step] = federate(agg, work / f"federate-{step}.log")
            steps[step]["served"] = served()
            check(steps[step], f"federate ({step})", work)
    log(f"{name}: aggregate build")
    steps["aggregate_build"] = build(agg, work / "aggregate-out", work / "build-aggregate.log")
    check(steps["aggregate_build"], "aggregate build", work)
    log(f"{name}: peer build (the same businesses as local entries)")
    steps["peer_build"] = build(peer, work / "peer-out", work / "build-peer.log")
    check(steps["peer_build"], "peer build", work)
    cal_after = calibrate()
    mirror = agg / ".quartier-cache" / "federation"
    return {
        "members": n_members,
        "per_member": n,
        "businesses": n_members * n,
        "cpu_loop_s": (cal_before + cal_after) / 2,
        "mirror_bytes": sum(p.stat().st_size for p in mirror.rglob("*") if p.is_file()),
        "steps": steps,
    }


def check(figures: dict[str, Any], what: str, work: Path | None = None) -> None:
    """Stop at a failed step; else log its figures at once (a long run may be cut short)."""
    if work is not None:
        shown = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
        shown = {k: v for k, v in shown.items() if k != "output"}
        log(f"{what}: {json.dumps(shown)}")
        with (work / "steps.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps({"step": what, **shown}) + "\n")
    if figures["exit"] not in (0,):
        tail = figures["output"][-3000:]
        raise SystemExit(f"{what} exited {figures['exit']}:\n{tail}")


# --------------------------------------------------------------------------- report


TARGETS = (
    ("unchanged", "first", 0.02, "re-federation, nothing changed / first"),
    ("changed_1pct", "first", 0.05, "re-federation, 1% changed / first"),
    ("aggregate_build", "peer_build", 1.5, "aggregate build / peer build"),
)


def report(run: dict[str, Any]) -> list[str]:
    s = run["steps"]
    lines = [
        f"## {run['members']} members x {run['per_member']:,} = {run['businesses']:,} businesses"
        f" (cpu loop {run['cpu_loop_s']:.2f} s; mirror {run['mirror_bytes'] / 2**20:.0f} MiB)",
        "| step | wall s | cpu s | peak tree MiB | peak proc MiB | requests | MiB served "
        "| federate says |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for step, f in s.items():
        served = f.get("served") or {}
        req = served.get("requests", "")
        mib = f"{served['bytes'] / 2**20:.1f}" if served else ""
        lines.append(
            f"| {step} | {f['wall_s']:.2f} | {f['cpu_s']:.2f} | {f['peak_tree_mib']:.0f} | "
            f"{f['peak_proc_mib']:.0f} | {req} | {mib} | "
            + " ".join(f"{k}={v}" for k, v in (f.get("federate") or {}).items() if v)
            + " |"
        )
    # Wall time is the target's measure; CPU time (the process tree's, user and
    # system) says the same on a machine others are using, where waiting for a
    # core can make a 1-second step take 5.
    for a, b, target, label in TARGETS:
        verdicts = []
        for measure in ("wall_s", "cpu_s"):
            ratio = s[a][measure] / s[b][measure]
            ok = ratio < target or (target >= 1 and ratio <= target)
            verdicts.append(f"{measure[:-2]} {ratio:.3f} {'met' if ok else 'MISSED'}")
        lines.append(f"- {label} (target {target}): " + ", ".join(verdicts))
    per = run["businesses"] / 1000
    lines.append(
        f"- per 1,000 businesses: first federation {s['first']['wall_s'] / per:.2f} s, "
        f"aggregate build {s['aggregate_build']['wall_s'] / per:.2f} s, "
        f"peer build {s['peer_build']['wall_s'] / per:.2f} s"
    )
    return lines


def flatness(runs: list[dict[str, Any]]) -> list[str]:
    """Peak memory of each step against the number of members."""
    if len(runs) < 2:
        return []
    lines = ["## memory against the number of members (peak tree MiB)"]
    head = "| step | " + " | ".join(f"{r['members']} x {r['per_member']:,}" for r in runs) + " |"
    lines += [head, "|---|" + "---:|" * len(runs)]
    for step in runs[0]["steps"]:
        cells = " | ".join(f"{r['steps'][step]['peak_tree_mib']:.0f}" for r in runs)
        lines.append(f"| {step} | {cells} |")
    a, b = runs[0], runs[-1]
    growth = b["steps"]["first"]["peak_tree_mib"] / a["steps"]["first"]["peak_tree_mib"]
    lines.append(
        f"- federate's peak grows {growth:.2f}x from {a['members']} to {b['members']} members "
        f"({b['members'] / a['members']:.0f}x the members)"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--members", type=int, action="append", help="members (repeatable; default 5, 10, 20)"
    )
    parser.add_argument("--businesses", type=int, default=5000, help="per member (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="the --json file of an earlier run, for the memory comparison (repeatable)",
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="only generate (and cache) the members' trees and the peer tree",
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="generate and build the members, no timing"
    )
    parser.add_argument(
        "--rebuild-members",
        action="store_true",
        help="build the members again (after a change of what quartier build publishes)",
    )
    args = parser.parse_args()
    sizes = args.members or [5, 10, 20]
    if args.generate_only or args.prepare_only:
        # The largest size covers the smaller ones: members 0..k-1 are shared.
        builds, rebuild = args.prepare_only, args.rebuild_members
        prepare_size(max(sizes), args.businesses, args.seed, builds, rebuild)
        return 0
    runs = []
    for i, n_members in enumerate(sizes):
        run = run_size(n_members, args.businesses, args.seed, args.rebuild_members and i == 0)
        runs.append(run)
        print("\n".join(report(run)) + "\n", flush=True)
    earlier = [run for path in args.also for run in json.loads(path.read_text("utf-8"))]
    print("\n".join(flatness(sorted(earlier + runs, key=lambda r: r["businesses"]))))
    if args.json:
        for run in runs:
            for f in run["steps"].values():
                f.pop("output", None)
        args.json.write_text(json.dumps(runs, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
