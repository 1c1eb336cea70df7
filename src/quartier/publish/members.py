"""The mirrored-members stage of a build: members' records as businesses of this directory.

``quartier federate`` keeps a copy of every member (see
:mod:`quartier.federation.mirror`); this stage reads it and never trusts it,
since the copy is a file on disk:

- every record is validated again with the contract and the same checks as a
  local entry, in forked workers at scale; an invalid one is skipped with a
  warning naming the member and the record, never an error (a member's
  mistake must not stop this directory's build);
- the same business listed twice (two members, or a member and a local
  entry) is found with the checks that find duplicates inside one directory
  (:func:`quartier.checks.same_business`) and becomes one record, by the
  rule in :func:`merge_duplicates`: a local entry's content always wins, and
  members' records merge only when two independent keys agree;
- each kept record carries its provenance (:class:`Merged`), which the
  published record's ``provenance.sources`` lists.

Example::

    federated = read_members(directory, ctx)        # stage 3
    merge_duplicates(directory, keys, federated)    # in stage 4
    directory.federated["thun--baeckerei"].sources[0].page_url
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from pydantic import ValidationError

from ..checks import (
    DUPLICATE_DISTANCE_M,
    Context,
    Keys,
    check_entry,
    distance_m,
    keys_of,
    same_business,
)
from ..config import DirectoryConfig
from ..directory import PARALLEL_MIN, Directory
from ..fields import check_url
from ..load import Document
from ..messages import message
from ..model import Entry, address_country
from ..parallel import fork_map, long_lived
from ..problems import Problem, Severity
from . import urls
from .context import SPEC_VERSION, BuildContext
from .writer import Output

if TYPE_CHECKING:
    from ..federation.mirror import Gone, Source

# Records validated per round of workers: bounds the bytes held at once.
BATCH = 4_000
# An http(s) address without spaces, quotes or angle brackets, at most 2,000 characters.
_WEB_URL = re.compile(r"https?://[^\s\"'<>\\]{1,1990}")


@dataclass(frozen=True)
class Merged:
    """Where a published business comes from, when a member is among its sources.

    ``sources`` lists every federated record of the business, the one whose
    content is published first; ``local`` says the content is a local
    entry's (its file is then the primary source).
    """

    sources: tuple[Source, ...]
    local: bool = False

    def provenance(self) -> list[dict[str, Any]]:
        return [dataclasses.asdict(s) for s in self.sources]


@dataclass
class Record:
    """One valid federated record, as stage 3 leaves it for the checks across all."""

    id: str
    source: Source
    keys: Keys
    last_verified: date
    entry: Entry | None  # None when only the problems are wanted (validate)


@dataclass
class Federated:
    """Every valid federated record, in id order, and each member's place in the settings."""

    records: list[Record] = field(default_factory=list)
    order: dict[str, int] = field(default_factory=dict)


def read_members(directory: Directory, ctx: Context, keep_entries: bool = True) -> Federated:
    """Stage 3: validate the members' copies; notes and warnings about them go to ``directory``."""
    from ..federation import mirror

    root, config = directory.root, ctx.config
    out = Federated(order={m.id: i for i, m in enumerate(config.members)})
    try:
        copies = {c.member: c for c in mirror.copies(root, config)}
        directory.gone = mirror.gone(root, config)
    except mirror.MirrorError as exc:  # a copy changed by hand: nothing of the members is used
        directory.problems.append(_problem("", str(exc), ""))
        return out
    for member in config.members:
        copy = copies.get(member.id)
        if copy is None:
            text = message("members.no_copy", member=member.id)
            directory.problems.append(_problem(member.id, text, ""))
        else:
            directory.notes.append(_copy_note(copy))
    try:
        hosts = member_hosts(root, config)
        records = mirror.records(root, config)
        _read_records(directory, ctx, out, records, keep_entries, hosts)
    except mirror.MirrorError as exc:  # the records read before it stay in use
        directory.problems.append(_problem("", str(exc), ""))
    return out


