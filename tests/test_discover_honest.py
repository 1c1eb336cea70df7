"""Short lists that stay honest: implied filters applied and said, a radius, a note when short."""

from __future__ import annotations

from datetime import datetime

import pytest

from quartier.cli import main
from quartier.discover import Index, SearchQuery, open_index, search
from quartier.discover.search import NEAR_KM, SearchResult

from .conftest import SAMPLE, sample_repo

TUESDAY_NOON = datetime(2026, 11, 24, 12, 0)
CAFE = SAMPLE / "entries/ch/bern/kafi-zwischenhalt.yaml"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return open_index(sample_repo(tmp_path_factory.mktemp("repo") / "repo"))


def ask(index: Index, text: str = "", **options: object) -> SearchResult:
    options.setdefault("now", TUESDAY_NOON)
    return search(index, SearchQuery(text, **options))  # type: ignore[arg-type]


def ids(found: SearchResult) -> list[str]:
    return [r.id for r in found.results]


def _cafe(eid: str, name: str, summary: str) -> str:
    """The sample café under another id and name, its English summary replaced."""
    text = (
        CAFE.read_text("utf-8").replace("kafi-zwischenhalt", eid).replace("Kafi Zwischenhalt", name)
    )
    old = "  en: Neighbourhood café in Länggasse with brunch, Bern-roasted coffee and a back room"
    assert old in text
    return text.replace(old, f"  en: {summary}. Neighbourhood café in Länggasse, a back room")


@pytest.fixture
def cafes(make_root) -> Index:  # type: ignore[no-untyped-def]
    return open_index(
        make_root(
            {
                "entries/live.yaml": _cafe("live-cafe", "Cafe Live", "Live music every night"),
                "entries/quiet.yaml": _cafe("quiet-cafe", "Cafe Quiet", "No background music"),
                "entries/gluten.yaml": _cafe("gf-cafe", "Cafe Epi", "Cakes sans gluten"),
                "entries/veg.yaml": _cafe("veg-cafe", "Cafe Veg", "A meat-free daily menu"),
                "entries/meat.yaml": _cafe("meat-cafe", "Cafe Wurst", "Sausages and meat pies"),
            }
        )
    )


def test_without_music_leaves_out_a_live_music_cafe(cafes: Index) -> None:
    for text in ("cafe without music", "Kafi ohne Musik", "café sans musique", "cafe sin música"):
        found = ask(cafes, text)
        assert "live-cafe" not in ids(found), text
        assert {"quiet-cafe", "gf-cafe"} <= set(ids(found)), text
        assert any(f.startswith("without music") for f in found.filters), text
    assert "live-cafe" in ids(ask(cafes, "cafe"))  # the filter, not the word, leaves it out


def test_sans_gluten_stays_a_hit(cafes: Index) -> None:
    found = ask(cafes, "sans gluten")
    assert ids(found)[0] == "gf-cafe"
    assert "'sans gluten' read as what a business offers, not as 'without'" in found.notes


def test_wheelchair_words_act_as_the_filter(index: Index) -> None:
    plain = ids(ask(index, "ceramics"))
    assert "erdwerk-keramik" in plain  # its wheelchair access is not 'yes'
    for text in (
        "ceramics wheelchair accessible",
        "Keramik rollstuhlgängig",
        "céramique accessible en fauteuil roulant",
        "Keramik rollstuhlgängige",  # inflected forms, read by rule
        "barrierefreie Keramik",
        "céramique accessibles en fauteuils roulants",
    ):
        found = ask(index, text)
        assert "erdwerk-keramik" not in ids(found), text
        assert found.filters and found.filters[0].startswith("wheelchair accessible (from "), text


def test_a_far_business_is_never_listed_near_a_place(index: Index) -> None:
    found = ask(index, "coffee", near="Lorraine")
    assert found.radius_km == NEAR_KM
    assert all(r.distance_km is not None and r.distance_km <= NEAR_KM for r in found.results)
    assert "seabright-hearth-cafe" not in ids(found)  # 9,000 km away
    assert found.notes[-1].startswith("only ") and "within 3 km of Lorraine" in found.notes[-1]


