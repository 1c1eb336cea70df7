"""Matching across trades and languages (issue 14): function words, short words, concepts.

Each failure class the outsider's evaluation showed has a test with the attack in it:
function words that fold into content words of another language ('the' and the French
'thé', 'wir' and 'wiring', 'off' and 'offen'), a short word that lost its stem guard
('bike'), the seeker's own trade read as its need, a need and an offer that share no
word, and an empty partner list without a note.
"""

from __future__ import annotations

import pytest

from quartier.discover.text import content_words, is_stopword, phrase_key, terms


@pytest.mark.parametrize(
    "text",
    [
        "the",
        "wir",
        "off",
        "que",
        "hat",
        "und",
        "avec",
        "para",
        "della",  # function words
        "near me",
        "à proximité",
        "cerca de aquí",
        "in der Nähe",
        "nearby",  # a place in words
        "öpper für üsi",
        "es paar für d",  # Swiss German as owners write it
    ],
)
def test_function_words_are_no_terms(text: str) -> None:
    assert terms(text) == []


def test_a_word_is_checked_as_written() -> None:
    """The English article goes, the French tea (written with its accent) stays."""
    assert terms("the thé") == ["the"]
    assert is_stopword("the") and not is_stopword("thé")
    assert is_stopword("fur")  # 'für' typed without its umlaut


@pytest.mark.parametrize("word", ["fix", "keys", "second", "perche", "os", "zero", "computer"])
def test_trade_words_the_general_lists_drop_are_kept(word: str) -> None:
    assert not is_stopword(word) and terms(word)


def test_short_words_and_phrases() -> None:
    assert terms("bike bikes") == ["bik", "bik"]
    assert content_words("Zvieri mit Guetzli") == ["zvieri", "guetzli"]
    assert phrase_key("bien-être") == ("bien", "etr")  # only function words: all kept
    assert phrase_key("salon de thé") == ("salon", "the")