def _read_records(
    directory: Directory,
    ctx: Context,
    out: Federated,
    records: Iterable[tuple[str, bytes, Source]],
    keep_entries: bool,
    hosts: dict[str, str | None],
) -> None:
    with long_lived():
        for batch in _batches(records, BATCH):
            for record, problems in fork_map(
                lambda chunk: [_validate(item, ctx, keep_entries, hosts) for item in chunk],
                batch,
                PARALLEL_MIN,
            ):
                directory.problems += problems
                if record is None:
                    continue
                if record.id in directory.paths or (
                    out.records and out.records[-1].id >= record.id
                ):
                    continue  # the mirror sorts and never repeats ids; a damaged one might
                out.records.append(record)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def member_hosts(root: Path, config: DirectoryConfig) -> dict[str, str | None]:
    """Each member's host, which its records' page addresses must be on (lower case).

    A member fetched over http(s) is on the host of its address in the
    settings; a local folder on the host of the ``base_url`` its manifest
    published (None when it published none: its page addresses cannot be checked).
    """
    from ..federation import mirror

    hosts: dict[str, str | None] = {}
    for member in config.members:
        url: str | None = member.url if member.is_remote else None
        if url is None:
            try:
                state = mirror.read_state(root, member.id)
            except mirror.MirrorError:
                state = None
            url = state.base_url if state is not None else None
        hosts[member.id] = (urlsplit(url).hostname or None) if url else None
    return hosts


def page_url_problem(url: str, host: str | None) -> str | None:
    """Why a member's page address may not be linked and declared canonical, or None.

    Example: ``https://thun.example.org@evil.example/`` (the host is
    evil.example) and ``https://evil.example/x/`` for member thun.example.org
    are both refused.
    """
    if not _WEB_URL.fullmatch(url):
        return message("members.page_url", url=url[:80])
    if "@" in urlsplit(url).netloc:
        return message("members.page_url.user", url=url[:80])
    try:
        check_url(url)
    except ValueError:
        return message("members.page_url", url=url[:80])
    if host is None:
        return message("members.page_url.no_host", url=url[:80])
    if (urlsplit(url).hostname or "").lower() != host.lower():
        return message("members.page_url.host", url=url[:80], host=host)
    return None


def _validate(
    item: tuple[str, bytes, Source],
    ctx: Context,
    keep_entry: bool,
    hosts: dict[str, str | None],
) -> tuple[Record | None, list[Problem]]:
    """One record from the mirror, validated as a local entry is; a skipped one says why."""
    fid, data, source = item
    try:
        entry = Entry.model_validate_json(data, context={"country": record_country(data)})
    except ValidationError as exc:  # also for bytes that are not JSON
        return None, [skipped(source, exc)]
    if entry.id != fid:
        return None, [_invalid(source, message("members.wrong_id", id=entry.id, expected=fid))]
    # The page a federated business's page links to and declares canonical.
    why = page_url_problem(source.page_url, hosts.get(source.member))
    if why is not None:
        return None, [_invalid(source, why)]
    doc = Document(source.record_url, orjson.loads(data))
    errors = [p for p in check_entry(entry, doc, fid, ctx, federated=True) if p.is_error]
    if errors:
        return None, [_invalid(source, f"{errors[0].field}: {errors[0].message}")]
    record = Record(fid, source, keys_of(entry, doc), entry.last_verified, None)
    if keep_entry:
        record.entry = entry
    return record, []


