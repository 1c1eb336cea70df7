"""What a question's words imply besides what to look for: filters, read from phrase data.

"Töpferkurs rollstuhlgängig" asks for a pottery course (the content words)
that is wheelchair accessible (a filter); "Kafi ohni Musig in der Nähe" for a
café, not a music venue, near the asker. Search applies such filters as it
applies its options (``--wheelchair``, ``--open-at``, ``--language``), and
says so, so a question's words never silently count as things to look for
("near", "open", "sunday") nor silently vanish.

The phrases, per language, are data: ``data/question.yaml`` (wheelchair,
place, opening time, spoken language, negation, and what a negated word
leaves out). A phrase is matched on the question's folded words, longest
first. What looks like a filter but cannot be read ("open after the match")
is returned in ``unread``, for the answer to say, not guessed. A negation covers
the thing negated ("ohne Fleisch essen": 'Fleisch'; see negated_span), not the
rest of the question. A negated thing that businesses say of themselves
("gelati senza latte", "lactose-free", "laktosefrei": the index files it, see
negated_terms) is what they offer: its words stay words to look for, those
businesses are kept, and ``free_from`` says so; without an index to ask, a
fixed list of such words is read so ("sans gluten", "sin alcohol").

Example::

    q = read_question("Töpferkurs rollstuhlgängig offen am Sonntag")
    q.text, q.wheelchair, q.open_at.weekday   # ('Töpferkurs', 'rollstuhlgängig', 6)
    read_question("Kafi ohni Musig").without[0].topic   # 'music'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from .hours import on_24h_clock
from .text import DATA, STOPWORDS, fold, is_stopword, phrase_key, stem
from .text import words as folded_words

MAX_NEGATED = 3  # words a negation reaches: "without loud live music"
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}(?:[:.h]\d{2})(?:\s?[ap]\.?m\.?)?(?![\w:])"
    r"|\d{1,2}\s?(?:[ap]\.?m\.?|uhr|h)(?!\w))"
    r"|(?P<word>[^\W_]+)",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s?(?:([ap])\.?m\.?|uhr|h)?$")
_BREAK = re.compile(r"[,;.!?()\[\]]")


@dataclass(frozen=True)
class OpenAt:
    """When the question wants businesses open: now, a day (any time of it), or a day and time.

    ``weekday`` is 0 for Monday; ``offset`` counts days from today (0 today, 1 tomorrow);
    with neither, today. ``before`` means "until then": a minute before ``hour:minute``.
    """

    words: str
    now: bool = False
    weekday: int | None = None
    offset: int | None = None
    hour: int | None = None
    minute: int = 0
    before: bool = False


@dataclass(frozen=True)
class Spoken:
    """A language the question wants spoken: its code and the words that said it."""

    code: str
    words: str


@dataclass(frozen=True)
class Without:
    """Words the question negates ("ohne Fleisch"): their terms, and the topic they name.

    ``implied`` is true for a word that means it without a negation ("somewhere quiet").
    ``offered``: businesses say the same of themselves ("gelati senza latte"), so it is what
    they offer: its words stay words to look for, those businesses are kept (though they name
    milk elsewhere), and a business that names it only otherwise is left out.
    """

    words: str
    terms: tuple[str, ...]
    topic: str | None = None
    implied: bool = False
    offered: bool = False


@dataclass(frozen=True)
class Question:
    """A question read: ``text`` is what is left to look for, as typed; the rest are filters."""

    text: str
    wheelchair: str | None = None  # the words that asked for it
    open_at: OpenAt | None = None
    languages: tuple[Spoken, ...] = ()
    without: tuple[Without, ...] = ()
    free_from: tuple[str, ...] = ()  # negated words kept as words: "sans gluten"
    near: str | None = None  # "near me" and its kin, as typed
    unread: tuple[str, ...] = ()  # looks like a filter, cannot be read


@dataclass(frozen=True)
class Topic:
    """What a negated word leaves out: categories, and businesses whose text names ``words``."""

    name: str
    words: frozenset[str]  # folded
    categories: tuple[str, ...]
    implied_by: frozenset[str]


@dataclass(frozen=True)
class _Token:
    word: str  # folded
    start: int
    end: int
    time: bool  # a clock time ("10:00", "8pm", "20 Uhr")
    breaks: bool  # punctuation between this token and the one before


@lru_cache(maxsize=1)
def phrase_data() -> dict[str, Any]:
    """``data/question.yaml`` as read."""
    data: dict[str, Any] = yaml.safe_load((DATA / "question.yaml").read_text("utf-8"))
    return data


def phrase_words(text: str) -> tuple[str, ...]:
    """A phrase as the folded words it is compared by: "Rollstuhl-gängig" -> ('rollstuhl',
    'gangig')."""
    return tuple(fold(m.group()) for m in _TOKEN.finditer(unicodedata.normalize("NFC", text)))


def language_base(tag: str) -> str:
    """The language whose phrases a tag reads: 'es-US' -> 'es', 'gsw' -> 'de'."""
    base = tag.split("-")[0].lower()
    return "de" if base == "gsw" else base


def per_language(section: dict[str, list[str]], languages: frozenset[str] | None) -> list[str]:
    """The phrases of ``section`` in ``languages`` (bases, see language_base; all if None)."""
    return [
        p
        for tag, ps in section.items()
        if languages is None or language_base(tag) in languages
        for p in ps
    ]


@lru_cache(maxsize=1)
def topics() -> dict[str, Topic]:
    """Negation topics by name (``music``: music venues, and texts naming live music)."""
    out = {}
    for name, t in (phrase_data().get("topics") or {}).items():
        out[name] = Topic(
            name,
            frozenset(w for p in t["words"] for w in phrase_words(p)),
            tuple(t.get("categories") or ()),
            frozenset(w for p in t.get("implied_by") or () for w in phrase_words(p)),
        )
    return out


@dataclass(frozen=True)
class _Phrases:
    table: dict[tuple[str, ...], tuple[str, str]]  # key -> (kind, value)
    longest: int
    at: frozenset[tuple[str, ...]]
    ends: frozenset[str]
    free_from: frozenset[str]
    weak: frozenset[tuple[str, ...]]
    # Phrases read with inflected words too ("barrierefreies"), by the bases of their first word.
    inflected: dict[str, list[tuple[tuple[str, ...], str, str]]]
    endings: tuple[str, ...]


@lru_cache(maxsize=16)
def _phrases(languages: frozenset[str] | None) -> _Phrases:
    data = phrase_data()
    table: dict[tuple[str, ...], tuple[str, str]] = {}

    def add(kind: str, value: str, phrases: Iterable[str]) -> None:
        for p in phrases:
            key = phrase_words(p)
            if key:
                table.setdefault(key, (kind, value))  # the first kind listed wins

    add("wheelchair", "", per_language(data["wheelchair"], languages))
    add("near", "", per_language(data["near"], languages))
    for code, names in data["language_names"].items():
        for tag, patterns in data["speaking"].items():
            if languages is not None and language_base(tag) not in languages:
                continue
            for pattern in patterns:
                for name in names:
                    if pattern.startswith("{lang}") and pattern[6:7].isalpha():
                        if " " in name:
                            continue  # a compound: "spanischsprachig"
                        add("speak", code, [name + pattern[6:]])
                    else:
                        add("speak", code, [pattern.replace("{lang}", name)])
    for code, words in (data.get("speaking_words") or {}).items():
        add("speak", code, words)
    add("now", "", per_language(data["now"], languages))
    add("open", "", per_language(data["open"], languages))
    for day, names in enumerate(data["days"]):
        add("day", str(day), names)
    add("offset", "0", data["today"])
    add("offset", "1", data["tomorrow"])
    add("plain", "", data.get("not_time") or ())
    add("tonight", str(data["tonight_at"]), data["tonight"])
    add("tonight", str(data["late_at"]), data.get("late") or ())
    add("after", "", data["after"])
    add("until", "", data["until"])
    add("without", "", per_language(data["without"], languages))
    endings = tuple(sorted(data.get("inflections") or (), key=len, reverse=True))
    kinds = set(data.get("inflected_kinds") or ())
    inflected: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
    for key, (kind, value) in table.items():
        if kind in kinds:
            for base in _bases(key[0], endings):
                inflected.setdefault(base, []).append((key, kind, value))
    return _Phrases(
        table,
        max(map(len, table)),
        frozenset(phrase_words(p) for p in data["at"]),
        frozenset(w for p in data["and"] for w in phrase_words(p)),
        frozenset(x for p in data["free_from"] for w in phrase_words(p) for x in (w, stem(w))),
        frozenset(phrase_words(p) for p in data.get("weak_without") or ()),
        inflected,
        endings,
    )


INFLECTED_MIN = 6  # letters of a word read with an inflection ending
STEM_MIN = 5  # letters left of it


def _bases(word: str, endings: tuple[str, ...]) -> set[str]:
    """A word's possible stems without one inflection ending: 'barrierefreies' ->
    {'barrierefreies', 'barrierefreie', 'barrierefrei'}; a short word is only itself."""
    if len(word) < INFLECTED_MIN:
        return {word}
    found = {word}
    for e in endings:
        if word.endswith(e) and len(word) - len(e) >= STEM_MIN:
            found.add(word[: -len(e)])
    return found


def inflected_match(
    said: tuple[str, ...], phrase: tuple[str, ...], endings: tuple[str, ...]
) -> bool:
    """Whether the folded words ``said`` are ``phrase`` with inflected endings: 'accessibili'
    is 'accessibile', 'rollstuhlgangigen' is 'rollstuhlgangig' (the same stem, one ending).
    Words of fewer than INFLECTED_MIN letters on either side match only as they are."""
    return len(said) == len(phrase) and all(
        s == p
        or (min(len(s), len(p)) >= INFLECTED_MIN and bool(_bases(s, endings) & _bases(p, endings)))
        for s, p in zip(said, phrase, strict=True)
    )


def _tokens(text: str) -> list[_Token]:
    text = unicodedata.normalize("NFC", text)
    out: list[_Token] = []
    end = 0
    for m in _TOKEN.finditer(text):
        gap = text[end : m.start()]
        out.append(
            _Token(
                fold(m.group()),
                m.start(),
                m.end(),
                m.group("time") is not None,
                bool(_BREAK.search(gap)) and bool(out),
            )
        )
        end = m.end()
    return out


def _clock(word: str) -> tuple[int, int] | None:
    """(hour, minute) of a clock time or a bare hour: '8pm' (20, 0), '10h30', '20 uhr', '9'."""
    m = _CLOCK.match(word.replace(" ", ""))
    if not m:
        return None
    return on_24h_clock(int(m.group(1)), int(m.group(2) or 0), m.group(3))


def read_question(
    text: str,
    languages: Iterable[str] | None = None,
    said_negated: Callable[[tuple[str, ...]], bool] | None = None,
) -> Question:
    """What ``text`` asks for and implies, read with the phrases of ``languages`` (all if None).

    ``languages`` are the directory's (tags such as ``de`` or ``es-US``; Swiss German
    comes with ``de``, Californian Spanish with ``es``). Day and time words are read in
    every language: they are unambiguous. ``said_negated(terms)``: whether some business says
    it is without all of those terms (an index's NEGATED terms, see negated_terms); such a
    negation is ``offered`` (see Without). Without it, only the ``free_from`` words of the
    phrase data are read as offers.
    """
    langs = None if languages is None else frozenset(language_base(t) for t in languages)
    return _Reader(text, _phrases(langs), said_negated).read()


class _Reader:
    """One question being read: which tokens are consumed, and what they said."""

    def __init__(
        self,
        text: str,
        phrases: _Phrases,
        said_negated: Callable[[tuple[str, ...]], bool] | None = None,
    ) -> None:
        self.text = unicodedata.normalize("NFC", text)
        self.p = phrases
        self.said_negated = said_negated
        self.toks = _tokens(text)
        self.used = [False] * len(self.toks)
        self.spans: dict[int, tuple[int, str, str]] = {}  # start -> (end, kind, value)
        self.unread: list[str] = []

    def said(self, i: int, j: int) -> str:
        return self.text[self.toks[i].start : self.toks[j - 1].end]

    def read(self) -> Question:
        toks, p = self.toks, self.p
        i = 0
        while i < len(toks):
            for size in range(min(p.longest, len(toks) - i), 0, -1):
                hit = p.table.get(tuple(t.word for t in toks[i : i + size]))
                if hit is not None:
                    self.spans[i] = (i + size, *hit)
                    i += size
                    break
            else:
                i = self.inflected(i)
        wheelchair = near = None
        spoken: list[Spoken] = []
        without: list[Without] = []
        free: list[str] = []
        open_at: OpenAt | None = None
        i = 0
        while i < len(toks):
            if toks[i].time or (i in self.spans and self.spans[i][1] in _TIME_KINDS):
                if self.spans.get(i, (0, ""))[1] in ("after", "until") and not self.timed(i):
                    i = self.spans[i][0]  # "nach Mass", "vor Ort", "hasta luego": no time
                    continue
                found, i = self.time_clause(i)
                if found is not None:
                    if open_at is None:
                        open_at = found
                    else:
                        self.unread.append(f"{found.words} (one time only: {open_at.words})")
                continue
            if i not in self.spans:
                i += 1
                continue
            j, kind, value = self.spans[i]
            if kind == "without":
                neg, free_words, j = self.negation(i, j)
                if neg is not None:
                    without.append(neg)
                if free_words:
                    free.append(free_words)
                i = j
                continue
            if kind == "plain":  # "por la mañana": words like any other
                i = j
                continue
            self.consume(i, j)
            if kind == "wheelchair":
                wheelchair = wheelchair or self.said(i, j)
            elif kind == "near":
                near = near or self.said(i, j)
            elif kind == "speak" and value not in {s.code for s in spoken}:
                spoken.append(Spoken(value, self.said(i, j)))
            i = j
        without += self.implied(without)
        left = " ".join(
            self.text[t.start : t.end] for t, used in zip(toks, self.used, strict=True) if not used
        )
        return Question(
            left,
            wheelchair,
            open_at,
            tuple(spoken),
            tuple(without),
            tuple(free),
            near,
            tuple(self.unread),
        )

    def inflected(self, i: int) -> int:
        """A filter phrase at ``i`` said with inflected words ("barrierefreies", "accesibles
        para sillas de ruedas"), the longest; where reading goes on."""
        toks, p = self.toks, self.p
        best: tuple[int, str, str] | None = None
        for base in _bases(toks[i].word, p.endings):
            for key, kind, value in p.inflected.get(base, ()):
                end = i + len(key)
                said = tuple(t.word for t in toks[i:end])
                if (best is None or end > best[0]) and inflected_match(said, key, p.endings):
                    best = (end, kind, value)
        if best is None:
            return i + 1
        self.spans[i] = best
        return best[0]

    def consume(self, i: int, j: int) -> None:
        for k in range(i, j):
            self.used[k] = True

    def kind(self, i: int) -> str | None:
        if i >= len(self.toks):
            return None
        if self.toks[i].time:
            return "time"
        span = self.spans.get(i)
        return span[1] if span else None

    def skip_at(self, i: int) -> int:
        """Past the words before a day or time ("on", "um", "a las"), if a day or time follows."""
        for size in (2, 1):
            key = tuple(t.word for t in self.toks[i : i + size])
            if len(key) == size and key in self.p.at:
                nxt = i + size
                if self.kind(nxt) in (*_TIME_KINDS, "time") or self.hour_at(nxt) is not None:
                    return nxt
        return i

    def timed(self, i: int) -> bool:
        """Whether a time follows the "after" or "until" at ``i`` ("bis 18 Uhr", "after 8pm")."""
        j = self.skip_at(self.spans[i][0])
        return self.kind(j) == "time" or self.hour_at(j) is not None

    def hour_at(self, i: int) -> tuple[int, int] | None:
        """A bare number read as an hour ("at 8", "a las 10"), else None."""
        if i < len(self.toks) and self.toks[i].word.isdigit() and not self.toks[i].breaks:
            return _clock(self.toks[i].word)
        return None

    def time_clause(self, i: int) -> tuple[OpenAt | None, int]:
        """The opening time said from token ``i`` on, and where the clause ends."""
        start = i
        now = opened = before = False
        weekday = offset = None
        clock: tuple[int, int] | None = None
        evening: tuple[int, int] | None = None  # "tonight": its hour unless one is said
        pending = ""  # "after"/"until" waiting for its time
        while i < len(self.toks):
            if i > start and self.toks[i].breaks:
                break
            k = self.kind(i)
            if k is None and i > start:
                nxt = self.skip_at(i)
                if nxt != i:
                    self.consume(i, nxt)
                    i = nxt
                    k = self.kind(i)
                if k is None and clock is None and self.hour_at(i) is not None:
                    # A bare number is an hour only after "at", "until", or a day: "a las 8".
                    k = "hour" if nxt != i or pending or weekday is not None else None
            if k not in (*_TIME_KINDS, "time", "hour"):
                break
            end = self.spans[i][0] if k in _TIME_KINDS and i in self.spans else i + 1
            value = self.spans[i][2] if i in self.spans else ""
            if k == "open":
                opened = True
            elif k == "now":
                now = True
            elif k == "day" and weekday is None and offset is None:
                weekday = int(value)
            elif k == "offset" and weekday is None and offset is None:
                offset = int(value)
            elif k == "tonight":
                offset = 0 if weekday is None and offset is None else offset
                evening = _clock(value)
            elif k in ("after", "until"):
                pending, before = k, k == "until"
            elif k in ("time", "hour") and clock is None:
                clock = _clock(self.toks[i].word)
                if clock is None:
                    self.consume(start, end)
                    self.unread.append(self.said(start, end))
                    return None, end
                pending = ""
            else:
                break
            self.consume(i, end)
            i = end
        if pending:
            # "open after the match": the words that follow are no time; say so, do not guess.
            stop = i
            while (
                stop < len(self.toks)
                and stop - i < MAX_NEGATED
                and not self.used[stop]
                and stop not in self.spans
                and self.toks[stop].word not in self.p.ends
                and not (stop > i and self.toks[stop].breaks)
            ):
                stop += 1
            self.consume(start, stop)
            self.unread.append(self.said(start, max(stop, start + 1)))
            return None, stop
        words = self.said(start, i)
        clock = clock or evening
        if not (now or weekday is not None or offset is not None or clock is not None):
            following = self.toks[i] if i < len(self.toks) else None
            if following is not None and not following.breaks and i not in self.spans:
                # "open mic", "offene Werkstatt", "open-air": a kind of thing, not a time.
                for m in range(start, i):
                    self.used[m] = False
                return None, i
            # "open" alone ("bakery open", "is the bakery open?"): open now.
            return (OpenAt(words, now=True) if opened else None), i
        if now and weekday is None and offset is None and clock is None:
            return OpenAt(words, now=True), i
        hour, minute = clock if clock is not None else (None, 0)
        return OpenAt(words, False, weekday, offset, hour, minute, before), i

    def negation(self, i: int, j: int) -> tuple[Without | None, str, int]:
        """The words a negation at ``i:j`` reaches; (negation, free-from words, next token).

        Its scope is the thing negated, never the rest of the question (see negated_span):
        "ohne Fleisch essen" negates "Fleisch", and "essen" stays a word to look for.
        """
        toks = self.toks
        k = j
        while k < len(toks) and is_stopword(toks[k].word) and k not in self.spans:
            k += 1
        end = k
        while (
            end < len(toks)
            and end - k < MAX_NEGATED
            and end not in self.spans
            and not toks[end].time
            and toks[end].word not in self.p.ends
            and not is_stopword(toks[end].word)
            and not (end > j and toks[end].breaks)
        ):
            end += 1
        if end == k:
            self.consume(i, j)
            self.unread.append(self.said(i, j))
            return None, "", j
        end = k + negated_span([t.word for t in toks[k:end]])
        words = [t.word for t in toks[k:end]]
        terms = tuple(stem(w) for w in words)
        said = self.said(i, end)
        topic = _topic(words)
        if self.said_negated is not None and self.said_negated(terms):
            # "gelato senza latte": what businesses say they are; its words stay. A topic's
            # negation ("ohne Musik") stays one, said as one: its words are not looked for
            # (a quiet café need not say "no music"), those that say it are only kept.
            if topic is None:
                return Without(said, terms, topic, offered=True), said, end
            self.consume(i, end)
            return Without(said, terms, topic, offered=True), "", end
        if self.said_negated is None and any(
            w in self.p.free_from or stem(w) in self.p.free_from for w in words
        ):
            # Read without an index: "sans gluten" is what a business offers; words stay.
            return None, said, end
        if topic is None and tuple(t.word for t in toks[i:j]) in self.p.weak:
            return None, "", j  # "no frena": a verb's negation, not "without"
        self.consume(i, end)
        return Without(said, terms, topic), "", end

    def implied(self, said: list[Without]) -> list[Without]:
        """Words that imply a negation by themselves ("somewhere quiet": no music)."""
        have = {w.topic for w in said}
        out = []
        for t, used in zip(self.toks, self.used, strict=True):
            if used:
                continue
            for topic in topics().values():
                if t.word in topic.implied_by and topic.name not in have:
                    have.add(topic.name)
                    out.append(Without(self.text[t.start : t.end], (), topic.name, True))
        return out


_TIME_KINDS = ("open", "now", "day", "offset", "tonight", "after", "until")


def _topic(words: list[str]) -> str | None:
    for topic in topics().values():
        if any(w in topic.words or stem(w) in topic.words for w in words):
            return topic.name
    return None


def negated_span(words: list[str]) -> int:
    """How many of ``words`` (folded content words right after a negation, up to the next
    phrase, "and" or punctuation) the negation covers: the thing negated, not the rest.

    The longest taxonomy phrase they start with ("without live music": 'live music'); else
    a topic's word and the words before it ("without loud music"); else one word. What
    follows stays words to look for ("ohne Fleisch essen": 'essen', a restaurant's word;
    "coffee without sugar to go")::

        negated_span(["fleisch", "essen"])   # 1
        negated_span(["live", "music"])      # 2
    """
    stems = tuple(stem(w) for w in words)
    for size in range(len(stems), 1, -1):
        if stems[:size] in _taxonomy_phrases():
            return size
    for size in range(len(words), 1, -1):
        if _topic(words[size - 1 : size]) is not None:
            return size
    return 1


@lru_cache(maxsize=1)
def _taxonomy_phrases() -> frozenset[tuple[str, ...]]:
    """The shared taxonomy's labels and synonyms of two words or more, as stemmed terms."""
    from ..taxonomy import load_taxonomy  # the package's data, read once

    tax, _ = load_taxonomy()
    if tax is None:
        return frozenset()
    names = (
        n
        for c in tax.categories
        for n in (*c.labels.values(), *(s for ss in c.synonyms.values() for s in ss))
    )
    return frozenset(key for n in names if len(key := phrase_key(n)) > 1)


# The index term of a thing a business's text says it is without ("senza latte": '~latt'). No
# typed word starts so (terms are letters and digits), so no prefix or typo reaches it.
NEGATED = "~"


def negated_terms(text: str) -> set[str]:
    """``~<term>`` for each thing ``text`` says it is without, as an index files it.

    A negation word before ("senza latte", "sans lactose", "sin azúcar", "no added sugar"),
    up to MAX_NEGATED content words, or a "free" word after or joined ("lactose-free",
    "alcohol free", "laktosefrei", "glutenfreie"). Search reads a question's negated word
    that businesses say so as what they offer (see read_question's ``said_negated``)::

        negated_terms("Gelati senza latte, anche al latte")   # {'~latt'}
        negated_terms("Laktosefreie Milch")                   # {'~laktos'}
    """
    folded = fold(text)
    free = "free" in folded or "frei" in folded
    if not free and _negation_hints().isdisjoint(_WORDS.findall(folded)):
        return set()
    before, after = negation_words(), negation_after_words()
    ws = folded_words(text)
    found: set[str] = set()
    for i, w in enumerate(ws):
        if w in before and (w not in after or (i + 1 < len(ws) and ws[i + 1] in STOPWORDS)):
            # "free" negates what follows only as "free of", else what precedes it.
            k, n = i + 1, 0
            while k < len(ws) and ws[k] in STOPWORDS and n == 0 and k - i <= 2:
                k += 1  # "pas de sucre", "sans aucun additif"
            while k < len(ws) and n < MAX_NEGATED and ws[k] not in STOPWORDS:
                if ws[k] not in before and ws[k] not in after:
                    found.add(NEGATED + stem(ws[k]))
                k, n = k + 1, n + 1
        elif w in after and i and ws[i - 1] not in STOPWORDS:
            found.add(NEGATED + stem(ws[i - 1]))
        else:
            m = _JOINED_FREE.fullmatch(w)
            if m:
                found.add(NEGATED + stem(m.group(1)))
    return found


_JOINED_FREE = re.compile(r"([a-z]{4,}?)(?:frei|free)(?:e|en|er|es)?")


_WORDS = re.compile(r"[a-z]+")


class NegationScreen:
    """Whether a text may say it is without something, decided per distinct token, once.

    An index build reads millions of texts with few distinct whitespace-separated tokens
    (as :class:`~quartier.discover.text.TermCache` does for terms): a dict lookup per token
    at C speed replaces folding and matching every text, and only texts that pass are read
    by :func:`negated_terms`::

        screen = NegationScreen()
        screen.may_negate("Gelati senza latte")   # True
        screen.may_negate("Fresh bread daily")    # False
    """

    def __init__(self) -> None:
        self.seen: dict[str, bool] = {}

    def may_negate(self, text: str) -> bool:
        tokens = text.split()
        try:
            return any(map(self.seen.__getitem__, tokens))
        except KeyError:
            hints = _negation_hints()
            for token in tokens:
                if token not in self.seen:
                    folded = fold(token)
                    self.seen[token] = (
                        "free" in folded
                        or "frei" in folded
                        or not hints.isdisjoint(_WORDS.findall(folded))
                    )
            return any(map(self.seen.__getitem__, tokens))


@lru_cache(maxsize=1)
def _negation_hints() -> frozenset[str]:
    """The folded words that may start a negation: a cheap test (a set lookup per word of
    the folded text, about 10x faster than one regex of them all) before reading its words;
    "free" and "frei" in the text ("lactose-free", "laktosefrei") are tested apart."""
    return frozenset(fold(w) for w in (*negation_words(), *negation_after_words()))


@lru_cache(maxsize=1)
def negation_words() -> frozenset[str]:
    """Folded words that negate what follows, in every language: to tell a business's "no
    music" from its "live music" when its text names a negated topic."""
    found = {w for ps in phrase_data()["without"].values() for p in ps for w in phrase_words(p)[:1]}
    found.update(phrase_data().get("negating") or ())
    return frozenset(fold(w) for w in found)  # 'nöd', 'zéro' as texts' folded words read


@lru_cache(maxsize=1)
def negation_after_words() -> frozenset[str]:
    """Folded words that negate the word before them: "meat-free", "music free"."""
    return frozenset(fold(w) for w in phrase_data().get("negating_after") or ())
