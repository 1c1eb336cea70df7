"""Synthetic member directories of a national aggregate, built and served on loopback.

The federation benchmark needs many member directories (towns) that an
aggregate (a country) gathers. Each member here is a repository made by
``synth.py``'s generator with one area of its own: member ``k`` is the town
``town<k>``, Bern's quarters moved to cell ``k`` of a 10 x 10 grid over
Switzerland, so no two members' businesses are within the same-business
distance of each other. Phone numbers come from a block of their own per
member and website hosts carry the member's id (``atelier-x.town007.ch``),
so the aggregate's same-business checks find no false duplicates: the
benchmark measures federation, not a merge of look-alikes.

A member's tree depends only on (k, businesses, seed), so the 5-, 10- and
20-member runs share their first members' trees and builds. Each member is
built twice with the real ``quartier build`` (machine outputs only): ``v1``
from the generated tree, ``v2`` after 1% of its entry files were rewritten,
with ``--previous v1`` so that it publishes a changes feed (sequence 2).

    from fed_members import prepare, serve
    members = [prepare(cache, k, 5000, seed=1) for k in range(20)]
    with serve(members) as servers:      # one ThreadingHTTPServer per member
        servers[0].url                   # http://127.0.0.1:18500/
        for s in servers: s.use("v2")    # now serving the build after the change
"""

from __future__ import annotations

import email.utils
import fcntl
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import synth

HERE = Path(__file__).resolve().parent
QUARTIER = [sys.executable, "-m", "quartier"]
# Bump when a member's tree or builds for the same parameters change.
VERSION = 1
MAX_MEMBERS = 100  # the grid's cells, and the phone blocks
PHONE_BLOCK = 70_000  # 7,000,000 Bern subscriber numbers / 100 members
# Fixed ports: a member's base_url (published in its build) is where it is served.
BASE_PORT = int(os.environ.get("QUARTIER_BENCH_PORT", "18500"))
CHANGED_SHARE = 0.01

# Switzerland, roughly: [west, south, east, north]. The aggregate's one area.
COUNTRY_BBOX = (5.95, 45.82, 10.49, 47.81)
_BERN_CENTRE = (46.95, 7.445)


def member_id(k: int) -> str:
    return f"town{k:03d}"


def port(k: int) -> int:
    return BASE_PORT + k


def base_url(k: int) -> str:
    return f"http://127.0.0.1:{port(k)}/"


def license_of(k: int) -> str:
    """Every third member is CC BY (so the aggregate publishes an attribution list)."""
    return "CC-BY-4.0" if k % 3 == 1 else "CC0-1.0"


def _centre(k: int) -> tuple[float, float]:
    """Cell k of a 10 x 10 grid inside COUNTRY_BBOX (lat, lon): cells are 20 km apart or more."""
    west, south, east, north = COUNTRY_BBOX
    row, col = divmod(k, 10)
    lat = south + 0.1 + (north - south - 0.2) * (row + 0.5) / 10
    lon = west + 0.15 + (east - west - 0.3) * (col + 0.5) / 10
    return round(lat, 4), round(lon, 4)


def area_spec(k: int) -> synth.AreaSpec:
    """Bern's quarters and streets, moved to member k's cell and renamed to its town."""
    lat0, lon0 = _centre(k)
    dlat, dlon = lat0 - _BERN_CENTRE[0], lon0 - _BERN_CENTRE[1]
    town = f"Stadt {k}"
    quarters = tuple(
        synth.Quarter(
            q.name,
            round(q.lat + dlat, 4),
            round(q.lon + dlon, 4),
            q.postal_code,
            town if q.locality == "Bern" else q.locality,
        )
        for q in synth.BERN.quarters
    )
    area = synth.AreaSpec(
        member_id(k), f"ch/{member_id(k)}", "CH", "BE", 1.0, quarters, synth.BERN.streets
    )
    # The generator looks words up by area id: a town speaks as Bern does.
    synth.PEOPLE.setdefault(area.id, synth.PEOPLE["bern"])
    synth.FANCY.setdefault(area.id, synth.FANCY["bern"])
    synth.FANCY_OTHER.setdefault(area.id, synth.FANCY_OTHER["bern"])
    return area