def skipped(source: Source, exc: ValidationError) -> Problem:
    """The warning for a member's record that the contract refuses: its first problem."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "entry"
    return _invalid(source, f"{where}: {first['msg']}")


def record_country(data: bytes) -> object:
    """The address country, which the phone validation needs before the model exists."""
    try:
        return address_country(orjson.loads(data))
    except orjson.JSONDecodeError:
        return None


def _invalid(source: Source, why: str) -> Problem:
    return _problem(
        source.member,
        message("members.invalid", member=source.member, id=source.original_id, problem=why),
        source.record_url,
    )


def _problem(member: str, text: str, where: str) -> Problem:
    """A warning about a member, in field ``members.<id>``, at the record's URL if about one.

    ``quartier validate --strict`` fails on local warnings only: see
    :func:`about_member`.
    """
    name = f"{MEMBER_FIELD}.{member}" if member else MEMBER_FIELD
    hint = message("members.fix")
    return Problem(where or name, 1, 1, name, text, hint, Severity.WARNING)


MEMBER_FIELD = "members"


def about_member(problem: Problem) -> bool:
    """Whether ``problem`` is about a member's copy (a member's to fix, never this directory's)."""
    return problem.field == MEMBER_FIELD or problem.field.startswith(MEMBER_FIELD + ".")


def _copy_note(copy: Any) -> str:
    if copy.fetched_at is None:
        return message("members.copy_never", member=copy.member)
    return message(
        "members.copy",
        member=copy.member,
        count=copy.records,
        fetched_at=copy.fetched_at,
        failed=f"; {copy.error}" if copy.error else "",
    )


def merge_duplicates(
    directory: Directory,
    local: Sequence[Keys],
    federated: Federated,
    keep_entries: bool = True,
    local_entry: Callable[[str], Entry | None] | None = None,
) -> None:
    """Stage 4 across members: one record per business, every federated record kept as a source.

    Groups are found by :func:`quartier.checks.same_business` over local and
    federated keys. A member is not trusted to speak for this directory's
    own businesses, nor for another member's:

    - a local entry's content is published under its id, whatever the
      members' ``last_verified`` says; every member's record sharing a key
      with it directly becomes one of its ``provenance.sources``;
    - federated records alone are merged only where two of them agree on at
      least two independent keys (a name within the distance, the phone, the
      website host: see :func:`strong_groups`); one key alone (a shared phone,
      say) keeps both records, with a warning;
    - in a merged group of members' records, the content is the most recently
      verified record's (on a tie the member listed first in the settings,
      then the smallest id), the id the smallest federated id (stable while
      that member keeps its record); the other ids are not published, with a
      warning.

    Groups of local entries alone are errors already (``check_tree``).
    ``local_entry`` is kept for callers that stream local entries; a local
    entry's content wins without being read.
    """
    del local_entry  # a local entry always wins: its content need not be read here
    records = {r.id: r for r in federated.records}
    local_ids = {k.id for k in local}
    merged_away: set[str] = set()
    for group in same_business([*local, *(r.keys for r in federated.records)]):
        ids = sorted({k.id for k in group})
        if all(i in local_ids for i in ids):
            continue
        mine = [k for k in group if k.id in local_ids]
        attached: dict[str, list[str]] = {}
        rest = []
        for k in group:
            if k.id in local_ids:
                continue
            near = [m.id for m in mine if agreeing_keys(k, m) >= 1]
            if near:  # a member's copy of a local business: the local content wins
                attached.setdefault(min(near), []).append(k.id)
            else:
                rest.append(k)
        parts: list[tuple[str, list[str]]] = sorted(attached.items())
        if rest:
            for part in strong_groups(rest):
                part_ids = sorted(k.id for k in part)
                if len(part_ids) == 1:
                    if len(rest) > 1:
                        _warn_weak(directory, records[part_ids[0]], [k.id for k in rest])
                    continue
                ranked = sorted(part_ids, key=lambda i: _rank(records[i], federated.order))
                parts.append((min(part_ids), ranked))
        for keep_id, sources in parts:
            content_local = keep_id in local_ids
            if not content_local and keep_entries:
                entry = records[sources[0]].entry
                assert entry is not None
                if keep_id != sources[0]:
                    entry = entry.model_copy(update={"id": keep_id})
                directory.entries[keep_id] = entry
            directory.federated[keep_id] = Merged(
                tuple(records[i].source for i in sources), content_local
            )
            others = [i for i in sources if i != keep_id]
            merged_away.update(others)
            for other in others:
                source = records[other].source
                text = message("members.merged", member=source.member, id=other, into=keep_id)
                directory.problems.append(_problem(source.member, text, source.record_url))
    for record in federated.records:
        if record.id in merged_away or record.id in directory.federated:
            continue
        if keep_entries and record.entry is not None:
            directory.entries[record.id] = record.entry
        directory.federated[record.id] = Merged((record.source,))
    # Federated and local ids interleave: the publish stage goes through them in id order.
    if keep_entries:
        directory.entries = dict(sorted(directory.entries.items()))


