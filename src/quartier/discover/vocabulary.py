"""The search index's vocabulary: the fields a word is filed under, and the taxonomy's phrases.

Search and partner matching read the same words the same way: a term found
in a business's name counts more than one deep in its story (:data:`FIELDS`
and :data:`FIELD_WEIGHT`), an attribute such as ``organic`` is found by the
words people use for it in the directory's languages (:data:`ATTRIBUTE_WORDS`),
and every label and synonym of a category, in every language, is a phrase
that names it (:func:`taxonomy_phrases`), so ``Brot``, ``bread`` and ``pain``
all mean ``cat:bakery`` (:func:`concept_terms`). The index build files terms
with these; the reader and the matchers look them up with the same tables.

Example::

    phrases = taxonomy_phrases(taxonomy)
    concept_terms(["frisches Brot"], leaf_phrases(phrases, taxonomy))   # {'cat:bakery'}
    FIELDS[F_NAME], FIELD_WEIGHT[F_NAME]                                 # ('name', 8.0)
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from .text import TermCache, content_words, phrase_key, stem, words

# Fields a term can be found in, and how much a match there counts.
FIELDS = (
    "name",
    "offering",
    "summary",
    "address",
    "attribute",
    "people",
    "description",
    "story",
    "partner offer",
    "certification",
    "partner request",
)
# Zero: what a business seeks is no answer to a customer's search, only to partner matching.
FIELD_WEIGHT = (8.0, 5.0, 4.0, 3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 2.0, 0.0)
(
    F_NAME,
    F_OFFERING,
    F_SUMMARY,
    F_ADDRESS,
    F_ATTRIBUTE,
    F_PEOPLE,
    F_DESCRIPTION,
    F_STORY,
    F_PROVIDES,
    F_CERT,
    F_SEEKS,
) = range(len(FIELDS))

# Attributes that people search for in words, in the directory's usual languages.
ATTRIBUTE_WORDS = {
    "organic": "organic bio biologique biologico orgánico ecologico",
    "vegan_options": "vegan vegane végétalien vegano",
    "vegetarian_options": "vegetarian vegetarisch végétarien vegetariano",
    "second_hand": "second-hand secondhand used occasion gebraucht brocante usato segunda mano",
    "locally_made": "locally made local lokal regional fait local hecho local prodotto locale",
    "repairs": "repair reparatur réparation reparación riparazione",
    "workshops": "workshop course kurs cours taller corso",
    "delivery": "delivery lieferung livraison entrega consegna",
    "takeaway": "takeaway take-away mitnehmen emporter para llevar asporto",
    "outdoor_seating": "terrace patio terrasse outdoor draussen terraza",
    "wifi": "wifi wi-fi wlan",
    "dogs_welcome": "dogs dog-friendly hunde chiens perros cani",
    "cooperative": "cooperative genossenschaft coopérative cooperativa",
    "family_owned": "family familienbetrieb famille familia famiglia",
    "women_owned": "women-owned frauen femmes mujeres donne",
    "rental": "rental rent vermietung mieten location alquiler noleggio",
}
STORY_WORDS = "story geschichte histoire historia storia"
# The terms of the fixed words above, worked out once.
ATTRIBUTE_TERMS = {k: tuple(sorted(TermCache().terms(v))) for k, v in ATTRIBUTE_WORDS.items()}
STORY_TERMS = tuple(sorted(TermCache().terms(STORY_WORDS)))

# A taxonomy phrase: (its terms, category index, 'id'|'label'|'synonym', language, text).
Phrase = tuple[tuple[str, ...], int, str, str, str]


def taxonomy_phrases(taxonomy: dict[str, Any]) -> list[Phrase]:
    """(terms, category index, 'id'|'label'|'synonym', language, text) for every name of a
    category, e.g. ``(('velo',), 12, 'synonym', 'de', 'Velo')``."""
    out: list[Phrase] = []
    for i, c in enumerate(taxonomy["categories"]):
        out.append((phrase_key(c["id"].replace("_", " ")), i, "id", "", c["id"]))
        for lang, label in (c.get("labels") or {}).items():
            out.append((phrase_key(label), i, "label", lang, label))
        for lang, syns in (c.get("synonyms") or {}).items():
            for s in syns:
                out.append((phrase_key(s), i, "synonym", lang, s))
    return [p for p in out if p[0]]


class PhraseCats(dict[tuple[str, ...], set[str]]):
    """Phrase -> leaf categories, the terms phrases start with (to skip other words), and the
    words the phrases are written with (a short stem is trusted only for one of those)."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: frozenset[str] = frozenset()
        self.surfaces: frozenset[str] = frozenset()


