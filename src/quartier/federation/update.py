"""Bring one member's copy up to date: what changed, fetched, checked, and applied as one change.

The steps, for one member (:func:`update_member`):

1. the manifest, by a conditional request: 304 (or the same bytes of a local
   folder) means nothing changed, and the member cost one request;
2. which records changed: from the member's changes feed when it continues
   the sequence this copy was made at (the diffs since then, each checked
   against the manifest's sha256 of it), else by comparing the manifest's
   sha256 of every ``api/v1/entries/<id>.json`` with the ones kept;
3. only those records are downloaded, :data:`PER_MEMBER` at a time (and at
   most :data:`TOTAL` over all members), each checked against its sha256,
   then validated (:mod:`.records`) and filtered by ``members[i].areas`` and
   ``categories``;
4. the new copy is written (:func:`quartier.federation.mirror.write`):
   records gone from the member become tombstones (:class:`~.mirror.Gone`,
   for :data:`~.mirror.TOMBSTONE_DAYS`), a tombstone whose record came back
   is dropped, and expired ones are dropped.

Any :class:`~.source.Fault` (down, slow past the deadline, an HTTP error,
a truncated, malformed or oversized body, a hash that does not match, a
redirect elsewhere, a contract or license this directory cannot take) ends
the member's update before anything is written but its ``error`` and
``checked_at``: the last good copy stays exactly as it was.

Ids: a member's record ``x`` becomes ``<member>--x``. No two can collide:
member ids are unique slugs without ``--`` (config.Member), ids are unique
at their member (one file each), so the prefix before the first ``--`` tells
the member and the rest the record; local ids never hold ``--``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from ..checks import Context
from ..config import Area, DirectoryConfig, Member
from ..fetch import Deadline
from ..messages import message
from ..model import CONTRACT_VERSION
from . import mirror
from .mirror import Gone, MirrorError, Row, State
from .records import RECORD_MAX_BYTES, Checked, check_record, in_areas, in_categories, valid_id
from .source import (
    API,
    CHANGES_MAX_BYTES,
    CHANGES_STATE,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    SETTINGS,
    SETTINGS_MAX_BYTES,
    Fault,
    Manifest,
    Reader,
    manifest,
    parse_json,
    verified,
)

PER_MEMBER = 4  # downloads at once from one member
TOTAL = 8  # downloads at once over all members
DEADLINE_S = 600.0  # for one member's whole update
ENTRIES = f"{API}/entries/"
_SLOTS = threading.BoundedSemaphore(TOTAL)


@dataclass(frozen=True)
class Invalid:
    """A member's record that was skipped, and why."""

    member: str
    id: str
    problem: str


