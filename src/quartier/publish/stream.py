"""Validate and publish a directory in one pass, never holding every entry.

``quartier build`` without the HTML site runs this. Forked workers read,
validate and check each file and, for a valid business, compute everything
it contributes to the build (:func:`~quartier.publish.entry.publish_entry`)
while the file is still in hand; this process writes the results into the
new output as they arrive and keeps only each file's problems and
cross-entry keys, and each business's compact listing. The cross-entry
checks run at the end: if anything is wrong, the new output is discarded
and nothing is published; the problems reported are those ``quartier
validate`` reports, even when writing failed meanwhile (a full disk).

Compared with reading the directory and then publishing it, no validated
model travels between processes or stays in memory, and files are written
while workers still validate (measured in ``benchmarks/bench_build.py``).

It is the one-pass way through the stages of
:mod:`quartier.publish.pipeline`, which decides when to take it.

Example::

    directory, result = build_tree(Path("."), Path("_site"))
    if result is None:
        report(directory.problems)      # nothing was published
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..checks import Context, Keys, check_tree
from ..directory import (
    PARALLEL_MIN,
    Directory,
    entry_paths,
    read_entry,
    relative_path,
    stem_of,
)
from ..parallel import fork_imap, long_lived
from ..problems import Problem
from . import BuildResult, Progress, finish
from .changes import Base
from .context import BuildContext
from .entry import Published, publish_entry
from .sink import Sink, collect
from .writer import Output

# One file's outcome from a worker: its problems, keys, and what it publishes if valid.
Outcome = tuple[list[Problem], Keys | None, Published | None]


class _Invalid(Exception):
    """The directory has errors: leave the output as it was."""


def build_tree(
    root: Path,
    out: Path,
    commit: str | None = None,
    progress: Progress | None = None,
    feed_page_size: int = 500,
    today: date | None = None,
) -> tuple[Directory, BuildResult | None]:
    """Validate ``root`` and publish its machine outputs into ``out`` if it is valid.

    The build's stages as :func:`quartier.publish.pipeline.build` runs them
    without the site: in one pass here when the directory has no members.
    ``progress``, given the number of files, returns a function to call once
    per file read (a progress bar) or None. Returns the directory's problems
    (as :func:`~quartier.directory.read_directory` finds them, without the
    entries; ``paths`` maps file names, the ids of valid entries, to files)
    and the build's result, or ``None`` when errors kept anything from
    being published.
    """
    from .pipeline import build

    return build(
        root, out, commit=commit, progress=progress, feed_page_size=feed_page_size, today=today
    )


def publish_in_one_pass(
    directory: Directory,
    check: Context,
    out: Path,
    commit: str | None = None,
    progress: Progress | None = None,
    feed_page_size: int = 500,
    previous: Base | None = None,
) -> BuildResult | None:
    """Stages 2, 4 and 5 of a build in one pass over the local files of ``directory``.

    ``directory`` comes from the settings stage
    (:func:`~quartier.directory.open_directory`); its problems grow here.
    Returns None, and leaves ``out`` as it was, when there are errors.
    """
    root = directory.root
    # Id order is file-name order: a valid entry's id is its file name.
    named = sorted((stem_of(path), path) for path in entry_paths(root))
    files = [path for _, path in named]
    for stem, path in named:
        directory.paths.setdefault(stem, relative_path(path, root))
    ctx = BuildContext(directory, commit=commit, feed_page_size=feed_page_size, previous=previous)
    tick = progress(len(files)) if progress else None
    ctx.site  # noqa: B018 - computed once, before forking

    def work(chunk: Sequence[str]) -> list[Outcome]:
        return [_outcome(path, root, check, ctx) for path in chunk]

    result = None
    try:
        with long_lived(freeze=True), Output(out) as output:
            with collect(ctx, output) as sink:
                run = _Pass(directory, sink, failed=any(p.is_error for p in directory.problems))
                for chunk in fork_imap(work, files, minimum=PARALLEL_MIN):
                    for outcome in chunk:
                        run.take(outcome)
                        if tick:
                            tick()
                directory.problems += check_tree(run.keys)
                if directory.errors:
                    raise _Invalid
                if run.unwritable is not None:
                    raise run.unwritable
            finish(ctx, output, sink)
        result = BuildResult(out, dict(output.files), sink.notes, len(sink))
    except _Invalid:
        pass
    directory.problems.sort(key=Problem.sort_key)
    return result


@dataclass
class _Pass:
    """What one validate-and-publish pass has seen so far."""

    directory: Directory
    sink: Sink
    failed: bool
    keys: list[Keys] = field(default_factory=list)
    unwritable: OSError | None = None

    def take(self, outcome: Outcome) -> None:
        """Record one file's problems and keys; publish it while everything is valid."""
        file_problems, keys, published = outcome
        self.directory.problems += file_problems
        self.directory.checked_files += 1
        self.failed = self.failed or any(p.is_error for p in file_problems)
        if keys is not None:
            self.keys.append(keys)
        if published is None or self.failed or self.unwritable is not None:
            return
        if not self.sink.in_order(published):
            # Files come in id order, so this is a repeated id (two files of one
            # name): the cross-entry checks report it.
            self.failed = True
            return
        try:
            self.sink.add(published)
        except OSError as exc:
            # A full disk stops the writing, not the reading: errors in the
            # entries are still reported first, as by validate.
            self.unwritable = exc


def _outcome(path: str, root: Path, check: Context, ctx: BuildContext) -> Outcome:
    rel = relative_path(path, root)
    entry, problems, keys = read_entry(path, rel, check)
    valid = entry is not None and not any(p.is_error for p in problems)
    return problems, keys, publish_entry(ctx, entry) if valid and entry else None
