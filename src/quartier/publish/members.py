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
  rule in :func:`merge_duplicates`;
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
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError

from ..checks import Context, Keys, check_entry, keys_of, same_business
from ..directory import PARALLEL_MIN, Directory
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
        _read_records(directory, ctx, out, mirror.records(root, config), keep_entries)
    except mirror.MirrorError as exc:  # the records read before it stay in use
        directory.problems.append(_problem("", str(exc), ""))
    return out


def _read_records(
    directory: Directory,
    ctx: Context,
    out: Federated,
    records: Iterable[tuple[str, bytes, Source]],
    keep_entries: bool,
) -> None:
    with long_lived():
        for batch in _batches(records, BATCH):
            for record, problems in fork_map(
                lambda chunk: [_validate(item, ctx, keep_entries) for item in chunk],
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


def _validate(
    item: tuple[str, bytes, Source], ctx: Context, keep_entry: bool
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
    if not _WEB_URL.fullmatch(source.page_url):
        return None, [_invalid(source, message("members.page_url", url=source.page_url[:80]))]
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
    federated keys. In each group that holds a federated record:

    - the content published is that of the most recently verified record
      (``last_verified`` newest; on a tie a local entry, then the member listed
      first in the settings, then the smallest id);
    - the id is a local entry's if the group has one, else the smallest
      federated id (stable while that member keeps its record);
    - ``provenance.sources`` lists every federated record of the group, the
      chosen content first; the other ids are not published, with a warning.

    Groups of local entries alone are errors already (``check_tree``).
    ``local_entry`` gives a local entry by id when ``directory`` holds none
    (a build that streams them); only those in a group are asked for.
    """
    local_entry = local_entry or directory.entries.get
    records = {r.id: r for r in federated.records}
    local_ids = {k.id for k in local}
    merged_away: set[str] = set()
    for group in same_business([*local, *(r.keys for r in federated.records)]):
        ids = sorted({k.id for k in group})
        if all(i in local_ids for i in ids):
            continue
        chosen, keep_id, sources = _choose(ids, records, local_ids, federated.order, local_entry)
        content_local = chosen in local_ids
        if not content_local and keep_entries:
            entry = records[chosen].entry
            assert entry is not None
            if keep_id != chosen:
                entry = entry.model_copy(update={"id": keep_id})
            directory.entries[keep_id] = entry
        directory.federated[keep_id] = Merged(
            tuple(records[i].source for i in sources), content_local
        )
        others = [i for i in ids if i != keep_id and i not in local_ids]
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


def _choose(
    ids: list[str],
    records: dict[str, Record],
    local_ids: set[str],
    order: dict[str, int],
    local_entry: Callable[[str], Entry | None],
) -> tuple[str, str, list[str]]:
    """(the id whose content wins, the id published, federated ids: content first)."""

    def rank(i: str) -> tuple[int, int, int, str]:
        if i in local_ids:
            entry = local_entry(i)
            verified = entry.last_verified.toordinal() if entry else 0
            return (-verified, 0, 0, i)
        r = records[i]
        return (-r.last_verified.toordinal(), 1, order.get(r.source.member, len(order)), i)

    ranked = sorted(ids, key=rank)
    locals_ = [i for i in ids if i in local_ids]
    keep_id = min(locals_) if locals_ else min(ids)
    return ranked[0], keep_id, [i for i in ranked if i in records]


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
