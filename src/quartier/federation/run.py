"""``quartier federate`` without the command line: every member in turn, and the members left.

Members are updated two at a time (each with :data:`~.update.PER_MEMBER`
downloads, :data:`~.update.TOTAL` at most in all) and reported in settings
order. A member removed from ``directory.yaml`` has its copy removed.
Besides each member's deadline (:data:`~.update.DEADLINE_S`), the whole run
has one (:data:`TOTAL_DEADLINE_S`, ``total_s``): a member whose turn comes
later gets only the time left, and none at all fails with fault ``timeout``
(its last good copy kept), so a scheduled run always ends.

Example::

    report = federate(root, ctx)                  # every member
    report = federate(root, ctx, only="thun")     # just one
    [o.status for o in report.outcomes]           # ["updated", "failed", ...]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..checks import Context
from ..config import Member
from ..explain import did_you_mean
from ..messages import message
from ..problems import QuartierError
from . import mirror
from .update import DEADLINE_S, PER_MEMBER, TOTAL, Outcome, iso, update_member

TOTAL_DEADLINE_S = 1800.0  # for a whole run, every member included


@dataclass(frozen=True)
class Report:
    """Every member's outcome in settings order, and the copies removed."""

    at: str
    outcomes: list[Outcome]
    removed: list[str]


def federate(
    root: Path,
    ctx: Context,
    only: str | None = None,
    now: datetime | None = None,
    deadline_s: float = DEADLINE_S,
    progress: Callable[[str], None] | None = None,
    total_s: float = TOTAL_DEADLINE_S,
) -> Report:
    """Update the copy of every member (or ``only`` one) of the directory at ``root``."""
    now = now or datetime.now(UTC)
    members = list(ctx.config.members)
    if only is not None:
        ids = [m.id for m in members]
        if only not in ids:
            guess = did_you_mean(only, ids)
            raise QuartierError(
                message("federate.no_member", member=only, members=", ".join(ids) or "-")
                + (f" ({guess})" if guess else "")
            )
        members = [m for m in members if m.id == only]
    listed = {m.id for m in ctx.config.members}
    removed = [m for m in mirror.on_disk(root) if m not in listed]
    for gone in removed:
        mirror.remove(root, gone)
    end = time.monotonic() + total_s

    def one(member: Member) -> Outcome:
        left = min(deadline_s, end - time.monotonic())
        return update_member(root, member, ctx, now, left, progress)

    with ThreadPoolExecutor(max_workers=max(1, TOTAL // PER_MEMBER)) as pool:
        outcomes = list(pool.map(one, members))
    return Report(iso(now), outcomes, removed)
