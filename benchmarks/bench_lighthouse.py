"""Lighthouse on the site of 10,000 businesses: the four scores per page type, the map's timings.

Run by hand (never in CI)::

    .venv/bin/python benchmarks/bench_lighthouse.py                 # n=10000, mobile
    .venv/bin/python benchmarks/bench_lighthouse.py --desktop       # and the desktop preset
    .venv/bin/python benchmarks/bench_lighthouse.py --no-build      # reuse the last build
    .venv/bin/python benchmarks/bench_lighthouse.py --no-build --page map   # one page type

The synthetic directory (benchmarks/synth.py, the tree bench_build.py uses)
is built with the real build (``quartier build``, site and search, in a
fresh process), served on 127.0.0.1 by an HTTP server that compresses text
with gzip as GitHub Pages does, and Lighthouse
(the npm package at a pinned version, installed into
``.venv/npm/lighthouse``; needs Node 18+) audits the home, a business, a
category, a place and the map page with Debian's chromium. Requests to other
hosts (the map's tile server) are blocked, as the site must work without
them. Lighthouse's mobile run is its default: a mid-range phone on a slow
4G connection, simulated, so its timings are estimates for that phone; the
map's *observed* figures are what this machine took, unthrottled.

It prints, per page, performance / accessibility / best practices / SEO and
the failing audits, then the map page's first contentful paint, largest
contentful paint, time to interactive (simulated) and its observed load;
the JSON goes to benchmarks/_out/lighthouse-n<N>.json with a calibration
figure (a fixed CPU loop, see bench_build.py: this VM's CPU is shared).

Targets (issue 15): at least 95 in every category on every page type, 100
in accessibility, the map interactive within 2 s at 10,000 businesses.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_build import calibrate, tree  # noqa: E402

LIGHTHOUSE = "lighthouse@12.8.2"  # the last release that runs on Debian's Node 20
PREFIX = PROJECT / ".venv" / "npm" / "lighthouse"
CLI = PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = Path("/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET_SCORE, TARGET_A11Y, TARGET_MAP_S = 95, 100, 2.0


def lighthouse() -> Path:
    """Lighthouse's command-line script, installed at the pinned version on first use."""
    if not CLI.is_file():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            raise SystemExit("Lighthouse needs Node 18+ and npm: apt-get install nodejs npm")
        subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(PREFIX),
                LIGHTHOUSE,
            ],
            check=True,
            timeout=900,
        )
    return CLI


def build(root: Path, out: Path) -> float:
    """``quartier build`` of ``root`` (site included) into ``out``; its wall time."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "quartier", "build", "--root", str(root)]
    command += ["--out", str(out), "--quiet", "--commit", "0" * 40]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the build failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def pages(site: Path) -> dict[str, str]:
    """Page type -> path: the busiest category and place, a business with a photo if any."""

    def busiest(folder: str) -> str:
        lists = list((site / folder).glob("*/index.html"))
        if not lists:
            raise SystemExit(f"no {folder} pages in {site}")
        biggest = max(lists, key=lambda p: (p.stat().st_size, p.parent.name))
        return f"/{folder}/{biggest.parent.name}/"

    businesses = sorted((site / "businesses").glob("*/index.html"))
    if not businesses:
        raise SystemExit(f"no business pages in {site}")
    with_photo = [p for p in businesses[:2000] if "<picture" in p.read_text("utf-8")]
    business = (with_photo or businesses)[0].parent.name
    return {
        "home": "/",
        "business": f"/businesses/{business}/",
        "category": busiest("categories"),
        "place": busiest("places"),
        "map": "/map/",
    }


# Compressed as GitHub Pages serves them (its CDN sends gzip or brotli for these types):
# a plain file server would make every page carry 140 KB of Material's CSS uncompressed.
COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".mjs")


class _Pages(http.server.SimpleHTTPRequestHandler):
    """Static files on loopback as a static host sends them: text compressed with gzip."""

    cache: ClassVar[dict[str, bytes]] = {}

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to the folder's address
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        key = str(path)
        if key not in self.cache:
            self.cache[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        body = self.cache[key]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Pages, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def blocked_hosts(root: Path) -> list[str]:
    """Patterns for the hosts the site may reach beyond its own: the map's tile server."""
    settings = yaml.safe_load((root / "directory.yaml").read_text("utf-8"))
    url = ((settings.get("site") or {}).get("tiles") or {}).get("url")
    url = url or "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    host = urlsplit(url.replace("{s}", "a")).hostname or "tile.openstreetmap.org"
    return [f"*{host.split('.', 1)[-1]}*"]


