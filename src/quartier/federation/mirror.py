"""The last good copy of every member, on disk: what ``quartier federate`` keeps and a build reads.

Location: ``<root>/.quartier-cache/federation/<member id>/``, one folder per
member, holding

- ``state.json``: the member's :class:`MemberCopy` fields, what the next
  update needs (the manifest's ETag, the sha256 of every record seen, the
  tombstones) and the name of the records file in use;
- ``records-<sha256>.jsonl``: one valid record a line, sorted by the id at
  the member, as the member published it (its ``entry``, ``url`` and
  ``provenance``) with when it was fetched.

``state.json`` is the commit point: a new records file is written and synced
first, then ``state.json`` is replaced by rename, so a reader sees the old
copy or the new one, never half of each, and a member whose update fails
keeps its records file untouched (only ``error`` and ``checked_at`` change).

Read it only through :func:`copies`, :func:`records` and :func:`gone`
(the build, ``quartier validate``, search and MCP do)::

    for fid, entry_json, source in records(root, config):
        entry = Entry.model_validate_json(entry_json)   # the cache is a file: check it again
        print(fid, source.member, source.page_url)

Ids: a member's record ``x`` is ``<member id>--x`` here. A member id is a
slug (no ``--``) and unique in the settings, and an id at a member is
unique there, so two federated ids never collide; a local id never holds
``--`` (checks.check_entry), so they never collide with local ones either.
Sorting ``(member id, id at member)`` gives the same order as sorting the
federated ids: where one member id is a prefix of another (``ab`` and
``ab-c``), the first continues with ``--`` and the other with ``-`` and a
letter or digit, and ``-`` sorts first.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ..config import LICENSES
from ..messages import message
from ..problems import QuartierError
from .provenance import clean_commit, clean_provenance

if TYPE_CHECKING:
    from ..config import DirectoryConfig

FOLDER = Path(".quartier-cache") / "federation"
STATE = "state.json"
FORMAT = 1
# Days a record removed at its member stays published as gone before it is dropped.
TOMBSTONE_DAYS = 30
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Source:
    """Where one federated record comes from (its provenance)."""

    member: str
    name: str
    directory_url: str
    id: str
    original_id: str
    record_url: str
    page_url: str
    source_commit: str | None
    fetched_at: str
    license: str
    license_url: str
    last_verified: str
    upstream: dict[str, Any] | None


@dataclass(frozen=True)
class Gone:
    """A tombstone: a record removed at its member, published as gone until ``until``."""

    id: str
    member: str
    original_id: str
    since: str
    until: str


@dataclass(frozen=True)
class MemberCopy:
    """The last good copy of one member, and how its last update went."""

    member: str
    name: str
    url: str
    license: str
    license_url: str
    fetched_at: str | None
    checked_at: str | None
    source_commit: str | None
    sequence: int | None
    lineage: str | None
    records: int
    gone: int
    error: str | None


@dataclass(frozen=True)
class Row:
    """One valid record of a member as kept in its records file."""

    id: str  # at the member
    sha256: str  # of the member's api/v1/entries/<id>.json
    fetched_at: str
    source_commit: str | None
    url: str  # the member's page of the business
    provenance: dict[str, Any] | None  # the member record's own provenance
    entry: dict[str, Any]  # the member's entry object, ids as the member gives them


@dataclass
class State:
    """Everything ``state.json`` holds; what :mod:`quartier.federation` reads and writes."""

    member: str
    name: str
    url: str  # the member's base URL, or file URL of a local folder
    license: str
    license_url: str
    fetched_at: str | None = None
    checked_at: str | None = None
    source_commit: str | None = None
    sequence: int | None = None
    lineage: str | None = None
    error: str | None = None
    records: int = 0
    records_file: str | None = None
    etag: str | None = None  # of the manifest, for a conditional request
    last_modified: str | None = None
    changes_etag: str | None = None  # of the changes feed's state.json
    fingerprint: str | None = None  # of the settings the records were validated with
    # sha256 of every record the member publishes that was read and not kept:
    # outside members[i].areas/categories, or invalid (with its problems).
    skipped: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: list[Gone] = field(default_factory=list)
    base_url: str | None = None  # the member's public address, from its manifest

    def copy(self) -> MemberCopy:
        return MemberCopy(
            member=self.member,
            name=self.name,
            url=self.url,
            license=self.license,
            license_url=LICENSES.get(self.license, ""),
            fetched_at=self.fetched_at,
            checked_at=self.checked_at,
            source_commit=clean_commit(self.source_commit),
            sequence=self.sequence,
            lineage=self.lineage,
            records=self.records,
            gone=len(self.gone),
            error=self.error,
        )


class MirrorError(QuartierError):
    """A member's copy on disk cannot be read (changed by hand, or a disk fault)."""


