"""A place named in a question's words: "bakery in Marly", "tacos cerca de Fruitvale".

Search reads it as the place when no place option is given, as it reads
"open on Sunday" as the time. Only a place the directory knows counts (its
gazetteer, :mod:`.places`), the longest name first. Two traps decide the rules:

- a place word may be a word to look for: "Bern Bikes" is a business, so in
  "Bern Bikes repair" Bern is no place; "Markt" is a quarter some entry names
  but also a kind of business. A known place after a place word of the
  directory's languages ("in", "bei", "im", "in der", "près de", "cerca de",
  ``place_before`` in ``data/question.yaml``) is the place, and those words
  are no words to look for. Said bare ("Rockridge bakery"), it is the place
  only when it is a locality, postal code, area, a quarter that several
  entries name (or of several words) or a street of several words, no
  category or language word, and no business named with it is what the
  question asks for (the question shares another word with that business's
  name, or has no other word: "Lorraine" alone may be "Velowerk Lorraine").
  After a place word, only a name going on ("at Lake Merritt Roasters")
  makes a business of it.
  Its words then stay words to look for, but only to rank: search lists
  only businesses that match another word of the question (near Fruitvale,
  every business that mentions Fruitvale would otherwise pad the list).
- "in" is also an English word: "drop-in" is no place word, nor is a word
  joined to the one before it by a hyphen.
- a quarter is what entries put after "im", "in the"...: "im Monat" makes
  "Monat" one. A quarter's or street's name is read only when the businesses
  whose texts use it are mostly near it (a local word: "Fruitvale"), and a
  language name never ("books in English").

After a word that only ever introduces a place ("near", "cerca de"), words
that name one business are that business's place, and words that name nothing
known ("near the stadium") are said not understood (:func:`place_phrase`).

Example::

    said = place_in_question(index, "Velo flicken in der Lorraine", ["de"])
    said.place.label, said.words, said.text     # ('Lorraine', 'in der Lorraine', 'Velo flicken')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from .places import Place, distance_km, place_key
from .question import language_base, per_language, phrase_data, phrase_words
from .reader import Index
from .text import fold, is_stopword, stem
from .vocabulary import F_NAME

MAX_PLACE_WORDS = 4  # "Santa Cruz, California" and the like
NEAR_KM = 3.0  # a quarter's word is local when used within this of it (and its spread)
LOCAL_SAMPLE = 40  # businesses using it looked at, per field it is filed under
BARE_KINDS = ("locality", "postal_code", "area")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SaidPlace:
    """A known place the question names: the place, the words that said it as typed ("in
    Marly"), the question without them (with them when named bare: "Rockridge bakery"), and
    whether it was named bare."""

    place: Place
    words: str
    text: str
    bare: bool


@dataclass(frozen=True)
class _Tok:
    word: str  # folded
    start: int
    end: int
    joined: bool  # joined to the word before by a hyphen or an apostrophe: "drop-in"


@dataclass(frozen=True)
class _Words:
    before: frozenset[tuple[str, ...]]
    only_before: frozenset[tuple[str, ...]]
    articles: frozenset[str]
    longest: int
    not_places: frozenset[str]  # language names and filter words: "English" is no quarter


@lru_cache(maxsize=16)
def _words(languages: frozenset[str] | None) -> _Words:
    data = phrase_data()
    before = frozenset(
        k for p in per_language(data["place_before"], languages) if (k := phrase_words(p))
    )
    only = frozenset(phrase_words(p) for p in data["place_only_before"]) & before
    not_places = {
        w for names in data["language_names"].values() for n in names for w in phrase_words(n)
    }
    return _Words(
        before,
        only,
        frozenset(w for p in data["place_articles"] for w in phrase_words(p)),
        max(map(len, before), default=1),
        frozenset(not_places),
    )


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _WORD.finditer(text):
        gap = text[out[-1].end : m.start()] if out else " "
        out.append(_Tok(fold(m.group()), m.start(), m.end(), gap in ("-", "'", "’")))
    return out


def name_docs(index: Index, term: str) -> int:
    """Businesses with ``term`` in their name (any status), as a bit set."""
    found = 0
    for fld, docs in index.term_docsets(term):
        if fld == F_NAME:
            found |= docs
    return found


def _terms(words: Iterable[str]) -> set[str]:
    return {stem(w) for w in words if len(w) > 1 and not is_stopword(w)}


def place_in_question(
    index: Index, text: str, languages: Iterable[str] | None = None
) -> SaidPlace | None:
    """The known place ``text`` names, if any (see the module's docstring for the rules)."""
    langs = None if languages is None else frozenset(language_base(t) for t in languages)
    text = unicodedata.normalize("NFC", text)
    toks = _tokens(text)
    w = _words(langs)
    gaz = index.places
    for i in range(len(toks)):
        # The place words before a name ("in der", "près de la"), longest first.
        after = _after_place_words(toks, i, w)
        for size in range(min(MAX_PLACE_WORDS, len(toks) - after), 0, -1):
            key = " ".join(t.word for t in toks[after : after + size])
            found = gaz.find(key)
            if found is None or found.kind in ("coordinates", "business"):
                continue
            bare = after == i
            name = [t.word for t in toks[after : after + size]]
            if any(x in w.not_places for x in name):
                continue  # "books in English": a language, though an entry says "in English"
            if bare and not _bare_place(index, found, name):
                continue
            if found.kind in ("quarter", "street") and not _local_word(index, found, name):
                continue  # "einmal im Monat": some entry's "im Monat" made it a quarter
            if _business_asked(index, toks, i, after, after + size):
                continue
            start, end = toks[i].start, toks[after + size - 1].end
            said = text[start:end]
            rest = text if bare else " ".join((text[:start].strip(), text[end:].strip())).strip()
            return SaidPlace(_labelled(index, found), said, rest, bare)
    return None


def _labelled(index: Index, place: Place) -> Place:
    """``place`` named as people say it: an area by its name ('Biel/Bienne'), not its id."""
    if place.kind == "area":
        for area in index.areas:
            if place_key(str(area.get("id", ""))) == place.key and area.get("name"):
                return replace(place, label=str(area["name"]))
    return place


def _after_place_words(toks: list[_Tok], i: int, w: _Words) -> int:
    """Where a name starts after place words at ``i`` ("in der", "près de la"), else ``i``."""
    for size in range(min(w.longest, len(toks) - i), 0, -1):
        if toks[i].joined:
            break  # "drop-in": a word, no place word
        if tuple(t.word for t in toks[i : i + size]) in w.before:
            j = i + size
            while j < len(toks) - 1 and toks[j].word in w.articles:
                j += 1
            return j
    return i


def _bare_place(index: Index, place: Place, said: list[str]) -> bool:
    """Whether words said without a place word before them are the place ``place``."""
    if any(stem(x) in index.phrase_terms for x in said):
        return False  # "Markt", "Bäckerei": a kind of business, first
    if place.kind in BARE_KINDS:
        return True
    if place.kind == "quarter":
        return place.count >= 2 or len(said) >= 2
    return place.kind == "street" and len(said) >= 2


def _local_word(index: Index, place: Place, said: list[str]) -> bool:
    """Whether the businesses whose texts use these words are mostly near ``place`` (a
    quarter's name is a local word: "Fruitvale"; a word an entry happened to put after "im"
    is used everywhere: "Monat"). Judged on at most LOCAL_SAMPLE of them."""
    reach = NEAR_KM + place.spread_km
    for term in _terms(said):
        docs: list[int] = []
        for _fld, a, b in index.segments(term):
            step = max(1, (b - a) // LOCAL_SAMPLE)
            docs += index.docs[a:b:step]
        if not docs:
            continue
        near = sum(
            distance_km(place.lat, place.lon, index.lat[d], index.lon[d]) <= reach for d in docs
        )
        if near * 3 < len(docs) * 2:
            return False
    return True


def _business_asked(index: Index, toks: list[_Tok], i: int, start: int, end: int) -> bool:
    """Whether a business named with the place's words (``toks[start:end]``, said from ``i``)
    is what the question asks for: its name shares another word of the question ("Bern Bikes
    repair"), or, after a place word, one of the words right after ("coffee at Lake Merritt
    Roasters"; but "bakery in Lorraine" is a place, though a "Lorraine Bakery" exists)."""
    terms = _terms(t.word for t in toks[start:end])
    if not terms:
        return False
    named = -1  # every business, until narrowed
    for term in terms:
        named &= name_docs(index, term)
        if not named:
            return False
    if start > i:  # after a place word, only a name going on counts: "at Lake Merritt Roasters"
        others = _terms(t.word for t in toks[end : end + MAX_PLACE_WORDS - 1])
    else:
        others = _terms(t.word for k, t in enumerate(toks) if not i <= k < end)
    if not others and start == i:
        return True  # the place word alone, and a business is named with it: "Lorraine"
    return any(named & name_docs(index, t) for t in others)


@dataclass(frozen=True)
class PlacePhrase:
    """Words after a word that only ever introduces a place, the text without them, and the
    business they name (its document), if exactly one open business is named so."""

    words: str
    text: str
    business: int | None


def place_phrase(
    index: Index, text: str, languages: Iterable[str] | None = None
) -> PlacePhrase | None:
    """The place-like phrase ``text`` still has after a word that only ever introduces a place
    ("near the stadium", "near Velowerk Lorraine"), once known places and "near me" are read
    out of it; None if there is none. Search takes a business it names as the place, and says
    any other not understood."""
    langs = None if languages is None else frozenset(language_base(t) for t in languages)
    w = _words(langs)
    toks = _tokens(text)
    for i in range(len(toks)):
        for size in range(min(w.longest, len(toks) - i), 0, -1):
            if toks[i].joined or tuple(t.word for t in toks[i : i + size]) not in w.only_before:
                continue
            j = i + size
            while j < len(toks) and toks[j].word in w.articles:
                j += 1
            end = j
            while end < len(toks) and end - j < MAX_PLACE_WORDS and not is_stopword(toks[end].word):
                end += 1
            if end == j:
                break
            start, stop = toks[i].start, toks[end - 1].end
            rest = " ".join((text[:start].strip(), text[stop:].strip())).strip()
            return PlacePhrase(text[start:stop], rest, _one_business(index, toks[j:end]))
    return None


def business_place(index: Index, doc: int) -> Place:
    """Business ``doc`` as a place: its point, named by its name."""
    name = index.names[doc]
    return Place(place_key(name), name, "business", index.lat[doc], index.lon[doc], 1)


def _one_business(index: Index, toks: list[_Tok]) -> int | None:
    """The one open business whose name has every one of these words, else None."""
    named = -1
    for term in _terms(t.word for t in toks):
        named &= name_docs(index, term)
        if not named:
            return None
    named &= index.with_status("open", "temporarily_closed")
    if named <= 0 or named.bit_count() != 1:
        return None
    return named.bit_length() - 1
