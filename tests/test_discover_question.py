"""Reading what a question implies: each phrase kind in each language, and the traps."""

from __future__ import annotations

import pytest

from quartier.discover.question import read_question


@pytest.mark.parametrize(
    ("text", "left", "said"),
    [
        ("wheelchair accessible café", "café", "wheelchair accessible"),
        ("step-free bakery", "bakery", "step-free"),
        ("Töpferkurs rollstuhlgängig", "Töpferkurs", "rollstuhlgängig"),
        ("barrierefreies Kino", "Kino", "barrierefreies"),  # an inflected form, read by rule
        ("rollstuhlgängigen Töpferkurs", "Töpferkurs", "rollstuhlgängigen"),
        ("rollstuhlgerechte Praxis", "Praxis", "rollstuhlgerechte"),
        (
            "boutiques accessibles en fauteuil roulant",
            "boutiques",
            "accessibles en fauteuil roulant",
        ),
        ("Läden barrierefreie", "Läden", "barrierefreie"),
        (
            "ristoranti accessibili in sedia a rotelle",
            "ristoranti",
            "accessibili in sedia a rotelle",
        ),
        (
            "restaurantes accesibles para sillas de ruedas",
            "restaurantes",
            "accesibles para sillas de ruedas",
        ),
        ("accessible bakery", "accessible bakery", None),  # no phrase: 'accessible' alone
        ("Rollstuhlreparatur", "Rollstuhlreparatur", None),  # a trade: no ending, another word
        ("Kino barrierefrei", "Kino", "barrierefrei"),
        ("massage accessible en fauteuil roulant", "massage", "accessible en fauteuil roulant"),
        (
            "ristorante accessibile in sedia a rotelle",
            "ristorante",
            "accessibile in sedia a rotelle",
        ),
        ("dentista accesible en silla de ruedas", "dentista", "accesible en silla de ruedas"),
        ("wheelchair repair", "wheelchair repair", None),  # a trade, not access
    ],
)
def test_wheelchair_words(text: str, left: str, said: str | None) -> None:
    q = read_question(text)
    assert (q.text, q.wheelchair) == (left, said)


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("bakery near me", "bakery"),
        ("bike repair nearby", "bike repair"),
        ("Bäckerei in der Nähe", "Bäckerei"),
        ("Metzg i dr Nöchi", "Metzg"),
        ("boulangerie à proximité", "boulangerie"),
        ("fleuriste près de chez moi", "fleuriste"),
        ("panadería cerca de aquí", "panadería"),
        ("taquería cerca de mí", "taquería"),
        ("gelateria qui vicino", "gelateria"),
    ],
)
def test_spatial_phrases_are_no_content_words(text: str, left: str) -> None:
    q = read_question(text)
    assert q.text == left and q.near is not None and q.near not in q.text


@pytest.mark.parametrize(
    ("text", "weekday", "offset", "hour", "minute"),
    [
        ("bakery open on Sunday", 6, None, None, 0),
        ("Bäckerei offen am Sonntag", 6, None, None, 0),
        ("boulangerie ouvert le dimanche", 6, None, None, 0),
        ("panetteria aperto la domenica", 6, None, None, 0),
        ("panadería abierto el domingo", 6, None, None, 0),
        ("bar open at 8pm", None, None, 20, 0),
        ("Brot sonntags um 7:30", 6, None, 7, 30),
        ("abierto el domingo a las 8", 6, None, 8, 0),
        ("ouvert le dimanche à 10h", 6, None, 10, 0),
        ("velo tomorrow 9am", None, 1, 9, 0),
        ("restaurant ce soir", None, 0, 20, 0),
        ("tonight 9pm bar", None, 0, 21, 0),
    ],
)
def test_opening_times(
    text: str, weekday: int | None, offset: int | None, hour: int | None, minute: int
) -> None:
    at = read_question(text).open_at
    assert at is not None and not at.now
    assert (at.weekday, at.offset, at.hour, at.minute) == (weekday, offset, hour, minute)


def test_open_now_until_and_what_cannot_be_read() -> None:
    for text in (
        "what is open now",
        "Apotheke jetzt offen",
        "bakery open",
        "farmacia abierta ahora",
    ):
        q = read_question(text)
        assert q.open_at is not None and q.open_at.now, text
    until = read_question("cafe open until 10pm").open_at
    assert until is not None and until.before and until.hour == 22
    q = read_question("bar open after the match")
    assert q.open_at is None and q.unread == ("open after the match",) and q.text == "bar"
    assert read_question("open 24h").unread == ("open 24h",)