@dataclass
class Outcome:
    """What one member's update did, for the report."""

    member: str
    name: str
    url: str
    status: str = "updated"  # updated, unchanged, failed
    via: str = ""  # "changes" or "manifest": how the changed records were found
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0  # became tombstones this time
    revived: int = 0
    dropped: int = 0  # tombstones past their grace period
    gone: int = 0  # tombstones kept
    records: int = 0  # records in the copy in use
    invalid: list[Invalid] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was dropped from the member's text
    fault: str | None = None
    fault_kind: str | None = None
    fetched_at: str | None = None  # of the copy in use
    requests: int = 0
    fetched: list[str] = field(default_factory=list)  # record ids downloaded


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fingerprint(member: Member, config: DirectoryConfig) -> str:
    """What the kept records were checked against: a change means every record is read again."""
    # The other members' settings are left out: adding one does not re-read this one.
    own = config.model_dump(mode="json", exclude={"members"})
    parts = [member.model_dump(mode="json"), own, CONTRACT_VERSION]
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def update_member(
    root: Path,
    member: Member,
    ctx: Context,
    now: datetime,
    deadline_s: float = DEADLINE_S,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Update ``member``'s copy in ``root``'s mirror; never raises for the member's faults."""
    out = Outcome(member.id, member.name or member.id, member.url)
    state, old_rows = _read_copy(root, member, out)
    with Deadline(max(deadline_s, 0.0)) as deadline:
        reader = Reader(member, root, deadline)
        try:
            if deadline_s <= 0:  # the whole run's deadline passed before this member's turn
                raise Fault(message("federate.total_deadline", member=member.id), "timeout")
            _update(root, member, ctx, now, reader, (state, old_rows), out, progress)
        except Fault as fault:
            _fail(root, member, state, reader, now, out, str(fault), fault.kind)
        except Exception as exc:  # a bug or a surprise costs this member only, not the run
            reason = f"{type(exc).__name__}: {exc}"[:300]
            text = message("federate.internal", member=member.id, reason=reason)
            _fail(root, member, state, reader, now, out, text, "internal")
        finally:
            out.requests = reader.requests
    try:
        kept = mirror.read_state(root, member.id)
    except MirrorError:
        kept = None
    if kept is not None:
        out.fetched_at, out.records, out.gone = kept.fetched_at, kept.records, len(kept.gone)
        out.name = kept.name
    return out


def _read_copy(
    root: Path, member: Member, out: Outcome
) -> tuple[State | None, dict[str, tuple[str, bytes]]]:
    """The member's state and the index of its records file; a damaged one is fetched anew."""
    try:
        state = mirror.read_state(root, member.id)
        return state, (mirror.read_index(root, state) if state else {})
    except MirrorError as exc:
        out.invalid.append(Invalid(member.id, "", str(exc)))
        return None, {}


def _fail(
    root: Path,
    member: Member,
    state: State | None,
    reader: Reader,
    now: datetime,
    out: Outcome,
    text: str,
    kind: str,
) -> None:
    """The member's update failed: say so in the report and its state; its copy stays."""
    out.status, out.fault, out.fault_kind = "failed", text, kind
    out.new = out.changed = out.unchanged = out.removed = out.revived = out.dropped = 0
    try:
        _record_failure(root, member, state, reader, now, text)
    except (OSError, MirrorError) as exc:
        out.notes.append(str(exc))


def _record_failure(
    root: Path, member: Member, state: State | None, reader: Reader, now: datetime, text: str
) -> None:
    if state is None:
        state = State(member.id, member.name or member.id, reader.base, member.license, "")
    state.error, state.checked_at = text, iso(now)
    mirror.write(root, state)


def _update(
    root: Path,
    member: Member,
    ctx: Context,
    now: datetime,
    reader: Reader,
    copy: tuple[State | None, dict[str, tuple[str, bytes]]],
    out: Outcome,
    progress: Callable[[str], None] | None,
) -> None:
    state, old_rows = copy
    stamp = fingerprint(member, ctx.config)
    # When the settings changed, every record is read and checked again (``cache``
    # None); the copy still tells which records this directory had (tombstones).
    cache = state if state is not None and state.fingerprint == stamp else None
    got = reader.get(MANIFEST, MANIFEST_MAX_BYTES, *_validators(cache))
    if got is None and state is not None and cache is not None:  # unchanged since the copy
        out.status = "unchanged"
        out.unchanged = state.records
        _expire(state, now, out)
        state.error, state.checked_at, state.fetched_at = None, iso(now), iso(now)
        mirror.write(root, state)
        return
    if got is None:  # a 304 to a request without validators
        raise Fault(message("federate.unexpected_304", url=reader.url(MANIFEST)), "http")
    man = manifest(got, reader.url(MANIFEST), member)
    if man.commit_dropped:
        out.notes.append(message("federate.commit_dropped", member=member.id))
    published = {
        path[len(ENTRIES) : -len(".json")]: sha
        for path, sha in man.files.items()
        if path.startswith(ENTRIES) and path.endswith(".json")
    }
    for oid in sorted(i for i in published if not valid_id(i)):
        out.invalid.append(Invalid(member.id, oid[:80], message("federate.record.bad_id")))
        del published[oid]
    areas = _member_areas(reader, member, man) if member.areas else []
    known = _known(cache, old_rows)
    wanted, out.via = _changed(reader, man, cache, known, published)
    if progress is not None and wanted:
        progress(message("federate.progress", member=member.id, count=len(wanted)))

    def check(oid: str, data: bytes) -> Checked:
        return check_record(data, member.id, oid, ctx, reader.url(f"{ENTRIES}{oid}.json"))

    bodies = _download(reader, sorted(wanted), published, check)
    out.fetched = sorted(wanted)
    kept = (state, cache, old_rows)
    _apply(root, member, ctx, now, reader, kept, man, stamp, published, bodies, areas, out)


def _validators(state: State | None) -> tuple[str, str]:
    if state is None or state.fetched_at is None:
        return "", ""
    return state.etag or "", state.last_modified or ""


def _known(state: State | None, rows: dict[str, tuple[str, bytes]]) -> dict[str, str]:
    """sha256 of every record the copy has read: kept, filtered out or invalid."""
    if state is None:
        return {}
    known = {oid: sha for oid, (sha, _) in rows.items()}
    known.update(state.skipped)
    known.update({oid: info["sha256"] for oid, info in state.invalid.items()})
    return known


def _changed(
    reader: Reader,
    man: Manifest,
    state: State | None,
    known: dict[str, str],
    published: dict[str, str],
) -> tuple[set[str], str]:
    """Ids whose file changed, and how that was found (changes feed, or manifest diff)."""
    from_feed = _from_feed(reader, man, state, known, published)
    if from_feed is not None:
        return from_feed, "changes"
    return {oid for oid, sha in published.items() if known.get(oid) != sha}, "manifest"


def _from_feed(
    reader: Reader,
    man: Manifest,
    state: State | None,
    known: dict[str, str],
    published: dict[str, str],
) -> set[str] | None:
    """The ids the member's changes feed names since this copy's sequence, or None when it
    cannot be used (no feed, another lineage, too far behind, or it disagrees)."""
    if (
        state is None
        or man.sequence is None
        or state.sequence is None
        or state.lineage != man.lineage
        or man.sequence < state.sequence
    ):
        return None
    if man.sequence == state.sequence:
        ids: set[str] = set()
    else:
        feed_sha = man.files.get(CHANGES_STATE)
        if feed_sha is None:
            return None
        feed = parse_json(
            verified(reader.get(CHANGES_STATE, CHANGES_MAX_BYTES), feed_sha, CHANGES_STATE),
            reader.url(CHANGES_STATE),
        )
        oldest = feed.get("oldest")
        if not isinstance(oldest, int) or state.sequence < oldest - 1:
            return None
        target = dict(known)
        ids = set()
        for n in range(state.sequence + 1, man.sequence + 1):
            rel = f"{API}/changes/{n}.json"
            sha = man.files.get(rel)
            if sha is None:
                return None
            diff = parse_json(verified(reader.get(rel, CHANGES_MAX_BYTES), sha, rel), rel)
            if diff.get("sequence") != n or diff.get("lineage") != man.lineage:
                return None
            for key in ("added", "changed"):
                part = diff.get(key)
                if not isinstance(part, dict):
                    return None
                for oid, value in part.items():
                    target[oid] = value
                    ids.add(oid)
            removed = diff.get("removed")
            if not isinstance(removed, list):
                return None
            for oid in removed:
                target.pop(oid, None) if isinstance(oid, str) else None
        # The feed must lead exactly to what the manifest lists; else the diff decides.
        if target != published:
            return None
    # Ids the copy has never read (a fingerprint change empties it) come too.
    ids |= {oid for oid, sha in published.items() if known.get(oid) != sha}
    return {i for i in ids if i in published}


def _download(
    reader: Reader,
    ids: list[str],
    published: dict[str, str],
    check: Callable[[str, bytes], Checked],
) -> dict[str, Checked]:
    """The files of ``ids``, each checked against its sha256 and then by ``check`` as it
    arrives (only the result is kept, never all the bodies at once); a Fault ends them all,
    and the downloads not started yet are cancelled."""

    def one(oid: str) -> tuple[str, bytes]:
        rel = f"{ENTRIES}{oid}.json"
        with _SLOTS:
            reader.deadline.check(reader.url(rel))
            got = reader.get(rel, RECORD_MAX_BYTES)
        return oid, verified(got, published[oid], reader.url(rel))

    if not ids:
        return {}
    workers = min(PER_MEMBER, len(ids))
    out: dict[str, Checked] = {}
    queue = iter(ids)
    pending: set[Future[tuple[str, bytes]]] = set()
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        while True:
            # At most two bodies per worker wait to be checked: memory stays bounded.
            for oid in queue:
                pending.add(pool.submit(one, oid))
                if len(pending) >= 2 * workers:
                    break
            if not pending:
                return out
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                oid, data = future.result()
                out[oid] = check(oid, data)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _member_areas(reader: Reader, member: Member, man: Manifest) -> list[Area]:
    """The member's published areas named in ``members[i].areas``."""
    sha = man.files.get(SETTINGS, "")
    settings = parse_json(
        verified(reader.get(SETTINGS, SETTINGS_MAX_BYTES), sha, reader.url(SETTINGS)),
        reader.url(SETTINGS),
    )
    published = settings.get("areas")
    if published is not None and not isinstance(published, list):
        raise Fault(message("federate.areas.shape", url=reader.url(SETTINGS)), "malformed")
    found: dict[str, Area] = {}
    for raw in published or []:
        try:
            area = Area.model_validate(raw)
        except ValueError:
            continue
        found[area.id] = area
    missing = [a for a in member.areas if a not in found]
    if missing:
        raise Fault(
            message(
                "federate.areas",
                member=member.id,
                missing=", ".join(missing),
                published=", ".join(sorted(found)) or "-",
            ),
            "settings",
        )
    return [found[a] for a in member.areas]


def _apply(
    root: Path,
    member: Member,
    ctx: Context,
    now: datetime,
    reader: Reader,
    kept: tuple[State | None, State | None, dict[str, tuple[str, bytes]]],
    man: Manifest,
    stamp: str,
    published: dict[str, str],
    bodies: dict[str, Checked],
    areas: list[Area],
    out: Outcome,
) -> None:
    state, cache, old_rows = kept
    skipped = dict(cache.skipped) if cache else {}
    invalid = dict(cache.invalid) if cache else {}
    fetched_at = iso(now)
    rows: dict[str, Row | bytes] = {}
    for oid, sha in published.items():
        if oid not in bodies:  # unchanged since the copy
            if oid in old_rows:
                rows[oid] = old_rows[oid][1]  # its line, kept as it is
                out.unchanged += 1
            elif oid in invalid:
                out.invalid.append(Invalid(member.id, oid, invalid[oid]["problem"]))
            continue
        skipped.pop(oid, None)
        invalid.pop(oid, None)
        checked = bodies[oid]
        if checked.provenance_dropped:
            out.notes.append(message("federate.provenance_dropped", member=member.id, id=oid))
        if checked.problem is not None:
            invalid[oid] = {"sha256": sha, "problem": checked.problem}
            out.invalid.append(Invalid(member.id, oid, checked.problem))
            continue
        if checked.gone or checked.entry is None:
            skipped[oid] = sha
            continue
        if not in_areas(checked.entry, areas) or not in_categories(
            checked.entry, list(member.categories), ctx.taxonomy
        ):
            skipped[oid] = sha
            continue
        if oid not in old_rows:
            out.new += 1
        elif old_rows[oid][0] != sha:
            out.changed += 1
        else:
            out.unchanged += 1  # read again after a change of the settings
        entry, page, upstream = checked.entry, checked.url, checked.provenance
        at, commit = _stamps(old_rows.get(oid), sha, fetched_at, man.source_commit)
        rows[oid] = Row(oid, sha, at, commit, page, upstream, entry)
    for oid in list(skipped):
        if oid not in published:
            del skipped[oid]
    for oid in list(invalid):
        if oid not in published:
            del invalid[oid]
    gone = _tombstones(member.id, state, old_rows, rows, now, out)
    new_state = State(
        member=member.id,
        name=member.name or man.name,
        url=reader.base,
        license=man.license,
        license_url=man.license_url,
        fetched_at=fetched_at,
        checked_at=fetched_at,
        source_commit=man.source_commit,
        sequence=man.sequence,
        lineage=man.lineage,
        error=None,
        etag=man.etag or None,
        last_modified=man.modified or None,
        fingerprint=stamp,
        skipped=skipped,
        invalid=invalid,
        gone=gone,
        base_url=man.base_url,
    )
    if state is not None and rows.keys() == old_rows.keys() and not bodies:
        # Nothing read: the records file in use stays (a manifest that changed for
        # other files, or only tombstones that expired).
        new_state.records_file, new_state.records = state.records_file, state.records
        mirror.write(root, new_state)
    else:
        mirror.write(root, new_state, [rows[oid] for oid in sorted(rows)])


def _stamps(
    old: tuple[str, bytes] | None, sha: str, fetched_at: str, commit: str | None
) -> tuple[str, str | None]:
    """When and at which commit a record was fetched: a record read again with the same
    sha256 (after a settings change) keeps its old stamps, so that the next build sees
    no change in it (a deterministic changes feed, issue 10)."""
    if old is None or old[0] != sha:
        return fetched_at, commit
    try:
        line = orjson.loads(old[1])
    except orjson.JSONDecodeError:
        return fetched_at, commit
    at, kept = line.get("fetched_at"), line.get("source_commit")
    if not isinstance(at, str):
        return fetched_at, commit
    return at, kept if isinstance(kept, str) else None


def _tombstones(
    member: str,
    state: State | None,
    old_rows: dict[str, tuple[str, bytes]],
    rows: dict[str, Row | bytes],
    now: datetime,
    out: Outcome,
) -> list[Gone]:
    """Tombstones after this update: new for records no longer kept, none for those back."""
    today = now.date()
    kept: dict[str, Gone] = {}
    for tomb in state.gone if state else []:
        if tomb.original_id in rows:
            out.revived += 1
        elif tomb.until < today.isoformat():
            out.dropped += 1
        else:
            kept[tomb.original_id] = tomb
    until = (today + timedelta(days=mirror.TOMBSTONE_DAYS)).isoformat()
    for oid in sorted(set(old_rows) - set(rows)):
        out.removed += 1
        kept[oid] = Gone(mirror.federated_id(member, oid), member, oid, today.isoformat(), until)
    return [kept[oid] for oid in sorted(kept)]


def _expire(state: State, now: datetime, out: Outcome) -> None:
    today = now.date().isoformat()
    out.dropped = sum(1 for t in state.gone if t.until < today)
    state.gone = [t for t in state.gone if t.until >= today]
