"""A published build served on loopback, with faults on demand: the members of federation tests.

``Site(folder)`` serves the files of a folder on 127.0.0.1 in a thread, with
an ETag (the file's sha256) and 304 for a matching ``If-None-Match``, and
logs every request path. ``site.fault[path] = handler`` replaces what a path
answers: :func:`status`, :func:`truncated`, :func:`oversized`,
:func:`redirect`, :func:`hang`, or any function of the request handler.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class Site:
    """One member: a folder served over HTTP on loopback."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fault: dict[str, Handler] = {}
        self.log: list[str] = []
        self.conditional: list[str] = []  # paths asked with If-None-Match
        self._lock = threading.Lock()
        site = self

        class Handle(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path.lstrip("/")
                with site._lock:
                    site.log.append(path)
                    if self.headers.get("If-None-Match"):
                        site.conditional.append(path)
                fault = site.fault.get(path)
                if fault is not None:
                    fault(self)
                    return
                site.serve(self, path)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, h: http.server.BaseHTTPRequestHandler, path: str) -> None:
        file = self.folder / path
        if not path or ".." in path.split("/") or not file.is_file():
            h.send_error(404)
            return
        data = file.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("ETag", etag)
        h.end_headers()
        h.wfile.write(data)

    def requests(self) -> list[str]:
        """The paths asked since the last call, then the log starts again."""
        with self._lock:
            out, self.log = self.log, []
            self.conditional = []
        return out

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def sites(*folders: Path) -> Iterator[list[Site]]:
    started = [Site(f).__enter__() for f in folders]
    try:
        yield started
    finally:
        for s in started:
            s.__exit__()


def status(code: int) -> Handler:
    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_error(code)

    return route


def body(data: bytes, length: int | None = None) -> Handler:
    """Answers ``data``, announcing ``length`` bytes (more than sent: a truncated body)."""

    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Length", str(len(data) if length is None else length))
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    return route


def truncated(site: Site, path: str) -> Handler:
    data = (site.folder / path).read_bytes()
    return body(data[: len(data) // 2], len(data))


def oversized(size: int) -> Handler:
    """A body of ``size`` bytes, sent without a Content-Length (so only counting finds it)."""

    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        h.send_response(200)
        h.end_headers()
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < size:
                h.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client hung up, as it should

    return route


def redirect(location: str) -> Handler:
    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def hang(seconds: float) -> Handler:
    """Sends the status line, then a byte of header now and then: only a deadline ends it."""

    def route(h: http.server.BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        try:
            h.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
            h.wfile.flush()
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                h.wfile.write(b"a")
                h.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    return route
