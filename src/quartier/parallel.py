"""Run a function over a long list on every core, by forking.

Validating entries and writing business pages are independent per item, and
the machines Quartier runs on have a few cores. Forked workers inherit
everything already loaded (settings, taxonomy, templates), so only the
items' results travel back. Where the OS cannot fork, or the list is short,
the function simply runs here.

Example::

    pages = fork_map(lambda ids: [render(i) for i in ids], ids, minimum=400)

:func:`fork_imap` is for work whose results are written to disk: the workers
compute and this process alone writes, because on ext4 two processes that
create files in one folder wait on each other (measured here: 100,000 files
took 43 s from two processes against 12.5 s from one).
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

_task: Callable[[Sequence[Any]], list[Any]] | None = None
# Chunks submitted ahead per worker by fork_imap.
AHEAD = 4
# Tests set this to run the workers on the few sample entries.
FORCE = False


def fork_map(
    func: Callable[[Sequence[T]], list[R]], items: Sequence[T], minimum: int = 400
) -> list[R]:
    """``func`` over contiguous chunks of ``items``, results in the items' order.

    This process takes the first chunk itself; forked workers take the rest.
    """
    global _task
    workers = min(os.cpu_count() or 1, 8)
    small = len(items) < minimum and not FORCE
    if small or len(items) < 2 or workers < 2 or not _can_fork():
        return func(items)
    size = -(-len(items) // workers)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    _task = func
    try:
        with _pool(len(chunks) - 1) as pool:
            futures = [pool.submit(_run, chunk) for chunk in chunks[1:]]
            results = func(chunks[0])
            for future in futures:
                results += future.result()
    finally:
        _task = None
    return results


def fork_imap(
    func: Callable[[Sequence[T]], list[R]],
    items: Sequence[T] | Iterator[T],
    chunk_size: int = 250,
    minimum: int = 400,
) -> Iterator[list[R]]:
    """``func`` over consecutive chunks of ``items``, yielded in order as they are ready.

    Forked workers (one per core) compute every chunk while the caller
    consumes the results, typically writing them to disk. ``items`` may be
    an iterator (of unknown length, taken as long), read a few chunks ahead
    of the results: a stream too large to hold, such as an aggregate's
    members' records.
    """
    global _task
    workers = min(os.cpu_count() or 1, 8)
    if isinstance(items, Iterator):
        chunks: Iterator[Sequence[T]] = iter(lambda: list(islice(items, chunk_size)), [])
        if workers < 2 or not _can_fork():
            yield from (func(chunk) for chunk in chunks)
            return
    else:
        small = len(items) < minimum and not FORCE
        if small or workers < 2 or not _can_fork():
            yield func(items)
            return
        chunks = iter(items[i : i + chunk_size] for i in range(0, len(items), chunk_size))
    _task = func
    try:
        with _pool(workers) as pool:
            # A few chunks ahead per worker: enough to keep them busy, while a slow
            # consumer never holds more than a few chunks' results in memory.
            ahead = deque(pool.submit(_run, c) for c in islice(chunks, AHEAD * workers))
            try:
                while ahead:
                    result = ahead.popleft().result()
                    ahead.extend(pool.submit(_run, c) for c in islice(chunks, 1))
                    yield result
            finally:
                for future in ahead:
                    future.cancel()
    finally:
        _task = None


def _can_fork() -> bool:
    import multiprocessing  # here: a one-file pre-commit run never needs it (20 ms)

    return "fork" in multiprocessing.get_all_start_methods()


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _task is not None, "workers are forked after the task is set"
    return _task(chunk)


@contextmanager
def long_lived(freeze: bool = False) -> Iterator[None]:
    """Make many objects that live until the end with the cycle collector paused.

    Python's collector re-scans every surviving object each time their number
    grows by a quarter: reading 100,000 entries took 86 s with it and 43 s
    without. Reference counting still frees almost everything a build
    discards; the few cycles (MkDocs' page objects) wait for the collector
    until the block ends. With ``freeze`` the objects that exist are also left
    out of collections, which saves forked workers from copying every page
    the collector would touch.
    """
    was_enabled = gc.isenabled()
    # A caller that froze its own objects keeps them frozen.
    freeze = freeze and gc.get_freeze_count() == 0
    gc.disable()
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()
        if was_enabled:
            gc.enable()
