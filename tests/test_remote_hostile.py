"""A published directory read with --source is data to check, never to trust.

Every site here is served by a real HTTP server on 127.0.0.1 (a thread of
this process) that misbehaves on purpose: too many bytes, a length it never
sends, one byte at a time, redirects elsewhere, records and settings that
break the contract. Each test says what the reader must do instead: refuse
with a clear message and keep the last good copy, or skip the bad record and
say which one and why, never print what it refused, never crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from quartier.cli import main
from quartier.discover import SearchQuery, open_index, search
from quartier.discover import source as source_mod
from quartier.discover.source import skipped_note
from quartier.problems import QuartierError

FILES = ("api/v1/directory.json", "api/v1/taxonomy.json", "data/entries.ndjson")
ESC = "\x1b"
# A trickling server gives up after this long: the code before the fix read forever, and
# its failing test must end. (No assertion is about time.)
TRICKLE_GIVE_UP_S = 20.0

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        site.requests.append(self.path)
        route = site.routes.get(self.path.lstrip("/"))
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(OSError):  # the client hung up: what several tests want
            route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Site:
    """What the hostile server answers, per path; tests change it between fetches."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.url = ""

    def put(self, path: str, body: bytes) -> None:
        self.routes[path] = ok(body)


def ok(body: bytes) -> Route:
    """``body``, with an ETag that a conditional request may match (then 304)."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'

    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("ETag", etag)
        h.end_headers()
        h.wfile.write(body)

    return route


@contextlib.contextmanager
def hostile(files: dict[str, bytes]) -> Iterator[Site]:
    site = Site()
    for path, body in files.items():
        site.put(path, body)
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


@pytest.fixture(scope="module")
def published(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The sample directory as `quartier build --no-site` publishes it: the three files read."""
    out = tmp_path_factory.mktemp("published") / "x"
    assert (
        main(["build", "--no-site", "--quiet", "--root", str(sample_root), "--out", str(out)]) == 0
    )
    return {name: (out / name).read_bytes() for name in FILES}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUARTIER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def mirrored(cache: Path) -> dict[str, bytes]:
    """The files of the one site mirrored in the cache."""
    (folder,) = cache.glob("site-*")
    return {name: (folder / name).read_bytes() for name in FILES}


def records(published: dict[str, bytes]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in published[FILES[2]].splitlines()]


def ndjson(rows: list[Any]) -> bytes:
    return b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in rows)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- bytes and time


def streamed(total: int, chunk: bytes = b"x" * 65536) -> Route:
    """A body of ``total`` bytes with no Content-Length: it ends when the server closes."""

    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()
        sent = 0
        while sent < total:
            h.wfile.write(chunk)
            sent += len(chunk)

    return route


