"""Read the previous published build, so that the changes feed continues its sequence.

The previous build is a folder (``quartier build --previous _site/``, or the
output folder itself before the new build replaces it) or the base URL of a
published site (``--previous https://x.org/``). It is somebody else's data,
read within limits and checked before anything is written:

- the manifest ``api/v1/index.json`` (at most :data:`MAX_BYTES`), its
  ``changes`` ``{sequence, lineage}`` and the sha256 of every
  ``api/v1/entries/<id>.json``, each id a record id;
- ``api/v1/changes/state.json`` and the kept sequence files ``oldest`` to
  ``sequence``, each one the manifest lists, with the sha256 it gives, of
  this lineage and numbered in order; the last one must describe the build
  it came with (its added and changed ids have the build's sha256).

Anything else is one clear error naming the file and the fix (``pass
--no-previous to start a new sequence``). A URL whose manifest answers 404,
an empty folder, or a build made before the feed existed mean no previous
build: the feed starts at sequence 1. A URL is fetched with :mod:`quartier.fetch`
(http(s) only, redirects within the site, every file within its limit, the
whole read within :data:`DEADLINE_S`) and asks caches for a fresh copy.

Example::

    with open_previous("https://x.org/", out=Path("_site")) as base:
        changes.write(output, config.base_url, base)   # base is None: sequence 1
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import orjson

from .. import fetch
from ..fields import RECORD_ID_RE
from ..messages import message
from ..problems import QuartierError, printable
from . import urls
from .changes import ENTRIES, KEEP, SPEC_VERSION, STATE, Base, sequence_file

MANIFEST = f"{urls.API}/index.json"
# The most each file of a previous build may weigh. The manifest lists two files per
# business (some 250 bytes): 512 MiB is two million businesses. Sequence 1 lists every
# business once (some 100 bytes each).
MAX_BYTES = {"manifest": 512 << 20, "state": 64 << 10, "sequence": 512 << 20}
DEADLINE_S = 600.0  # for the whole previous build, whatever a slow server does
_MOST = 10**15  # a sequence number past any build's
_ID = re.compile(RECORD_ID_RE)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_LINEAGE = re.compile(r"[0-9a-f]{32}")


class _Reader(Protocol):
    """A published build's files by path: bytes, or None when there is no such file."""

    where: str

    def get(self, rel: str, limit: int) -> bytes | None: ...


@contextlib.contextmanager
def open_previous(spec: str | Path | None, out: Path) -> Iterator[Base | None]:
    """The previous build given as ``--previous`` (``spec``), else ``out`` if it holds one.

    Yields None when there is none; the kept sequence files are copied into
    a private folder, removed when the block ends.
    """
    if spec is None:
        spec = out if (out / MANIFEST).is_file() else None
    if spec is None:
        yield None
        return
    kept = Path(tempfile.mkdtemp(prefix="quartier-changes-"))
    try:
        if isinstance(spec, str) and spec.startswith(("http://", "https://")):
            yield _from_url(spec, kept)
        else:
            yield _read(_Folder.at(Path(spec)), kept)
    finally:
        shutil.rmtree(kept, ignore_errors=True)


def _from_url(url: str, kept: Path) -> Base | None:
    from ..discover.source import base_url

    with fetch.Deadline(DEADLINE_S) as deadline:
        return _read(_Url(base_url(url), deadline), kept)


