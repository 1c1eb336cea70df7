"""Validate and publish a directory in one pass, never holding every entry.

``quartier build`` without the HTML site runs this. Forked workers read,
validate and check each file and, for a valid business, compute everything
it contributes to the build (:func:`~quartier.publish.entry.publish_entry`)
while the file is still in hand; this process writes the results into the
new output as they arrive and keeps only each file's problems and
cross-entry keys, and each business's compact listing. The cross-entry
checks run at the end: if anything is wrong, the new output is discarded
and nothing is published, exactly as if validation had run first.

Compared with reading the directory and then publishing it, no validated
model travels between processes or stays in memory, and files are written
while workers still validate (measured in ``benchmarks/bench_build.py``).

Example::

    directory, result = build_tree(Path("."), Path("_site"))
    if result is None:
        report(directory.problems)      # nothing was published
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from ..checks import Context, Keys, check_tree
from ..directory import (
    PARALLEL_MIN,
    Directory,
    _rel,
    entry_paths,
    load_context,
    read_entry,
    stem_of,
)
from ..parallel import fork_imap, long_lived
from ..problems import Problem
from . import BuildResult, api
from .context import BuildContext
from .entry import Published, publish_entry
from .sink import collect
from .writer import Output

# One file's outcome from a worker: its problems, keys, and what it publishes if valid.
Outcome = tuple[list[Problem], Keys | None, Published | None]


class _Invalid(Exception):
    """The directory has errors: leave the output as it was."""


def build_tree(
    root: Path,
    out: Path,
    commit: str | None = None,
    progress: Callable[[int], Callable[[], None] | None] | None = None,
    feed_page_size: int = 500,
    today: date | None = None,
) -> tuple[Directory, BuildResult | None]:
    """Validate ``root`` and publish its machine outputs into ``out`` if it is valid.

    ``progress``, given the number of files, returns a function to call once
    per file read (a progress bar) or None. Returns the directory's problems
    (as :func:`~quartier.directory.read_directory` finds them, without the
    entries) and the build's result, or ``None`` when errors kept anything
    from being published.
    """
    root = root.resolve()
    check, problems = load_context(root, today)
    directory = Directory(
        root, check.config if check else None, check.taxonomy if check else None, problems=problems
    )
    if check is None:
        return directory, None
    # Id order is file-name order: a valid entry's id is its file name.
    files = sorted(entry_paths(root), key=lambda p: (stem_of(p), p))
    for path in files:
        directory.paths.setdefault(stem_of(path), _rel(path, root))
    ctx = BuildContext(directory, commit=commit, feed_page_size=feed_page_size)
    tick = progress(len(files)) if progress else None
    ctx.site  # noqa: B018 - computed once, before forking
    keys: list[Keys] = []

    def work(chunk: Sequence[str]) -> list[Outcome]:
        return [_outcome(path, root, check, ctx) for path in chunk]

    result, failed = None, any(p.is_error for p in problems)
    try:
        with long_lived(freeze=True), Output(out) as output:
            with collect(ctx, output) as sink:
                for chunk in fork_imap(work, files, minimum=PARALLEL_MIN):
                    for file_problems, k, published in chunk:
                        directory.problems += file_problems
                        directory.checked_files += 1
                        failed = failed or any(p.is_error for p in file_problems)
                        if k is not None:
                            keys.append(k)
                        if published is not None and not failed:
                            sink.add(published)
                        if tick:
                            tick()
                directory.problems += check_tree(keys)
                if directory.errors:
                    raise _Invalid
            api.write_index(ctx, output, sink.listings)
        result = BuildResult(out, dict(output.files), sink.notes, len(sink))
    except _Invalid:
        pass
    directory.problems.sort(key=Problem.sort_key)
    return directory, result


def _outcome(path: str, root: Path, check: Context, ctx: BuildContext) -> Outcome:
    rel = _rel(path, root)
    entry, problems, keys = read_entry(path, rel, check)
    valid = entry is not None and not any(p.is_error for p in problems)
    return problems, keys, publish_entry(ctx, entry) if valid and entry else None
