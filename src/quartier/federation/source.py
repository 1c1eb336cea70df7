"""Reading a member's published build, from its URL or a local folder, within limits.

A member is read only through what it publishes: ``api/v1/index.json`` (the
manifest: every file with its sha256), ``api/v1/directory.json`` when its
areas are needed, ``api/v1/changes/`` and ``api/v1/entries/<id>.json``.
:class:`Reader` gives the same ``get`` for both kinds of member, with the
limits of :mod:`quartier.fetch`; a local folder's "ETag" is the sha256 of
the file, so an unchanged local member costs one read and no parsing.

Every problem that makes the member's update fail is a :class:`Fault`
(kind and text for the report); its last good copy then stays as it was.

Example::

    with Deadline(600) as deadline:
        reader = Reader(member, root, deadline)
        got = reader.get(MANIFEST, MANIFEST_MAX_BYTES, etag=state.etag)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..config import LICENSES, Member
from ..fetch import Deadline, FetchError, Response, get, opener, printable, read_local
from ..messages import message
from ..model import CONTRACT_VERSION
from .provenance import clean_commit

API = "api/v1"
MANIFEST = f"{API}/index.json"
SETTINGS = f"{API}/directory.json"
CHANGES_STATE = f"{API}/changes/state.json"
# A manifest lists every published file (about 150 bytes each, three or four files a
# business): 128 MiB is some 200,000 businesses. Settings are small; a diff of the
# changes feed lists ids and hashes.
MANIFEST_MAX_BYTES = 128 << 20
SETTINGS_MAX_BYTES = 1 << 20
CHANGES_MAX_BYTES = 64 << 20


class Fault(Exception):
    """Why a member's update failed; ``kind`` names it in the report."""

    def __init__(self, text: str, kind: str) -> None:
        super().__init__(text)
        self.kind = kind


@dataclass(frozen=True)
class Manifest:
    """What federate needs of a member's ``api/v1/index.json``."""

    name: str
    base_url: str | None
    license: str
    license_url: str
    source_commit: str | None
    sequence: int | None
    lineage: str | None
    files: dict[str, str]  # published path -> sha256
    etag: str
    modified: str
    commit_dropped: bool = False  # the manifest's source_commit was not a commit id


class Reader:
    """``get`` for one member: over HTTP (same origin only) or from its folder."""

    def __init__(self, member: Member, root: Path, deadline: Deadline) -> None:
        self.member = member
        self.deadline = deadline
        if member.is_remote:
            self.base = member.url
            self.folder: Path | None = None
            self._web = opener(deadline, same_origin_only=True)
        else:
            self.folder = member.folder(root)
            self.base = self.folder.as_uri() + "/"
        self.requests = 0

    def get(self, rel: str, limit: int, etag: str = "", modified: str = "") -> Response | None:
        """The file ``rel`` of the member's build; None when it is unchanged since ``etag``."""
        self.requests += 1
        try:
            if self.folder is None:
                return get(
                    self._web, self.base + rel, self.deadline, limit=limit, etag=etag,
                    modified=modified,
                )  # fmt: skip
            data = read_local(self.folder, rel, limit=limit)
        except FetchError as exc:
            kind = "not_found" if exc.status == 404 else exc.kind
            raise Fault(str(exc), kind) from None
        tag = '"' + hashlib.sha256(data).hexdigest() + '"'
        return None if tag == etag else Response(data, None, tag, "")

    def url(self, rel: str) -> str:
        return self.base + rel


def parse_json(data: bytes | None, where: str) -> dict[str, Any]:
    try:
        value = orjson.loads(data or b"")
    except orjson.JSONDecodeError as exc:
        raise Fault(
            message("federate.json", url=where, reason=str(exc)[:200]), "malformed"
        ) from None
    if not isinstance(value, dict):
        raise Fault(message("federate.not_object", url=where), "malformed")
    return value


_SHA = re.compile(r"[0-9a-f]{64}")


def manifest(got: Response, where: str, member: Member) -> Manifest:
    """The manifest checked: an object, a contract this quartier reads, the expected license."""
    raw = parse_json(got.data, where)
    check_contract(raw.get("contract_version"), where)
    directory = raw.get("directory")
    files = raw.get("files")
    if not isinstance(directory, dict) or not isinstance(files, dict):
        raise Fault(message("federate.manifest.shape", url=where), "malformed")
    published = directory.get("license")
    if published != member.license:
        raise Fault(
            message(
                "federate.license",
                member=member.id,
                expected=member.license,
                published=printable(str(published))[:40],
            ),
            "license",
        )
    hashes: dict[str, str] = {}
    for path, info in files.items():
        sha = info.get("sha256") if isinstance(info, dict) else None
        if isinstance(path, str) and isinstance(sha, str) and _SHA.fullmatch(sha):
            hashes[path] = sha
    feed = raw.get("changes")
    changes: dict[str, Any] = feed if isinstance(feed, dict) else {}
    sequence, lineage = changes.get("sequence"), changes.get("lineage")
    ok_feed = isinstance(sequence, int) and sequence >= 1 and isinstance(lineage, str)
    name = directory.get("name")
    # Ours, never theirs: the member's license_url and source_commit reach every record.
    commit = clean_commit(raw.get("source_commit"))
    base_url = directory.get("base_url")
    return Manifest(
        name=printable(name)[:200] if isinstance(name, str) and name.strip() else member.id,
        base_url=base_url if _public(base_url) else None,
        license=member.license,
        license_url=LICENSES[member.license],
        source_commit=commit,
        sequence=sequence if ok_feed else None,
        lineage=lineage[:64] if ok_feed and isinstance(lineage, str) else None,
        files=hashes,
        etag=got.etag,
        modified=got.modified,
        commit_dropped=commit is None and raw.get("source_commit") is not None,
    )


def _public(url: object) -> bool:
    """A plain http(s) address to show as the member's (never a script or a local path)."""
    from ..fields import check_url

    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return False
    try:
        check_url(url)
    except ValueError:
        return False
    return True


def check_contract(published: object, where: str) -> None:
    """The member's records follow an entry contract this quartier reads (same major, no
    newer minor); none published means 1.0 (quartier 0.1.0)."""
    if published is None:
        return
    if not isinstance(published, str) or not re.fullmatch(r"[0-9]{1,4}\.[0-9]{1,4}", published):
        raise Fault(
            message("federate.contract.form", url=where, value=printable(repr(published))[:40]),
            "contract",
        )
    major, minor = (int(x) for x in published.split("."))
    our_major, our_minor = (int(x) for x in CONTRACT_VERSION.split("."))
    if major != our_major or minor > our_minor:
        raise Fault(
            message("federate.contract", url=where, version=published, ours=CONTRACT_VERSION),
            "contract",
        )


def verified(got: Response | None, sha: str, where: str) -> bytes:
    """The body, if its sha256 is the one the manifest (or the changes feed) gives."""
    data = got.data if got is not None else None
    if data is None or hashlib.sha256(data).hexdigest() != sha:
        raise Fault(message("federate.hash", url=where), "hash")
    return data