def leaf_phrases(phrases: list[Phrase], taxonomy: dict[str, Any]) -> PhraseCats:
    """Phrase -> the leaf categories it names (groups are too broad to say what a need is)."""
    cats = taxonomy["categories"]
    out = PhraseCats()
    surfaces: set[str] = set()
    for key, i, _kind, _lang, text in phrases:
        if cats[i].get("parent"):
            out.setdefault(tuple(key), set()).add(cats[i]["id"])
            surfaces.update(words(text))
    out.starts = frozenset(key[0] for key in out)
    out.surfaces = frozenset(surfaces)
    return out


def trusted(word: str, term: str, surfaces: Container[str]) -> str:
    """``term`` (the stem of ``word``) if it says what the word meant, else "".

    A short stem that lost a suffix is ambiguous ('Nähe' and 'nähen' are both 'nah'),
    unless the word is one the taxonomy is written with, or its plural::

        trusted("bikes", "bik", {"bike"})   # 'bik'
        trusted("nahe", "nah", {"nahen"})   # ''
    """
    if len(term) >= 4 or term == word:
        return term
    for cut in (0, 1, 2):
        if len(word) - cut >= 3 and word[: len(word) - cut] in surfaces:
            return term
    return ""


def concept_terms(texts: Iterable[str], phrase_cats: dict[tuple[str, ...], set[str]]) -> set[str]:
    """``cat:<id>`` for every taxonomy phrase in the texts: 'Brot' and 'bread' -> cat:bakery.

    Phrases are matched on the texts' content words (function words of every language left
    out, as :func:`.text.phrase_key` leaves them out of the phrases), so 'salon de thé'
    is found in 'notre salon de thé' and the English 'the' names no tea.
    """
    return {"cat:" + c for group in concept_groups(texts, phrase_cats) for c in group}


def concept_groups(
    texts: Iterable[str],
    phrase_cats: dict[tuple[str, ...], set[str]],
    skip: Container[str] = frozenset(),
) -> list[set[str]]:
    """The categories of each taxonomy phrase found in the texts, one set per phrase, so that
    a caller can tell one word naming two trades from two words::

        concept_groups(["renovations and Brot"], cats)  # [{'tiler', 'painter_decorator'},
                                                        #  {'bakery'}]

    The longest phrase wins and its words name nothing else: 'corte de acrílico' is laser
    cutting at a makerspace, not a butcher's 'cortes' and an art shop's 'acrílicos'. A phrase
    that names only categories in ``skip`` (a seeker's own) is passed over for the shorter
    ones inside it: a barber's 'fresh hot towels' seeks towels, not a barber's hot towel.
    """
    found: list[set[str]] = []
    starts = getattr(phrase_cats, "starts", None) or {key[0] for key in phrase_cats}
    surfaces: Container[str] = getattr(phrase_cats, "surfaces", frozenset())
    for text in texts:
        seq = [trusted(w, stem(w), surfaces) for w in content_words(text)]
        i = 0
        while i < len(seq):
            step = 1
            if seq[i] in starts:
                for size in (3, 2, 1):
                    group = (
                        phrase_cats.get(tuple(seq[i : i + size])) if i + size <= len(seq) else None
                    )
                    if group and not all(c in skip for c in group):
                        found.append(group)
                        step = size
                        break
            i += step
    return found
