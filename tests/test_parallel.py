"""The fork helpers give the results of a plain loop, in order."""

from __future__ import annotations

import gc

import pytest

from quartier import parallel


def double(chunk: list[int]) -> list[int]:
    return [x * 2 for x in chunk]


@pytest.mark.parametrize("force", [False, True])
def test_fork_imap_yields_every_chunk_in_order(
    force: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "FORCE", force)
    items = list(range(1000))
    chunks = list(parallel.fork_imap(double, items, chunk_size=7, minimum=10**6))
    assert [x for chunk in chunks for x in chunk] == double(items)
    assert len(chunks) == (143 if force else 1)


def test_fork_map_keeps_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "FORCE", True)
    assert parallel.fork_map(double, list(range(999)), minimum=10**6) == double(list(range(999)))


def test_long_lived_restores_the_collector() -> None:
    assert gc.isenabled()
    with parallel.long_lived(freeze=True):
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_long_lived_keeps_a_callers_frozen_objects_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with parallel.long_lived(freeze=True):
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