def member_bbox(k: int) -> list[float]:
    lat, lon = _centre(k)
    return [round(lon - 0.15, 4), round(lat - 0.07, 4), round(lon + 0.15, 4), round(lat + 0.07, 4)]


def member_settings(k: int) -> str:
    """The member's directory.yaml: one area, its own base_url and license."""
    w, s, e, n = member_bbox(k)
    return (
        f"name: Stadt {k} lokal\n"
        f"description: Independent businesses of Stadt {k} (synthetic, for benchmarks).\n"
        f"base_url: {base_url(k)}\n"
        "languages: [de, fr, en, it]\n"
        f"license: {license_of(k)}\n"
        "stale_after_days: 365\n"
        "areas:\n"
        f"  - id: {member_id(k)}\n"
        f"    name: Stadt {k}\n"
        f"    bbox: [{w}, {s}, {e}, {n}]\n"
        "    countries: [CH]\n"
        "    timezone: Europe/Zurich\n"
        "    languages: [de, fr, en, it]\n"
    )


class _MemberGenerator(synth._Generator):
    """synth's generator for one town: its own phone block and website hosts."""

    def __init__(self, root: Path, seed: int, today: date, k: int, area: synth.AreaSpec):
        super().__init__(root, seed, today)
        self.k = k
        self.ids_by_area = {area.id: []}

    def phones(self, area: synth.AreaSpec, k: int) -> list[str]:
        start = 3_000_000 + self.k * PHONE_BLOCK
        out = []
        for s in self.rng.sample(range(start, start + PHONE_BLOCK), k):
            d = f"{s:07d}"
            prefix = "+41 31" if self.chance(0.1) else "031"
            out.append(f"{prefix} {d[:3]} {d[3:5]} {d[5:]}")
        return out

    def contact(self, d: Any, phone: str) -> tuple[dict[str, Any], str | None]:
        contact, host = super().contact(d, phone)
        if host is None:
            return contact, None
        name, _, tld = host.rpartition(".")
        mine = f"{name}.{member_id(self.k)}.{tld}"
        return {key: value.replace(host, mine) for key, value in contact.items()}, mine


def generate(dest: Path, k: int, n: int, seed: int, today: date) -> None:
    """Write member k's repository (directory.yaml and n entries) at ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    folder = dest / "entries" / "ch" / member_id(k)
    folder.mkdir(parents=True)
    (dest / "directory.yaml").write_text(member_settings(k), "utf-8")
    area = area_spec(k)
    gen = _MemberGenerator(dest, seed * 1000 + k, today, k, area)
    for phone in gen.phones(area, n):
        eid, text = gen.entry(area, phone)
        (folder / f"{eid}.yaml").write_text(text, "utf-8")


def mutate(src: Path, dest: Path, seed: int, today: date) -> list[str]:
    """``dest``: a copy of src with 1% of its entries rewritten; their ids.

    A rewritten entry is verified again today (or yesterday, if it already
    was today) and gets one more sentence in its summary: the kind of edit a
    directory merges every day. (Not hard links for the rest: quartier refuses
    a hard-linked entry file.)
    """
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)
    files = sorted((dest / "entries").rglob("*.yaml"))
    rng = random.Random(seed)
    chosen = rng.sample(files, max(1, round(len(files) * CHANGED_SHARE)))
    for path in chosen:
        lines = path.read_text("utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.startswith("last_verified: "):
                new = today if line != f"last_verified: {today}" else today - timedelta(days=1)
                lines[i] = f"last_verified: {new}"
            elif line.startswith("  de: ") and lines[i - 1] == "summary:":
                text = line[len("  de: ") :]
                quoted = text.startswith('"')
                body = json.loads(text) if quoted else text
                body = f"{body} Neu auch samstags offen."
                lines[i] = "  de: " + (json.dumps(body, ensure_ascii=False) if quoted else body)
        path.write_text("\n".join(lines), "utf-8")
    return sorted(p.stem for p in chosen)


def build(root: Path, out: Path, commit: str, previous: Path | None = None) -> None:
    """``quartier build --no-site`` of one member; a clear failure with its output."""
    cmd = [*QUARTIER, "build", "--no-site", "--quiet", "--root", str(root), "--out", str(out)]
    cmd += ["--commit", commit]
    if previous is not None:
        cmd += ["--previous", str(previous)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


@dataclass(frozen=True)
class Member:
    """Member k's cached trees and builds."""

    k: int
    folder: Path
    n: int

    @property
    def id(self) -> str:
        return member_id(self.k)

    @property
    def src(self) -> Path:  # the generated repository
        return self.folder / "src"

    @property
    def src_changed(self) -> Path:  # the same with 1% of its entries rewritten
        return self.folder / "src-1pct"

    def build_of(self, version: str) -> Path:  # "v1": of src; "v2": of src_changed
        return self.folder / version


