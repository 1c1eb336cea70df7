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

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..directory import Directory
from . import api, data, feed, llms, openapi, sitemap
from .context import BuildContext
from .writer import Output

# Hooks that add more files to the same output, e.g. the HTML site.
Extra = Callable[[BuildContext, Output], None]


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
    ``extras`` run after the machine outputs and before the manifest.
    """
    if directory.errors:
        raise ValueError("refusing to publish a directory with errors; validate it first")
    ctx = BuildContext(directory, commit=commit, feed_page_size=feed_page_size)
    with Output(out) as output:
        api.write_entries(ctx, output, tick)
        api.write_lists(ctx, output)
        feed.write(ctx, output)
        notes = data.write(ctx, output)
        llms.write(ctx, output)
        sitemap.write(ctx, output)
        openapi.write(ctx, output)
        for extra in extras:
            extra(ctx, output)
        api.write_index(ctx, output)
    return BuildResult(out, dict(output.files), notes)
