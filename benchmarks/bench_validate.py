"""Benchmark of ``quartier validate`` on a synthetic directory (run by hand).

Generates (or reuses) an N-entry tree with ``synth.py`` under
``benchmarks/_data/`` and measures, wall clock, best of ``--repeat`` runs:

a. the floor: read every file and ``yaml.load`` it with libyaml's CSafeLoader;
b. ``quartier validate --no-cache`` of the whole tree as a subprocess, and
   ``read_directory(root, use_cache=False, keep_entries=False)`` in-process (a fresh child
   process, so its peak RSS is the validation's own);
c. ``check-jsonschema`` with the generated entry schema on the same files
   (a 1,000-file sample, extrapolated, when the full run would take long);
d. validating one file in the N-entry tree as a pre-commit hook does, with
   the keys cache cold (deleted) and warm;
e. the ratios against the targets: validate / floor <= 1.5,
   check-jsonschema / validate >= 15, one file warm < 0.5 s.

Subprocesses get warm bytecode (cached under ``benchmarks/_data/pycache``),
as on a developer's machine. Nothing here asserts a time.

    .venv/bin/python benchmarks/bench_validate.py --n 10000
    .venv/bin/python benchmarks/bench_validate.py --n 10000 --json
    .venv/bin/python benchmarks/bench_validate.py --n 2000 --profile   # top 15 by cumtime
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # the sibling module, found through the path set above

PROJECT = synth.PROJECT
DATA = PROJECT / "benchmarks" / "_data"
_VENV = PROJECT / ".venv" / "bin"
BIN = _VENV if (_VENV / "quartier").exists() else Path(sys.executable).parent
JSONSCHEMA_FULL_LIMIT_S = 300.0
JSONSCHEMA_SAMPLE = 1000
TARGETS = {"validate_over_floor": 1.5, "jsonschema_over_validate": 15.0, "one_file_warm_s": 0.5}


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def child_env() -> dict[str, str]:
    """Environment of timed subprocesses: bytecode written once, then reused."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")
    return env


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, float, list[float]]:
    """Best and median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), times


def run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=child_env(), check=False)
    if check and proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise SystemExit(
            f"bench: {' '.join(cmd[:3])} ... exited {proc.returncode}:\n" + "\n".join(tail)
        )
    return proc


# --------------------------------------------------------------------------- data


def prepare(dest: Path, n: int, seed: int, regen: bool) -> tuple[Path, bool]:
    """The synthetic tree at ``dest``, generated unless a fresh one is there."""
    reuse = synth.ensure(dest, n, seed, regen)
    schema = run([tool("quartier"), "schema", "--root", str(dest)])
    (dest / "schema" / "entry.schema.json").write_text(schema.stdout, "utf-8")
    return dest, reuse


def entry_files(root: Path) -> list[Path]:
    return sorted((root / "entries").rglob("*.yaml"))


# --------------------------------------------------------------------------- measures


def floor(files: list[Path], repeat: int) -> tuple[float, float]:
    loader = yaml.CSafeLoader

    def parse_all() -> None:
        for path in files:
            with path.open("rb") as fh:
                yaml.load(fh, Loader=loader)

    best, med, _ = best_of(repeat, parse_all)
    return best, med


def in_process(root: Path, repeat: int) -> dict[str, Any]:
    """read_directory in a fresh child process; times, result and peak RSS."""
    python = BIN / "python" if (BIN / "python").exists() else Path(sys.executable)
    cmd = [
        str(python),
        str(Path(__file__).resolve()),
        "--_inprocess",
        str(root),
        "--repeat",
        str(repeat),
    ]
    return json.loads(run(cmd).stdout)  # type: ignore[no-any-return]


def _inprocess_main(root: Path, repeat: int) -> int:
    """Child side of :func:`in_process`: prints JSON."""
    import quartier  # here, so the RSS baseline includes it
    from quartier.directory import read_directory

    def clear_caches() -> None:
        # Memoized phone and language checks would make runs 2 and 3 unfairly fast.
        for name, module in list(sys.modules.items()):
            if name.startswith("quartier"):
                for obj in vars(module).values():
                    if callable(getattr(obj, "cache_clear", None)):
                        obj.cache_clear()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, result = [], None
    for _ in range(repeat):
        clear_caches()
        result = None
        gc.collect()
        start = time.perf_counter()
        result = read_directory(root, use_cache=False, keep_entries=False)
        times.append(time.perf_counter() - start)
    assert result is not None
    first_problem = str(result.problems[0]) if result.problems else None
    print(
        json.dumps(
            {
                "times": times,
                "first": times[0],
                "best": min(times),
                "median": statistics.median(times),
                "files": result.checked_files,
                "errors": len(result.errors),
                "warnings": len(result.warnings),
                "first_problem": first_problem,
                "rss_imports_kb": rss_before,
                "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "quartier": getattr(quartier, "__version__", "?"),
            }
        )
    )
    return 0


def jsonschema(root: Path, files: list[Path], repeat: int) -> dict[str, Any]:
    schema = str(root / "schema" / "entry.schema.json")
    base = [tool("check-jsonschema"), "--schemafile", schema]
    arg_max = os.sysconf("SC_ARG_MAX") if hasattr(os, "sysconf") else 131072
    batch: list[list[str]] = [[]]
    size = 0
    for path in map(str, files):  # keep each command line well under ARG_MAX
        if size + len(path) + 1 > arg_max // 2 and batch[-1]:
            batch.append([])
            size = 0
        batch[-1].append(path)
        size += len(path) + 1
    invalid = False

    def check(batches: list[list[str]]) -> None:
        nonlocal invalid
        for chunk in batches:
            proc = run(base + chunk, check=False)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"bench: check-jsonschema failed: {proc.stderr.strip()[-500:]}")
            invalid = invalid or proc.returncode == 1

    step = max(1, len(files) // JSONSCHEMA_SAMPLE)
    sample = [str(p) for p in files[::step]][:JSONSCHEMA_SAMPLE]
    t_sample, _, _ = best_of(1, lambda: check([sample]))
    estimate = t_sample * len(files) / len(sample)
    if estimate > JSONSCHEMA_FULL_LIMIT_S:
        best, med, _ = best_of(repeat, lambda: check([sample]))
        scale = len(files) / len(sample)
        return {
            "best": best * scale,
            "median": med * scale,
            "invocations": 1,
            "how": f"EXTRAPOLATED from {len(sample)} files x{scale:.1f}",
            "valid": not invalid,
        }
    runs = repeat if estimate * repeat <= 2 * JSONSCHEMA_FULL_LIMIT_S else 1
    best, med, _ = best_of(runs, lambda: check(batch))
    return {
        "best": best,
        "median": med,
        "how": f"all files, best of {runs}",
        "invocations": len(batch),
        "valid": not invalid,
    }


def one_file(root: Path, target: Path, repeat: int) -> dict[str, float]:
    cmd = [tool("quartier"), "validate", "--root", str(root), str(target)]
    cache = root / ".quartier-cache"

    def cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        start = time.perf_counter()
        run(cmd)
        cold_times.append(time.perf_counter() - start)

    cold_times: list[float] = []
    for _ in range(repeat):
        cold()
    run(cmd)  # leaves a warm cache
    warm_best, warm_med, _ = best_of(repeat, lambda: run(cmd))
    return {
        "cold_best": min(cold_times),
        "cold_median": statistics.median(cold_times),
        "warm_best": warm_best,
        "warm_median": warm_med,
    }


def profile(root: Path, top: int = 15) -> None:
    import cProfile
    import pstats

    from quartier.directory import read_directory

    read_directory(root, use_cache=False)  # lazy imports out of the way
    prof = cProfile.Profile()
    prof.enable()
    read_directory(root, use_cache=False)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- report


def measure(args: argparse.Namespace) -> dict[str, Any]:
    dest = args.data or DATA / f"validate-n{args.n}-s{args.seed}"
    start = time.perf_counter()
    root, reused = prepare(dest, args.n, args.seed, args.regen)
    prepared = time.perf_counter() - start
    files = entry_files(root)
    r = args.repeat
    # Warm-up: bytecode into the cache, file pages into memory, for every measure alike.
    run([tool("quartier"), "validate", "--root", str(root), str(files[0])], check=False)

    out: dict[str, Any] = {
        "n": len(files),
        "seed": args.seed,
        "repeat": r,
        "data": str(root),
        "reused": reused,
        "prepare_s": prepared,
        "sizes": synth.size_stats(root),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    fb, fm = floor(files, r)
    out["floor"] = {"best": fb, "median": fm}
    sub = [tool("quartier"), "validate", "--root", str(root), "--no-cache"]
    proc = run(sub, check=False)
    out["validate_output"] = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    vb, vm, _ = best_of(r, lambda: run(sub, check=False))
    out["validate_subprocess"] = {"best": vb, "median": vm, "exit": proc.returncode}
    out["validate_inprocess"] = in_process(root, r)
    out["startup"] = dict(
        zip(
            ("best", "median"),
            best_of(r, lambda: run([tool("quartier"), "--version"]))[:2],
            strict=True,
        )
    )
    out["jsonschema"] = jsonschema(root, files, r)
    out["one_file"] = one_file(root, files[len(files) // 2], r)
    ip = out["validate_inprocess"]
    out["ratios"] = {
        "validate_over_floor_inprocess": ip["best"] / fb,
        "validate_over_floor_subprocess": vb / fb,
        "jsonschema_over_validate": out["jsonschema"]["best"] / vb,
        "one_file_warm_s": out["one_file"]["warm_best"],
        "rss_peak_mb": ip["rss_peak_kb"] / 1024,
        "rss_over_imports_mb": (ip["rss_peak_kb"] - ip["rss_imports_kb"]) / 1024,
    }
    out["targets"] = TARGETS
    return out


def table(m: dict[str, Any]) -> str:
    n = m["n"]
    s = m["sizes"]
    ip, js, one = m["validate_inprocess"], m["jsonschema"], m["one_file"]
    ratios = m["ratios"]

    def row(label: str, best: float, med: float, note: str = "") -> str:
        return f"{label:<47}{best:>8.3f} s{med:>9.3f} s{best / n * 1e3:>9.3f} ms  {note}".rstrip()

    def row1(label: str, best: float, med: float, note: str = "") -> str:
        return f"{label:<47}{best:>8.3f} s{med:>9.3f} s{'':>12}  {note}".rstrip()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    valid = (
        "all valid"
        if ip["errors"] == 0 and ip["warnings"] == 0
        else f"NOT VALID: {ip['errors']} errors, {ip['warnings']} warnings; {ip['first_problem']}"
    )
    lines = [
        f"quartier validate benchmark: {n:,} entries (seed {m['seed']}), "
        f"{s['total'] / 1e6:.1f} MB, file bytes min {s['min']} / median {s['median']} / "
        f"max {s['max']}",
        f"data: {m['data']} ({'reused' if m['reused'] else 'generated'} "
        f"in {m['prepare_s']:.1f} s); tree {valid}",
        f"python {m['python']}, {m['cpus']} cpus; wall clock, best and median of {m['repeat']}",
        "",
        f"{'':<47}{'best':>8}  {'median':>9}  {'per file':>9}",
        row("a  floor: read + yaml.load(CSafeLoader)", m["floor"]["best"], m["floor"]["median"]),
        row(
            "b  quartier validate --no-cache (subprocess)",
            m["validate_subprocess"]["best"],
            m["validate_subprocess"]["median"],
        ),
        row(
            "b  read_directory(use_cache=False) in-process",
            ip["best"],
            ip["median"],
            f"first run {ip['first']:.3f} s",
        ),
        row(
            f"c  check-jsonschema ({js['invocations']} invocation"
            f"{'s' if js['invocations'] > 1 else ''})",
            js["best"],
            js["median"],
            js["how"],
        ),
        row1("d  one file, cold cache (subprocess)", one["cold_best"], one["cold_median"]),
        row1("d  one file, warm cache (subprocess)", one["warm_best"], one["warm_median"]),
        row1("   for reference: quartier --version", m["startup"]["best"], m["startup"]["median"]),
        "",
        f"e  validate / floor            in-process {ratios['validate_over_floor_inprocess']:5.2f}x"
        f", subprocess {ratios['validate_over_floor_subprocess']:5.2f}x   target <= "
        f"{TARGETS['validate_over_floor']}  "
        f"{verdict(ratios['validate_over_floor_inprocess'] <= TARGETS['validate_over_floor'])}",
        f"   check-jsonschema / validate {ratios['jsonschema_over_validate']:6.1f}x"
        f"{'':>27}target >= {TARGETS['jsonschema_over_validate']:.0f}   "
        f"{verdict(ratios['jsonschema_over_validate'] >= TARGETS['jsonschema_over_validate'])}",
        f"   one file, warm cache        {ratios['one_file_warm_s']:6.3f} s"
        f"{'':>26}target < {TARGETS['one_file_warm_s']} s  "
        f"{verdict(ratios['one_file_warm_s'] < TARGETS['one_file_warm_s'])}",
        f"   peak RSS, in-process validate {ratios['rss_peak_mb']:.0f} MB "
        f"({ratios['rss_over_imports_mb']:.0f} MB above the imports)",
    ]
    if not js["valid"]:
        lines.append("   note: check-jsonschema reported invalid files; see its output by hand")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Benchmark quartier validate against the YAML floor and check-jsonschema.",
        epilog="example: .venv/bin/python benchmarks/bench_validate.py --n 10000 --json",
    )
    p.add_argument("--n", type=int, default=10_000, help="entries (default 10000)")
    p.add_argument("--seed", type=int, default=1, help="synth.py seed (default 1)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measure (default 3)")
    p.add_argument("--data", type=Path, help="tree location (default benchmarks/_data/...)")
    p.add_argument("--regen", action="store_true", help="generate the tree even if one is there")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument(
        "--json-out", type=Path, metavar="FILE", help="also write the numbers as JSON to FILE"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead: cProfile one in-process validation, top 15 by cumulative time",
    )
    p.add_argument("--_inprocess", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._inprocess:
        return _inprocess_main(args._inprocess, args.repeat)
    if args.profile:
        dest = args.data or DATA / f"validate-n{args.n}-s{args.seed}"
        root, _ = prepare(dest, args.n, args.seed, args.regen)
        profile(root)
        return 0
    m = measure(args)
    print(json.dumps(m, indent=2) if args.json else table(m))
    if args.json_out:
        args.json_out.write_text(json.dumps(m, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
