"""Partners with sentence embeddings (the optional ``embeddings`` extra, issue 14).

A need and an offer that share no word and no taxonomy concept meet by meaning
only, and say so; the businesses' vectors are embedded once and cached beside
the index, and a cache that is not the index's own is rebuilt; asking for
embeddings without the package gives the command that installs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quartier.cli import main
from quartier.discover import Index, embed, open_index, partners
from quartier.problems import QuartierError

from .test_discover_matching import entry

Make = Callable[[dict[str, bytes | str]], Path]

needs_extra = pytest.mark.skipif(
    not embed.available(), reason="the embeddings extra is not installed"
)

# No word and no taxonomy concept in common: Italian bookkeeping, German bookkeeping.
NEED = "aiuto con la contabilità e la dichiarazione delle tasse"
OFFER = "Buchhaltung und Steuererklärung für kleine Firmen"


def directory(make_root: Make, offer: str = OFFER) -> Path:
    """A yoga studio that needs ``NEED``, a stationer that offers ``offer``, an optician."""
    return make_root(
        {
            "entries/ch/bern/yoga-test.yaml": entry(
                "yoga-test", "yoga_studio", "Yoga im Quartier.", seeks=[NEED], lang="it"
            ),
            "entries/ch/bern/papeterie-test.yaml": entry(
                "papeterie-test", "stationery", "Papeterie.", provides=[offer], lat=46.951
            ),
            "entries/ch/bern/optik-test.yaml": entry(
                "optik-test", "optician", "Brillen und Kontaktlinsen.", lat=46.952
            ),
        }
    )


class Counting:
    """``embed.encode`` wrapped: how many texts it was given, in all."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts = 0
        self._encode = embed.encode
        monkeypatch.setattr(embed, "encode", self)

    def __call__(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return self._encode(texts)


@needs_extra
def test_a_need_and_an_offer_sharing_no_word_meet_by_meaning(make_root: Make) -> None:
    index = open_index(directory(make_root))
    lexical = partners(index, "yoga-test", embeddings=False)
    assert "papeterie-test" not in [p.id for p in lexical.partners]  # no word, no concept

    found = partners(index, "yoga-test", embeddings=True)
    assert [p.id for p in found.partners] == ["papeterie-test"]  # the optician is no match
    (reason,) = found.partners[0].reasons
    assert reason.kind.startswith("similar in meaning (cosine 0.")
    assert reason.yours == f"seeks: {NEED}"
    assert reason.theirs == f"provides: {OFFER}"
    why = found.partners[0].why
    assert f"your need '{NEED}' and their offer '{OFFER}' (cosine 0." in why


@needs_extra
def test_the_vectors_are_embedded_once_and_cached(
    make_root: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = directory(make_root)
    counting = Counting(monkeypatch)
    first = open_index(root)
    partners(first, "yoga-test", embeddings=True)
    path = embed.cache_path(first)
    assert path.is_file()
    # The need, and the five texts of the three businesses (offer and summaries).
    assert counting.texts == 1 + 4

    counting.texts = 0
    again = open_index(root)  # another Index, as a new process has: read from the file
    assert again is not first
    found = partners(again, "yoga-test", embeddings=True)
    assert counting.texts == 1  # only the need of this query
    assert found.partners[0].id == "papeterie-test"


@needs_extra
def test_a_cache_that_is_not_the_index_own_is_rebuilt(
    make_root: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = directory(make_root)
    partners(open_index(other), "yoga-test", embeddings=True)
    foreign = embed.cache_path(open_index(other))
    # Another directory: the offer says something else, so its index has another fingerprint.
    shutil.move(other, tmp_path / "other")
    root = directory(make_root, offer="Farbstifte und Hefte")
    index = open_index(root)
    assert index.fingerprint != open_index(tmp_path / "other").fingerprint
    shutil.copy(tmp_path / "other" / foreign.relative_to(other), embed.cache_path(index))

    counting = Counting(monkeypatch)
    partners(index, "yoga-test", embeddings=True)
    assert counting.texts == 1 + 4  # embedded again, not read from the foreign file
    counting.texts = 0
    # A damaged file is rebuilt too.
    embed.cache_path(index).write_bytes(b"not vectors")
    partners(open_index(root), "yoga-test", embeddings=True)
    assert counting.texts == 1 + 4
    assert embed._read(embed.cache_path(index), index) is not None  # and rewritten whole


@needs_extra
def test_an_index_gone_from_disk_keeps_its_vectors_in_memory(
    make_root: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only checkout's index is built into a temporary file and removed: its vectors
    are not written into the temporary folder."""
    index = open_index(directory(make_root))
    gone = tmp_path / "tmp" / "quartier-search-x.bin"
    gone.parent.mkdir()
    monkeypatch.setattr(index, "path", gone)
    assert partners(index, "yoga-test", embeddings=True).partners[0].id == "papeterie-test"
    assert list(gone.parent.iterdir()) == []


def test_embeddings_asked_for_without_the_package(
    make_root: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "available", lambda: False)
    index: Index = open_index(directory(make_root))
    with pytest.raises(QuartierError) as err:
        partners(index, "yoga-test", embeddings=True)
    assert "pip install 'quartier[embeddings]'" in str(err.value)
    assert "--no-embeddings" in str(err.value)
    # Not asked for: the lexical matcher alone, no error.
    assert (
        partners(index, "yoga-test").partners
        == partners(index, "yoga-test", embeddings=False).partners
    )


@needs_extra
def test_the_command_turns_embeddings_off(
    make_root: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    root = directory(make_root)
    assert main(["partners", "yoga-test", "--root", str(root)]) == 0
    assert "similar in meaning" in capsys.readouterr().out
    assert main(["partners", "yoga-test", "--root", str(root), "--no-embeddings"]) == 0
    assert "papeterie-test" not in capsys.readouterr().out