def test_radius_from_the_place_size(index: Index) -> None:
    quarter = ask(index, "", near="Lorraine")
    area = ask(index, "", near="Santa Cruz, California")
    assert quarter.radius_km == NEAR_KM
    assert area.radius_km is not None and area.radius_km > 5
    assert ask(index, "", near="Lorraine", radius_km=0.3).radius_km == 0.3


BAKERY = SAMPLE / "entries/ch/bern/holzofebeck-breitsch.yaml"


def _bakery(eid: str, km_north: float, extra: str = "") -> str:
    """The sample bakery under another id, ``km_north`` km north, ``extra`` in its summary."""
    text = BAKERY.read_text("utf-8").replace("holzofebeck-breitsch", eid)
    text = text.replace("Holzofebeck Breitsch", eid.replace("-", " ").title())
    text = text.replace("lat: 46.9601,", f"lat: {46.9601 + km_north / 111.2:.5f},")
    return text.replace("  de: Bio-Quartierbäckerei", f"  de: {extra} Bio-Quartierbäckerei", 1)


@pytest.mark.parametrize(("km", "first"), [(1.0, "beck-fern"), (10.0, "beck-nah")])
def test_one_more_word_across_town_does_not_outrank_next_door(
    make_root,  # type: ignore[no-untyped-def]
    km: float,
    first: str,
) -> None:
    files = {
        "entries/nah.yaml": _bakery("beck-nah", 0.0),
        "entries/fern.yaml": _bakery("beck-fern", km, "Dinkel und"),
    }
    for i in range(3):  # spelt elsewhere too, so that 'Dinkel' is no rarer than 'Brot'
        files[f"entries/m{i}.yaml"] = _bakery(f"muehle-{i}", -60.0, "Dinkel")
    index = open_index(make_root(files))
    found = ask(index, "Brot Dinkel", near="beck-nah", radius_km=20)
    assert ids(found) == [first, ({"beck-nah", "beck-fern"} - {first}).pop()]
    fern = next(r for r in found.results if r.id == "beck-fern")
    assert [m.word for m in fern.matched] == ["brot", "dinkel"]


def test_explicit_option_wins_with_a_note(index: Index) -> None:
    found = ask(index, "cafe open on Sunday", open_at="saturday 10:00")
    assert found.time == "Saturday 10:00"
    assert "the question says 'open on Sunday'; open at 'saturday 10:00' is used" in found.notes
    found = ask(index, "repair se habla español", language="de")
    assert all("de" in r.languages for r in found.results)
    assert any("language given (de) is used" in n for n in found.notes)


def test_implied_language_and_day_are_applied(index: Index) -> None:
    found = ask(index, "repair se habla español")
    assert found.results and all("es" in r.languages for r in found.results)
    assert found.filters == ["speaks es (from 'se habla español')"]
    sunday = ask(index, "bakery open on Sunday")
    assert ids(sunday) == ["seabright-hearth-cafe"]  # Holzofebeck is closed on Sundays
    assert sunday.time == "on Sunday (any time)"
    assert sunday.results[0].hours.state == "open"


def test_filter_words_alone_are_answered(index: Index) -> None:
    found = ask(index, "open on Sunday near me")
    assert found.results
    assert any("no place was given" in n for n in found.notes)
    assert found.filters == ["open on Sunday (any time) (from 'open on Sunday')"]


def test_what_cannot_be_read_is_said(index: Index) -> None:
    found = ask(index, "cafe open after the match")
    assert "not understood: 'open after the match'; not applied" in found.notes
    assert found.time is None and found.results


def test_an_empty_list_says_why(index: Index) -> None:
    found = ask(index, "Velo", near="Lorraine", radius_km=1.0, open_at="2026-12-25T10:00")
    assert found.results == []
    assert found.notes[-1].startswith("no fitting business within 1 km of Lorraine")


