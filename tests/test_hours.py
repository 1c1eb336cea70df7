"""Weekly hours are claimed only where the OSM string really is weekly."""

from __future__ import annotations

import pytest

from quartier.hours import weekly
from quartier.publish.jsonld import _hours_spec


def test_a_plain_week() -> None:
    week = weekly("Mo-Fr 08:30-12:00,13:30-18:30; Sa 09:00-16:00; PH off")
    assert week is not None
    assert week["Mo"] == [("08:30", "12:00"), ("13:30", "18:30")]
    assert week["Sa"] == [("09:00", "16:00")] and week["Su"] == []


def test_hours_past_midnight_land_on_the_next_day() -> None:
    week = weekly("Su 22:00-02:00")
    assert week == {
        "Mo": [("00:00", "02:00")],
        "Tu": [],
        "We": [],
        "Th": [],
        "Fr": [],
        "Sa": [],
        "Su": [("22:00", "24:00")],
    }


@pytest.mark.parametrize(
    "text",
    ["Apr-Oct Tu-Su 11:00-22:00", 'Mo-Fr 08:00-12:00 || "on call"', "week 1-26 Mo 10:00-12:00"],
)
def test_seasonal_or_fallback_hours_are_not_weekly(text: str) -> None:
    assert weekly(text) is None
    assert _hours_spec(text) == []  # no openingHoursSpecification is claimed