def publisher_version() -> str:
    """The major versions of what a member publishes: a new one rebuilds the members.

    Neither a digest of the code nor minor versions: members stand for other
    people's directories, built by whatever release they run, and an
    aggregate reads the older minor versions of the contract (that is what a
    minor version means). Rebuilding 100 members for every edit of the
    publishing code would cost more than the benchmark (``--rebuild-members``
    forces it).
    """
    from quartier.model import CONTRACT_VERSION
    from quartier.publish import changes, context

    record = getattr(context, "RECORD_VERSION", "?")
    majors = (v.split(".")[0] for v in (CONTRACT_VERSION, record, changes.SPEC_VERSION))
    return "contract {}, record {}, changes {}".format(*majors)


def _fresh(marker: Path, want: dict[str, Any]) -> bool:
    if not marker.is_file():
        return False
    meta = json.loads(marker.read_text("utf-8"))
    age = (date.today() - date.fromisoformat(meta.pop("today"))).days
    return bool(meta == want and 0 <= age <= synth.REUSE_DAYS)


def prepare(
    cache: Path,
    k: int,
    n: int,
    seed: int = 1,
    log: Any = None,
    builds: bool = True,
    rebuild: bool = False,
) -> Member:
    """Member k of n businesses, generated and built (v1, v2) unless cached; ``log(text)``.

    ``builds=False`` only generates the trees; ``rebuild`` builds again even
    if the builds are there for the same publisher_version().
    """
    if not 0 <= k < MAX_MEMBERS:
        raise ValueError(f"member {k}: at most {MAX_MEMBERS} members (the grid's cells)")
    # The base port is in the path: two runs with different ports never share a tree.
    folder = cache / f"fed-n{n}-s{seed}-p{BASE_PORT}" / member_id(k)
    member = Member(k, folder, n)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run preparing the same member waits
        _prepare(member, seed, log, builds, rebuild)
    return member


