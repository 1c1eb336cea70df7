"""An aggregate's machine outputs in two streaming passes, never holding every business.

``quartier build --no-site`` of a directory with members. The same
business may be listed twice, and which record is published (and under
which id) is known only when every record's keys are in, so one pass is not
enough:

1. *check*: forked workers read every local file and every member's record
   for their problems and keys only (stages 2-4 of
   :mod:`quartier.publish.pipeline`); duplicates are decided
   (:func:`~quartier.publish.members.merge_duplicates`);
2. *publish*: three streams in id order are merged into one and published
   by forked workers into the :class:`~quartier.publish.sink.Sink`: the
   local files, the members' records (from the mirror again), and the few
   records published under another record's id (a merged duplicate).

Memory holds each business's provenance and keys, never its model, as in
the one-pass build of a directory without members
(:mod:`quartier.publish.stream`).

Example::

    result = publish_in_two_passes(directory, ctx, Path("_site"))
    if result is None:
        report(directory.problems)
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path

from pydantic import ValidationError

from ..checks import Context
from ..directory import Directory, entry_paths, read_entry, read_local, stem_of
from ..model import Entry
from ..parallel import fork_imap, long_lived
from ..problems import Problem
from . import BuildResult, Progress, finish
from .changes import Base
from .context import BuildContext
from .entry import Published, publish_entry
from .members import read_members, record_country, skipped
from .sink import collect
from .writer import Output

# (published id, "local" with the file's path, or "member" with the record's JSON)
Work = tuple[str, str, str | bytes]
LOCAL, MEMBER = "local", "member"


def publish_in_two_passes(
    directory: Directory,
    check: Context,
    out: Path,
    commit: str | None = None,
    progress: Progress | None = None,
    feed_page_size: int = 500,
    previous: Base | None = None,
) -> BuildResult | None:
    """Stages 2-5 for a directory with members; None (``out`` untouched) on local errors."""
    from .pipeline import check_across

    root = directory.root
    named = sorted((stem_of(path), path) for path in entry_paths(root, optional=True))
    keys = read_local(directory, check, [path for _, path in named], keep_entries=False)
    federated = read_members(directory, check, keep_entries=False)

    def local_entry(entry_id: str) -> Entry | None:
        rel = directory.paths[entry_id]
        return read_entry(root / rel, rel, check)[0]

    check_across(directory, keys, federated, keep_entries=False, local_entry=local_entry)
    del keys, federated  # only each business's provenance is needed from here
    if directory.errors:
        return None
    # Which record is published under which id: a group's content may be another's.
    content_of = {
        merged.sources[0].id: pid
        for pid, merged in directory.federated.items()
        if not merged.local and merged.sources[0].id != pid
    }
    shown = set(content_of.values())
    local = [
        (stem, LOCAL, path) for stem, path in named if stem in directory.paths and stem not in shown
    ]
    total = len(local) + sum(1 for m in directory.federated.values() if not m.local)
    tick = progress(total) if progress else None
    ctx = BuildContext(directory, commit=commit, feed_page_size=feed_page_size, previous=previous)
    ctx.site  # noqa: B018 - computed once, before forking
    work = heapq.merge(
        iter(local),
        _member_records(directory, check, content_of),
        iter(sorted(_displaced(directory, check, content_of))),
        key=itemgetter(0),
    )

    def publish(chunk: Sequence[Work]) -> list[tuple[Published | None, list[Problem]]]:
        return [_publish(ctx, check, item) for item in chunk]

    failed = False
    with long_lived(freeze=True):
        try:
            with Output(out) as output:
                with collect(ctx, output) as sink:
                    for chunk in fork_imap(publish, work):
                        for published, problems in chunk:
                            directory.problems += problems
                            failed = failed or any(p.is_error for p in problems)
                            if published is None or failed:
                                continue
                            sink.add(published)
                            if tick:
                                tick()
                    if failed:  # a file changed between the passes: publish nothing
                        raise _Changed
                finish(ctx, output, sink)
        except _Changed:
            directory.problems.sort(key=Problem.sort_key)
            return None
    return BuildResult(out, dict(output.files), sink.notes, len(sink))


class _Changed(Exception):
    """A local file read again in the second pass is no longer valid."""


def _member_records(
    directory: Directory, check: Context, content_of: dict[str, str]
) -> Iterator[Work]:
    """Members' records published under their own id, in id order."""
    from ..federation import mirror

    kept = directory.federated
    # A damaged copy ends the stream where the first pass stopped (it said so).
    with contextlib.suppress(mirror.MirrorError):
        for fid, data, _source in mirror.records(directory.root, check.config):
            merged = kept.get(fid)
            if merged is None or merged.local or fid in content_of:
                continue  # invalid, merged into another record, or published under another id
            if merged.sources[0].id == fid:
                yield fid, MEMBER, data


def _displaced(directory: Directory, check: Context, content_of: dict[str, str]) -> list[Work]:
    """The few records published under another id (merged duplicates), read ahead."""
    if not content_of:
        return []
    from ..federation import mirror

    found: list[Work] = []
    with contextlib.suppress(mirror.MirrorError):
        for fid, data, _source in mirror.records(directory.root, check.config):
            if fid in content_of:
                found.append((content_of[fid], MEMBER, data))
    return found


def _publish(
    ctx: BuildContext, check: Context, item: Work
) -> tuple[Published | None, list[Problem]]:
    """One business's outputs, in a worker; None with the problems if it is no longer valid."""
    pid, kind, payload = item
    if kind == LOCAL:
        assert isinstance(payload, str)
        rel = ctx.directory.paths[pid]
        entry, problems, _ = read_entry(payload, rel, check)
        if entry is None or any(p.is_error for p in problems):
            return None, [p for p in problems if p.is_error]
        return publish_entry(ctx, entry), []
    assert isinstance(payload, bytes)
    # Validated in the first pass; a copy that `quartier federate` replaced since
    # is checked again, and a record invalid now is left out with a warning.
    try:
        entry = Entry.model_validate_json(payload, context={"country": record_country(payload)})
    except ValidationError as exc:
        return None, [skipped(ctx.directory.federated[pid].sources[0], exc)]
    if entry.id != pid:
        entry = entry.model_copy(update={"id": pid})
    return publish_entry(ctx, entry), []