def _rank(record: Record, order: dict[str, int]) -> tuple[int, int, str]:
    """Newest ``last_verified`` first, then the member listed first, then the smallest id."""
    member = order.get(record.source.member, len(order))
    return (-record.last_verified.toordinal(), member, record.id)


def agreeing_keys(a: Keys, b: Keys) -> int:
    """How many independent keys two records share: phone, website host, a name nearby.

    Example: the same phone and the same name 20 m apart is 2 (merged); the
    same phone alone is 1 (a shared switchboard, or a member copying another
    member's phone to absorb its business: kept apart).
    """
    same = int(bool(a.phone) and a.phone == b.phone) + int(bool(a.host) and a.host == b.host)
    if not set(a.names).isdisjoint(b.names):
        same += int(distance_m(a.lat, a.lon, b.lat, b.lon) <= DUPLICATE_DISTANCE_M)
    return same


def strong_groups(keys: Sequence[Keys]) -> list[list[Keys]]:
    """``keys`` split into groups linked by pairs agreeing on two keys or more, by id.

    A pair where one record replaces the other (``superseded_by``) is never linked.
    """
    items = sorted(keys, key=lambda k: k.id)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if a.superseded_by == b.id or b.superseded_by == a.id:
                continue
            if agreeing_keys(a, b) >= 2:
                ri, rj = root(i), root(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[Keys]] = {}
    for i, k in enumerate(items):
        groups.setdefault(root(i), []).append(k)
    return [groups[r] for r in sorted(groups)]


def _warn_weak(directory: Directory, record: Record, ids: list[str]) -> None:
    """A member's record that shares one key only with others: published apart, with a warning."""
    source = record.source
    others = ", ".join(i for i in ids if i != record.id)
    text = message("members.weak_match", member=source.member, id=record.id, others=others)
    directory.problems.append(_problem(source.member, text, source.record_url))


def write_gone(ctx: BuildContext, out: Output, published: set[str]) -> None:
    """``api/v1/gone.json`` and a gone document at each tombstoned record's address.

    A record removed at its member is no business here (no page, not in any
    list), but a crawler that had its URL learns it is gone, since when, and
    until when the aggregate says so::

        {"spec_version": "1.1", "id": "thun--x", "gone": true, "since": "2026-11-01",
         "until": "2026-12-01", "provenance": {"directory": ..., "member": "thun", ...}}

    An id published as a business (never one the mirror keeps as gone) is skipped.
    """
    from .context import RECORD_VERSION

    gone = [g for g in ctx.directory.gone if g.id not in published]
    if not gone and not ctx.config.members:
        return
    for g in gone:
        out.write_json(
            urls.entry_json(g.id),
            {
                "spec_version": RECORD_VERSION,
                "id": g.id,
                "gone": True,
                "since": g.since,
                "until": g.until,
                "provenance": _gone_provenance(ctx, g),
            },
            pretty=False,
        )
    entries = [
        {
            "id": g.id,
            "member": g.member,
            "original_id": g.original_id,
            "since": g.since,
            "until": g.until,
        }
        for g in gone
    ]
    doc = {"spec_version": SPEC_VERSION, "count": len(entries), "entries": entries}
    out.write_json(f"{urls.API}/gone.json", doc)


def _gone_provenance(ctx: BuildContext, g: Gone) -> dict[str, Any]:
    return {
        "directory": ctx.config.name,
        "directory_url": ctx.config.base_url,
        "member": g.member,
        "original_id": g.original_id,
        "license": ctx.config.license,
        "license_url": ctx.config.license_url,
    }