def _read(reader: _Reader, kept: Path) -> Base | None:
    """Check the previous build ``reader`` gives and copy its kept sequence files to ``kept``."""
    data = reader.get(MANIFEST, MAX_BYTES["manifest"])
    if data is None:
        return None
    where = reader.where + MANIFEST
    manifest = _object(_json(data, where), where, "index.json")
    files = _object(manifest.get("files"), where, "files")
    listed: dict[str, str] = {}
    for rel, info in files.items():
        if rel == STATE or rel.startswith(ENTRIES) or rel.startswith(f"{urls.API}/changes/"):
            listed[rel] = _sha256(_object(info, where, f"files.{rel}").get("sha256"), where, rel)
    if manifest.get("changes") is None:
        return None  # built before the changes feed: it starts now
    head = _object(manifest["changes"], where, "changes")
    sequence = _count(head.get("sequence"), where, "changes.sequence")
    lineage = _lineage(head.get("lineage"), where, "changes.lineage")
    entries = _entries(listed, where)

    state_where = reader.where + STATE
    state = _object(_json(_listed(reader, listed, STATE, "state"), state_where), state_where, "")
    _header(state, state_where, sequence, lineage)
    oldest = _count(state.get("oldest"), state_where, "oldest")
    if not sequence - KEEP < oldest <= sequence:
        raise QuartierError(
            message(
                "changes.previous.oldest",
                where=state_where,
                oldest=oldest,
                low=max(1, sequence - KEEP + 1),
                sequence=sequence,
            )
        )
    last: dict[str, Any] = {}
    for number in range(oldest, sequence + 1):
        rel = sequence_file(number)
        body = _listed(reader, listed, rel, "sequence")
        last = _sequence(_json(body, reader.where + rel), reader.where + rel, number, lineage)
        (kept / f"{number}.json").write_bytes(body)
        del body
    _describes(last, entries, reader.where + sequence_file(sequence))
    return Base(sequence=sequence, lineage=lineage, oldest=oldest, entries=entries, kept=kept)


def _entries(listed: dict[str, str], where: str) -> dict[str, str]:
    """Id -> sha256 of each ``api/v1/entries/<id>.json`` the manifest lists."""
    out = {}
    for rel, digest in listed.items():
        if rel.startswith(ENTRIES) and rel.endswith(".json"):
            out[_record_id(rel[len(ENTRIES) : -len(".json")], where, "files")] = digest
    return out


def _listed(reader: _Reader, listed: dict[str, str], rel: str, kind: str) -> bytes:
    """File ``rel`` of the previous build, which its manifest must list with this sha256."""
    where = reader.where + rel
    if rel not in listed:
        raise QuartierError(message("changes.previous.unlisted", where=where))
    data = reader.get(rel, MAX_BYTES[kind])
    if data is None:
        raise QuartierError(message("changes.previous.missing_file", where=where))
    if hashlib.sha256(data).hexdigest() != listed[rel]:
        raise QuartierError(message("changes.previous.hash", where=where))
    return data


def _header(doc: dict[str, Any], where: str, sequence: int, lineage: str) -> None:
    """``spec_version``, ``sequence`` and ``lineage`` of a feed file are those expected."""
    if doc.get("spec_version") != SPEC_VERSION:
        raise _invalid(where, "spec_version", message("changes.problem.spec", spec=SPEC_VERSION))
    found = _count(doc.get("sequence"), where, "sequence")
    if found != sequence:
        raise QuartierError(
            message("changes.previous.sequence", where=where, found=found, expected=sequence)
        )
    found_lineage = _lineage(doc.get("lineage"), where, "lineage")
    if found_lineage != lineage:
        raise QuartierError(
            message("changes.previous.lineage", where=where, found=found_lineage, expected=lineage)
        )


def _sequence(doc: object, where: str, number: int, lineage: str) -> dict[str, Any]:
    """One kept sequence file, checked: its header, its ids and their sha256."""
    checked = _object(doc, where, "")
    _header(checked, where, number, lineage)
    for key in ("added", "changed"):
        for entry_id, digest in _object(checked.get(key), where, key).items():
            _record_id(entry_id, where, key)
            _sha256(digest, where, f"{key}.{_shown(entry_id)}")
    removed = checked.get("removed")
    if not isinstance(removed, list):
        raise _invalid(where, "removed", message("changes.problem.list"))
    for entry_id in removed:
        _record_id(entry_id, where, "removed")
    return checked


