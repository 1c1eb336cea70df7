"""The changes feed every build publishes, and the previous build it continues from.

Real builds of small directories (``quartier build --no-site``): the first
is sequence 1 with everything added; one entry changed, added and removed
makes sequence 2 with exactly those; an unchanged rebuild publishes the same
feed byte for byte. The previous build comes from the output folder, a
folder given with ``--previous``, or a site served on 127.0.0.1 by a real
HTTP server. A previous build is somebody else's data: every way it can be
wrong (malformed, too large, a sequence going backwards, another lineage,
ids that are not record ids, a file changed after the manifest) stops the
build with a clear message before anything is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from quartier.cli import main
from quartier.publish import changes, previous
from quartier.publish.writer import Output

from .conftest import SAMPLE, copy_entry

BERN = SAMPLE / "entries" / "ch" / "bern"
CHANGES = "api/v1/changes"
MANIFEST = "api/v1/index.json"
FIX = "pass --no-previous to start a new sequence"
OTHER = "b" * 64  # a sha256 that no file here has


def entry(name: str, last_verified: str | None = None) -> dict[str, str]:
    """One sample entry as a file of a new repository, its last_verified changed if given."""
    text = (BERN / f"{name}.yaml").read_text("utf-8")
    if last_verified:
        text = re.sub(r"(?m)^last_verified: .*$", f"last_verified: {last_verified}", text)
    return {f"entries/ch/bern/{name}.yaml": text}


def reverify(root: Path, name: str, day: str) -> None:
    """Entry ``name`` of ``root`` with another last_verified: its published record changes."""
    for rel, text in entry(name, last_verified=day).items():
        (root / rel).write_text(text, "utf-8")


def build(root: Path, out: Path, *options: str) -> int:
    return main(["build", "--no-site", "--quiet", "--root", str(root), "--out", str(out), *options])


def read_json(out: Path, rel: str) -> Any:
    return orjson.loads((out / rel).read_bytes())


def state(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = read_json(out, f"{CHANGES}/state.json")
    return result


def step(out: Path, sequence: int) -> dict[str, Any]:
    result: dict[str, Any] = read_json(out, f"{CHANGES}/{sequence}.json")
    return result


def published_hashes(out: Path) -> dict[str, str]:
    """Id -> sha256 of api/v1/entries/<id>.json, as the build's manifest lists them."""
    files = read_json(out, MANIFEST)["files"]
    prefix = "api/v1/entries/"
    return {
        rel[len(prefix) : -5]: info["sha256"]
        for rel, info in files.items()
        if rel.startswith(prefix) and rel.endswith(".json")
    }


def feed_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / CHANGES).iterdir())}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def two(make_root: Callable[[dict[str, bytes | str]], Path], tmp_path: Path) -> tuple[Path, Path]:
    """A directory of two businesses, built once into its _site (sequence 1)."""
    root = make_root({**entry("aare-roestwerk"), **entry("kafi-zwischenhalt")})
    out = tmp_path / "_site"
    assert build(root, out) == 0
    return root, out


# --- Sequences from real builds --------------------------------------------------


