"""Reading somebody else's published directory safely: over HTTP, or from a folder.

Search (``quartier search --source URL``), ``quartier federate`` and the
changes feed read files other people publish. Whatever those files are,
reading them stays within limits:

- a **deadline** over the whole fetch (:class:`Deadline`): when it passes,
  every connection it opened is shut, whatever it waits for (a connection,
  a TLS handshake, a header, a body sent a byte at a time);
- a **timeout** for connecting and for each read (:data:`TIMEOUT_S`);
- a **size limit** per body, checked against ``Content-Length`` before
  reading and against the bytes as they arrive; a body shorter than its
  ``Content-Length`` is refused as truncated;
- **http and https only**, redirects at most :data:`MAX_REDIRECTS` and, with
  ``same_origin``, only within the origin first asked (or its upgrade from
  http to https on the same host);
- **conditional requests**: give the ``ETag``/``Last-Modified`` of the copy
  you hold, and an unchanged file costs a 304 and no body.

A local folder is read with the same size limits (:func:`read_local`), and
never through a file that is not a regular one (a FIFO would block forever).

Example::

    with Deadline(60) as deadline:
        web = opener(deadline)
        got = get(web, "https://thun.example.org/api/v1/index.json", deadline,
                  limit=64 << 20, etag=known_etag)
        if got is None:
            ...  # 304: the copy held is current
        else:
            manifest = orjson.loads(got.data)

Every failure is a :class:`FetchError` whose ``kind`` says which
(``down``, ``deadline``, ``http``, ``truncated``, ``oversized``,
``redirect``, ``unreadable``), for a report, and whose text says it to a person.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .messages import message
from .problems import QuartierError
from .problems import printable as _printable

TIMEOUT_S = 30.0  # to connect, and for each read
MAX_REDIRECTS = 5
READ_CHUNK = 1 << 16


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe for a terminal (escapes for control characters), cut to ``limit``."""
    shown = _printable(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


class FetchError(QuartierError):
    """A file could not be fetched or read within the limits; ``kind`` says how."""

    def __init__(self, text: str, kind: str, status: int | None = None) -> None:
        super().__init__(text)
        self.kind = kind
        self.status = status


class Refused(Exception):
    """A redirect the fetch does not follow."""


@dataclass(frozen=True)
class Response:
    """A fetched body (in memory, or in the file ``get`` was given) and its validators."""

    data: bytes | None
    path: Path | None
    etag: str
    modified: str


def size_text(n: int) -> str:
    """1 MiB, 800 GiB, 1.5 KiB, 300 bytes."""
    power = min(4, (n.bit_length() - 1) // 10) if n > 0 else 0
    if power == 0:
        return f"{n} bytes"
    return f"{n / 1024**power:.4g} {('KiB', 'MiB', 'GiB', 'TiB')[power - 1]}"


class Deadline:
    """The end of a fetch: then every connection it opened is shut down, whatever it waits
    for (a connection, a TLS handshake, a header line, the body). Thread-safe: the
    downloads of several threads may share one."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def watch(self, sock: Any) -> Any:
        """Shut ``sock`` down when time is up; returns it."""
        with self._lock:
            self._sockets = [s for s in self._sockets if s.fileno() != -1]
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)
        return sock

    def check(self, url: str) -> None:
        if self.expired:
            raise FetchError(
                message("fetch.deadline", url=printable(url), seconds=self.seconds), "deadline"
            )


def _shut(sock: socket.socket) -> None:
    # Not sock.shutdown(): an SSLSocket's would drop its TLS state under the reading thread.
    # A socket closed meanwhile has no descriptor any more: nothing to shut.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or default)


def same_origin(old: str, new: str) -> bool:
    """Whether a redirect from ``old`` to ``new`` stays on the same site.

    The same scheme, host and port; or http upgraded to https on the same host
    (its default port), which sites commonly do.
    """
    a, b = _origin(old), _origin(new)
    return a == b or (a[0] == "http" and b == ("https", a[1], 443))


def opener(deadline: Deadline, same_origin_only: bool = True) -> Any:
    """A urllib opener whose connections ``deadline`` can end, following at most
    MAX_REDIRECTS redirects, to http(s) only and (``same_origin_only``) within the site."""
    import http.client
    import ssl
    import urllib.request

    def watched(cls: Any) -> Any:
        class Watched(cls):  # type: ignore[misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._create_connection = lambda *a, **k: deadline.watch(
                    socket.create_connection(*a, **k)
                )

        return Watched

    class WatchedTLS(ssl.SSLSocket):
        def do_handshake(self, block: bool = False) -> None:
            deadline.watch(self)  # the TLS socket replaces the plain one before the handshake
            super().do_handshake(block)

    plain, tls = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)
    contexts: list[ssl.SSLContext] = []  # made on the first https request: loading the
    lock = threading.Lock()  # system's certificates costs some 150 ms

    def context() -> ssl.SSLContext:
        with lock:
            if not contexts:
                made = ssl.create_default_context()
                made.set_alpn_protocols(["http/1.1"])
                made.sslsocket_class = WatchedTLS
                contexts.append(made)
            return contexts[0]

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(plain, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(tls, req, context=context())

    class Redirects(urllib.request.HTTPRedirectHandler):
        # Our own count below decides; urllib's loop check would say "HTTP 302" instead.
        max_repeats = max_redirections = 1000

        def redirect_request(
            self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
        ) -> Any:
            hops = getattr(req, "quartier_hops", 0) + 1
            first = getattr(req, "quartier_first", req.full_url)
            if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
                fp.close()
                raise Refused(message("fetch.redirect_scheme", target=printable(newurl)))
            if same_origin_only and not same_origin(first, newurl):
                fp.close()
                raise Refused(message("fetch.redirect_origin", target=printable(newurl)))
            if hops > MAX_REDIRECTS:
                fp.close()
                raise Refused(message("fetch.redirect_loop", count=MAX_REDIRECTS))
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            if new is not None:
                new.quartier_hops, new.quartier_first = hops, first  # type: ignore[attr-defined]
            return new

    return urllib.request.build_opener(Http, Https, Redirects)


def get(
    web: Any,
    url: str,
    deadline: Deadline,
    *,
    limit: int,
    etag: str = "",
    modified: str = "",
    into: Path | None = None,
) -> Response | None:
    """GET ``url`` within ``limit`` bytes: its body, or None when the server says 304.

    With ``into``, the body goes to that file (removed again on any failure);
    otherwise it is returned in ``Response.data``.
    """
    import http.client
    import urllib.error
    import urllib.request

    headers = {"User-Agent": f"quartier/{__version__}", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    shown = printable(url)
    deadline.check(url)
    chunks: list[bytes] = []
    try:
        request = urllib.request.Request(url, headers=headers)
        with web.open(request, timeout=TIMEOUT_S) as r:
            length = (r.headers.get("Content-Length") or "").strip()
            announced = int(length) if length.isdigit() else None
            if announced is not None and announced > limit:
                raise FetchError(
                    message(
                        "fetch.too_large.announced",
                        url=shown,
                        size=size_text(announced),
                        limit=size_text(limit),
                    ),
                    "oversized",
                )
            size = 0
            with contextlib.ExitStack() as stack:
                out = None
                if into is not None:
                    into.parent.mkdir(parents=True, exist_ok=True)
                    out = stack.enter_context(into.open("wb"))
                while chunk := r.read(READ_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(
                            message("fetch.too_large", url=shown, limit=size_text(limit)),
                            "oversized",
                        )
                    if out is not None:
                        out.write(chunk)
                    else:
                        chunks.append(chunk)
                    deadline.check(url)
            deadline.check(url)  # the reads may have ended because time was up
            if announced is not None and size != announced:
                raise FetchError(
                    message("fetch.truncated", url=shown, got=size, length=announced),
                    "truncated",
                )
            etag_got, modified_got = r.headers.get("ETag") or "", r.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        exc.close()
        _remove(into)
        if exc.code == 304:
            return None
        deadline.check(url)
        raise FetchError(
            message("fetch.http", url=shown, code=exc.code, reason=printable(str(exc.reason))),
            "http",
            exc.code,
        ) from None
    except Refused as exc:
        _remove(into)
        raise FetchError(f"{shown}: {exc}", "redirect") from None
    except FetchError:
        _remove(into)
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        _remove(into)
        deadline.check(url)
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        kind = "truncated" if isinstance(exc, http.client.IncompleteRead) else "down"
        raise FetchError(
            message("fetch.failed", url=shown, reason=printable(str(reason))), kind
        ) from None
    except BaseException:
        _remove(into)
        raise
    data = None if into is not None else b"".join(chunks)
    return Response(data, into, etag_got, modified_got or "")


def read_local(folder: Path, name: str, *, limit: int) -> bytes:
    """File ``name`` of a published build in ``folder``: a regular file, not a link, in ``limit``.

    FetchError ``unreadable`` (missing, not a regular file) or ``oversized``.
    """
    path = folder / name
    shown = printable(str(path))
    try:
        fd = _open_below(folder, name)
    except OSError as exc:
        raise FetchError(
            message("fetch.unreadable", path=shown, reason=exc.strerror or exc), "unreadable"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FetchError(message("fetch.not_file", path=shown), "unreadable")
        if info.st_size > limit:
            raise FetchError(
                message(
                    "fetch.too_large.announced",
                    url=shown,
                    size=size_text(info.st_size),
                    limit=size_text(limit),
                ),
                "oversized",
            )
        data = f.read(limit + 1)
    if len(data) > limit:  # it grew since
        raise FetchError(message("fetch.too_large", url=shown, limit=size_text(limit)), "oversized")
    return data


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_below(folder: Path, name: str) -> int:
    """A descriptor of ``folder/name``, opened one component at a time without following
    a link at any of them: a published ``api`` (or ``api/v1``) that is a link to elsewhere
    is refused as the file itself is (O_NOFOLLOW alone covers only the last component).
    The folder itself may be a link: it is the settings' own choice.

    Example: ``_open_below(Path("/srv/thun"), "api/v1/index.json")``
    """
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise OSError(errno.EINVAL, "not a path within the member's folder")
    directory = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    fd = os.open(folder, directory)
    try:
        for part in parts[:-1]:
            below = os.open(part, directory | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = below
        # O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then refuses it.
        # O_NOFOLLOW: a published file that is a link (to ~/.ssh/...) is not read.
        return os.open(parts[-1], os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
