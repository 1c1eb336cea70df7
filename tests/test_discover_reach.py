"""A trade that travels to its customers is reachable wherever it says it works.

An entry's ``location.service_area`` (a radius, localities served) becomes its
reach in the index (the radius, widened to the farthest edge of every named
locality the index knows). A search near a place lists it when the place is
within its reach, even beyond the radius of the search, and says it comes to
the customer; a business that does not travel is still cut at the radius.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from quartier.discover import Index, SearchQuery, bitset, open_index, search
from quartier.discover.build import TOWN_KM
from quartier.discover.places import distance_km

from .conftest import SAMPLE

TUESDAY_NOON = datetime(2026, 11, 24, 12, 0)
JOINERY = SAMPLE / "entries/us/santa-cruz/redwood-bench-joinery.yaml"
SERVICE = """  service_area:
    radius_km: 40
    localities: [Santa Cruz, Capitola, Soquel, Aptos, Scotts Valley, Felton]
"""
WATSONVILLE = (36.9101, -121.7569)  # about 27 km east of the joinery's workshop


def _joinery(eid: str, name: str, service: str) -> str:
    """The sample's travelling joinery under another id and name, with ``service`` as its
    service area ('' for none: customers come to the workshop)."""
    text = JOINERY.read_text("utf-8")
    assert SERVICE in text
    text = text.replace(SERVICE, service).replace("redwood-bench-joinery", eid)
    return text.replace("Redwood Bench Joinery", name)


def _farm_in_watsonville() -> str:
    """A business in Watsonville, so that the index knows the town as a place."""
    text = _joinery("watsonville-farm", "Watsonville Farm", "")
    text = re.sub(
        r"geo: \{lat: [-\d.]+, lon: [-\d.]+\}", "geo: {lat: 36.9101, lon: -121.7569}", text
    )
    text = text.replace("locality: Santa Cruz", "locality: Watsonville")
    text = text.replace('postal_code: "95060"', 'postal_code: "95076"')
    return text.replace("category: furniture_maker", "category: farm_shop")


@pytest.fixture
def joiners(make_root: Callable[[dict[str, bytes | str]], Path]) -> Index:
    return open_index(
        make_root(
            {
                # Travels to the towns it names (Watsonville is one), no radius given.
                "entries/a.yaml": _joinery(
                    "town-joinery",
                    "Town Joinery",
                    "  service_area:\n    localities: [Watsonville]\n",
                ),
                # Travels 40 km around its workshop.
                "entries/b.yaml": _joinery(
                    "radius-joinery", "Radius Joinery", "  service_area:\n    radius_km: 40\n"
                ),
                # Customers come to its workshop.
                "entries/c.yaml": _joinery("shop-joinery", "Shop Joinery", ""),
                # Travels 5 km: not as far as Watsonville.
                "entries/d.yaml": _joinery(
                    "near-joinery", "Near Joinery", "  service_area:\n    radius_km: 5\n"
                ),
                "entries/e.yaml": _farm_in_watsonville(),
            }
        )
    )


def test_the_index_keeps_how_far_each_business_travels(joiners: Index) -> None:
    reach = {joiners.ids[d]: joiners.reach[d] for d in range(joiners.n)}
    workshop = (36.9585, -122.053)
    far = distance_km(*workshop, *WATSONVILLE)
    assert 20 < far < 35
    # (Its address is hidden: its published point is rounded to about 1 km.)
    assert reach["town-joinery"] == pytest.approx(far + TOWN_KM, abs=1.0)
    assert reach["radius-joinery"] == 40
    assert reach["near-joinery"] == 5
    assert reach["shop-joinery"] == 0 and reach["watsonville-farm"] == 0
    travelling = {joiners.ids[d] for d in bitset.docs_of(joiners.travellers, joiners.nbytes)}
    assert travelling == {"town-joinery", "radius-joinery", "near-joinery"}


def test_a_locality_the_index_does_not_know_adds_no_reach(
    make_root: Callable[[dict[str, bytes | str]], Path],
) -> None:
    index = open_index(
        make_root(
            {
                "entries/a.yaml": _joinery(
                    "town-joinery", "Town Joinery", "  service_area:\n    localities: [Atlantis]\n"
                )
            }
        )
    )
    assert index.reach[0] == 0
    assert index.travellers == 0


@pytest.mark.parametrize("rings", [False, True], ids=["few", "ring by ring"])
def test_search_near_a_town_lists_the_trades_that_come_there(
    joiners: Index, rings: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if rings:  # as a large directory is read: nearest cells first, then those that travel
        # (quartier.discover.search is also the function's name: the module by its path.)
        module = sys.modules["quartier.discover.search"]
        monkeypatch.setattr(module, "RING_MIN_DOCS", 1)
        monkeypatch.setattr(module, "RING_DOCS", 1)  # a ring a cell
    # (The farm's text is a copy of the joinery's: the category keeps it out.)
    asked = SearchQuery("joinery", near="Watsonville", category="furniture_maker", now=TUESDAY_NOON)
    found = search(joiners, asked)
    listed = [r.id for r in found.results]
    # Both travel that far; the one whose workshop customers must visit, 27 km away, and
    # the one that travels 5 km, are beyond the search's radius.
    assert set(listed) == {"town-joinery", "radius-joinery"}, (listed, found.notes)
    for r in found.results:
        assert r.distance_km is not None and r.distance_km > 20  # the true distance, said
        assert "comes to you" in r.why, r.why
    assert found.radius_km is not None and found.radius_km < 20


def test_an_empty_list_names_the_nearest_fitting_business_a_drive_away(
    make_root: Callable[[dict[str, bytes | str]], Path],
) -> None:
    index = open_index(
        make_root(
            {
                "entries/c.yaml": _joinery("shop-joinery", "Shop Joinery", ""),
                "entries/e.yaml": _farm_in_watsonville(),
            }
        )
    )
    asked = SearchQuery("joinery", near="Watsonville", category="furniture_maker", now=TUESDAY_NOON)
    found = search(index, asked)
    assert found.results == []
    assert any(
        re.fullmatch(
            r"nearest fitting beyond \d+ km: Shop Joinery \(shop-joinery\), 2\d km away"
            r" in Santa Cruz",
            n,
        )
        for n in found.notes
    ), found.notes
    # 9,000 km away is no drive: no such note.
    bern = SearchQuery("joinery", lat=46.95, lon=7.44, category="furniture_maker", now=TUESDAY_NOON)
    assert not any(n.startswith("nearest") for n in search(index, bern).notes)
    # A radius given is the asker's own limit: no note beyond it either.
    given = search(index, replace(asked, radius_km=5))
    assert given.results == []
    assert not any(n.startswith("nearest") for n in given.notes)