def member_folder(root: Path, member: str) -> Path:
    return root / FOLDER / member


def federated_id(member: str, original_id: str) -> str:
    """``thun--baeckerei``: the id of member ``thun``'s record ``baeckerei`` here."""
    return f"{member}--{original_id}"


# --- reading ------------------------------------------------------------------


def read_state(root: Path, member: str) -> State | None:
    """The member's state, None when it has no copy; MirrorError when it is unreadable."""
    path = member_folder(root, member) / STATE
    try:
        raw = orjson.loads(_read(path))
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise MirrorError(message("mirror.unreadable", path=path, reason=exc)) from None
    try:
        if raw.get("format") != FORMAT or raw.get("member") != member:
            raise ValueError("format")
        raw.pop("format")
        raw["gone"] = [Gone(**g) for g in raw.get("gone", [])]
        return State(**raw)
    except (AttributeError, TypeError, ValueError):
        raise MirrorError(
            message("mirror.unreadable", path=path, reason="unexpected content")
        ) from None


def read_rows(root: Path, state: State) -> Iterator[Row]:
    """The member's kept records, in the order of their ids at the member."""
    if state.records_file is None:
        return
    path = member_folder(root, state.member) / state.records_file
    try:
        with path.open("rb") as lines:
            for line in lines:
                yield Row(**orjson.loads(line))
    except (OSError, orjson.JSONDecodeError, TypeError) as exc:
        raise MirrorError(message("mirror.unreadable", path=path, reason=exc)) from None


# A line as write() makes it starts with its id and sha256: reading those needs no parse.
_HEAD = re.compile(rb'\{"id":"([a-z0-9-]{1,200})","sha256":"([0-9a-f]{64})"')


def read_index(root: Path, state: State) -> dict[str, tuple[str, bytes]]:
    """Id -> (sha256, the line as stored) of every kept record, without parsing them.

    An update keeps the lines of unchanged records as they are (see :func:`write`).
    """
    if state.records_file is None:
        return {}
    path = member_folder(root, state.member) / state.records_file
    out: dict[str, tuple[str, bytes]] = {}
    try:
        with path.open("rb") as lines:
            for line in lines:
                head = _HEAD.match(line)
                if head is None or not line.endswith(b"\n"):
                    row = Row(**orjson.loads(line))
                    out[row.id] = (row.sha256, orjson.dumps(_row_dict(row)) + b"\n")
                else:
                    out[head[1].decode()] = (head[2].decode(), line)
    except (OSError, orjson.JSONDecodeError, TypeError) as exc:
        raise MirrorError(message("mirror.unreadable", path=path, reason=exc)) from None
    return out


def copies(root: Path, config: DirectoryConfig) -> list[MemberCopy]:
    """Every member in the settings that has a copy, in settings order."""
    out = []
    for member in config.members:
        state = read_state(root, member.id)
        if state is not None:
            out.append(state.copy())
    return out


