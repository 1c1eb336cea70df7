"""Write ``tests/cases/hours/opening_hours_js.json``: the reference library's verdicts.

Quartier checks ``opening_hours`` with opening-hours-py and proposes
corrections for human spellings (``quartier.hours_fix``). Both are measured
against opening_hours.js, the reference implementation behind the OSM wiki's
evaluation tool: its ``test/test.js`` gives the library about 900 values,
and for each one the library either accepts it, accepts it with warnings
(and prettifies it: ``Mo: 7-18;`` becomes ``Mo 07:00-18:00``), or refuses it.

Reading those verdicts off the test source would mean parsing JavaScript and
guessing which values warn; instead this script runs the reference itself:

1. export the given commit of an opening_hours.js repository to a temporary
   folder (``git archive``; a local clone or a bare mirror both work);
2. install only what building and running its tests needs, from the npm
   registry (rollup and its plugins, yargs, timekeeper, glob, yaml; the
   project's other development tools, linters and commit hooks, are left out);
3. build ``build/opening_hours.js`` with the project's own rollup config;
4. run ``test/test.js --locale en`` with ``--library-file`` pointing at a
   small wrapper that hands every call to the real library and records the
   value, its mode, and what the library answered (error, warnings,
   ``prettifyValue()``); the run must end with all of its tests passed, so
   the records are those of a working reference;
5. write the records, with the source URL, commit and license, as JSON.

Needs git, node (20 or newer) and npm. Takes about a minute.

usage:
  python scripts/opening_hours_js.py PATH/TO/opening_hours.js [--commit REV] [--out FILE]

example (with a clone made by ``git clone https://github.com/opening-hours/opening_hours.js``):
  python scripts/opening_hours_js.py ../opening_hours.js --commit HEAD
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "cases" / "hours" / "opening_hours_js.json"
SOURCE_URL = "https://github.com/opening-hours/opening_hours.js"
# What building the library and running test/test.js need (see the project's
# package.json and rollup.config.mjs); versions come from its own package.json.
NEEDED_DEV = (
    "@rollup/plugin-commonjs",
    "@rollup/plugin-json",
    "@rollup/plugin-node-resolve",
    "@rollup/plugin-terser",
    "@rollup/plugin-yaml",
    "rollup",
    "terser",
    "glob",
    "timekeeper",
    "yaml",
    "yargs",
)

# Where an accepted value's meaning is taken (its open intervals, as a digest):
# weeks with no public or school holiday in Baden-Wuerttemberg (where test.js
# places its values) nor in Germany as opening-hours-py knows it, so that
# the two libraries' holiday calendars play no part.
WINDOWS = [
    ["2024-01-08T00:00", "2024-01-29T00:00"],
    ["2024-06-03T00:00", "2024-06-17T00:00"],
    ["2024-11-04T00:00", "2024-11-18T00:00"],
]

# Hands every call to the real library and remembers, per (value, mode, tag
# key), what it said the first time. Written into the export, run by node.
RECORDER = r"""
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');
const real = require(path.resolve(process.env.OHJS_LIBRARY));
const seen = new Map();
function Recorded(value, nominatim, optional) {
    const conf = typeof optional === 'number' ? { mode: optional }
        : (optional && typeof optional === 'object' ? optional : {});
    const rec = { value: value, mode: typeof conf.mode === 'number' ? conf.mode : 0 };
    if (typeof conf.tag_key === 'string') rec.tag_key = conf.tag_key;
    try {
        const oh = new real(value, nominatim, optional);
        rec.warnings = oh.getWarnings();
        rec.prettified = oh.prettifyValue({});
        remember(rec);
        return oh;
    } catch (err) {
        rec.error = String(err);
        remember(rec);
        throw err;
    }
}
function remember(rec) {
    if (typeof rec.value !== 'string') return;
    const key = JSON.stringify([rec.value, rec.mode, rec.tag_key || null]);
    if (!seen.has(key)) seen.set(key, rec);
}
Object.assign(Recorded, real);
Recorded.prototype = real.prototype;
// What an accepted value means: its open and unknown intervals in WINDOWS, in
// UTC (no daylight saving time), located in Baden-Wuerttemberg as test.js's
// default; adjacent intervals of the same state and comment merged.
function meaning(rec) {
    const conf = rec.tag_key ? { tag_key: rec.tag_key } : { mode: rec.mode };
    const oh = new real(rec.value, null, conf);
    const lines = [];
    for (const [from, to] of JSON.parse(process.env.OHJS_WINDOWS)) {
        let last = null;
        const found = oh.getOpenIntervals(new Date(from + 'Z'), new Date(to + 'Z'));
        for (const [start, end, unknown, comment] of found) {
            const state = unknown ? 'unknown' : 'open';
            const text = comment || '';
            const same = last && last.state === state && last.text === text;
            if (same && last.end === start.getTime()) {
                last.end = end.getTime();
            } else {
                last = { start: start.getTime(), end: end.getTime(), state: state, text: text };
                lines.push(last);
            }
        }
    }
    const iso = t => new Date(t).toISOString().slice(0, 16);
    const canonical = lines
        .map(l => iso(l.start) + '/' + iso(l.end) + ' ' + l.state + ' ' + l.text)
        .join('\n');
    return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
process.on('exit', function () {
    process.env.TZ = 'UTC';
    for (const rec of seen.values()) {
        if (rec.error === undefined && rec.mode === 0) {
            try { rec.meaning = meaning(rec); } catch (err) { rec.meaning_error = String(err); }
        }
    }
    fs.writeFileSync(process.env.OHJS_RECORD, JSON.stringify([...seen.values()]));
});
module.exports = Recorded;
"""


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command (no shell), fail loudly with its output."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def export(repo: Path, commit: str, into: Path) -> str:
    """Unpack ``commit`` of ``repo`` into ``into``; the full commit id."""
    git_dir = repo / ".git" if (repo / ".git").exists() else repo  # a clone, or a bare mirror
    git = ["git", "--git-dir", str(git_dir)]
    full = run([*git, "rev-parse", f"{commit}^{{commit}}"], cwd=repo).strip()
    archive = subprocess.run([*git, "archive", full], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return full


def prepare(work: Path) -> dict[str, Any]:
    """Trim package.json to what the build and tests need; return the original."""
    path = work / "package.json"
    package: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    trimmed = dict(package)
    trimmed.pop("devEngines", None)  # asks for node 22; the build and tests run on 20
    trimmed["scripts"] = {}  # no commit hooks (husky) to install
    trimmed["devDependencies"] = {name: package["devDependencies"][name] for name in NEEDED_DEV}
    path.write_text(json.dumps(trimmed, indent=2), encoding="utf-8")
    return package


def verdict(record: dict[str, Any]) -> dict[str, Any]:
    """One record as test data: the value, and accepted, warned (with the correction) or refused."""
    out: dict[str, Any] = {"value": record["value"], "mode": record["mode"]}
    if "tag_key" in record:
        out["tag_key"] = record["tag_key"]
    if "error" in record:
        out["reference"] = "error"
        out["error"] = record["error"]
        return out
    out["reference"] = "warn" if record["warnings"] else "ok"
    if record["warnings"]:
        out["warnings"] = record["warnings"]
    if record["prettified"] != record["value"]:
        out["prettified"] = record["prettified"]
    if "meaning" in record:
        out["meaning"] = record["meaning"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="a clone or bare mirror of opening_hours.js")
    parser.add_argument("--commit", default="HEAD", help="the commit to read (default HEAD)")
    parser.add_argument("--out", type=Path, default=TARGET, help=f"default {TARGET}")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ohjs-") as folder:
        work = Path(folder)
        commit = export(options.repo.resolve(), options.commit, work)
        package = prepare(work)
        run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work)
        run(["node_modules/.bin/rollup", "-c"], cwd=work)
        (work / "recorder.js").write_text(RECORDER, encoding="utf-8")
        env = dict(os.environ, OHJS_LIBRARY="build/opening_hours.js")
        env["OHJS_RECORD"] = str(work / "record.json")
        env["OHJS_WINDOWS"] = json.dumps(WINDOWS)
        env.pop("FORCE_COLOR", None)
        env["NO_COLOR"] = "1"
        log = run(
            ["node", "test/test.js", "--library-file", "recorder.js", "--locale", "en"],
            cwd=work,
            env=env,
        )
        passed = re.search(r"^(\d+)/(\d+) tests passed\. 0 did not pass\.$", log, re.M)
        if passed is None or passed.group(1) != passed.group(2):
            sys.exit("the reference's own tests did not all pass: its verdicts are not trusted")
        records = json.loads((work / "record.json").read_text(encoding="utf-8"))
        node = run(["node", "--version"], cwd=work).strip()

    values = [verdict(record) for record in records]
    counts: dict[str, int] = {}
    for value in values:
        counts[value["reference"]] = counts.get(value["reference"], 0) + 1
    data = {
        "about": (
            "Every distinct value that opening_hours.js's test/test.js gives the library, "
            "with what the library answered: ok (accepted), warn (accepted with warnings; "
            "'prettified' is its corrected value), error (refused). mode 0 is opening hours "
            "(time ranges), 1 and 2 are points in time (collection_times)."
        ),
        "source": f"{SOURCE_URL}/blob/{commit}/test/test.js",
        "commit": commit,
        "reference_version": package["version"],
        "license": (
            "the values come from test/test.js, LGPL-3.0-only, (c) Robin Schneider and "
            "opening_hours.js contributors; warnings and prettified values are the "
            "library's output"
        ),
        "generated_by": "scripts/opening_hours_js.py (node " + node + ")",
        "reference_tests_passed": int(passed.group(1)),
        "meaning": (
            "for accepted values of mode 0: the first 16 hex digits of the SHA-256 of the "
            "value's open and unknown intervals in 'windows' (UTC, adjacent intervals of the "
            "same state and comment merged), one line each: "
            "'YYYY-MM-DDTHH:MM/YYYY-MM-DDTHH:MM open|unknown comment', joined by newlines"
        ),
        "windows": WINDOWS,
        "counts": dict(sorted(counts.items())),
        "values": values,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(values)} values ({data['counts']}) from {commit[:12]} -> {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
