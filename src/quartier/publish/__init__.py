"""``quartier build``: turn a validated directory into published files.

One module per output (``api``, ``feed``, ``data``, ``llms``, ``sitemap``,
``openapi``). Each business's share of all of them is computed in one place
(:mod:`.entry`, in forked workers) and put in place by a :class:`~.sink.Sink`,
which writes the whole-directory files at the end; everything goes into one
:class:`~quartier.publish.writer.Output`, so a build is all-or-nothing and
deterministic: two builds of the same input are byte-identical (no clock,
sorted everything, the commit taken from git or given).

:func:`build` publishes a directory already read (the site needs every
entry in memory); :func:`quartier.publish.stream.build_tree` validates and
publishes in one pass and never holds every entry. Which one a build takes,
and every stage in order, is decided in one place:
:mod:`quartier.publish.pipeline`.

Example::

    directory = read_directory(Path("."))
    result = build(directory, Path("_site"))
    result.files["feed.json"]   # (sha256, bytes)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..directory import Directory
from ..parallel import long_lived
from . import api, changes
from .context import BuildContext
from .sink import Sink, collect, write_entries
from .writer import Output


class Pending(Protocol):
    """Work an extra left running in the background (the site's search index)."""

    def wait(self) -> None: ...

    def cancel(self) -> None: ...


# Hooks that add more files to the same output, e.g. the HTML site. They run
# before the machine outputs and may leave work running meanwhile; one that
# publishes the businesses itself (the site's pages) adds them to the sink.
Extra = Callable[[BuildContext, Output, Sink], Pending | None]

# Given the number of businesses, the function to call once per business (a progress bar).
Progress = Callable[[int], Callable[[], None] | None]


@dataclass
class BuildResult:
    """What a build wrote: every file with its sha256 and size, and notes for the user."""

    out: Path
    files: dict[str, tuple[str, int]]
    notes: list[str] = field(default_factory=list)
    businesses: int = 0


def build(
    directory: Directory,
    out: Path,
    commit: str | None = None,
    tick: Callable[[], None] | None = None,
    extras: tuple[Extra, ...] = (),
    feed_page_size: int = 500,
    previous: changes.Base | None = None,
) -> BuildResult:
    """Write every machine output of a valid, already read ``directory`` into ``out``.

    ``tick`` is called once per business written here (for a progress bar;
    an extra that publishes the businesses itself ticks its own);
    ``extras`` run first, and what they leave running (Pagefind) overlaps
    the whole-directory outputs; the manifest is written when all is done.
    :func:`quartier.publish.stream.build_tree` validates and publishes in
    one pass instead, without holding every entry.
    """
    if directory.errors:
        raise ValueError("refusing to publish a directory with errors; validate it first")
    ctx = BuildContext(directory, commit=commit, feed_page_size=feed_page_size, previous=previous)
    with long_lived(freeze=True), Output(out) as output:
        pending: list[Pending] = []
        try:
            with collect(ctx, output) as sink:
                for extra in extras:
                    if (running := extra(ctx, output, sink)) is not None:
                        pending.append(running)
                if not len(sink):
                    write_entries(ctx, sink, tick)
            while pending:
                pending[0].wait()
                pending.pop(0)
        except BaseException:
            for running in pending:  # nothing may keep writing into a folder being removed
                running.cancel()
            raise
        finish(ctx, output, sink)
    return BuildResult(out, dict(output.files), sink.notes, len(sink))


def finish(ctx: BuildContext, output: Output, sink: Sink) -> None:
    """The end of the publish stage, after every other file: gone records, changes, manifest.

    An aggregate's records removed at their members are published as gone
    first (see :func:`~quartier.publish.members.write_gone`), so that the
    changes feed lists them.

    The feed compares this build's entry files with ``ctx.previous``'s. The
    manifest covers every file written before it, so a reader that polls it
    never sees a half-published build.
    """
    if ctx.config.members:
        from .members import write_gone

        write_gone(ctx, output, set(sink.listings.by_id))
    head = changes.write(output, ctx.config.base_url, ctx.previous)
    api.write_index(ctx, output, sink.listings, changes=head)
