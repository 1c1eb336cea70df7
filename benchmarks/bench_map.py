"""The map page at 10,000 businesses in Chromium: how soon it is drawn and answers.

Run by hand (never in CI)::

    .venv/bin/python benchmarks/bench_map.py                # n=10000: build, then 5 loads
    .venv/bin/python benchmarks/bench_map.py --no-build     # reuse the last build
    .venv/bin/python benchmarks/bench_map.py -n 1000 --runs 3

The synthetic directory (benchmarks/synth.py, the tree bench_build.py uses) is
built with the real ``quartier build`` in a fresh process, served on
127.0.0.1 with gzip as a static host does (bench_lighthouse's server), and
the map page is loaded in Debian's chromium through Playwright, each run in a
fresh browser context (nothing cached), unthrottled. Requests to other hosts
(the tile server) are aborted: markers and clusters do not wait for tiles.

Per run it reads, from the page's own clock (``performance.now()``, ms from
navigation start):

- ``markers``: when every business is in the cluster layer and drawn
  (``#q-map[data-markers]`` is set by assets/map.js after the last chunk);
- ``interactive``: the end of the last long task (over 50 ms) before that or
  shortly after it, or ``markers`` if later: from then on a tap is answered
  at once (the idea of Lighthouse's time to interactive, measured rather than
  simulated);
- ``blocking``: the total blocking time of those long tasks (their time over 50 ms);
- ``tap``: from a click on a cluster to the map's next ``zoomend``-drawn frame.

It prints the median of the runs with the size of ``map/points.json`` (plain
and gzipped), and writes the runs to ``benchmarks/_out/map-n<N>.json`` with a
calibration figure (a fixed CPU loop, see bench_build.py: this VM's CPU is
shared, so read the times against it). Target (issue 15): the map page
interactive within 2 s at 10,000 businesses.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import calibrate, tree  # noqa: E402
from bench_lighthouse import build, serve  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# After the markers are drawn, long tasks this long after still count (late chunks, layout).
QUIET_MS = 500

# Installed before the page's scripts: records long tasks and when the markers are drawn.
PROBE = """
window.__q = {long: [], markers: null};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__q.long.push([e.startTime, e.duration]);
}).observe({type: "longtask", buffered: true});
new MutationObserver((changes, observer) => {
  const map = document.getElementById("q-map");
  if (map && map.dataset.markers && window.__q.markers === null) {
    window.__q.markers = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-markers"]});
"""

# A click in the middle of the largest cluster in view, timed to the frame after the zoom.
TAP = """() => new Promise(resolve => {
  const box = document.getElementById("q-map").getBoundingClientRect();
  const inside = [...document.querySelectorAll("#q-map .q-cluster")].filter(e => {
    const r = e.getBoundingClientRect();
    return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
  });
  if (!inside.length) { resolve(null); return; }
  inside.sort((a, b) => Number(b.textContent) - Number(a.textContent));
  const cluster = inside[0], start = performance.now();
  const done = () => requestAnimationFrame(() => resolve(performance.now() - start));
  const gone = new MutationObserver(() => {
    if (!cluster.isConnected) { gone.disconnect(); done(); }
  });
  gone.observe(document.getElementById("q-map"), {subtree: true, childList: true});
  cluster.click();
})"""


def run_once(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    try:
        page = context.new_page()
        page.add_init_script(PROBE)
        page.goto(url + "/map/")
        page.wait_for_selector("#q-map[data-markers]", timeout=60_000)
        page.wait_for_timeout(QUIET_MS + 200)
        q = page.evaluate("window.__q")
        markers = float(q["markers"])
        counted = [(s, d) for s, d in q["long"] if s <= markers + QUIET_MS]
        last_end = max((s + d for s, d in counted), default=0.0)
        result = {
            "markers_ms": round(markers),
            "interactive_ms": round(max(markers, last_end)),
            "blocking_ms": round(sum(d - 50 for _, d in counted)),
            "longest_task_ms": round(max((d for _, d in counted), default=0.0)),
            "businesses": int(page.get_attribute("#q-map", "data-markers") or 0),
            "clusters_drawn": page.locator("#q-map .q-cluster").count(),
            "pins_drawn": page.locator("#q-map .q-pin").count(),
            "listed": page.locator("#q-map-list li").count(),
        }
        tap = page.evaluate(TAP)
        result["tap_ms"] = round(tap) if tap is not None else None
        return result
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=10_000, help="businesses (default 10000)")
    p.add_argument("--runs", type=int, default=5, help="page loads (default 5)")
    p.add_argument("--no-build", action="store_true", help="reuse the last build")
    args = p.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    root, _ = tree(args.n)
    site = HERE / "_out" / f"map-n{args.n}"
    built = None
    if not args.no_build or not (site / "map" / "points.json").is_file():
        built = build(root, site)
        print(f"built {args.n} businesses in {built:.1f} s")
    points = (site / "map" / "points.json").read_bytes()
    sizes = {"points_bytes": len(points), "points_gzip_bytes": len(gzip.compress(points, 6))}
    geojson = (site / "data" / "entries.geojson").stat().st_size
    calibration = calibrate()
    server, url = serve(site)
    runs = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
            try:
                for i in range(args.runs):
                    runs.append(run_once(browser, url))
                    print(f"run {i + 1}: {runs[-1]}")
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    median = {
        key: statistics.median(r[key] for r in runs)
        for key in ("markers_ms", "interactive_ms", "blocking_ms", "longest_task_ms", "tap_ms")
        if all(r[key] is not None for r in runs)
    }
    report = {
        "n": args.n,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "calibration_s": round(calibration, 3),
        "build_s": round(built, 1) if built is not None else None,
        **sizes,
        "geojson_bytes": geojson,
        "median": median,
        "runs": runs,
    }
    out = HERE / "_out" / f"map-n{args.n}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(
        f"map page, {args.n} businesses, median of {args.runs}: markers drawn "
        f"{median.get('markers_ms')} ms, interactive {median.get('interactive_ms')} ms "
        f"(target 2000), blocking {median.get('blocking_ms')} ms, a tap on a cluster "
        f"{median.get('tap_ms')} ms; points.json {sizes['points_bytes'] / 1e6:.2f} MB "
        f"({sizes['points_gzip_bytes'] / 1e3:.0f} KB gzipped; the GeoJSON is "
        f"{geojson / 1e6:.1f} MB); calibration {calibration:.2f} s -> {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