def records(root: Path, config: DirectoryConfig) -> Iterator[tuple[str, bytes, Source]]:
    """Every kept record of every member in the settings, sorted by federated id.

    Yields ``(federated id, entry JSON, Source)``; the entry's ``id`` and
    ``superseded_by`` are already federated ids. One member is read at a time.
    """
    for member in sorted(m.id for m in config.members):
        state = read_state(root, member)
        if state is None:
            continue
        for row in read_rows(root, state):
            fid = federated_id(member, row.id)
            entry = dict(row.entry)
            entry["id"] = fid
            if isinstance(entry.get("superseded_by"), str):
                entry["superseded_by"] = federated_id(member, entry["superseded_by"])
            yield fid, orjson.dumps(entry), source_of(state, row)


def gone(root: Path, config: DirectoryConfig) -> list[Gone]:
    """Every tombstone of every member in the settings, sorted by federated id."""
    out: list[Gone] = []
    for member in config.members:
        state = read_state(root, member.id)
        if state is not None:
            out.extend(state.gone)
    return sorted(out, key=lambda g: g.id)


def source_of(state: State, row: Row) -> Source:
    """The record's provenance; a copy made before the checks of .provenance is checked here."""
    verified = row.entry.get("last_verified")
    return Source(
        member=state.member,
        name=state.name,
        directory_url=state.url,
        id=federated_id(state.member, row.id),
        original_id=row.id,
        record_url=f"{state.url}api/v1/entries/{row.id}.json",
        page_url=row.url,
        source_commit=clean_commit(row.source_commit),
        fetched_at=row.fetched_at,
        license=state.license,
        license_url=LICENSES.get(state.license, ""),
        last_verified=str(verified) if verified is not None else "",
        upstream=clean_provenance(row.provenance),
    )


def on_disk(root: Path) -> list[str]:
    """Ids of the members that have a folder in the mirror (settings or not)."""
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


# --- writing (quartier federate only) -----------------------------------------


def write(root: Path, state: State, rows: Iterable[Row | bytes] | None = None) -> None:
    """Replace the member's copy: ``rows`` (sorted by id) and ``state`` as one change.

    A row may be a line :func:`read_index` gave, kept byte for byte.

    Without ``rows`` the records file in use is kept and only ``state.json``
    changes (an unchanged member, or a failed update: its ``error``).
    """
    folder = member_folder(root, state.member)
    folder.mkdir(parents=True, exist_ok=True)
    if rows is not None:
        digest = hashlib.sha256()
        count = 0
        tmp = folder / f".records.{os.getpid()}.tmp"
        with _create(tmp) as out:
            for row in rows:
                line = row if isinstance(row, bytes) else orjson.dumps(_row_dict(row)) + b"\n"
                digest.update(line)
                out.write(line)
                count += 1
            out.flush()
            os.fsync(out.fileno())
        name = f"records-{digest.hexdigest()[:16]}.jsonl"
        tmp.replace(folder / name)
        state.records_file, state.records = name, count
    data = {"format": FORMAT, **asdict(state)}
    _write_atomic(folder / STATE, orjson.dumps(data, option=orjson.OPT_INDENT_2))
    for stale in folder.iterdir():  # records files the state no longer names
        if stale.name.startswith(("records-", ".records.")) and stale.name != state.records_file:
            with contextlib.suppress(OSError):
                stale.unlink()


def _row_dict(row: Row) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies the entry (most of the time of a write).
    return {
        "id": row.id,
        "sha256": row.sha256,
        "fetched_at": row.fetched_at,
        "source_commit": row.source_commit,
        "url": row.url,
        "provenance": row.provenance,
        "entry": row.entry,
    }


def remove(root: Path, member: str) -> None:
    """Remove a member's copy (it left the settings)."""
    shutil.rmtree(member_folder(root, member), ignore_errors=True)


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | _NO_FOLLOW)  # a planted link is not followed
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _create(path: Path) -> Any:
    # A file of our own (O_EXCL, no link followed): a link planted here is replaced.
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o644)
    return os.fdopen(fd, "wb")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with _create(tmp) as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    with contextlib.suppress(OSError):  # the rename itself, on a crash
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