def test_a_body_over_the_limit_is_refused_and_the_last_good_copy_kept(
    published: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with hostile(published) as site:
        assert open_index(site.url).n == 15
        good = mirrored(cache)
        monkeypatch.setitem(source_mod.MAX_BYTES, FILES[2], 1 << 20)
        site.routes[FILES[2]] = streamed(64 << 20)  # 64 MiB, announced nowhere
        with pytest.raises(QuartierError, match=r"entries\.ndjson: more than 1 MiB"):
            open_index(site.url)
        assert mirrored(cache) == good
        assert not [p for p in cache.rglob("*") if p.name.endswith((".part", ".tmp"))]
        site.put(FILES[2], published[FILES[2]])
        assert open_index(site.url).n == 15


def test_a_content_length_over_the_limit_is_refused_before_reading(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def huge(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(800 << 30))
        h.end_headers()
        h.wfile.write(b'{"entry": ')  # and then nothing: the client must not wait for it

    with hostile(published) as site:
        site.routes[FILES[2]] = huge
        code, out, err = run_cli(capsys, "search", "velo", "--source", site.url)
    assert code == 2 and out == ""
    assert "entries.ndjson: its size (800 GiB) is more than the limit" in err
    assert err.startswith("quartier: error: ") and "Traceback" not in err


def trickle(headers_too: bool, hung_up: list[bool]) -> Route:
    """One byte at a time, for as long as the client listens (at most TRICKLE_GIVE_UP_S);
    ``hung_up`` says whether the client ended it."""

    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        head = b"HTTP/1.0 200 OK\r\nX-Slow: " if headers_too else b"HTTP/1.0 200 OK\r\n\r\n"
        h.wfile.write(head)
        h.wfile.flush()
        hung_up.append(_dribble(lambda: (h.wfile.write(b"a"), h.wfile.flush())))

    return route


def _dribble(send: Callable[[], object]) -> bool:
    """``send()`` every 50 ms until it fails (True: the client hung up) or the server gives up."""
    give_up = time.monotonic() + TRICKLE_GIVE_UP_S
    while time.monotonic() < give_up:
        try:
            send()
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_server_meets_the_total_deadline(
    published: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch, headers_too: bool
) -> None:
    # Every read gets a byte well within the per-read timeout: only a deadline for the
    # whole fetch ends it. Set short here, as a city would never do.
    monkeypatch.setattr(source_mod, "FETCH_DEADLINE_S", 1.0)
    hung_up: list[bool] = []
    with hostile(published) as site:
        site.routes[FILES[2]] = trickle(headers_too, hung_up)
        with pytest.raises(QuartierError, match=r"entries\.ndjson: not fetched within 1 s"):
            open_index(site.url)
        waited = time.monotonic() + TRICKLE_GIVE_UP_S + 10  # a bound, not a measurement
        while not hung_up and time.monotonic() < waited:  # the server notices at its next byte
            time.sleep(0.05)
    assert hung_up == [True]  # the client ended it, not the server giving up
    assert not (cache.exists() and list(cache.rglob("*ndjson*")))  # nor a part of it


def test_a_trickled_tls_handshake_meets_the_total_deadline(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An https "server" that starts a TLS record of 16 KiB and sends it a byte at a time:
    # the handshake would wait for the rest, each read well within the per-read timeout.
    monkeypatch.setattr(source_mod, "FETCH_DEADLINE_S", 1.0)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TRICKLE_GIVE_UP_S)
    hung_up: list[bool] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"\x16\x03\x03\x40\x00")
                hung_up.append(_dribble(lambda: conn.sendall(b"\x02")))

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/"
        with pytest.raises(QuartierError, match=r"directory\.json: not fetched within 1 s"):
            open_index(url)
        server.join(timeout=TRICKLE_GIVE_UP_S + 10)
    finally:
        listener.close()
    assert hung_up == [True]  # the client ended it, not the server giving up


def test_a_redirect_leaves_http_never(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An FTP "server" on loopback that only counts who connects: a redirect there would be
    # read with none of the limits above.
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    ftp = f"ftp://127.0.0.1:{listener.getsockname()[1]}/entries.ndjson"
    calls: list[object] = []

    def count() -> None:
        while listener.fileno() >= 0:
            with contextlib.suppress(OSError):
                conn, _ = listener.accept()
                calls.append(conn)
                conn.close()

    watcher = threading.Thread(target=count, daemon=True)
    watcher.start()

    def redirect(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", ftp)
        h.send_header("Content-Length", "0")
        h.end_headers()

    try:
        with hostile(published) as site:
            site.routes[FILES[2]] = redirect
            code, _, err = run_cli(capsys, "search", "velo", "--source", site.url)
    finally:
        listener.close()
        watcher.join(timeout=10)
    assert code == 2 and calls == []
    assert "entries.ndjson: redirected to ftp://" in err and "only http and https" in err


# -- the settings


BAD_SETTINGS = {
    "directory not json": (FILES[0], lambda d: b"<html>moved</html>"),
    "directory a list": (FILES[0], lambda d: b"[]"),
    "directory base_url": (FILES[0], lambda d: {**d, "base_url": "javascript:alert(1)//"}),
    "directory bbox type": (
        FILES[0],
        lambda d: {**d, "areas": [{**d["areas"][0], "bbox": "everywhere"}]},
    ),
    "directory areas missing": (FILES[0], lambda d: {k: v for k, v in d.items() if k != "areas"}),
    "directory ESC in name": (FILES[0], lambda d: {**d, "name": f"Bern{ESC}[2J"}),
    "taxonomy categories missing": (FILES[1], lambda t: {"version": 1}),
    "taxonomy id type": (
        FILES[1],
        lambda t: {**t, "categories": [{**t["categories"][0], "id": 7}, *t["categories"][1:]]},
    ),
    "taxonomy unknown parent": (
        FILES[1],
        lambda t: {**t, "categories": [{**t["categories"][1], "parent": "nowhere"}]},
    ),
}


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_bad_settings_are_a_clear_error_and_the_last_good_copy_stays(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    name, spoil = BAD_SETTINGS[case]
    bad = spoil(orjson.loads(published[name]))
    with hostile(published) as site:
        assert run_cli(capsys, "search", "velo", "--source", site.url)[0] == 0
        good = mirrored(cache)
        site.put(name, bad if isinstance(bad, bytes) else orjson.dumps(bad))
        code, out, err = run_cli(capsys, "search", "velo", "--source", site.url)
    assert code == 2 and out == "", err
    (line,) = [ln for ln in err.splitlines() if not ln.startswith("quartier: building")]
    assert line.startswith(f"quartier: error: {site.url}{name}: "), err
    assert ESC not in err and "Traceback" not in err
    assert mirrored(cache) == good


# -- the records


def _spoil(field: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Set ``field`` (a dotted path into the record) to ``value``."""

    def spoil(rec: dict[str, Any]) -> dict[str, Any]:
        node = rec
        *path, last = field.split(".")
        for key in path:
            node = node.setdefault(key, {})
        node[last] = value
        return rec

    return spoil


# (what is wrong, the field the report names)
BAD_RECORDS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "javascript website": (
        _spoil("entry.contact.website", "javascript:alert(document.cookie)"),
        "contact.website",
    ),
    "javascript page url": (_spoil("url", "javascript:alert(1)"), "url"),
    "ESC in the name": (_spoil("entry.name", f"Velo{ESC}]0;owned{ESC}\\{ESC}[2J"), "name"),
    "bidi override in the summary": (_spoil("entry.summary.de", "Velo \u202egnirts"), "summary.de"),
    "lat is text": (_spoil("entry.location.geo.lat", "north"), "location.geo.lat"),
    "name is a number": (_spoil("entry.name", 42), "name"),
    "summary is a list": (_spoil("entry.summary", ["Velo"]), "summary"),
    "categories is text": (_spoil("entry.categories", "cafe"), "categories"),
    "status unknown": (_spoil("entry.status", "closed forever"), "status"),
    "key the contract lacks": (_spoil("entry.coupon", "50% off"), "coupon"),
    "phone not a number": (_spoil("entry.contact.phone", "call me"), "contact.phone"),
    "unknown category": (_spoil("entry.category", "casino"), "category"),
    "unknown category sought": (
        _spoil("entry.collaboration", {"seeks": [{"text": {"en": "x"}, "categories": ["nope"]}]}),
        "collaboration.seeks[0].categories[0]",
    ),
    "entry is text": (_spoil("entry", "velowerk-lorraine"), "entry"),
    "line is a list": (lambda rec: [rec], "(record)"),
    "line is not JSON": (lambda rec: b'{"entry": {"id": "velowerk-lorraine"', "(record)"),
}


@pytest.mark.parametrize("case", BAD_RECORDS)
def test_a_bad_record_is_skipped_and_reported(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    spoil, field = BAD_RECORDS[case]
    rows: list[Any] = records(published)
    line = next(i for i, r in enumerate(rows) if r["entry"]["id"] == "velowerk-lorraine")
    rows[line] = spoil(rows[line])
    with hostile({**published, FILES[2]: ndjson(rows)}) as site:
        code, out, err = run_cli(
            capsys, "search", "repair", "--source", site.url, "--format", "json"
        )
    assert code == 0, err
    found = orjson.loads(out)
    ids = [r["id"] for r in found["results"]]
    assert "velowerk-lorraine" not in ids and len(ids) == 5  # the other workshops still answer
    assert "javascript" not in out and "\\u001b" not in out and ESC not in out + err
    assert f"line {line + 1}" in err and f": {field}: " in err, err
    assert "1 record of" in err and "left out" in err, err
    assert "Traceback" not in err


def test_a_wrong_type_in_every_record_is_no_crash(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = records(published)
    for r in rows:
        r["entry"]["location"]["geo"] = {"lat": "north", "lon": None}
    with hostile({**published, FILES[2]: ndjson(rows)}) as site:
        code, out, err = run_cli(capsys, "search", "velo", "--source", site.url)
    assert code == 0, err
    assert "no business found" in out
    assert "15 records of" in err and err.count("location.geo.lat") == 10, err  # ten shown
    assert "and 5 more" in err


def test_the_report_stays_with_the_cached_index(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = records(published)
    rows[0]["entry"]["name"] = 42
    with hostile({**published, FILES[2]: ndjson(rows)}) as site:
        first = run_cli(capsys, "search", "velo", "--source", site.url)
        again = run_cli(capsys, "search", "velo", "--source", site.url)
    assert first[0] == again[0] == 0
    assert "building the search index" in first[2] and "building" not in again[2]
    skipped = [ln for ln in first[2].splitlines() if "building" not in ln]
    assert skipped == again[2].splitlines() and "line 1" in again[2]


def test_the_report_as_a_note_for_assistants(
    sample_root: Path, published: dict[str, bytes], cache: Path, tmp_path: Path
) -> None:
    rows = records(published)
    for r in rows[:5]:
        r["entry"]["status"] = f"gone{ESC}[31m"
    folder = tmp_path / "x"
    for name, body in {**published, FILES[2]: ndjson(rows)}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    index = open_index(folder)
    assert skipped_note(index) == (
        f"5 records of {folder} failed the entry contract and were left out: "
        + "; ".join(f"line {i} ({rows[i - 1]['entry']['id']}): status" for i in (1, 2, 3))
        + "; and 2 more"
    )
    assert index.n == 10 and skipped_note(open_index(sample_root)) is None


def test_duplicate_ids_keep_the_first_record(
    published: dict[str, bytes], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = records(published)
    (bike,) = [r for r in rows if r["entry"]["id"] == "velowerk-lorraine"]
    impostor = orjson.loads(orjson.dumps(bike))
    impostor["entry"]["name"] = "Velowerk Impostor"
    rows.append(impostor)
    with hostile({**published, FILES[2]: ndjson(rows)}) as site:
        index = open_index(site.url)
    assert index.n == 15 and "Velowerk Impostor" not in index.names
    assert [(s[0], s[1], s[2]) for s in index.skipped] == [(16, "velowerk-lorraine", "id")]


def test_a_hidden_address_stays_hidden_whatever_the_source_publishes(
    published: dict[str, bytes], cache: Path
) -> None:
    rows = records(published)
    (home,) = [r for r in rows if r["entry"]["location"].get("hide_address")]
    home["entry"]["location"]["address"]["street"] = "Secret Lane 7"
    home["entry"]["location"]["address"]["postal_code"] = "95099"
    home["entry"]["location"]["geo"] = {"lat": 36.961234, "lon": -122.054321}
    home["entry"]["contact"]["phone"] = "(831) 469-2248"
    with hostile({**published, FILES[2]: ndjson(rows)}) as site:
        index = open_index(site.url)
    entry = index.record(index.doc_of[home["entry"]["id"]])["entry"]
    assert "street" not in entry["location"]["address"]
    assert "postal_code" not in entry["location"]["address"]
    assert entry["location"]["geo"] == {"lat": 36.96, "lon": -122.05}
    assert entry["contact"]["phone"] == "+18314692248"
    assert not index.skipped
    doc = index.doc_of[home["entry"]["id"]]
    assert (index.lat[doc], index.lon[doc]) == (36.96, -122.05)
    assert not [t for t in index.vocab if t.startswith("secret")]
    assert "95099" not in {p.label for p in index.places.places.values()}


def test_the_published_sample_reads_back_whole(
    published: dict[str, bytes], cache: Path, tmp_path: Path
) -> None:
    # What `quartier build` publishes is the contract's public shape, so every record passes
    # (hidden addresses without street or postal code, phones in E.164), and is kept as is.
    folder = tmp_path / "x"
    for name, body in published.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    with hostile(published) as site:
        by_url = open_index(site.url)
    by_folder = open_index(folder)
    for index in (by_url, by_folder):
        assert index.n == 15 and not index.skipped and index.skipped_count == 0
        lines = published[FILES[2]].splitlines()
        assert [orjson.dumps(index.record(d)) for d in range(index.n)] == lines
        assert search(index, SearchQuery("Velo")).results[0].id == "velowerk-lorraine"


def test_mcp_never_serves_a_refused_record(
    published: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mcp")
    from .test_mcp import _call, _run, _stdio

    rows = records(published)
    for r in rows:
        if r["entry"]["id"] == "velowerk-lorraine":
            r["entry"]["contact"]["website"] = "javascript:alert(document.cookie)"
        if r["entry"]["id"] == "holzofebeck-breitsch":
            r["url"] = "javascript:alert(1)"
    with hostile({**published, FILES[2]: ndjson(rows)}) as site:

        async def scenario() -> None:
            from mcp import Client

            params = _stdio("--source", site.url)
            params.env = {"QUARTIER_CACHE_DIR": str(tmp_path / "cache")}
            async with Client(params, read_timeout_seconds=30) as client:
                for eid in ("velowerk-lorraine", "holzofebeck-breitsch"):
                    got = await _call(client, "get_business", {"id": eid})
                    assert got.is_error and "unknown business id" in got.content[0].text
                found = await _call(client, "search_businesses", {"query": "Velo Brot"})
                assert "javascript" not in orjson.dumps(found.structured_content).decode()
                notes = found.structured_content["notes"]
                assert any("line 13 (velowerk-lorraine): contact.website" in n for n in notes), (
                    notes
                )

        _run(scenario)