def test_a_first_build_is_sequence_1_with_every_business_added(two: tuple[Path, Path]) -> None:
    _, out = two
    first = state(out)
    assert first == {
        "spec_version": "1.0",
        "sequence": 1,
        "lineage": first["lineage"],
        "oldest": 1,
        "changes": "https://quartier-dev.github.io/quartier/api/v1/changes/{sequence}.json",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", first["lineage"])
    assert step(out, 1) == {
        "spec_version": "1.0",
        "sequence": 1,
        "lineage": first["lineage"],
        "added": published_hashes(out),
        "changed": {},
        "removed": [],
    }
    assert sorted(published_hashes(out)) == ["aare-roestwerk", "kafi-zwischenhalt"]
    manifest = read_json(out, MANIFEST)
    assert manifest["changes"] == {"sequence": 1, "lineage": first["lineage"]}
    # The manifest covers the feed like every other file.
    for name, data in feed_files(out).items():
        assert manifest["files"][f"{CHANGES}/{name}"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_one_change_one_addition_one_removal_make_sequence_2_with_exactly_those(
    two: tuple[Path, Path],
) -> None:
    root, out = two
    first_feed, first = feed_files(out), state(out)
    before = published_hashes(out)
    (root / "entries/ch/bern/kafi-zwischenhalt.yaml").unlink()
    for rel, text in {
        **entry("aare-roestwerk", last_verified="2026-11-20"),
        **entry("velowerk-lorraine"),
    }.items():
        (root / rel).write_text(text, "utf-8")
    copy_entry(BERN / "velowerk-lorraine.yaml", root / "entries/ch/bern")  # and its photo

    assert build(root, out) == 0

    after = published_hashes(out)
    assert after["aare-roestwerk"] != before["aare-roestwerk"]
    assert state(out) == {**first, "sequence": 2}
    assert step(out, 2) == {
        "spec_version": "1.0",
        "sequence": 2,
        "lineage": first["lineage"],
        "added": {"velowerk-lorraine": after["velowerk-lorraine"]},
        "changed": {"aare-roestwerk": after["aare-roestwerk"]},
        "removed": ["kafi-zwischenhalt"],
    }
    assert feed_files(out)["1.json"] == first_feed["1.json"]  # kept byte for byte
    assert read_json(out, MANIFEST)["changes"] == {"sequence": 2, "lineage": first["lineage"]}


def test_an_unchanged_rebuild_publishes_the_same_feed_byte_for_byte(
    two: tuple[Path, Path],
) -> None:
    root, out = two
    reverify(root, "kafi-zwischenhalt", "2026-11-21")
    assert build(root, out) == 0
    published = feed_files(out)
    manifest = read_json(out, MANIFEST)
    assert state(out)["sequence"] == 2

    assert build(root, out) == 0

    assert feed_files(out) == published
    assert read_json(out, MANIFEST)["changes"] == manifest["changes"]
    assert {k: v for k, v in read_json(out, MANIFEST)["files"].items() if "changes" in k} == {
        k: v for k, v in manifest["files"].items() if "changes" in k
    }


def test_the_same_businesses_built_from_scratch_give_the_same_feed(
    two: tuple[Path, Path], tmp_path: Path
) -> None:
    root, out = two
    again = tmp_path / "again"
    assert build(root, again) == 0
    assert feed_files(again) == feed_files(out)
    # Another directory (another base URL) with the same businesses is another lineage.
    settings = root / "directory.yaml"
    settings.write_text(
        settings.read_text("utf-8").replace("quartier-dev.github.io", "elsewhere.example.org")
    )
    other = tmp_path / "other"
    assert build(root, other) == 0
    assert state(other)["lineage"] != state(out)["lineage"]


def test_no_previous_starts_a_new_sequence(two: tuple[Path, Path]) -> None:
    root, out = two
    first = feed_files(out)
    (root / "entries/ch/bern/kafi-zwischenhalt.yaml").unlink()
    assert build(root, out) == 0
    assert state(out)["sequence"] == 2
    assert build(root, out, "--no-previous") == 0
    assert state(out)["sequence"] == 1
    assert list(feed_files(out)) == ["1.json", "state.json"]
    assert step(out, 1)["added"] == published_hashes(out)
    assert feed_files(out)["1.json"] != first["1.json"]


def test_previous_and_no_previous_exclude_each_other(two: tuple[Path, Path]) -> None:
    root, out = two
    with pytest.raises(SystemExit):
        build(root, out, "--previous", str(out), "--no-previous")


# --- The oldest sequences make room ----------------------------------------------


def _publish(folder: Path, base: str, records: dict[str, bytes], spec: Path | None) -> None:
    """A build's entry files, its feed and a manifest listing them, as `quartier build` writes.

    The feed is written by the same function the build calls; the previous
    build is read the same way (``spec``: its folder).
    """
    with previous.open_previous(spec, folder) as base_feed, Output(folder) as out:
        for entry_id, body in records.items():
            out.write_bytes(f"api/v1/entries/{entry_id}.json", body)
        head = changes.write(out, base, base_feed)
        files = {rel: {"sha256": d, "bytes": n} for rel, (d, n) in sorted(out.files.items())}
        out.write_json(MANIFEST, {"changes": head, "files": files}, pretty=False)


def test_only_the_last_100_sequences_are_kept(tmp_path: Path) -> None:
    site, base = tmp_path / "site", "https://x.example.org/"
    records = {"a": b'{"id":"a"}', "b": b'{"id":"b"}'}
    _publish(site, base, records, None)
    first = feed_files(site)
    for n in range(2, 101):
        records["a"] = b'{"id":"a","n":%d}' % n
        _publish(site, base, records, site)
    assert state(site)["oldest"] == 1 and state(site)["sequence"] == 100
    assert len(feed_files(site)) == 101
    assert feed_files(site)["1.json"] == first["1.json"]

    records["c"] = b'{"id":"c"}'
    _publish(site, base, records, site)
    assert (state(site)["sequence"], state(site)["oldest"]) == (101, 2)
    assert not (site / CHANGES / "1.json").exists()
    assert step(site, 101)["added"] == {"c": hashlib.sha256(b'{"id":"c"}').hexdigest()}

    del records["b"]
    _publish(site, base, records, site)
    assert (state(site)["sequence"], state(site)["oldest"]) == (102, 3)
    assert sorted(int(name[:-5]) for name in feed_files(site) if name != "state.json") == list(
        range(3, 103)
    )
    assert step(site, 102)["removed"] == ["b"]
    # Nothing changed: the same 100 files and state again.
    kept = feed_files(site)
    _publish(site, base, records, site)
    assert feed_files(site) == kept


# --- The previous build from a folder or a URL --------------------------------


def test_previous_from_another_folder_continues_its_sequence(
    two: tuple[Path, Path], tmp_path: Path
) -> None:
    root, out = two
    lineage = state(out)["lineage"]
    (root / "entries/ch/bern/kafi-zwischenhalt.yaml").unlink()
    fresh = tmp_path / "fresh"
    assert build(root, fresh, "--previous", str(out)) == 0
    assert state(fresh) == {**state(out), "sequence": 2}
    assert step(fresh, 2)["removed"] == ["kafi-zwischenhalt"]
    assert state(fresh)["lineage"] == lineage
    assert feed_files(fresh)["1.json"] == feed_files(out)["1.json"]


def test_an_empty_folder_as_previous_means_none(two: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = two
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    assert build(root, out, "--previous", str(empty)) == 0
    assert state(out)["sequence"] == 1


class _Handler(http.server.BaseHTTPRequestHandler):
    """Files of a folder, unless the test's routes answer otherwise for a path."""

    def do_GET(self) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0].lstrip("/")
        site.requests.append((path, dict(self.headers)))
        with contextlib.suppress(OSError):
            if path in site.routes:
                site.routes[path](self)
                return
            file = site.folder / path if site.folder else None
            if file is None or not file.is_file():
                self.send_error(404)
                return
            body = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Site:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.routes: dict[str, Callable[[http.server.BaseHTTPRequestHandler], None]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""


@contextlib.contextmanager
def serve(folder: Path | None) -> Iterator[Site]:
    """``folder`` served on 127.0.0.1 by a real HTTP server in a thread of this process."""
    site = Site(folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.site = site  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_previous_from_a_url_continues_its_sequence(two: tuple[Path, Path], tmp_path: Path) -> None:
    root, out = two
    reverify(root, "aare-roestwerk", "2026-11-19")
    fresh = tmp_path / "fresh"
    with serve(out) as site:
        assert build(root, fresh, "--previous", site.url) == 0
    assert state(fresh)["sequence"] == 2
    assert list(step(fresh, 2)["changed"]) == ["aare-roestwerk"]
    assert feed_files(fresh)["1.json"] == feed_files(out)["1.json"]
    fetched = [path for path, _ in site.requests]
    assert fetched == [MANIFEST, f"{CHANGES}/state.json", f"{CHANGES}/1.json"]
    assert all(headers.get("Cache-Control") == "no-cache" for _, headers in site.requests)


def test_a_url_without_a_manifest_means_no_previous_build(
    two: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _ = two
    fresh = tmp_path / "fresh"
    with serve(None) as site:
        assert build(root, fresh, "--previous", site.url + "feed.json") == 0
    assert state(fresh)["sequence"] == 1
    assert [path for path, _ in site.requests] == [MANIFEST]


def test_a_build_from_before_the_changes_feed_starts_at_sequence_1(
    two: tuple[Path, Path], tmp_path: Path
) -> None:
    root, out = two
    manifest = read_json(out, MANIFEST)
    del manifest["changes"]
    (out / MANIFEST).write_bytes(orjson.dumps(manifest))
    fresh = tmp_path / "fresh"
    assert build(root, fresh, "--previous", str(out)) == 0
    assert state(fresh)["sequence"] == 1


# --- Hostile previous builds: a clear error, nothing written ---------------------


def tamper(out: Path, rel: str, body: bytes, relist: bool = True) -> None:
    """Replace file ``rel`` of a build; ``relist``: and its sha256 in the manifest, so that
    the check that follows is the one the test is about."""
    (out / rel).write_bytes(body)
    if relist and rel != MANIFEST:
        manifest = read_json(out, MANIFEST)
        manifest["files"][rel] = {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
        (out / MANIFEST).write_bytes(orjson.dumps(manifest))


def refused(root: Path, out: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """Build into ``out`` and expect a refusal that leaves ``out`` as it was; the message."""
    before = snapshot(out) if out.exists() else None
    capsys.readouterr()
    assert build(root, out, *options) == 2
    err = capsys.readouterr().err
    assert (snapshot(out) if out.exists() else None) == before
    assert "Traceback" not in err
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-")]
    return err


def _edit_json(out: Path, rel: str, change: Callable[[dict[str, Any]], object]) -> None:
    doc = read_json(out, rel)
    change(doc)
    tamper(out, rel, orjson.dumps(doc))


def _second(two: tuple[Path, Path]) -> tuple[Path, Path]:
    """The build of ``two`` at sequence 2 (one removal), so that there is a series to break."""
    root, out = two
    (root / "entries/ch/bern/kafi-zwischenhalt.yaml").unlink()
    assert build(root, out) == 0
    return root, out


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        # Not JSON at all.
        (lambda out: tamper(out, MANIFEST, b'{"files": {'), "api/v1/index.json: not JSON"),
        (lambda out: tamper(out, f"{CHANGES}/state.json", b"[1, 2"), "state.json: not JSON"),
        # JSON of the wrong shape.
        (lambda out: tamper(out, MANIFEST, b"[]"), "index.json is not a JSON object"),
        (
            lambda out: _edit_json(out, MANIFEST, lambda m: m.update(changes={"sequence": "2"})),
            "changes.sequence is not a whole number",
        ),
        (
            lambda out: _edit_json(out, MANIFEST, lambda m: m["changes"].update(sequence=True)),
            "changes.sequence is not a whole number",
        ),
        (
            lambda out: _edit_json(
                out, MANIFEST, lambda m: m["changes"].update(lineage="../../etc")
            ),
            "changes.lineage is not a lineage",
        ),
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/2.json", lambda d: d.update(removed="kafi-zwischenhalt")
            ),
            "removed is not a list of record ids",
        ),
        # The sequence going backwards, or skipping.
        (
            lambda out: _edit_json(out, f"{CHANGES}/state.json", lambda s: s.update(sequence=1)),
            "sequence 1 where the manifest's series says 2",
        ),
        (
            lambda out: _edit_json(out, f"{CHANGES}/2.json", lambda s: s.update(sequence=3)),
            "sequence 3 where the manifest's series says 2",
        ),
        (
            lambda out: _edit_json(out, f"{CHANGES}/state.json", lambda s: s.update(oldest=3)),
            "oldest 3 is impossible for sequence 2",
        ),
        # Another lineage.
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/state.json", lambda s: s.update(lineage="0" * 32)
            ),
            "lineage 00000000000000000000000000000000 is not the manifest's",
        ),
        (
            lambda out: _edit_json(out, f"{CHANGES}/1.json", lambda s: s.update(lineage="f" * 32)),
            "1.json: lineage ffffffffffffffffffffffffffffffff is not the manifest's",
        ),
        # Ids that are not record ids, path tricks among them.
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/2.json", lambda d: d["removed"].append("../../etc/passwd")
            ),
            "removed holds '../../etc/passwd', which is not a record id",
        ),
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/1.json", lambda d: d["added"].update({"Big Shop": "a" * 64})
            ),
            "added holds 'Big Shop', which is not a record id",
        ),
        (
            lambda out: _edit_json(
                out,
                MANIFEST,
                lambda m: m["files"].update(
                    {"api/v1/entries/../../x.json": {"sha256": "a" * 64, "bytes": 1}}
                ),
            ),
            "files holds '../../x', which is not a record id",
        ),
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/1.json", lambda d: d["added"].update({"x" * 300: "a" * 64})
            ),
            "which is not a record id",
        ),
        # A sha256 that is not one.
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/1.json", lambda d: d["added"].update(shop="../x")
            ),
            "added.shop is not a sha256",
        ),
        # A file changed after the manifest was written, or missing, or not listed.
        (
            lambda out: tamper(out, f"{CHANGES}/1.json", b'{"sequence": 1}', relist=False),
            "1.json: its sha256 is not the one the build's manifest gives",
        ),
        (
            lambda out: (out / CHANGES / "1.json").unlink(),
            "1.json: not found, although the build's manifest lists it",
        ),
        (
            lambda out: _edit_json(out, MANIFEST, lambda m: m["files"].pop(f"{CHANGES}/1.json")),
            "1.json: the build's manifest (api/v1/index.json) does not list this file",
        ),
        # The last sequence does not describe its own build.
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/2.json", lambda d: d["removed"].append("aare-roestwerk")
            ),
            "removed 'aare-roestwerk' does not agree with the build's",
        ),
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/2.json", lambda d: d["changed"].update({"aare-roestwerk": OTHER})
            ),
            "changed 'aare-roestwerk' does not agree with the build's",
        ),
        # Another version of the feed.
        (
            lambda out: _edit_json(
                out, f"{CHANGES}/state.json", lambda s: s.update(spec_version="2.0")
            ),
            "spec_version is not 1.0",
        ),
    ],
)
def test_a_hostile_previous_build_is_refused_with_the_fix(
    two: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    attack: Callable[[Path], object],
    expected: str,
) -> None:
    root, out = _second(two)
    attack(out)
    # Given as --previous, into a new folder: nothing is made.
    err = refused(root, tmp_path / "fresh", capsys, "--previous", str(out))
    assert expected in err and FIX in err, err
    assert not (tmp_path / "fresh").exists()
    # The output folder itself as the previous build: it stays as it was.
    err = refused(root, out, capsys)
    assert expected in err and FIX in err, err


