"""Words as search compares them: folded, lowercased, lightly stemmed, in any language.

The directory is multilingual and people type queries without accents, with
typos and in the plural, so both the index and the query go through the same
steps: Unicode compatibility decomposition with accents dropped (``vélo`` ->
``velo``, ``Bäckerei`` -> ``backerei``), lower case, split on anything that
is not a letter or digit, function words dropped (English, German, French,
Italian and Spanish from the ``stop-words`` package, Swiss German and the
words of "near me" from ``data/stopwords.yaml``; checked as written, so the
French ``thé`` is tea and the English ``the`` nothing), and one plural or
inflection suffix stripped (``Velos``, ``bikes``, ``soldering``). The stemmer
is deliberately tiny and language-agnostic: the same rule on both sides is
what matters, and the taxonomy's synonyms do the real cross-language work.

Example::

    terms("Réparation de vélos à la Lorraine")   # ['reparation', 'velo', 'lorrain']
    terms("the thé")                             # ['the']: the French tea, not the article
    edits1("bicyl") & {"bicycl"}                 # typo tolerance: {'bicycl'}
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import yaml

_WORD = re.compile(r"[^\W_]+")
_MARKS = re.compile(r"[\u0300-\u036f]")
# Letters that NFKD does not decompose into a base letter and an accent.
_SPECIAL_CHARS = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("đ", "d"), ("ł", "l"))
DATA = Path(__file__).resolve().parents[1] / "data"


def word_list(text: str) -> list[str]:
    return text.split()


def _load_stopwords() -> tuple[frozenset[str], frozenset[str]]:
    """(stop words as written, their folded forms), from the `stop-words` lists and our data."""
    from stop_words import get_stop_words

    data = yaml.safe_load((DATA / "stopwords.yaml").read_text("utf-8"))
    found: set[str] = set()
    for lang in STOPWORD_LANGUAGES:
        found.update(w.lower() for w in get_stop_words(lang))
    for extra in data["add"].values():
        found.update(w.lower() for w in extra)
    keep = {w.lower() for w in data["keep"]}
    found = {w for w in found - keep if _WORD.fullmatch(w)}
    return frozenset(found), frozenset(fold(w) for w in found) - {fold(w) for w in keep}


# The languages of Quartier's interface and taxonomy, whose function words are dropped wherever
# they occur: a query or a text seldom says which language it is in. A word is checked as it is
# written, before accents are dropped, so the French 'thé' stays while the English 'the' goes.
STOPWORD_LANGUAGES = ("en", "de", "fr", "it", "es")
# One suffix is stripped, longest first; the stem keeps at least three letters.
_SUFFIXES = ("ungen", "innen", "ies", "ing", "en", "es", "er", "e", "s")
_VOWELS = ("a", "o", "i")


def fold(text: str) -> str:
    """Lower case without accents: 'Vélo Bäckerei' -> 'velo backerei'."""
    text = text.lower()
    if text.isascii():
        return text
    for char, plain in _SPECIAL_CHARS:
        if char in text:
            text = text.replace(char, plain)
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> list[str]:
    """Folded words of ``text``, stopwords kept: 'Thé vert' -> ['the', 'vert']."""
    return _WORD.findall(fold(text))


_STOP_WRITTEN, _STOP_FOLDED = _load_stopwords()
# The lists' version, for the index's stamp: another version may drop other words.
STOPWORDS_VERSION = metadata.version("stop-words")
# Function words of every language above, folded (as :func:`words` gives them). A typed word is
# compared as typed: see :func:`is_stopword`.
STOPWORDS = _STOP_FOLDED


def is_stopword(word: str) -> bool:
    """Whether a lower-case word as written is a function word: 'the', 'wir', 'que' are, 'thé'
    is not (an accent says it is not the English article); 'fur' is (für typed plainly)."""
    if word in _STOP_WRITTEN:
        return True
    return word.isascii() and word in _STOP_FOLDED


def content_words(text: str) -> list[str]:
    """Folded words of ``text`` without function words and 1-letter words, in order.

    'The thé at the Bäckerei' -> ['the', 'backerei']: the first 'the' is the English article,
    the second the French tea.
    """
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)  # 'e' + a combining accent is one letter
    return [fold(w) for w in _WORD.findall(text) if len(w) > 1 and not is_stopword(w)]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """One inflection suffix off: 'velos' -> 'velo', 'bakeries' -> 'bakery', 'blumen' -> 'blum'."""
    n = len(word)
    if n < 4 or word.isdigit():
        return word
    if word.endswith("ss"):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and n - len(suffix) >= 3:
            if suffix == "ies":
                return word[:-3] + "y"
            return word[: n - len(suffix)]
    if n >= 6 and word.endswith(_VOWELS):
        return word[:-1]
    return word


def _token_terms(token: str) -> frozenset[str]:
    return frozenset(stem(w) for w in content_words(token))


class TermCache:
    """The searchable terms of texts, worked out once per distinct whitespace-separated token.

    Indexing 100,000 businesses meets some twenty million tokens but few distinct
    ones, so splitting on whitespace and reading a dict through ``map()`` (both at C
    speed) replaces folding, punctuation and stemming per token. Nearly every token
    gives one term or none; the few that give several ('second-hand') are kept
    apart so that the common case needs no set union. One cache per index build:
    its keys, in the order met, are the words that :meth:`surface` shows.
    """

    # Stands for "several terms": no term can contain a NUL (terms are runs of letters).
    SEVERAL = "\0"

    def __init__(self) -> None:
        self.one: dict[str, str] = {}  # token -> its single term, "" for none, or SEVERAL
        self.many: dict[str, frozenset[str]] = {}  # token -> its terms, when several

    def _learn(self, tokens: list[str]) -> None:
        for token in tokens:
            if token not in self.one:
                found = _token_terms(token)
                if len(found) > 1:
                    self.many[token] = found
                    self.one[token] = self.SEVERAL
                else:
                    self.one[token] = next(iter(found), "")

    def terms(self, text: str) -> set[str]:
        """The distinct searchable terms of ``text``."""
        found = self.file(text, 0, {})
        found.pop("", None)
        return set(found)

    def file(self, text: str, where: int, into: dict[str, int]) -> dict[str, int]:
        """``into`` with ``[term] = where`` for every term of ``text`` (and a "" key for none).

        Filing one text after another leaves each term where it was filed last:
        an index build files a business's fields from the least to the most
        important, with no set per field and no set difference. An empty
        ``into`` is not filled but replaced (the long texts often come first).
        """
        # No lower() here: a token's terms are folded anyway, so 'Velo' and 'velo' are two
        # keys giving the same term, which costs less than lowering every text.
        tokens = text.split()
        try:
            found = dict.fromkeys(map(self.one.__getitem__, tokens), where)
        except KeyError:
            self._learn(tokens)
            found = dict.fromkeys(map(self.one.__getitem__, tokens), where)
        if into:
            into.update(found)
        else:
            into = found
        if self.SEVERAL in into:
            del into[self.SEVERAL]
            for token in tokens:
                if token in self.many:
                    into.update(dict.fromkeys(self.many[token], where))
        return into

    def surface(self) -> dict[str, str]:
        """Term -> the shortest word that gives it ('cafe' rather than 'cafes'), of equally
        short ones the first met."""
        out: dict[str, str] = {}
        for raw in self.one:
            for w in words(raw):
                t = stem(w)
                known = out.get(t)
                if known is None or len(w) < len(known):
                    out[t] = w
        return out


def terms(text: str) -> list[str]:
    """The searchable terms of ``text``: folded, stemmed, stopwords and 1-letter words dropped."""
    return [stem(w) for w in content_words(text)]


def phrase_key(text: str) -> tuple[str, ...]:
    """A label or synonym as a term sequence, for matching inside a query's content words.

    Function words are left out as :func:`content_words` leaves them out of the query
    ('salon de thé' -> ('salon', 'the')), unless the phrase has nothing else ('bien-être').
    """
    found = content_words(text)
    return tuple(stem(w) for w in (found or words(text)))


_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _ALPHABET]
    inserts = [a + c + b for a, b in splits for c in _ALPHABET]
    return set(deletes + transposes + replaces + inserts)