def _prepare(member: Member, seed: int, log: Any, builds: bool, rebuild: bool) -> None:
    k, n, folder = member.k, member.n, member.folder
    want: dict[str, Any] = {"k": k, "n": n, "seed": seed, "version": VERSION}
    want.update(synth=synth.VERSION, port=port(k))  # the port is in directory.yaml's base_url
    made, built = folder / "trees.json", folder / "builds.json"
    today = date.today()
    if not _fresh(made, want):
        if log:
            log(f"generating member {member.id} ({n} businesses)")
        made.unlink(missing_ok=True)
        built.unlink(missing_ok=True)
        generate(member.src, k, n, seed, today)
        mutate(member.src, member.src_changed, seed * 1000 + k, today)
        made.write_text(json.dumps({**want, "today": str(today)}) + "\n", "utf-8")
    if not builds:
        return
    want["publisher"] = publisher_version()
    if rebuild or not _fresh(built, want):
        if log:
            log(f"building member {member.id} (v1, then v2 with --previous v1)")
        built.unlink(missing_ok=True)
        for version in ("v1", "v2"):
            shutil.rmtree(member.build_of(version), ignore_errors=True)
        commit = hashlib.sha1(f"{member.id}-v1".encode()).hexdigest()
        build(member.src, member.build_of("v1"), commit)
        commit = hashlib.sha1(f"{member.id}-v2".encode()).hexdigest()
        build(member.src_changed, member.build_of("v2"), commit, previous=member.build_of("v1"))
        built.write_text(json.dumps({**want, "today": str(today)}) + "\n", "utf-8")


# --------------------------------------------------------------------------- serving


@dataclass
class Counter:
    """Requests a member's server answered, by status, and the body bytes it sent."""

    by_status: dict[int, int] = field(default_factory=dict)
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, size: int) -> None:
        with self.lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1
            self.bytes += size

    def take(self) -> dict[str, int]:
        """The counts since the last take, and reset."""
        with self.lock:
            out = {"requests": sum(self.by_status.values()), "bytes": self.bytes}
            out.update({f"http_{s}": c for s, c in sorted(self.by_status.items())})
            self.by_status, self.bytes = {}, 0
            return out


class _Handler(BaseHTTPRequestHandler):
    """A static host like GitHub Pages: files only, ETag and Last-Modified, 304 on a match."""

    server: _MemberServer
    protocol_version = "HTTP/1.1"  # keep-alive, as a real host

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        root = self.server.root
        rel = unquote(self.path.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
        path = (root / rel).resolve() if rel else root / "index.html"
        if not path.is_relative_to(root) or not path.is_file():
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", body)
            return
        st = path.stat()
        etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
        modified = email.utils.formatdate(st.st_mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=600"}
        match = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        if (match is not None and etag in (t.strip() for t in match.split(","))) or (
            match is None and since == modified
        ):
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, body, headers)
            return
        kind = "application/json" if path.suffix in (".json", ".jsonld") else None
        self._send(HTTPStatus.OK, path.read_bytes(), kind, body, headers)

    def _send(
        self,
        status: HTTPStatus,
        data: bytes,
        kind: str | None,
        body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Type", kind or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(data)
        self.server.counter.add(int(status), len(data) if body else 0)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # thousands of requests: counted, not printed


class _MemberServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, member: Member, version: str):
        self.member = member
        self.counter = Counter()
        self.use(version)
        super().__init__(("127.0.0.1", port(member.k)), _Handler)

    def use(self, version: str) -> None:
        """Serve the member's build ``version`` ("v1" or "v2") from now on."""
        self.root = self.member.build_of(version).resolve()

    @property
    def url(self) -> str:
        return base_url(self.member.k)


@contextmanager
def serve(members: list[Member], version: str = "v1") -> Iterator[list[_MemberServer]]:
    """One real HTTP server per member on 127.0.0.1 (its fixed port), each in a thread."""
    servers: list[_MemberServer] = []
    threads = []
    try:
        for m in members:
            try:
                servers.append(_MemberServer(m, version))
            except OSError as exc:
                raise RuntimeError(
                    f"port {port(m.k)} for member {m.id} is taken ({exc}); set "
                    "QUARTIER_BENCH_PORT to another base port (members are built for their port, "
                    "so they are rebuilt)"
                ) from exc
        for s in servers:
            t = threading.Thread(target=s.serve_forever, name=f"serve-{s.member.id}", daemon=True)
            t.start()
            threads.append(t)
        yield servers
    finally:
        for s, _ in zip(servers, threads, strict=False):
            s.shutdown()  # only a server whose loop runs: shutdown() waits for it
        for s in servers:
            s.server_close()