def _describes(last: dict[str, Any], entries: dict[str, str], where: str) -> None:
    """The last sequence file agrees with the build it was published with."""
    for key in ("added", "changed"):
        for entry_id, digest in last[key].items():
            if entries.get(entry_id) != digest:
                raise QuartierError(
                    message("changes.previous.diverged", where=where, id=entry_id, key=key)
                )
    for entry_id in last["removed"]:
        if entry_id in entries:
            raise QuartierError(
                message("changes.previous.diverged", where=where, id=entry_id, key="removed")
            )


# -- the checks of single values


def _json(data: bytes, where: str) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise QuartierError(
            message("changes.previous.json", where=where, reason=_shown(str(exc)))
        ) from None


def _object(value: object, where: str, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(where, field, message("changes.problem.object"))
    return value


def _count(value: object, where: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MOST:
        raise _invalid(where, field, message("changes.problem.count", most=_MOST))
    return value


def _lineage(value: object, where: str, field: str) -> str:
    if not isinstance(value, str) or not _LINEAGE.fullmatch(value):
        raise _invalid(where, field, message("changes.problem.lineage"))
    return value


def _sha256(value: object, where: str, field: str) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise _invalid(where, field, message("changes.problem.sha256"))
    return value


def _record_id(value: object, where: str, field: str) -> str:
    if not isinstance(value, str) or len(value) > 200 or not _ID.fullmatch(value):
        raise _invalid(where, field, message("changes.problem.id", id=_shown(str(value))))
    return value


def _invalid(where: str, field: str, problem: str) -> QuartierError:
    return QuartierError(
        message("changes.previous.invalid", where=where, field=field or "(file)", problem=problem)
    )


def _shown(text: str, most: int = 80) -> str:
    """Text from the previous build as a message may show it: printable and short."""
    return printable(text if len(text) <= most else text[: most - 1] + "…")


# -- where the files come from (quartier.fetch: the limits every published file is read within)


class _Folder:
    """A build's output folder; files must be regular files (no device, no pipe)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root).rstrip("/") + "/"

    @classmethod
    def at(cls, root: Path) -> _Folder:
        """The folder ``root``; refused when it is missing."""
        if not root.is_dir():
            raise QuartierError(message("changes.previous.no_folder", where=str(root)))
        return cls(root)

    def get(self, rel: str, limit: int) -> bytes | None:
        path = self.root / rel
        if not path.exists() and not path.is_symlink():
            if rel == MANIFEST and any(self.root.iterdir()):
                where = self.where
                raise QuartierError(message("changes.previous.not_build", where=where))
            return None
        try:
            return fetch.read_local(self.root, rel, limit=limit)
        except fetch.FetchError as exc:
            raise _fault(exc, str(path), limit) from None


class _Url:
    """A published site; a 404 is no such file, anything else but 200 an error."""

    def __init__(self, base: str, deadline: fetch.Deadline) -> None:
        self.where = base
        self._deadline = deadline
        self._web = fetch.opener(deadline)
        # A CDN's copy may be minutes old: the sequence must continue from the newest.
        self._web.addheaders = [("Cache-Control", "no-cache")]

    def get(self, rel: str, limit: int) -> bytes | None:
        url = self.where + rel
        try:
            got = fetch.get(self._web, url, self._deadline, limit=limit)
        except fetch.FetchError as exc:
            if exc.status == 404:
                return None
            raise _fault(exc, url, limit) from None
        if got is None or got.data is None:  # 304 to a request that was not conditional
            raise QuartierError(message("changes.previous.not_modified", where=url))
        return got.data


def _fault(exc: fetch.FetchError, where: str, limit: int) -> QuartierError:
    """A fetch's fault as the build says it: what went wrong, and the way out."""
    if exc.kind == "oversized":
        return QuartierError(
            message("changes.previous.too_large", where=where, size=fetch.size_text(limit))
        )
    if exc.kind == "truncated":
        return QuartierError(message("changes.previous.truncated", where=where))
    if exc.kind == "deadline":
        return QuartierError(message("changes.previous.deadline", where=where, seconds=DEADLINE_S))
    if exc.kind == "unreadable":
        return QuartierError(message("changes.previous.unreadable", problem=str(exc)))
    return QuartierError(message("changes.previous.fetch", problem=str(exc)))