@pytest.mark.parametrize(
    ("text", "code", "left"),
    [
        ("lawyer who speaks Spanish", "es", "lawyer"),
        ("Spanish-speaking dentist", "es", "dentist"),
        ("Ärztin spricht Französisch", "fr", "Ärztin"),
        ("spanischsprachige Ärztin", "es", "Ärztin"),
        ("coiffeur on parle italien", "it", "coiffeur"),
        ("dentista se habla español", "es", "dentista"),
        ("avvocato si parla tedesco", "de", "avvocato"),
        ("médecin francophone", "fr", "médecin"),
    ],
)
def test_spoken_languages(text: str, code: str, left: str) -> None:
    q = read_question(text)
    assert [s.code for s in q.languages] == [code] and q.text == left


def test_a_language_name_alone_is_no_filter() -> None:
    for text in ("Spanish food", "livres en français", "italienisches Restaurant"):
        q = read_question(text)
        assert q.languages == () and q.text == text


@pytest.mark.parametrize(
    ("text", "left", "terms", "topic"),
    [
        ("café without music", "café", ("music",), "music"),
        ("Kafi ohni Musig", "Kafi", ("musig",), "music"),
        ("Beiz ohne Musik", "Beiz", ("musik",), "music"),
        ("bar sans musique", "bar", ("musiqu",), "music"),
        ("bar senza musica", "bar", ("music",), "music"),
        ("restaurante sin carne", "restaurante", ("carn",), "meat"),
        ("Restaurant ohne Fleisch", "Restaurant", ("fleisch",), "meat"),
        ("haircut without appointment", "haircut", ("appointment",), None),
        ("bar no music", "bar", ("music",), "music"),
        ("café without loud music, with wifi", "café with wifi", ("loud", "music"), "music"),
        # The scope is the thing negated; the question's other words stay words to look for.
        ("ohne Fleisch essen", "essen", ("fleisch",), "meat"),
        ("Zmittag ohni Fleisch ässe", "Zmittag ässe", ("fleisch",), "meat"),
        ("eat without meat for lunch", "eat for lunch", ("meat",), "meat"),
        ("manger sans viande", "manger", ("viand",), "meat"),
        ("sans viande hachée", "", ("viand", "hache"), "meat"),  # a taxonomy phrase
        ("sin carne para comer", "para comer", ("carn",), "meat"),
        ("mangiare senza carne a pranzo", "mangiare a pranzo", ("carn",), "meat"),
        ("without live music", "", ("liv", "music"), "music"),  # a taxonomy phrase
        ("pas de musique le soir", "le soir", ("musiqu",), "music"),
        ("Haarschnitt ohne Termin Coiffeur", "Haarschnitt Coiffeur", ("termin",), None),
    ],
)
def test_negations(text: str, left: str, terms: tuple[str, ...], topic: str | None) -> None:
    q = read_question(text)
    assert q.text == left
    assert [(w.terms, w.topic, w.implied) for w in q.without] == [(terms, topic, False)]


@pytest.mark.parametrize(
    "text",
    [
        "pain sans gluten",
        "Brot ohne Gluten",
        "pan sin gluten",
        "pane senza glutine",
        "bière sans alcool",
    ],
)
def test_free_from_is_a_positive_need(text: str) -> None:
    q = read_question(text)
    assert q.without == () and q.text == text and q.free_from


def test_quiet_implies_no_music_and_stays_a_word() -> None:
    q = read_question("a drink somewhere quiet")
    assert q.text == "a drink somewhere quiet"
    assert [(w.topic, w.implied) for w in q.without] == [("music", True)]


def test_a_question_of_filter_words_only() -> None:
    q = read_question("open on Sunday near me")
    assert q.text == "" and q.near == "near me"
    assert q.open_at is not None and q.open_at.weekday == 6


def test_languages_limit_the_phrases_but_not_days() -> None:
    q = read_question("Bäckerei in der Nähe offen am Sonntag", languages=["en", "es"])
    assert q.near is None and q.open_at is not None and q.open_at.weekday == 6
    assert read_question("Kafi ohni Musig", languages=["de"]).without


def test_a_negation_with_nothing_after_it_is_said_not_guessed() -> None:
    q = read_question("coffee without")
    assert q.without == () and q.unread == ("without",) and q.text == "coffee"


@pytest.mark.parametrize(
    "text", ["open mic night", "offene Werkstatt", "Open-Air Kino", "open bakery"]
)
def test_open_before_a_thing_is_a_kind_not_a_time(text: str) -> None:
    q = read_question(text)
    assert q.open_at is None and q.unread == () and q.text == text.replace("-", " ")


def test_no_before_other_words_negates_no_topic() -> None:
    # Spanish "no" negates verbs ("my bike does not brake"); English "no appointment" is
    # what a walk-in barber offers: both stay words to look for.
    for text in ("mi bici no frena", "haircut no appointment"):
        q = read_question(text)
        assert q.without == () and q.text == text


