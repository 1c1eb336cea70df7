"""Complementary partners: both directions, across languages, explained, and the mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quartier.cli import main
from quartier.discover import Index, open_index, partners
from quartier.problems import QuartierError

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def index(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Index:
    from quartier.directory import read_directory
    from quartier.publish import build

    out = tmp_path_factory.mktemp("partners") / "site"
    build(read_directory(sample_root), out)
    return open_index(out)


def test_both_directions_with_reasons(index: Index) -> None:
    found = partners(index, "aare-roestwerk", limit=10)
    by_id = {p.id: p for p in found.partners}
    velo = by_id["velowerk-lorraine"]  # Aare seeks a cargo-bike courier; Velowerk provides one
    assert velo.reasons[0].kind == "they provide what you seek"
    assert velo.reasons[0].yours == (
        "seeks: a cargo-bike courier to deliver our bags around the old town"
    )
    assert velo.reasons[0].theirs == "provides: cargo-bike delivery for neighbourhood shops"
    kafi = by_id["kafi-zwischenhalt"]  # Kafi seeks coffee beans; Aare provides them
    assert any(r.kind == "they seek what you provide" for r in kafi.reasons)
    assert "provide" in velo.why and velo.distance_km is not None


def test_across_languages(make_root) -> None:
    """A German need finds an English offer through the taxonomy's synonyms (Brot = bread)."""
    seeker = (SAMPLE / "entries/ch/bern/kafi-zwischenhalt.yaml").read_text("utf-8")
    # Only the German text of each need is kept, and no category helps.
    seeker = seeker.replace(
        "        en: fresh bread and croissants dropped off before 7 a.m. daily\n", ""
    )
    seeker = seeker.replace("      categories: [bakery]\n", "")
    baker = (SAMPLE / "entries/ch/bern/holzofebeck-breitsch.yaml").read_text("utf-8")
    baker = baker.replace(
        "        de: Brot und Backwaren im Grosshandel, jeden Morgen geliefert an Cafés, "
        "Restaurants und Feinkostläden\n",
        "",
    )
    baker = baker.replace("category: bakery\ncategories: [cafe]", "category: caterer")
    root = make_root({"entries/a.yaml": seeker, "entries/b.yaml": baker})
    index = open_index(root)
    found = partners(index, "kafi-zwischenhalt")
    match = next(p for p in found.partners if p.id == "holzofebeck-breitsch")
    assert match.reasons[0].yours.startswith("seeks: jeden Morgen frisches Brot")
    assert match.reasons[0].theirs.startswith("provides: wholesale bread")


def test_temporarily_closed_partner_is_marked(index: Index) -> None:
    found = partners(index, "holzofebeck-breitsch")
    cheese = next(p for p in found.partners if p.id == "chaesegge-altstadt")
    assert cheese.status == "temporarily_closed" and "temporarily closed" in cheese.why


def test_never_across_areas_never_permanently_closed(index: Index) -> None:
    for business in ("seabright-hearth-cafe", "mission-circuit-repair", "kafi-zwischenhalt"):
        doc = index.doc_of[business]
        found = [p.id for p in partners(index, business, limit=20).partners]
        assert found and "tidepool-records" not in found
        assert all(index.area[index.doc_of[p]] == index.area[doc] for p in found)


def test_mistakes(index: Index) -> None:
    with pytest.raises(QuartierError, match="did you mean 'kafi-zwischenhalt'"):
        partners(index, "kafi-zwischenhalte")
    with pytest.raises(QuartierError, match="continues as 'tidepool-records-soquel'"):
        partners(index, "tidepool-records")
    with pytest.raises(QuartierError, match="limit"):
        partners(index, "kafi-zwischenhalt", limit=0)


def test_cli(sample_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["partners", "zweitlauf-vintage", "--root", str(sample_root)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == "partners of Zweitlauf Vintage (zweitlauf-vintage):"
    assert out[1].startswith("1. Nadel & Faden  [Tailor and alterations]  1.7 km")
    assert (
        "   they provide what you seek: seeks: a seamstress to fix hems, buttons and tears "
        "before items go on sale <-> provides: alterations and repairs for second-hand and "
        "vintage clothing shops, weekly pick-up"
    ) in out
    assert (
        main(["partners", "zweitlauf-vintage", "--format", "json", "--root", str(sample_root)]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    kinds = {r["kind"] for r in data["partners"][0]["reasons"]}
    assert kinds >= {"they provide what you seek", "they seek what you provide"}
    assert main(["partners", "nope", "--root", str(sample_root)]) == 2
    assert "unknown business id 'nope'" in capsys.readouterr().err
