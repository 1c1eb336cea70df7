"""The compact rows the whole-directory lists are made from.

A build keeps one :class:`Listing` per business (a few hundred bytes), not
the validated models: the category and place lists, the sitemap,
``llms.txt`` and the manifest need only these fields.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from .context import group_by_category, group_by_place


@dataclass(slots=True)
class Listing:
    """What the lists, sitemap, ``llms.txt`` and manifest need of one business."""

    id: str
    status: str
    last_verified: str  # ISO day
    categories: tuple[str, ...]  # primary first, no repeats
    locality: str
    lat: float
    lon: float
    summary: bytes  # the list item as JSON (see entry.summary_of)


@dataclass
class Listings:
    """Every business's :class:`Listing`, in id order, with their groupings."""

    rows: list[Listing] = field(default_factory=list)

    @cached_property
    def by_id(self) -> dict[str, Listing]:
        return {row.id: row for row in self.rows}

    @cached_property
    def by_category(self) -> dict[str, list[str]]:
        """Category id -> entry ids, as :attr:`BuildContext.by_category`."""
        return group_by_category((row.id, row.categories) for row in self.rows)

    @cached_property
    def by_place(self) -> dict[str, tuple[str, list[str]]]:
        """Place slug -> (locality name, entry ids), as :attr:`BuildContext.by_place`."""
        return group_by_place((row.id, row.locality) for row in self.rows)

    @cached_property
    def status(self) -> Counter[str]:
        return Counter(row.status for row in self.rows)
