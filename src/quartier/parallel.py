"""Run a function over a long list on every core, by forking.

Validating entries and writing business pages are independent per item, and
the machines Quartier runs on have a few cores. Forked workers inherit
everything already loaded (settings, taxonomy, templates), so only the
items' results travel back. Where the OS cannot fork, or the list is short,
the function simply runs here.

Example::

    pages = fork_map(lambda ids: [render(i) for i in ids], ids, minimum=400)
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_task: Callable[[Sequence[Any]], list[Any]] | None = None
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
    if small or len(items) < 2 or workers < 2 or "fork" not in mp.get_all_start_methods():
        return func(items)
    size = -(-len(items) // workers)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    _task = func
    try:
        with ProcessPoolExecutor(len(chunks) - 1, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_run, chunk) for chunk in chunks[1:]]
            results = func(chunks[0])
            for future in futures:
                results += future.result()
    finally:
        _task = None
    return results


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _task is not None, "workers are forked after the task is set"
    return _task(chunk)
