"""The changes feed: what changed between published builds, OpenStreetMap-replication style.

Every build publishes, beside the manifest, a numbered sequence of diffs so
that an aggregator or a crawler fetches only what changed since it last
looked, without diffing the whole manifest::

    api/v1/changes/state.json   {"spec_version": "1.0", "sequence": 7, "lineage": "…",
                                 "oldest": 1, "changes": "<base_url>api/v1/changes/{sequence}.json"}
    api/v1/changes/7.json       {"spec_version": "1.0", "sequence": 7, "lineage": "…",
                                 "added": {id: sha256}, "changed": {id: sha256},
                                 "removed": [id, …]}

The sha256 of a business is that of its ``api/v1/entries/<id>.json`` in the
build of that sequence, as the manifest (``api/v1/index.json``) gives it. A
build makes sequence N+1 only when the set of (id, sha256) differs from the
previous build's (:mod:`.previous` reads that one); otherwise it publishes
the previous state and kept files again, byte for byte, so identical inputs
still give identical outputs. The last :data:`KEEP` sequences are kept
(``oldest``). ``lineage`` names one unbroken series: it is derived from the
directory's base URL and sequence 1's content and carried forward, so a
reader that sees another lineage (a directory that started over) knows its
sequence numbers mean nothing here and falls back to the manifest.

Example::

    changes = write(output, "https://x.org/", previous)   # before the manifest
    changes == {"sequence": 8, "lineage": "3f0c…"}         # for index.json
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from . import urls
from .writer import Output, dumps

SPEC_VERSION = "1.0"
FOLDER = f"{urls.API}/changes"
STATE = f"{FOLDER}/state.json"
# How many sequences stay published: a reader that falls further behind uses the manifest.
KEEP = 100
ENTRIES = f"{urls.API}/entries/"
_COPY_CHUNK = 1 << 20


def sequence_file(sequence: int) -> str:
    """``api/v1/changes/<sequence>.json``."""
    return f"{FOLDER}/{sequence}.json"


@dataclass(frozen=True)
class Base:
    """What a new build continues from: the previous build's feed (see :mod:`.previous`).

    ``entries`` maps each id to the sha256 of its ``api/v1/entries/<id>.json``
    in the build of ``sequence``; ``kept`` is a folder holding the previous
    build's sequence files ``oldest`` to ``sequence`` as ``<n>.json``, checked
    and byte for byte as published.
    """

    sequence: int
    lineage: str
    oldest: int
    entries: Mapping[str, str]
    kept: Path


@dataclass(frozen=True)
class Diff:
    """Ids added and changed (with their new sha256) and removed, each sorted by id."""

    added: dict[str, str]
    changed: dict[str, str]
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def entry_hashes(files: Mapping[str, tuple[str, int]]) -> dict[str, str]:
    """Id -> sha256 of ``api/v1/entries/<id>.json`` among a build's files (sha256, size).

    Example: ``entry_hashes({"api/v1/entries/a.json": ("ab…", 90)}) == {"a": "ab…"}``;
    the JSON-LD files and everything else are left out.
    """
    out = {}
    for rel, (digest, _) in files.items():
        if rel.startswith(ENTRIES) and rel.endswith(".json"):
            entry_id = rel[len(ENTRIES) : -len(".json")]
            if "/" not in entry_id:
                out[entry_id] = digest
    return dict(sorted(out.items()))


def diff(old: Mapping[str, str], new: Mapping[str, str]) -> Diff:
    """What changed from ``old`` to ``new`` (id -> sha256 each)."""
    return Diff(
        added={i: new[i] for i in sorted(new) if i not in old},
        changed={i: new[i] for i in sorted(new) if i in old and old[i] != new[i]},
        removed=sorted(i for i in old if i not in new),
    )


def lineage_of(base_url: str, added: Mapping[str, str]) -> str:
    """The lineage of a series whose sequence 1 adds ``added``: 32 hexadecimal digits.

    Deterministic (no clock, no randomness): the same directory rebuilt from
    scratch with the same businesses gets the same lineage, and any other
    start gets another.
    """
    h = hashlib.sha256(b"quartier changes lineage\n")
    h.update(base_url.encode("utf-8") + b"\n")
    h.update(orjson.dumps(dict(sorted(added.items()))))
    return h.hexdigest()[:32]


def write(out: Output, base_url: str, base: Base | None) -> dict[str, object]:
    """Write the feed into ``out`` (after every entry file, before the manifest).

    Returns the manifest's ``"changes"`` object, ``{"sequence": N, "lineage": L}``.
    """
    new = entry_hashes(out.files)
    if base is None:
        sequence, lineage, oldest = 1, lineage_of(base_url, new), 1
        step: Diff | None = Diff(added=new, changed={}, removed=[])
    else:
        step = diff(base.entries, new) or None
        lineage = base.lineage
        sequence = base.sequence + 1 if step else base.sequence
        oldest = max(base.oldest, sequence - KEEP + 1)
        last = base.sequence
        for kept in range(oldest, last + 1):
            _copy(base.kept / f"{kept}.json", out, sequence_file(kept))
    if step is not None:
        document = {
            "spec_version": SPEC_VERSION,
            "sequence": sequence,
            "lineage": lineage,
            "added": step.added,
            "changed": step.changed,
            "removed": step.removed,
        }
        out.write_bytes(sequence_file(sequence), dumps(document, pretty=False))
    state = {
        "spec_version": SPEC_VERSION,
        "sequence": sequence,
        "lineage": lineage,
        "oldest": oldest,
        "changes": f"{base_url}{FOLDER}/{{sequence}}.json",
    }
    out.write_json(STATE, state)
    return {"sequence": sequence, "lineage": lineage}


def _copy(source: Path, out: Output, rel: str) -> None:
    """A kept sequence file into the new build, byte for byte, hashed on the way."""
    with source.open("rb") as fh, out.stream(rel) as dest:
        while chunk := fh.read(_COPY_CHUNK):
            dest.write(chunk)
