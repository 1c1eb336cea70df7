"""``quartier build``: turn a validated directory into published files.

One module per output (``api``, ``feed``, ``data``, ``llms``, ``sitemap``,
``openapi``); this module runs them in order into one
:class:`~quartier.publish.writer.Output`, so a build is all-or-nothing and
deterministic: two builds of the same input are byte-identical (no clock,
sorted everything, the commit taken from git or given).

Example::

    directory = read_directory(Path("."))
    result = build(directory, Path("_site"))
    result.files["feed.json"]   # (sha256, bytes)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..directory import PARALLEL_MIN, Directory
from ..parallel import fork_map, long_lived
from . import api, data, feed, llms, openapi, sitemap
from .context import BuildContext
from .writer import Output


class Pending(Protocol):
    """Work an extra left running in the background (the site's search index)."""

    def wait(self) -> None: ...

    def cancel(self) -> None: ...


# Hooks that add more files to the same output, e.g. the HTML site. They run
# before the machine outputs and may leave work running meanwhile.
Extra = Callable[[BuildContext, Output], Pending | None]


@dataclass
class BuildResult:
    """What a build wrote: every file with its sha256 and size, and notes for the user."""

    out: Path
    files: dict[str, tuple[str, int]]
    notes: list[str] = field(default_factory=list)


def build(
    directory: Directory,
    out: Path,
    commit: str | None = None,
    tick: Callable[[], None] | None = None,
    extras: tuple[Extra, ...] = (),
    feed_page_size: int = 500,
) -> BuildResult:
    """Write every machine output of a valid ``directory`` into ``out``.

    ``tick`` is called once per business written (for a progress bar);
    ``extras`` run first, and what they leave running (Pagefind) overlaps
    the machine outputs; the manifest is written when all is done.
    """
    if directory.errors:
        raise ValueError("refusing to publish a directory with errors; validate it first")
    ctx = BuildContext(directory, commit=commit, feed_page_size=feed_page_size)
    with long_lived(freeze=True), Output(out) as output:
        pending: list[Pending] = []
        try:
            for extra in extras:
                if (running := extra(ctx, output)) is not None:
                    pending.append(running)
            api.write_entries(ctx, output, tick)
            notes = _write_together(ctx, output, [(data.write, api.write_lists), _OTHERS])
            while pending:
                pending[0].wait()
                pending.pop(0)
        except BaseException:
            for running in pending:  # nothing may keep writing into a folder being removed
                running.cancel()
            raise
        api.write_index(ctx, output)
    return BuildResult(out, dict(output.files), notes)


# The whole-directory outputs, after the per-business files; each group runs
# in its own process on a large directory (the data files weigh as much as
# the other four together).
_OTHERS = (feed.write, llms.write, sitemap.write, openapi.write)
Job = Callable[[BuildContext, Output], list[str] | None]


def _write_together(ctx: BuildContext, output: Output, groups: list[tuple[Job, ...]]) -> list[str]:
    """Run groups of output writers side by side; returns their notes in order.

    The groups only read the context and write distinct files, so forked
    workers can run them; each sends back its manifest records and notes.
    """
    ctx.by_category, ctx.by_place, ctx.site  # noqa: B018 - computed once, before forking
    parallel = len(ctx.ids) >= PARALLEL_MIN

    def run(chunk: Sequence[tuple[Job, ...]]) -> list[tuple[dict[str, tuple[str, int]], list[str]]]:
        results = []
        for group in chunk:
            saved, output.files = output.files, {}
            try:
                notes = [note for job in group for note in job(ctx, output) or []]
                results.append((output.files, notes))
            finally:
                output.files = saved
        return results

    notes: list[str] = []
    for files, group_notes in fork_map(run, groups, minimum=0 if parallel else len(groups) + 1):
        output.files.update(files)
        notes += group_notes
    return notes