@pytest.mark.parametrize("text", ["Gürtel nach Mass", "Reparatur vor Ort", "closed until March"])
def test_after_and_until_without_a_time_are_plain_words(text: str) -> None:
    q = read_question(text)
    assert q.open_at is None and q.unread == () and q.text == text


def test_inflection_is_a_rule_on_endings_not_a_list() -> None:
    from quartier.discover.question import inflected_match

    endings = ("es", "e", "en", "s", "i")
    assert inflected_match(("barrierefreies",), ("barrierefrei",), endings)
    assert inflected_match(("accessibili",), ("accessibile",), endings)
    # A stem of fewer than five letters, or a word of fewer than six, is never inflected.
    assert not inflected_match(("offene",), ("offen",), endings)
    assert not inflected_match(("stufe",), ("stufen",), endings)
    # Another word that only starts the same is no inflection.
    assert not inflected_match(("barrierefreiheit",), ("barrierefrei",), endings)


def test_inflected_near_words() -> None:
    q = read_question("Apotheke nächstgelegenen")
    assert q.near == "nächstgelegenen" and q.text == "Apotheke"
    # "open" is not read with endings: "offene Werkstatt" is a kind of workshop.
    assert read_question("offene Werkstatt").open_at is None


def test_negated_span_is_a_rule() -> None:
    from quartier.discover.question import negated_span

    assert negated_span(["fleisch", "essen"]) == 1  # one word: the rest is not negated
    assert negated_span(["live", "music", "tonight"]) == 2  # a taxonomy phrase
    assert negated_span(["loud", "music"]) == 2  # a topic's word and what qualifies it
    assert negated_span(["appointment", "walk"]) == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Gelati senza latte, anche al latte", {"~latt"}),
        ("Laktosefreie Milch", {"~laktos"}),
        ("lactose-free ice cream", {"~lactos"}),
        ("alcohol free beer", {"~alcohol"}),
        ("pas de sucre ajouté", {"~sucr", "~ajout"}),
        ("Keine Musik, nur Gespräche", {"~musik"}),
        ("free of plastic packaging", {"~plastic", "~packag"}),
        ("Free wifi and live music", set()),  # 'free' before a word is no negation
        ("Live music every night", set()),
    ],
)
def test_negated_terms_of_a_business_text(text: str, found: set[str]) -> None:
    from quartier.discover.question import negated_terms

    assert negated_terms(text) == found


def test_a_negation_businesses_say_of_themselves_is_an_offer() -> None:
    said = {("latt",), ("musik",)}  # what the index's businesses say they are without
    q = read_question("gelato senza latte", said_negated=lambda terms: terms in said)
    # Its words stay words to look for; the negation stays, as an offer.
    assert q.text == "gelato senza latte" and q.free_from == ("senza latte",)
    assert [(w.terms, w.offered) for w in q.without] == [(("latt",), True)]
    # A topic's negation said so stays one ("without music"): a quiet pub need not say it.
    q = read_question("Beiz ohne Musik", said_negated=lambda terms: terms in said)
    assert q.text == "Beiz" and q.free_from == ()
    assert [(w.topic, w.offered) for w in q.without] == [("music", True)]
    # What nobody says of itself is a plain negation.
    q = read_question("gelato senza uova", said_negated=lambda terms: terms in said)
    assert q.text == "gelato" and [w.offered for w in q.without] == [False]


def test_the_negation_screen_passes_every_text_that_negates() -> None:
    """The index build reads negations only in texts its per-token screen passes: it must
    pass every text negated_terms finds something in, and may skip the rest."""
    from quartier.discover.question import NegationScreen, negated_terms

    screen = NegationScreen()
    texts = [
        "Gelati senza latte, anche al latte",
        "Laktosefreie Milch und glutenfreie Brote",
        "lactose-free milk, alcohol free beer",
        "Sans gluten, sans lactose",
        "Ningún aditivo, sin azúcar",
        "No added sugar",
        "Fresh bread daily",
        "Live music every Friday",
        "Frische Brötchen",
    ]
    for text in texts:
        if negated_terms(text):
            assert screen.may_negate(text), text
    assert not screen.may_negate("Fresh bread daily")
    assert not screen.may_negate("Live music every Friday")
    # Learnt once per token: a second read gives the same answers.
    assert [screen.may_negate(t) for t in texts] == [screen.may_negate(t) for t in texts]


def test_negation_words_with_accents_negate_as_folded_texts_read_them() -> None:
    from quartier.discover.question import negated_terms

    assert negated_terms("Chili nöd scharf") == {"~scharf"}  # Swiss German 'not'
    assert negated_terms("Épicerie zéro déchet") == {"~dechet"}
