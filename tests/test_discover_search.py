"""Short lists: matching across languages, places, hours, fairness, reasons, and mistakes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quartier.cli import main
from quartier.discover import Index, SearchQuery, open_index, search
from quartier.discover.hours import parse_when
from quartier.discover.text import edits1, fold, stem, terms
from quartier.problems import QuartierError

from .conftest import SAMPLE, sample_repo

TUESDAY_NOON = datetime(2026, 11, 24, 12, 0)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return open_index(sample_repo(tmp_path_factory.mktemp("repo") / "repo"))


def ids(index: Index, text: str = "", **options: object) -> list[str]:
    options.setdefault("now", TUESDAY_NOON)
    return [r.id for r in search(index, SearchQuery(text, **options)).results]  # type: ignore[arg-type]


def test_text_folding_and_stemming() -> None:
    assert fold("Vélo Bäckerei Straße") == "velo backerei strasse"
    assert terms("Réparation de vélos à la Lorraine") == ["reparation", "velo", "lorrain"]
    assert stem("bakeries") == "bakery" and stem("glasses") == stem("glass") == "glass"
    assert stem("bikes") == stem("bike") and stem("soldering") == "solder"
    assert "bicycl" in edits1("bicyl")


@pytest.mark.parametrize("word", ["Velo", "vélo", "VELO", "bike", "Fahrrad", "bicicleta"])
def test_one_bicycle_workshop_in_every_language(index: Index, word: str) -> None:
    assert ids(index, word)[0] == "velowerk-lorraine"


def test_a_misspelling_is_corrected_and_said(index: Index) -> None:
    found = search(index, SearchQuery("bicyle", now=TUESDAY_NOON))
    assert found.results[0].id == "velowerk-lorraine"
    assert "read 'bicyle' as 'bicycle'" in found.notes


def test_unknown_words_are_said_not_guessed(index: Index) -> None:
    found = search(index, SearchQuery("zyxwvut", now=TUESDAY_NOON))
    assert found.results == []
    assert "no business mentions 'zyxwvut'" in found.notes


def test_permanently_closed_never_temporarily_closed_when_asked(index: Index) -> None:
    found_ids = ids(index, "Tidepool Records", include_temporarily_closed=True)
    assert found_ids[0] == "tidepool-records-soquel" and "tidepool-records" not in found_ids
    assert "chaesegge-altstadt" not in ids(index, "cheese")
    found = search(
        index, SearchQuery("cheese", include_temporarily_closed=True, now=TUESDAY_NOON)
    ).results
    assert found[0].id == "chaesegge-altstadt" and found[0].status == "temporarily_closed"
    assert "temporarily closed" in found[0].why


def test_open_at_uses_hours_timezone_and_public_holidays(index: Index) -> None:
    assert ids(index, "Velo", open_at="2026-12-23T10:00") == ["velowerk-lorraine"]  # Wednesday
    assert ids(index, "Velo", open_at="2026-12-25T10:00") == []  # Christmas Day: PH off
    assert ids(index, "bakery", open_at="sunday 10:00") == ["seabright-hearth-cafe"]
    result = search(index, SearchQuery("Velo", open_at="sat 10h", now=TUESDAY_NOON)).results[0]
    assert (result.hours.state, result.hours.until) == ("open", "2026-11-28T16:00")
    assert result.hours.text == "open at Saturday 10:00 until 16:00"


def test_open_now_is_local_time_at_each_business(index: Index) -> None:
    # 17:00 UTC is 18:00 in Bern (a Tuesday) and 09:00 in Santa Cruz.
    now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert "seabright-hearth-cafe" in ids(index, "cafe", open_now=True, now=now)
    assert "kafi-zwischenhalt" in ids(index, "cafe", open_now=True, now=now)
    late = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # 20:30 in Bern, 11:30 in Santa Cruz
    later = ids(index, "cafe", open_now=True, now=late)
    assert later[0] == "seabright-hearth-cafe" and "kafi-zwischenhalt" not in later


def test_parse_when_forms() -> None:
    now = datetime(2026, 11, 24, 9, 0)  # Tuesday
    assert parse_when("saturday 10:00", now).moment == datetime(2026, 11, 28, 10, 0)
    assert parse_when("Samstag 10 Uhr", now).moment == datetime(2026, 11, 28, 10, 0)
    assert parse_when("tomorrow 3pm", now).moment == datetime(2026, 11, 25, 15, 0)
    assert parse_when("tuesday 8:00", now).moment == datetime(2026, 11, 24, 8, 0)
    with pytest.raises(QuartierError, match="saturday 10:00"):
        parse_when("someday soon", now)
    with pytest.raises(QuartierError, match="0-23"):
        parse_when("sa 25:00", now)


def test_near_a_place_orders_by_distance_and_radius_filters(index: Index) -> None:
    found = search(index, SearchQuery("coffee", near="95062", now=TUESDAY_NOON))
    assert found.place is not None and found.place.kind == "postal_code"
    assert found.results[0].id == "seabright-hearth-cafe"
    assert all(r.distance_km is not None for r in found.results)
    within = ids(index, "", near="Lorraine", radius_km=0.3)
    assert set(within) == {"velowerk-lorraine", "erdwerk-keramik"}
    assert len(ids(index, "", near="Lorraine", radius_km=0.5)) == 3  # and Holzofebeck, 0.4 km
    assert ids(index, "", lat=46.9591, lon=7.4452, radius_km=0.05) == ["velowerk-lorraine"]
    assert ids(index, "", near="46.9591, 7.4452", radius_km=0.05) == ["velowerk-lorraine"]
    assert ids(index, "", near="kafi-zwischenhalt", radius_km=0.3) == [
        "kafi-zwischenhalt",
        "wildwuchs-blumen",
    ]


def test_filters_language_wheelchair_category(index: Index) -> None:
    found = search(index, SearchQuery("repair", language="es", now=TUESDAY_NOON)).results
    assert found and all("es" in r.languages for r in found)
    assert all(r.summary_language == "es" for r in found)
    assert "erdwerk-keramik" not in ids(index, "ceramics", wheelchair=True)
    assert set(ids(index, "", category="food_drink", limit=20)) >= {
        "holzofebeck-breitsch",
        "kafi-zwischenhalt",
    }
    assert ids(index, "", category="Bäckerei", near="Breitenrain")[0] == "holzofebeck-breitsch"


def test_each_result_carries_its_reasons(index: Index) -> None:
    r = search(
        index, SearchQuery("Velo", near="Lorraine", open_at="saturday 10:00", now=TUESDAY_NOON)
    ).results[0]
    assert r.url.endswith("/businesses/velowerk-lorraine/")
    assert r.matched[0].field == "category" and r.matched[0].matched == "Bicycle repair"
    assert r.last_verified == "2026-10-01" and r.distance_km is not None and r.distance_km < 0.5
    assert r.why.startswith("Velowerk Lorraine: Velowerkstatt, 0.1 km away, open at Saturday")
    assert "verified 2026-10-01" in r.why


def test_hidden_addresses_stay_hidden(index: Index) -> None:
    r = search(index, SearchQuery("furniture", now=TUESDAY_NOON)).results[0]
    assert r.id == "redwood-bench-joinery" and "Walnut" not in r.address


def test_short_by_default_and_bounded(index: Index) -> None:
    assert len(ids(index, "", near="Bern")) == 5
    assert len(ids(index, "", near="Bern", limit=8)) == 8


def _clones(n: int) -> dict[str, str]:
    """``n`` bakeries that differ only in id, name and contact: equally good for any query."""
    src = (SAMPLE / "entries/ch/bern/holzofebeck-breitsch.yaml").read_text("utf-8")
    files = {}
    for i in range(n):
        text = src.replace("holzofebeck-breitsch", f"beck-{i}").replace(
            "Holzofebeck Breitsch", f"Beck Nummer {i}"
        )
        files[f"entries/beck-{i}.yaml"] = text
    return files


def test_ties_are_stable_per_query_and_not_alphabetical(make_root) -> None:
    index = open_index(make_root(_clones(8)))
    orders = {}
    for q in ("Brot", "bread", "Bäckerei", "pain", "sourdough", "Zopf"):
        first = ids(index, q, limit=8)
        assert first == ids(index, q, limit=8), q  # stable
        assert sorted(first) == sorted(f"beck-{i}" for i in range(8))
        orders[q] = first
    assert len({tuple(o) for o in orders.values()}) > 1  # varies by query
    assert any(o != sorted(o) for o in orders.values())  # not alphabetical


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"category": "bakry"}, "did you mean 'bakery'"),
        ({"near": "Lorane"}, "did you mean 'lorraine'"),
        ({"radius_km": 2.0}, "a radius needs a place"),
        ({"lat": 46.9}, "give both --lat and --lon"),
        ({"limit": 0}, "limit must be between 1 and 50"),
        ({"near": "95.1,7.4"}, "not a WGS84 point"),
        ({"open_now": True, "open_at": "sa 10:00"}, "either open-now or open-at"),
        ({"language": "d3"}, "not a language code"),
    ],
)
def test_mistakes_get_a_fix(index: Index, options: dict[str, object], message: str) -> None:
    with pytest.raises(QuartierError, match=message):
        search(index, SearchQuery("x", **options))  # type: ignore[arg-type]


def test_nothing_to_look_for_is_a_usage_error(index: Index) -> None:
    with pytest.raises(QuartierError, match="say what to look for"):
        search(index, SearchQuery(""))


def test_cli_text_and_json(capsys: pytest.CaptureFixture[str], index: Index) -> None:
    root = str(index.path.parents[1])
    code = main(
        ["search", "velo", "--near", "Lorraine", "--open-at", "2026-11-28T10:00", "--root", root]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[:5] == [
        "near Lorraine (quarter), within 3 km",
        "note: only 1 fitting business within 3 km of Lorraine",
        "1. Velowerk Lorraine  [Velowerkstatt]  0.1 km  velowerk-lorraine",
        "   Velowerkstatt im Lorrainequartier, repariert alle Velos und verkauft revidierte "
        "Occasionen.",
        "   open at 2026-11-28T10:00 until 16:00; verified 2026-10-01",
    ]
    assert main(["search", "Brot", "--format", "json", "--root", root]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["id"] == "holzofebeck-breitsch"
    assert data["categories"] == ["bakery"]
    assert main(["search", "x", "--category", "bakry", "--root", root]) == 2
    assert "did you mean 'bakery'" in capsys.readouterr().err


def test_cli_builds_the_index_once(make_root, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(_clones(2))
    assert main(["search", "Brot", "--root", str(root)]) == 0
    assert "building the search index" in capsys.readouterr().err
    assert main(["search", "Brot", "--root", str(root)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["search", "Brot", "--root", str(root), "--source", str(root)]) == 2


def test_no_results_says_what_to_try(index: Index, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(index.path.parents[1])
    assert main(["search", "Velo", "--open-at", "2026-12-25T10:00", "--root", root]) == 0
    assert "no business found" in capsys.readouterr().out


def test_the_index_file_round_trips(index: Index, tmp_path: Path) -> None:
    from quartier.discover.reader import Index as Idx

    again = Idx.open(index.path)
    assert again.ids == index.ids and again.record(0) == index.record(0)
    assert list(again.docs) == list(index.docs)


def test_a_typo_is_read_as_the_most_alike_word() -> None:
    # The stem 'catr' of 'catring' is one edit from 'car' (more common) and 'cater'.
    from types import SimpleNamespace

    from quartier.discover.search import _correct

    index = SimpleNamespace(
        vocab_set=frozenset({"car", "cater"}),
        surface={"car": "care", "cater": "catering"},
        df={"car": 50, "cater": 2}.get,
    )
    both = frozenset({"car", "cater"})
    assert _correct(index, "catr", both, "catring") == "cater"  # type: ignore[arg-type]
    assert _correct(index, "catr", both) == "car"  # type: ignore[arg-type]