def test_a_previous_file_that_is_not_a_regular_file_is_refused(
    two: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, out = two
    (out / CHANGES / "state.json").unlink()
    os.mkfifo(out / CHANGES / "state.json")  # a reader that opened it plainly would wait forever
    err = refused(root, tmp_path / "fresh", capsys, "--previous", str(out))
    assert "state.json: not a regular file" in err and FIX in err


def test_a_missing_or_foreign_folder_is_refused(
    two: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = two
    err = refused(root, tmp_path / "fresh", capsys, "--previous", str(tmp_path / "nowhere"))
    assert "nowhere: no such folder" in err and FIX in err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a build")
    err = refused(root, tmp_path / "fresh", capsys, "--previous", str(foreign))
    assert "holds files but no api/v1/index.json" in err and FIX in err


def test_a_huge_previous_file_is_refused_before_it_is_read(
    two: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, out = two
    monkeypatch.setitem(previous.MAX_BYTES, "manifest", 1 << 20)
    huge = b'{"files": {}, "pad": "' + b"x" * (2 << 20) + b'"}'
    (out / MANIFEST).write_bytes(huge)
    err = refused(root, tmp_path / "fresh", capsys, "--previous", str(out))
    assert "index.json: more than 1 MiB" in err and FIX in err

    def endless(h: http.server.BaseHTTPRequestHandler) -> None:
        """No Content-Length: the body just goes on."""
        h.send_response(200)
        h.end_headers()
        for _ in range(64):
            h.wfile.write(b"x" * 65536)

    with serve(out) as site:
        err = refused(root, tmp_path / "fresh", capsys, "--previous", site.url)
        assert "index.json: more than 1 MiB" in err  # announced by its Content-Length
        site.routes[MANIFEST] = endless
        err = refused(root, tmp_path / "fresh", capsys, "--previous", site.url)
        assert "index.json: more than 1 MiB" in err and FIX in err


def _status(code: int) -> Callable[[http.server.BaseHTTPRequestHandler], None]:
    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_error(code)

    return route


def _truncated(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b'{"spec_version": "1.0"')


def _to_file(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(302)
    h.send_header("Location", "file:///etc/passwd")
    h.end_headers()


def _loop(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(302)
    h.send_header("Location", h.path)
    h.end_headers()


@pytest.mark.parametrize(
    ("path", "route", "expected"),
    [
        (MANIFEST, _status(500), "api/v1/index.json: HTTP 500"),
        (f"{CHANGES}/state.json", _status(404), "state.json: not found, although"),
        (f"{CHANGES}/1.json", _status(503), "1.json: HTTP 503"),
        (f"{CHANGES}/state.json", _truncated, "state.json: the connection ended before the whole"),
        (MANIFEST, _to_file, "file:///etc/passwd"),
        (MANIFEST, _loop, "redirect"),
    ],
)
def test_a_failing_previous_site_is_refused_with_the_fix(
    two: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: str,
    route: Callable[[http.server.BaseHTTPRequestHandler], None],
    expected: str,
) -> None:
    root, out = two
    with serve(out) as site:
        site.routes[path] = route
        err = refused(root, tmp_path / "fresh", capsys, "--previous", site.url)
    assert expected in err and FIX in err, err


def _trickle(h: http.server.BaseHTTPRequestHandler) -> None:
    """A byte now and then: no read ever times out, the whole read never ends."""
    h.send_response(200)
    h.end_headers()
    for _ in range(200):  # gives up after some 20 s, so a reader without a deadline fails
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.1)


def _not_modified(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(304)
    h.end_headers()


def test_a_previous_site_that_never_finishes_is_cut_off_at_the_deadline(
    two: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, out = two
    monkeypatch.setattr(previous, "DEADLINE_S", 1.0)
    with serve(out) as site:
        site.routes[f"{CHANGES}/1.json"] = _trickle
        err = refused(root, tmp_path / "fresh", capsys, "--previous", site.url)
    assert "1.json: the previous build was not read within 1 s" in err and FIX in err


def test_a_previous_site_answering_not_modified_unasked_is_refused(
    two: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, out = two
    with serve(out) as site:
        site.routes[MANIFEST] = _not_modified
        err = refused(root, tmp_path / "fresh", capsys, "--previous", site.url)
    assert "index.json: HTTP 304 Not Modified, to a request that asked for the file" in err


def test_an_unreachable_previous_site_is_an_error_not_an_empty_start(
    two: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = two
    with serve(None) as site:
        url = site.url
    # The server is gone: the port refuses connections.
    err = refused(root, tmp_path / "fresh", capsys, "--previous", url)
    assert "index.json: cannot fetch it" in err and FIX in err


def test_the_previous_build_is_read_in_a_private_folder_removed_afterwards(
    two: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, out = two
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert build(root, tmp_path / "fresh", "--previous", str(out)) == 0
    assert list(temp.glob("quartier-changes-*")) == []
    shutil.rmtree(tmp_path / "fresh")


# --- The pages workflows continue the published sequence -------------------------


def _build_step(workflow: str) -> dict[str, Any]:
    """The step of a pages workflow that runs quartier build."""
    import yaml

    steps = yaml.safe_load(workflow)["jobs"]["build"]["steps"]
    (found,) = [s for s in steps if "quartier build" in s.get("run", "")]
    result: dict[str, Any] = found
    return result


@pytest.mark.parametrize(
    "base_url",
    ["https://example.github.io/quartier-lausanne/", 'https://x.example.org/it\'s$HOME/"a"/'],
)
def test_a_new_directorys_pages_workflow_passes_its_published_site_as_previous(
    base_url: str,
) -> None:
    from quartier.init import Answers, plan_repository

    plan = plan_repository(
        Answers(
            path="lausanne",
            name="Quartier Lausanne",
            base_url=base_url,
            area="lausanne",
            area_name="Lausanne",
            bbox="6.55,46.49,6.72,46.57",
            countries=["CH"],
            timezone="Europe/Zurich",
            languages=["fr"],
            maintainers=["anne-exemple"],
        )
    )
    step_ = _build_step(plan.files[".github/workflows/pages.yml"])
    # The URL reaches quartier as one argument, whatever it holds: no shell reads it.
    assert step_["env"] == {"PUBLISHED": base_url}
    assert '--previous "$PUBLISHED"' in step_["run"]


def test_this_repositorys_pages_workflow_passes_its_published_site_as_previous() -> None:
    from .conftest import ROOT

    base_url = re.search(r"(?m)^base_url: (\S+)$", (ROOT / "directory.yaml").read_text("utf-8"))
    assert base_url is not None
    step_ = _build_step((ROOT / ".github" / "workflows" / "pages.yml").read_text("utf-8"))
    assert step_["env"] == {"PUBLISHED": base_url.group(1)}
    assert '--previous "$PUBLISHED"' in step_["run"]


def test_a_build_with_the_site_continues_the_same_feed(two: tuple[Path, Path]) -> None:
    """The site's way of publishing (every entry read first) gives the same entry files:
    after a machine-output build, nothing changed, and the feed stays byte for byte."""
    from quartier.site import site_available

    if not site_available():
        pytest.skip("the site needs quartier[site]")
    root, out = two
    published = feed_files(out)
    assert main(["build", "--quiet", "--root", str(root), "--out", str(out)]) == 0
    assert (out / "index.html").is_file()
    assert feed_files(out) == published
