"""Text -> tokens with one sense each: the first two steps of :mod:`quartier.hours_fix`.

Comments in any quotes, times (``7h30``, ``12.30``, ``10am``), numbers,
words and punctuation, by bounded patterns matched once at each position
(linear in the text, no backtracking); then word sequences with one meaning
(``every day``, ``24/7``) joined, and every word given its sense.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ._words import _PHRASES, _RANGE_WORDS, LANGUAGES, _CannotTell, _fold, _lexicon, _Sense

# --- tokens ----------------------------------------------------------------
_TOKEN = re.compile(
    r"""
    (?P<colon_time>(?P<ch>\d{1,2})(?::|[^\S\n]?[hH][^\S\n]?)(?P<cm>\d{2})(?!\d))
    |(?P<dot_time>(?P<dh>\d{1,2})\.(?P<dm>\d{2})(?![\d.]))
    |(?P<h_time>(?P<hh>\d{1,2})[^\S\n]?[hH](?![^\W\d_]))
    |(?P<number>\d{1,9})
    |(?P<word>[^\W\d_]{1,40}(?:'[^\W\d_]{0,40})?\.?)
    |(?P<or>\|\|)
    |(?P<punct>[-,;:/+\[\]()&=.])
    """,
    re.VERBOSE,
)
_SPACE = re.compile(r"[^\S\n]+")  # a new line separates rules: it is a token
_AMPM = re.compile(r"[^\S\n]?([aApP])\.?[^\S\n]?[mM]\.?(?![^\W\d_])")
_TIME_SUFFIX = re.compile(r"[^\S\n]?(?:uhr|hrs|hs|h)\.?(?![^\W\d_])", re.IGNORECASE)
_PREFIX = re.compile(r"(?:opening_hours\s*=|[öo]ffnungszeit(?:en)?\s*:?)\s*", re.IGNORECASE)
# Opening quote -> the quotes that may close it.
_QUOTES = {
    '"': '"',
    "'": "'",
    "„": '“”"',
    "“": "”“",
    "”": "”",
    "«": "»",
    "»": "«",
    "「": "」",
    "『": "』",
    "‚": "‘’",
    "‘": "’‘",
    "’": "’",
}
# After NFKC (which turns fullwidth and superscript digits, '：' and '～' into ASCII).
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー~→", "-") | {"’": "'"})


@dataclass(slots=True)
class _Token:
    kind: str  # time, number, word, comment, or the punctuation mark itself
    text: str = ""
    hour: int = 0
    minute: int = 0
    ampm: str = ""  # "a" or "p" when written
    exact: bool = False  # two-digit hour and minutes: written the OSM way
    all_day: bool = False  # '24h'
    minutes: bool = False  # written with minutes: '9:30', '9h30', '9.30'
    sense: _Sense | None = None


def _segments(text: str) -> Iterator[tuple[str, str]]:
    """('code', text) and ('comment', text) parts; comments may use any quotes."""
    pos, start = 0, 0
    while pos < len(text):
        char = text[pos]
        if char in _QUOTES and not _apostrophe(text, pos):
            # One search for the nearest closing quote of any kind: a search per kind would
            # run to the end of the text for each kind it lacks, at every opening quote.
            found = _closer(char).search(text, pos + 1)
            if found is None or '"' in text[pos + 1 : found.start()]:
                raise _CannotTell
            close = found.start()
            yield "code", text[start:pos]
            yield "comment", text[pos + 1 : close]
            pos = start = close + 1
        else:
            pos += 1
    yield "code", text[start:]


@lru_cache(maxsize=len(_QUOTES))
def _closer(opening: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(_QUOTES[opening]) + "]")


def _apostrophe(text: str, pos: int) -> bool:
    """An apostrophe inside a word (jusqu'à), not a quote."""
    return (
        text[pos] in "'’"
        and 0 < pos < len(text) - 1
        and text[pos - 1].isalpha()
        and text[pos + 1].isalpha()
    )


def _tokens(text: str) -> list[_Token]:
    """The text's tokens, left to right; _CannotTell on a character no rule reads."""
    tokens: list[_Token] = []
    for kind, part in _segments(text):
        if kind == "comment":
            tokens.append(_Token("comment", part))
            continue
        code = unicodedata.normalize("NFKC", part).translate(_DASHES)
        pos = 0
        while pos < len(code):
            space = _SPACE.match(code, pos)
            if space:
                pos = space.end()
                continue
            if code[pos] == "\n":
                pos += 1
                tokens.append(_Token("newline"))
                continue
            found = _TOKEN.match(code, pos)
            if found is None:
                raise _CannotTell
            pos = found.end()
            if found.group("word"):
                tokens.append(_Token("word", _fold(found.group("word"))))
            elif found.group("or"):
                tokens.append(_Token("||"))
            elif found.group("punct"):
                tokens.append(
                    _Token("and" if found.group("punct") == "&" else found.group("punct"))
                )
            else:
                token, pos = _time_token(found, code, pos)
                tokens.append(token)
                if code[found.end() : pos].strip(" .").lower().endswith("uhr"):
                    tokens.append(_Token("word", "uhr"))  # says the text is German
    return tokens


def _time_token(found: re.Match[str], text: str, pos: int) -> tuple[_Token, int]:
    """A time or a number, with the am/pm and 'Uhr'/'h' written after it."""
    if found.group("number"):
        digits = found.group("number")
        token = _Token("number", digits, hour=int(digits))
    else:
        hour = found.group("ch") or found.group("dh") or found.group("hh")
        minute = found.group("cm") or found.group("dm") or "0"
        token = _Token("time", hour=int(hour), minute=int(minute))
        token.exact = len(hour) == 2 and found.group("h_time") is None
        token.all_day = found.group("h_time") is not None and token.hour == 24
        token.minutes = found.group("h_time") is None
    if len(token.text) > 2:  # a year, not an hour
        return token, pos
    ampm = _AMPM.match(text, pos)
    if ampm:
        token.kind, token.ampm, token.exact = "time", ampm.group(1).lower(), False
        pos = ampm.end()
    suffix = _TIME_SUFFIX.match(text, pos)
    if suffix:
        token.kind = "time"
        pos = suffix.end()
    return token, pos


# --- words -> senses -----------------------------------------------------------
def _phrases(tokens: list[_Token]) -> list[_Token]:
    """Word sequences with one meaning (``every day``, ``24/7``) as one token each."""
    keys = [_key(t) for t in tokens]
    by_first = _phrases_by_first()
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for words, kind, value in by_first.get(keys[i], ()):
            if tuple(keys[i : i + len(words)]) == words:
                out.append(_Token("word", " ".join(words), sense=_Sense(kind, value)))
                i += len(words)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


@lru_cache(maxsize=1)
def _phrases_by_first() -> dict[str, list[tuple[tuple[str, ...], str, str]]]:
    """_PHRASES by their first word, longest first: one look-up per token."""
    found: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
    for phrase, meaning in _PHRASES.items():
        kind, _, value = meaning.partition(" ")
        words = tuple(phrase.split())
        found.setdefault(words[0], []).append((words, kind, value))
    for candidates in found.values():
        candidates.sort(key=lambda c: -len(c[0]))
    return found


def _key(token: _Token) -> str:
    """How a token is spelt in _PHRASES."""
    if token.kind in ("word", "number"):
        return token.text
    if token.kind == "time" and not token.minute and not token.ampm:
        return str(token.hour)
    return token.kind


def _senses(tokens: list[_Token], language: str | None) -> list[_Token]:
    """Give every word its one sense, by the language the text is in; drop filler words."""
    lexicon = _lexicon()
    found: list[tuple[int, tuple[_Sense, ...]]] = []
    for at, token in enumerate(tokens):
        if token.kind == "word" and token.sense is None:
            senses = lexicon.get(token.text, ())
            if not senses:
                raise _CannotTell  # a word we do not know may change everything
            found.append((at, senses))
    support = dict.fromkeys(LANGUAGES, 0.0)
    for _at, senses in found:
        for language_ in frozenset().union(*(s.languages for s in senses if not s.weak)):
            support[language_] += 1
    if language in support:
        support[language] += 0.5
    for at, senses in found:
        tokens[at].sense = _choose(_by_partner(tokens, at, senses), support)
    out: list[_Token] = []
    for index, token in enumerate(tokens):
        if token.kind == "." and index and tokens[index - 1].kind in ("number", "time"):
            continue  # 'Dec 24.', '18.30 Uhr.'
        if token.sense is None or token.sense.kind != "skip":
            out.append(token)
    return out


def _by_partner(tokens: list[_Token], at: int, senses: tuple[_Sense, ...]) -> tuple[_Sense, ...]:
    """A word that is a day or a month ('mar') is what the other end of its range or list is."""
    kinds = {s.kind for s in senses}
    if not {"day", "month"} <= kinds:
        return senses
    lexicon = _lexicon()
    for step in (-2, 2):
        joint, partner = at + step // 2, at + step
        if not 0 <= partner < len(tokens):
            continue
        joiner = tokens[joint]
        if joiner.kind in ("-", ",") or (joiner.kind == "word" and joiner.text in _RANGE_WORDS):
            other = {s.kind for s in lexicon.get(tokens[partner].text, ())}
            if len(other) == 1 and other <= kinds:
                return tuple(s for s in senses if s.kind in other)
    return senses


def _choose(senses: tuple[_Sense, ...], support: dict[str, float]) -> _Sense:
    """The one sense the text's language gives a word; _CannotTell when that stays open."""
    spanish = support["es"] >= 1 and support["es"] == max(support.values())
    usable = [s for s in senses if not s.weak or spanish]

    def score(sense: _Sense) -> float:
        return max((support[lang] for lang in sense.languages), default=0.0)

    best = max((score(s) for s in usable), default=0.0)
    chosen = {(s.kind, s.value) for s in usable if score(s) == best}
    if len(chosen) != 1:
        raise _CannotTell
    kind, value = chosen.pop()
    return _Sense(kind, value)