def audit(
    cli: Path, url: str, blocked: list[str], desktop: bool, report: Path
) -> dict[str, Any] | str:
    """One Lighthouse run: its JSON report (also written to ``report``), or why it failed."""
    command = ["node", str(cli), url, "--quiet", "--output=json", f"--output-path={report}"]
    command += [f"--only-categories={','.join(CATEGORIES)}", f"--chrome-path={CHROMIUM}"]
    command += ["--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run"]
    command += [f"--blocked-url-patterns={pattern}" for pattern in blocked]
    command += ["--max-wait-for-load=120000"]
    if desktop:
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    report.unlink(missing_ok=True)
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0 or not report.is_file():
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else f"exit status {done.returncode}"
    found = json.loads(report.read_text("utf-8"))
    if found.get("runtimeError"):
        return str(found["runtimeError"].get("message", found["runtimeError"]))
    return dict(found)


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Scores (0-100), failing audits with their titles, timings of the page."""
    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = {}
    for category in CATEGORIES:
        for ref in result["categories"][category]["auditRefs"]:
            a = result["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
                failing[ref["id"]] = f"{category}: {a['title']} ({a.get('displayValue', '')})"
    audits = result["audits"]
    metrics = (audits.get("metrics", {}).get("details") or {}).get("items") or [{}]
    observed = metrics[0]

    def seconds(audit_id: str) -> float | None:
        value = audits.get(audit_id, {}).get("numericValue")
        return None if value is None else round(value / 1000, 2)

    return {
        "scores": scores,
        "failing": failing,
        "fcp_s": seconds("first-contentful-paint"),
        "lcp_s": seconds("largest-contentful-paint"),
        "tti_s": seconds("interactive"),
        "tbt_ms": round(audits.get("total-blocking-time", {}).get("numericValue", 0)),
        "observed_fcp_s": _s(observed.get("observedFirstContentfulPaint")),
        "observed_lcp_s": _s(observed.get("observedLargestContentfulPaint")),
        "observed_dcl_s": _s(observed.get("observedDomContentLoaded")),
        "observed_load_s": _s(observed.get("observedLoad")),
        "bytes": sum(
            item.get("transferSize", 0)
            for item in (audits.get("network-requests", {}).get("details") or {}).get("items", [])
        ),
    }


def _s(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000, help="businesses (default 10000)")
    p.add_argument("--desktop", action="store_true", help="also run Lighthouse's desktop preset")
    p.add_argument("--no-build", action="store_true", help="reuse the last build of this size")
    p.add_argument(
        "--page",
        action="append",
        choices=("home", "business", "category", "place", "map"),
        help="audit only these page types (repeatable; default: all five)",
    )
    args = p.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    cli = lighthouse()
    root, reused = tree(args.n)
    out = HERE / "_out" / f"lighthouse-n{args.n}"
    built_s = None
    if not (args.no_build and (out / "index.html").is_file()):
        shutil.rmtree(out, ignore_errors=True)
        built_s = build(root, out)
    kinds = {k: v for k, v in pages(out).items() if not args.page or k in args.page}
    server, base = serve(out)
    reports = HERE / "_out" / f"lighthouse-n{args.n}-reports"
    reports.mkdir(parents=True, exist_ok=True)
    cpu_before = calibrate()
    results: dict[str, dict[str, Any]] = {}
    try:
        for preset in ("mobile", "desktop") if args.desktop else ("mobile",):
            for kind, path in kinds.items():
                report = reports / f"{kind}-{preset}.json"
                found = audit(cli, base + path, blocked_hosts(root), preset == "desktop", report)
                if isinstance(found, str):
                    results[f"{kind} ({preset})"] = {"path": path, "error": found}
                else:
                    results[f"{kind} ({preset})"] = {"path": path, **summary(found)}
                print(f"  {kind} ({preset}) done", file=sys.stderr)
    finally:
        server.shutdown()
        server.server_close()
    figures = {
        "n": args.n,
        "tree_reused": reused,
        "build_s": None if built_s is None else round(built_s, 1),
        "lighthouse": LIGHTHOUSE,
        "cpu_loop_s": round((cpu_before + calibrate()) / 2, 3),
        "pages": results,
        "html_bytes": {
            kind: (out / path.lstrip("/") / "index.html").stat().st_size
            for kind, path in kinds.items()
        },
    }
    (HERE / "_out" / f"lighthouse-n{args.n}.json").write_text(json.dumps(figures, indent=2))
    print(f"Lighthouse ({LIGHTHOUSE}) on {args.n} businesses, CPU loop {figures['cpu_loop_s']} s")
    print(f"{'page':22} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}  path (HTML size)")
    missed = []
    for name, r in results.items():
        if "error" in r:
            print(f"{name:22} Lighthouse failed: {r['error']}  {r['path']}")
            missed.append(name)
            continue
        s = r["scores"]
        print(
            f"{name:22} {s['performance']:>5} {s['accessibility']:>5} "
            f"{s['best-practices']:>5} {s['seo']:>5}  {r['path']} "
            f"({figures['html_bytes'][name.split()[0]] / 1e3:,.0f} KB)"
        )
        for audit_id, text in r["failing"].items():
            print(f"{'':24}- {audit_id}: {text}")
        if min(s.values()) < TARGET_SCORE or s["accessibility"] < TARGET_A11Y:
            missed.append(name)
    for name, r in results.items():
        if name.startswith("map") and "error" not in r:
            print(
                f"{name}: FCP {r['fcp_s']} s, LCP {r['lcp_s']} s, interactive {r['tti_s']} s, "
                f"TBT {r['tbt_ms']} ms (simulated); observed on this machine: FCP "
                f"{r['observed_fcp_s']} s, DOMContentLoaded {r['observed_dcl_s']} s, load "
                f"{r['observed_load_s']} s; {r['bytes'] / 1e6:.2f} MB transferred"
            )
    print("targets met" if not missed else f"below target: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