def test_cli_shows_filters_and_short_note(index: Index, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(index.path.parents[1])
    assert main(["search", "Keramik rollstuhlgängig", "--near", "Bern", "--root", root]) == 0
    out = capsys.readouterr().out
    assert "understood: wheelchair accessible (from 'rollstuhlgängig')" in out
    assert "near Bern (locality), within " in out


def test_json_answer_carries_filters_and_radius(
    index: Index, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    root = str(index.path.parents[1])
    assert (
        main(
            ["search", "Velo in der Nähe", "--near", "Lorraine", "--format", "json", "--root", root]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["radius_km"] == NEAR_KM and data["filters"] == []
    assert data["notes"] == ["only 1 fitting business within 3 km of Lorraine"]


def test_without_meat_keeps_a_meat_free_menu(cafes: Index) -> None:
    for text in ("Kafi ohne Fleisch", "cafe without meat", "café sans viande", "cafe sin carne"):
        found = ids(ask(cafes, text, limit=10))
        assert "meat-cafe" not in found, text  # its own text names meat
        assert "veg-cafe" in found, text  # 'meat-free' says it has none
    assert "meat-cafe" in ids(ask(cafes, "cafe", limit=10))


def test_a_negation_covers_the_thing_negated_not_the_question(index: Index) -> None:
    # "eat without meat": 'eat' names restaurants and cafés; before, 'Fleisch essen' was all
    # negated, nothing was left to look for, and the list was any business.
    for text, rest in (
        ("ohne Fleisch essen", "essen"),
        ("manger sans viande", "manger"),
        ("comer sin carne", "comer"),
    ):
        found = ask(index, text, limit=10)
        assert ids(found) and set(ids(found)) == set(ids(ask(index, rest, limit=10))), text
        assert any(f.startswith("without meat") for f in found.filters), text


# -- a place named in the question


def test_a_place_in_the_question_is_the_place(index: Index) -> None:
    found = ask(index, "Velo flicken in der Lorraine")
    assert found.place is not None and (found.place.name, found.place.kind) == (
        "Lorraine",
        "quarter",
    )
    assert found.radius_km == NEAR_KM and ids(found)[0] == "velowerk-lorraine"
    assert "place: Lorraine (from 'in der Lorraine')" in found.filters
    bakery = ask(index, "bakery in Santa Cruz")
    assert bakery.place is not None and bakery.place.name == "Santa Cruz"
    assert ids(bakery) == ["seabright-hearth-cafe"]  # not the Bern bakery, 9,000 km away
    assert ask(index, "café cerca de Seabright Avenue").place is not None


def test_an_option_wins_over_the_place_in_the_question(index: Index) -> None:
    found = ask(index, "Velo in der Lorraine", near="Santa Cruz")
    assert found.place is not None and found.place.name == "Santa Cruz"
    assert "the question says 'in der Lorraine'; near 'Santa Cruz' is used" in found.notes
    assert not any(f.startswith("place:") for f in found.filters)


def test_a_place_phrase_naming_nothing_known_is_said(index: Index) -> None:
    found = ask(index, "coffee near the stadium")
    assert found.place is None and found.results
    assert "not understood: 'near the stadium'; not applied" in found.notes
    assert not any("stadium" in n for n in found.notes if n.startswith("no business"))


def test_in_as_a_word_is_no_place_word(index: Index) -> None:
    # Thunstrasse is a street the directory knows: a place after "in", not after "drop-in".
    assert ask(index, "vintage in Thunstrasse").place is not None
    assert ask(index, "drop-in Thunstrasse").place is None
    assert ask(index, "drop-in repair").place is None


def test_a_business_named_with_a_place_word_is_what_is_asked(index: Index) -> None:
    # "Lorraine" alone: the bicycle workshop named with it, not every business near Lorraine.
    found = ask(index, "Lorraine")
    assert found.place is None and ids(found)[0] == "velowerk-lorraine"


@pytest.fixture
def named(make_root) -> Index:  # type: ignore[no-untyped-def]
    """A business named like the locality, and a quarter named like a kind of business."""
    return open_index(
        make_root(
            {
                "entries/bikes.yaml": _cafe("bern-bikes", "Bern Bikes", "Bicycle repair"),
                "entries/plain.yaml": _cafe("plain-cafe", "Cafe Plain", "Espresso bar"),
                "entries/c1.yaml": _cafe("corner-1", "Cafe Eins", "Espresso in der Bäckerei"),
                "entries/c2.yaml": _cafe("corner-2", "Cafe Zwei", "Espresso in der Bäckerei"),
                "entries/bakery.yaml": _bakery("beck", 0.0),
                # "im Monat" makes Monat a quarter, but businesses far away use the word too.
                "entries/quiz.yaml": _cafe("quiz-cafe", "Cafe Quiz", "Quiz einmal im Monat"),
                "entries/far1.yaml": _bakery("far-1", 60.0, "Jeden Monat Kurse."),
                "entries/far2.yaml": _bakery("far-2", -60.0, "Jeden Monat Brotkurse."),
            }
        )
    )


def test_place_words_that_are_also_words_to_look_for(named: Index) -> None:
    bern = named.places.find("Bern")
    quarter = named.places.find("Bäckerei")
    assert bern is not None and bern.kind == "locality"
    assert quarter is not None and quarter.kind == "quarter" and quarter.count == 2
    # A business named with the town is asked for: Bern stays a word to look for.
    found = ask(named, "Bern Bikes")
    assert found.place is None and ids(found)[0] == "bern-bikes"
    # After a place word, the town, though a business is named with it and the word asked.
    found = ask(named, "Bikes in Bern")
    assert found.place is not None and found.place.kind == "locality"
    # A name going on after it: the business, not the town (here, the business as the place).
    near = ask(named, "cafe near Bern Bikes").place
    assert near is not None and (near.name, near.kind) == ("Bern Bikes", "business")
    # The town with a word of no business named with it: the place.
    found = ask(named, "Espresso Bern")
    assert found.place is not None and found.place.kind == "locality"
    assert "place: Bern (from 'Bern')" in found.filters
    # Bern still ranks, but a business that matches only the place's word pads no list.
    assert ids(ask(named, "Quiz Bern")) == ["quiz-cafe"]
    # A quarter some entries name that is also a kind of business: the kind, said bare.
    found = ask(named, "Bäckerei")
    assert found.place is None and set(ids(found)[:3]) == {"beck", "far-1", "far-2"}
    # A word some entry put after "im", used all over: no place, even after "im".
    monat = named.places.find("Monat")
    assert monat is not None and monat.kind == "quarter"
    assert ask(named, "Brotkurs im Monat").place is None
    assert ask(named, "Espresso in der Länggasse").place is not None  # a local word


# -- closed businesses asked for by name


def test_a_closed_business_named_by_one_common_word_is_no_note_on_every_question(
    make_root,  # type: ignore[no-untyped-def]
) -> None:
    closed = _cafe("the-cafe", "Café", "Coffee").replace(
        "status: open", "status: permanently_closed"
    )
    assert "status: permanently_closed" in closed
    index = open_index(
        make_root({"entries/a.yaml": closed, "entries/b.yaml": _cafe("b", "B", "x")})
    )
    # A one-word name is asked for when it is all the question looks for, not when it is in it.
    assert not any("closed" in n for n in ask(index, "café with wifi").notes)
    assert any(n.startswith("Café (") for n in ask(index, "Café near me").notes)


def test_a_permanently_closed_business_asked_by_name_is_said(index: Index) -> None:
    found = ask(index, "Tidepool Records")
    assert "tidepool-records" not in ids(found)
    assert found.notes[0] == (
        "Tidepool Records (1520 Pacific Avenue, Santa Cruz) is permanently closed; "
        "it moved: see Tidepool Records (tidepool-records-soquel)"
    )
    # Not asked by name, or named as the place (the open shop of that name): no note.
    assert not any("closed" in n for n in ask(index, "records").notes)
    near = ask(index, "repair near Tidepool Records")
    assert near.place is not None and near.place.kind == "business"
    assert not any("closed" in n for n in near.notes)


def test_a_business_after_a_place_word_is_the_place(index: Index) -> None:
    found = ask(index, "flowers near Kafi Zwischenhalt")
    assert found.place is not None and (found.place.name, found.place.kind) == (
        "Kafi Zwischenhalt",
        "business",
    )
    assert ids(found)[0] == "wildwuchs-blumen"
    assert "place: Kafi Zwischenhalt (from 'near Kafi Zwischenhalt')" in found.filters


TEMPORARILY = "Chäsegge Altstadt (Rathausgasse 30, Bern) is temporarily closed; "


@pytest.mark.parametrize(
    "text",
    ["Chäsegge Altstadt", "chasegge altstadt open?", "Altstadt Chäsegge", "The Cheese Corner"],
)
def test_a_temporarily_closed_business_asked_by_name_says_how_to_list_it(
    index: Index, text: str
) -> None:
    found = ask(index, text)
    assert TEMPORARILY + "pass include_temporarily_closed to list it" in found.notes, text
    assert TEMPORARILY + "add --include-closed to list it" in ask(index, text, cli=True).notes
    listed = ask(index, text, include_temporarily_closed=True)
    assert "chaesegge-altstadt" in ids(listed)
    assert not any("temporarily closed" in n for n in listed.notes)
    assert not any("closed" in n for n in ask(index, "cheese").notes)


def test_closed_notes_in_cli_text_json_and_the_mcp_answer(
    index: Index, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    from dataclasses import asdict

    from quartier.assistant import SearchOut

    root = str(index.path.parents[1])
    assert main(["search", "Chäsegge Altstadt", "--root", root]) == 0
    assert f"note: {TEMPORARILY}add --include-closed to list it" in capsys.readouterr().out
    assert main(["search", "Tidepool Records", "--format", "json", "--root", root]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert notes[0].startswith("Tidepool Records (1520 Pacific Avenue, Santa Cruz) is perm")
    out = SearchOut.model_validate(asdict(ask(index, "Chäsegge Altstadt")))
    assert TEMPORARILY + "pass include_temporarily_closed to list it" in out.notes


@pytest.fixture
def gelaterie(make_root) -> Index:  # type: ignore[no-untyped-def]
    return open_index(
        make_root(
            {
                "entries/dairy-free.yaml": _cafe(
                    "gelateria-luna",
                    "Gelateria Luna",
                    "Gelato alla panna fresca, anche gelati senza panna",
                ),
                "entries/milk.yaml": _cafe(
                    "gelateria-sole", "Gelateria Sole", "Gelato alla panna fresca"
                ),
                "entries/plain.yaml": _cafe(
                    "gelateria-mare", "Gelateria Mare", "Gelato e sorbetti"
                ),
            }
        )
    )


def test_the_index_files_what_a_text_says_it_is_without(gelaterie: Index) -> None:
    from quartier.discover import bitset

    said = bitset.union(d for _fld, d in gelaterie.term_docsets("~panna"))
    assert [gelaterie.ids[d] for d in bitset.docs_of(said, gelaterie.nbytes)] == ["gelateria-luna"]
    assert not gelaterie.term_docsets("~gelat")


def test_a_need_businesses_say_of_themselves_is_an_offer(gelaterie: Index) -> None:
    # 'gelato senza panna': the gelateria that offers 'gelati senza panna' names cream
    # elsewhere too; it was left out as a mention of cream. Now it is what is asked for, and
    # ranks first; the one that names cream only otherwise is left out.
    found = ask(gelaterie, "gelato senza panna", limit=10)
    assert ids(found)[0] == "gelateria-luna"
    assert "gelateria-sole" not in ids(found) and "gelateria-mare" in ids(found)
    assert "'senza panna' read as what a business offers, not as 'without'" in found.notes
    # Nobody says 'senza uova': a plain negation, as before.
    plain = ask(gelaterie, "gelato senza uova", limit=10)
    assert "without what 'senza uova' names" in plain.filters and len(ids(plain)) == 3
