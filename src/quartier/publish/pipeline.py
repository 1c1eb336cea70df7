"""One build, stage by stage: the only place that says what a build does, in order.

::

    1. settings            directory.yaml and the taxonomy       (directory.open_directory)
    2. local entries       entries/**/*.yaml, in forked workers  (directory.read_local)
    3. mirrored members    the copies `quartier federate` keeps  (publish.members.read_members)
    4. checks across all   ids, the same business twice, moves   (check_across)
    5. publish             machine outputs, then the changes feed, then the manifest last
    6. site                the HTML pages (optional), published with the businesses

``quartier build`` calls :func:`build`; ``quartier serve`` and a plain
``mkdocs build`` run the MkDocs plugin, which calls :func:`read` for
stages 1-4 and :func:`publish` for stage 5. Two ways go through the same
stages:

- *one pass* (no members, no site): workers read, validate and publish each
  local file while it is in hand, and the checks across all run at the end
  (:mod:`.stream`); no entry is held, so 100,000 fit in little memory;
- *two passes* (members, no site): stages 2-4 keep only keys and
  provenance, then stage 5 streams local files and members' records, merged
  in id order, into the outputs (:mod:`.aggregate`); still no entry is held;
- *read, then publish* (the site, whose pages need every entry): stages 1-4
  keep the valid entries, local and federated, in one
  :class:`~quartier.directory.Directory`, then stage 5 publishes them in id
  order, federated businesses among local ones.

Invalid local data publishes nothing; a member's invalid record or a
business listed twice is a warning naming the member and the record.

Example::

    directory, result = build(Path("."), Path("_site"), site=True)
    if result is None:
        report(directory.problems)      # nothing was published
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..checks import Context, Keys, check_tree
from ..directory import Directory, entry_paths, open_directory, read_local
from ..model import Entry
from ..problems import Problem
from . import BuildResult, Extra, Progress
from . import build as publish_read
from .changes import Base
from .members import Federated, merge_duplicates, read_members


def build(
    root: Path,
    out: Path,
    *,
    commit: str | None = None,
    site: bool = False,
    progress: Progress | None = None,
    feed_page_size: int = 500,
    today: date | None = None,
    previous: Base | None = None,
) -> tuple[Directory, BuildResult | None]:
    """Every stage into ``out``: the directory's problems, and the result or None.

    None means errors kept anything from being published (``out`` is left
    as it was). ``site`` adds the HTML pages (``quartier[site]``).
    ``previous`` is the previous build's changes feed, which this one
    continues (:func:`~quartier.publish.previous.open_previous`).
    """
    ctx, directory = open_directory(root, today)  # 1. settings
    if ctx is None:
        return directory, None
    if not site and not _members(ctx):
        from .stream import publish_in_one_pass  # 2, 4, 5 in one pass

        result = publish_in_one_pass(
            directory, ctx, out, commit, progress, feed_page_size, previous
        )
        return directory, result
    if not site:
        from .aggregate import publish_in_two_passes  # 2-4, then 5, streaming

        result = publish_in_two_passes(
            directory, ctx, out, commit, progress, feed_page_size, previous
        )
        return directory, result
    _read_stages(directory, ctx)  # 2, 3, 4, every entry kept for the pages
    if directory.errors:
        return directory, None
    tick = progress(len(directory.entries)) if progress else None
    from ..site import build_site  # 6. the site, its pages published with the businesses

    extras: tuple[Extra, ...] = (functools.partial(build_site, tick=tick),)
    result = publish(directory, out, commit, extras, tick, feed_page_size, previous)  # 5.
    return directory, result


def read(root: Path, today: date | None = None, keep_entries: bool = True) -> Directory:
    """Stages 1-4: the directory with its valid entries (local and federated) and problems.

    ``keep_entries=False`` (``quartier validate``) keeps only the problems.
    """
    ctx, directory = open_directory(root, today)
    if ctx is not None:
        _read_stages(directory, ctx, keep_entries)
    return directory


def publish(
    directory: Directory,
    out: Path,
    commit: str | None = None,
    extras: tuple[Extra, ...] = (),
    tick: Callable[[], None] | None = None,
    feed_page_size: int = 500,
    previous: Base | None = None,
) -> BuildResult:
    """Stage 5 for a directory read by :func:`read`: machine outputs, changes, manifest."""
    return publish_read(
        directory,
        out,
        commit=commit,
        tick=tick,
        extras=extras,
        feed_page_size=feed_page_size,
        previous=previous,
    )


def _read_stages(directory: Directory, ctx: Context, keep_entries: bool = True) -> None:
    keys = read_local(
        directory, ctx, entry_paths(directory.root, _members(ctx)), keep_entries
    )  # 2.
    federated = read_members(directory, ctx, keep_entries) if _members(ctx) else Federated()  # 3.
    check_across(directory, keys, federated, keep_entries)  # 4.


def check_across(
    directory: Directory,
    keys: list[Keys],
    federated: Federated,
    keep_entries: bool = True,
    local_entry: Callable[[str], Entry | None] | None = None,
) -> None:
    """Stage 4: the local cross-entry checks, then the same business across local and members.

    Local problems are those ``quartier validate`` reports without members;
    federated duplicates are merged into one record each (see
    :func:`~quartier.publish.members.merge_duplicates`), with a warning.
    """
    directory.problems += check_tree(keys)
    if federated.records:
        merge_duplicates(directory, keys, federated, keep_entries, local_entry)
    directory.problems.sort(key=Problem.sort_key)


def _members(ctx: Context) -> bool:
    return bool(ctx.config.members)
