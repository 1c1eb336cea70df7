"""Opening hours as owners write them, turned into the OpenStreetMap value that means the same.

Owners copy hours from the shop door: ``Mo: 10:00-12:00``, ``8-18 Uhr``,
``Lu-Ve 7h-18h30``, ``Mon-Sat 10am-6pm, Sun noon-5pm``, ``12:00–14:00`` with
an en dash. OpenStreetMap's ``opening_hours`` syntax refuses all of them, and
an error that only says where the parser stopped does not tell the owner
what to write. :func:`propose` reads such a text and answers with the exact
value to use, or None when it cannot tell::

    propose("Lu-Ve 7h-18h30, sa 7h-16h")      # 'Mo-Fr 07:00-18:30; Sa 07:00-16:00'
    propose("Mo – Fr: 9 – 12 Uhr und Mo, Di, Do: 15 – 18 Uhr")
    # 'Mo-Fr 09:00-12:00, Mo,Tu,Th 15:00-18:00' (the afternoon is added, not replacing)
    propose("Wed-Fri 2-7pm")                   # 'We-Fr 14:00-19:00'
    propose("9-5")                             # None: 09:00-05:00, or nine to five?

It never guesses: a text it cannot read whole (an unknown word, ``11-6``,
``Do`` in a text that does not say whether it is German or Spanish) gets no
proposal, and every proposal is parsed by the same parser that validates
entries. ``quartier validate`` shows it as the fix of the error ("did you
mean ...?") and the issue-form intake uses it; nothing rewrites a file.

How it reads, in three steps (each linear in the text's length; texts longer
than :data:`MAX_LENGTH` get no proposal at all):

1. *tokens*: comments in any quotes, times (``7h30``, ``12.30``, ``10am``),
   numbers, words, punctuation; every pattern is bounded, so no input can
   make a regular expression backtrack;
2. *words*: day and month names of en, de, fr, it and es, holidays, "closed",
   "to"/"bis"/"à", "and"/"und"/"et"; a word that means different things in
   different languages (``Di`` is Tuesday in German, Sunday in French) takes
   the meaning of the language the rest of the text is in;
3. *rules*: day selectors, times and states grouped into OSM rules. Rules
   the owner separated with a comma, "and" or a line break are joined with
   ``;`` when they are about different days; "and" over the same days adds
   (an OSM ``,`` rule); a later rule that closes days or names holidays or
   dates replaces; any other overlap is unclear and gets no proposal.

Measured against the reference library's own test values in
tests/cases/hours/README.md. Why not a library: opening_hours.js (the
reference) is JavaScript; the Python ones on PyPI either only parse valid
values (opening-hours-py, which checks every proposal here), read English
alone into their own JSON (parse-opening-hours, 2021), or are AGPL and
unmaintained since 2019 with an Earley parser that hostile text can slow
down (oh-sanitizer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

# Longer texts get no proposal: the field holds 1,000 characters, and owners'
# spellings are at most a few times longer than the OSM value they mean.
MAX_LENGTH = 4000
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LANGUAGES = ("en", "de", "fr", "it", "es")


class _CannotTell(Exception):
    """Some part of the text has no one clear meaning: no proposal."""


# --- words -----------------------------------------------------------------
# Per language, per day (Monday first): the spellings, accents removed.
_DAY_NAMES = {
    "en": "monday mondays mon mo|tuesday tuesdays tue tues tu|wednesday wednesdays wed we|"
    "thursday thursdays thu thur thurs th|friday fridays fri fr|saturday saturdays sat sa|"
    "sunday sundays sun su",
    "de": "montag montags mo|dienstag dienstags di|mittwoch mittwochs mi|"
    "donnerstag donnerstags do|freitag freitags fr|samstag samstags sonnabend sa|"
    "sonntag sonntags sonn so",
    "fr": "lundi lundis lun lu|mardi mardis mar ma|mercredi mercredis mer me|jeudi jeudis jeu je|"
    "vendredi vendredis ven ve|samedi samedis sam sa|dimanche dimanches dim di",
    "it": "lunedi lun lu|martedi mar ma|mercoledi mer me|giovedi gio gi|venerdi ven ve|"
    "sabato sabati sab sa|domenica domeniche dom do",
    "es": "lunes lun lu|martes mar ma|miercoles mie mi|jueves jue ju|viernes vie vi|"
    "sabado sabados sab sa|domingo domingos dom do",
}
# Spanish writes days as single letters (L-V = Mo-Fr, X = Wednesday); read only in Spanish text.
_SPANISH_LETTERS = "l m x j v s d"
# Words that join the two ends of a range of days or months ('mar a dom', 'Mar to Oct').
_RANGE_WORDS = frozenset(["to", "bis", "a", "au", "al", "till", "until", "through", "thru"])
_MONTH_NAMES = {
    "en": "january jan|february feb|march mar|april apr|may|june jun|july jul|august aug|"
    "september sept sep|october oct|november nov|december dec",
    "de": "januar janner jan|februar feb|marz maerz mar|april apr|mai|juni jun|juli jul|august aug|"
    "september sep|oktober okt|november nov|dezember dez",
    "fr": "janvier janv|fevrier fevr fev|mars|avril avr|mai|juin|juillet juil|aout|"
    "septembre sept|octobre oct|novembre nov|decembre dec",
    "it": "gennaio gen|febbraio feb|marzo|aprile apr|maggio mag|giugno giu|luglio lug|agosto ago|"
    "settembre set|ottobre ott|novembre nov|dicembre dic",
    "es": "enero ene|febrero feb|marzo|abril abr|mayo|junio jun|julio jul|agosto ago|"
    "septiembre setiembre sep|octubre oct|noviembre nov|diciembre dic",
}
# Other words: "kind value" (or "kind") -> "language: spellings" ("*" is any language).
_WORDS = {
    "range": "en: to till til until through thru|de: bis|fr: a au jusqu'a|it: a al alle fino|"
    "es: a al hasta|*: as ate до",
    "and": "en: and|de: und sowie|fr: et|it: e|es: y",
    "skip": "en: from on the at|de: von vom ab am an nur jeweils uhr geoffnet offen|"
    "fr: de du des le les d'|it: dal dalle dalla dai il i|es: de del desde el los las|"
    "*: h hr hrs hs heures heure ore horas",
    "state off": "en: off closed|de: geschlossen geschl zu ruhetag|fr: ferme fermee|"
    "it: chiuso chiusa|es: cerrado cerrada",
    "state open": "en: open",
    "state unknown": "en: unknown",
    "holiday PH": "en: ph holiday holidays|de: feiertag feiertage feiertags feiertagen|"
    "fr: feries|it: festivi|es: festivos",
    # Not 'Ferien' alone: a shop's 'Ferien' are its own holidays as often as the schools'.
    "holiday SH": "en: sh schoolholiday schoolholidays|de: schulferien",
    "everyday": "en: daily everyday|de: taglich",
    "weekend": "en: weekend weekends|de: wochenende",
    "weekdays": "en: weekdays workdays",
    # Not 'durchgehend': 'durchgehend geöffnet' is as often 'no lunch break' as 'always'.
    "always": "en: always nonstop anytime",
    "openend": "en: late openend",
    "noon": "en: noon midday|de: mittag|fr: midi|it: mezzogiorno|es: mediodia",
    "midnight": "en: midnight|de: mitternacht|fr: minuit|it: mezzanotte|es: medianoche",
    "sun": "en: sunrise sunset dawn dusk",
    "daylight": "en: daylight",
    "week": "en: week",
    "dayword": "en: day days",
}
# Word sequences with one meaning (accents removed, lower case): -> kind.
_PHRASES = {
    "every day": "everyday",
    "all days": "everyday",
    "tous les jours": "everyday",
    "tutti i giorni": "everyday",
    "todos los dias": "everyday",
    "jeden tag": "everyday",
    "7 / 7": "everyday",
    "7 j / 7": "everyday",
    "7 days a week": "everyday",
    "7 days / week": "everyday",
    "public holiday": "holiday PH",
    "public holidays": "holiday PH",
    "bank holidays": "holiday PH",
    "jours feries": "holiday PH",
    "giorni festivi": "holiday PH",
    "dias festivos": "holiday PH",
    "school holiday": "holiday SH",
    "school holidays": "holiday SH",
    "vacances scolaires": "holiday SH",
    "work day": "weekdays",
    "work days": "weekdays",
    "working days": "weekdays",
    "week - end": "weekend",
    "week - ends": "weekend",
    "fin de semana": "weekend",
    "fine settimana": "weekend",
    "24 / 7": "always",
    "24 x 7": "always",
    "always open": "always",
    "nonstop geoffnet": "always",
    "non - stop": "always",
    "rund um die uhr": "always",
    "24 hours 7 days a week": "always",
    "all day": "allday",
    "24 hours": "allday",
    "always closed": "state off",
    "day after public holiday": "holiday PH +1 day",
    "one day after public holiday": "holiday PH +1 day",
    "day before public holiday": "holiday PH -1 day",
    "one day before public holiday": "holiday PH -1 day",
    "open end": "openend",
    "open - end": "openend",
    "offenes ende": "openend",
}


@dataclass(frozen=True, slots=True)
class _Sense:
    kind: str
    value: str = ""
    languages: frozenset[str] = frozenset()
    weak: bool = False  # a single letter: read only when the text is otherwise of its language


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[_Sense, ...]]:
    """Every known word -> its possible senses; built once, on the first proposal."""
    senses: dict[str, list[_Sense]] = {}

    def add(word: str, sense: _Sense) -> None:
        if sense not in senses.setdefault(word, []):
            senses[word].append(sense)

    for language, table in _DAY_NAMES.items():
        for day, spellings in zip(DAYS, table.split("|"), strict=True):
            for word in spellings.split():
                add(word, _Sense("day", day, frozenset([language])))
    for day, letter in zip(DAYS, _SPANISH_LETTERS.split(), strict=True):
        add(letter, _Sense("day", day, frozenset(["es"]), weak=True))
    for language, table in _MONTH_NAMES.items():
        for month, spellings in zip(MONTHS, table.split("|"), strict=True):
            for word in spellings.split():
                add(word, _Sense("month", month, frozenset([language])))
    for kind_value, table in _WORDS.items():
        kind, _, value = kind_value.partition(" ")
        for part in table.split("|"):
            language, _, spellings = part.partition(": ")
            languages = frozenset() if language == "*" else frozenset([language])
            for word in spellings.split():
                add(word, _Sense(kind, value, languages))
    # A sense given in several languages is one sense of all of them.
    merged: dict[str, tuple[_Sense, ...]] = {}
    for word, found in senses.items():
        by_meaning: dict[tuple[str, str, bool], frozenset[str]] = {}
        for sense in found:
            key = (sense.kind, sense.value, sense.weak)
            by_meaning[key] = by_meaning.get(key, frozenset()) | sense.languages
        merged[word] = tuple(
            _Sense(k, v, langs, weak) for (k, v, weak), langs in by_meaning.items()
        )
    return merged


def _fold(word: str) -> str:
    """Lower case without accents or a closing dot: 'Mié.' -> 'mie', 'à' -> 'a'."""
    decomposed = unicodedata.normalize("NFD", word.lower().rstrip("."))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


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


# --- senses -> rules ---------------------------------------------------------
_DAYISH = frozenset(["day", "holiday", "everyday", "weekend", "weekdays"])
_GROUP_DAYS = {"everyday": ("Mo-Su", range(7)), "weekend": ("Sa-Su", (5, 6))}
_GROUP_DAYS["weekdays"] = ("Mo-Fr", range(5))


@dataclass(slots=True)
class _Point:
    minutes: int = 0
    ampm: str = ""
    exact: bool = False
    bare: bool = False  # an hour alone: '8' in '8-18'
    midnight: bool = False
    named: bool = False  # 'noon', 'midnight': clear in any habit
    all_day: bool = False  # '24h'
    text: str = ""  # a sun event, as written in OSM


@dataclass
class _Rule:
    years: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)
    day_groups: list[str] = field(default_factory=list)
    days: set[int] | None = None  # None: no weekday selector
    holidays: bool = False
    times: list[str] = field(default_factory=list)
    overnight: bool = False
    state: str = ""
    comment: str | None = None
    always: bool = False

    def plain(self) -> bool:
        """Only weekdays and times: two such rules compare by their days."""
        return not (self.years or self.months or self.weeks or self.holidays) and bool(self.days)

    def text(self) -> str:
        times = list(self.times)
        selectors = self.years + self.months + self.weeks + self.day_groups
        if self.always and times:
            raise _CannotTell
        if self.always:  # '24/7' alone, or all day on the days named
            times = ["00:00-24:00"] if selectors else ["24/7"]
        parts = [*selectors, ",".join(times), self.state]
        if self.comment is not None:
            parts.append(f'"{self.comment}"')
        return " ".join(p for p in parts if p)


class _Reader:
    """Reads rules from tokens that each have one sense."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def kind(self, ahead: int = 0) -> str:
        if self.i + ahead >= len(self.tokens):
            return ""
        token = self.tokens[self.i + ahead]
        if token.sense is not None:
            return token.sense.kind
        return "range" if token.kind == "-" else token.kind

    def take(self) -> _Token:
        if self.i >= len(self.tokens):
            raise _CannotTell  # the text stops mid-way: 'Mo 10-'
        token = self.tokens[self.i]
        self.i += 1
        return token

    def value(self) -> str:
        """The sense of the next token (a day, a month, a state), taking it."""
        sense = self.take().sense
        if sense is None:
            raise _CannotTell
        return sense.value

    def expect(self, *kinds: str) -> _Token:
        if self.kind() not in kinds:
            raise _CannotTell
        return self.take()

    def rules(self) -> str:
        """The whole value, rules joined as the owner meant them."""
        rules: list[_Rule] = []
        joiners: list[str] = []
        earlier = _Earlier()
        separator = ""
        while self.kind():
            kind = self.kind()
            if kind in (";", "||"):
                self.take()
                separator = kind if rules else ""
                continue
            if kind in (",", "and", "newline", "/") and rules:
                self.take()
                separator = separator or kind
                continue
            if kind == "newline":
                self.take()
                continue
            rule = self.rule()
            if rules:
                joiners.append(_joiner(earlier, rule, separator or "implicit"))
            earlier.add(rule)
            rules.append(rule)
            separator = ""
        if not rules:
            raise _CannotTell
        parts = [rules[0].text()]
        for joiner, rule in zip(joiners, rules[1:], strict=True):
            parts += [joiner, rule.text()]
        return "".join(parts)

    def rule(self) -> _Rule:
        rule = _Rule()
        start = self.i
        while self.kind():
            kind = self.kind()
            late = bool(rule.times or rule.comment is not None or rule.always)
            late = late or bool(rule.state and (rule.day_groups or rule.months or rule.weeks))
            if kind in _DAYISH:
                if late and (rule.day_groups or rule.comment is not None or rule.always):
                    # 'Mo-Fr 9-18 Sa 10-14' on one line: the reference reads Mo-Sa 09:00-18:00
                    raise _CannotTell
                if rule.day_groups and not (rule.days is None and kind != "holiday"):
                    raise _CannotTell  # 'Mo Tu Fr': a list, or a typo?
                self.day_group(rule)
            elif kind == "month" or (kind == "number" and len(self.tokens[self.i].text) == 4):
                # '00:00-24:00 week 05 Feb': selectors in another order, one rule
                target = rule.months if kind == "month" else rule.years
                if target or rule.comment is not None:
                    raise _CannotTell
                target.append(self.months() if kind == "month" else self.years())
            elif kind == "week":
                if rule.weeks or rule.comment is not None:
                    raise _CannotTell
                rule.weeks.append(self.weeks())
            elif kind == "daylight" and not rule.times:
                self.take()
                rule.times.append("sunrise-sunset")
            elif self.time_starts():
                if rule.comment is not None or rule.times:
                    raise _CannotTell
                self.times(rule)
            elif kind == "state" and not rule.state:
                rule.state = self.value()
            elif kind == "comment" and rule.comment is None:
                rule.comment = self.take().text
            elif kind == "always" and not rule.always:
                self.take()
                rule.always = True
            elif kind == ":" and (rule.days or rule.months or rule.weeks or rule.years):
                self.take()  # 'Mo: 10-12': OSM writes no colon after days
            elif kind == ":" and (
                (rule.always and not rule.state) or (rule.state and self.kind(1) == "comment")
            ):
                self.take()  # '24/7: closed: "always closed"'
            elif kind in (",", "and", ";", "||", "newline", "/"):
                break
            else:
                raise _CannotTell
        if self.i == start:
            raise _CannotTell
        if rule.state == "off" and len(rule.times) > 1:
            raise _CannotTell  # 'Mo 9-18, 12-13 off': which part is closed?
        return rule

    def day_group(self, rule: _Rule) -> None:
        days: list[str] = []
        holidays: list[str] = []
        first = self.kind()
        while True:
            kind = self.kind()
            if kind == "day":
                days.append(self.day(rule))
            elif kind == "holiday":
                holidays.append(self.holiday())
                rule.holidays = True
            elif kind in _GROUP_DAYS:
                self.take()
                text, numbers = _GROUP_DAYS[kind]
                days.append(text)
                rule.days = (rule.days or set()) | set(numbers)
            else:
                raise _CannotTell
            if self.kind() in (",", "and", "/") and self.kind(1) in _DAYISH:
                self.take()
                continue
            break
        if rule.days is None and days:
            rule.days = set()
        ordered = holidays + days if first == "holiday" else days + holidays
        rule.day_groups.append(",".join(ordered))

    def day(self, rule: _Rule) -> str:
        first = DAYS.index(self.value())
        rule.days = rule.days if rule.days is not None else set()
        if self.kind() == "range" and self.kind(1) in ("and", "/", ","):
            self.take()  # German 'Sonn- und Feiertags': the hyphen stands for '-tags'
        if self.kind() == "range" and self.kind(1) == "day":
            self.take()
            last = DAYS.index(self.value())
            if last == first:
                raise _CannotTell
            rule.days |= {(first + k) % 7 for k in range((last - first) % 7 + 1)}
            text = f"{DAYS[first]}-{DAYS[last]}"
        else:
            rule.days.add(first)
            text = DAYS[first]
        if self.kind() == "[":
            text += self.bracket()
        return text

    def bracket(self) -> str:
        """'[1,3]', '[-1]': which of the month's weekdays."""
        out = self.take().kind
        while self.kind() in ("number", "range", "-", ","):
            token = self.take()
            out += token.text if token.kind == "number" else ("-" if token.kind != "," else ",")
        return out + self.expect("]").kind

    def holiday(self) -> str:
        text = self.value()
        if self.kind() in ("+", "range") and self.kind(1) == "number" and self.kind(2) == "dayword":
            sign = "+" if self.take().kind == "+" else "-"
            count = int(self.take().text)
            self.take()
            text += f" {sign}{count} day" + ("s" if count != 1 else "")
        return text

    def years(self) -> str:
        out = self.take().text
        while self.kind() in ("range", "/", ",") and self.kind(1) == "number":
            mark = "-" if self.kind() == "range" else self.kind()
            self.take()
            out += mark + self.take().text
        if self.kind() == "+":
            out += self.take().kind
        return out

    def weeks(self) -> str:
        self.take()
        out = "week "
        while True:
            out += f"{int(self.expect('number').text):02d}"
            if self.kind() == "range":
                self.take()
                out += f"-{int(self.expect('number').text):02d}"
            if self.kind() == "/" and self.kind(1) == "number":
                self.take()
                out += f"/{int(self.take().text)}"
            if self.kind() == "," and self.kind(1) == "number":
                self.take()
                out += ","
                continue
            return out

    def months(self) -> str:
        """'Jan', 'Jan-Mar', 'Dec 24', 'Dec 24-26', 'Dec 24-Jan 02', 'Jan 01,Jan 03'."""
        items: list[str] = []
        month = ""
        while True:
            if self.kind() == "month":
                month = self.value()
                item = month
                if self.day_of_month():
                    item += f" {self.take().hour:02d}"
                if self.kind() == "range" and self.kind(1) == "month":
                    self.take()
                    month = self.value()
                    item += f"-{month}"
                    if " " in item and self.day_of_month():  # 'Jan 05-Mar 10', not 'Mai-Sep 10-18'
                        item += f" {self.take().hour:02d}"
                elif self.kind() == "range" and " " in item and self.day_of_month(1):
                    self.take()
                    item += f"-{self.take().hour:02d}"
            elif self.day_of_month() and month:
                item = f"{month} {self.take().hour:02d}"
            else:
                raise _CannotTell
            items.append(item)
            # 'Jan 01,3' is Jan 01 and Jan 03; 'Feb, 24' names no day of February before it.
            after_comma = self.kind(1) == "month" or (
                " " in item and self.day_of_month(1) and self.kind(2) != "range"
            )
            if self.kind() == "," and after_comma:
                self.take()
                continue
            return ",".join(items)

    def day_of_month(self, ahead: int = 0) -> bool:
        if self.kind(ahead) != "number":
            return False
        token = self.tokens[self.i + ahead]
        return len(token.text) <= 2 and 1 <= token.hour <= 31

    def time_starts(self, ahead: int = 0) -> bool:
        kind = self.kind(ahead)
        if kind == "number":
            return len(self.tokens[self.i + ahead].text) <= 2
        return kind in ("time", "noon", "midnight", "sun", "allday", "(")

    def times(self, rule: _Rule) -> None:
        while True:
            rule.times.append(self.span(rule))
            if self.kind() in (",", "and", "/", "+") and self.time_starts(1):
                self.take()
                continue
            if self.time_starts():
                continue
            return

    def span(self, rule: _Rule) -> str:
        if self.kind() == "allday":
            self.take()
            return "00:00-24:00"
        first = self.point()
        if self.kind() in ("range", "-", "="):
            self.take()
            if self.kind() == "openend":
                self.take()
                return _clock(first.minutes) + "+"
            last = self.point()
            text, overnight = _span(first, last)
            rule.overnight |= overnight
            if self.kind() == "+" and self.time_starts(1):
                return text  # '8-12 + 14-18': plus, another time
            if self.kind() == "+" and not (first.exact and last.exact):
                raise _CannotTell  # '10-18+': open after 18:00, or a typo? ('11:00-24:00+' is OSM)
            if self.kind() in ("+", "openend"):
                self.take()
                text += "+"
            return text
        if self.kind() in ("+", "openend"):
            self.take()
            return (first.text or _clock(first.minutes)) + "+"
        if first.all_day:  # '24h', alone
            return "00:00-24:00"
        raise _CannotTell  # a time alone is not opening hours

    def point(self) -> _Point:
        token = self.take()
        kind = token.sense.kind if token.sense is not None else token.kind
        if kind == "time" or (kind == "number" and len(token.text) <= 2):
            if token.minute >= 60 or token.hour > 48:
                raise _CannotTell
            return _Point(
                token.hour * 60 + token.minute,
                token.ampm,
                token.exact,
                bare=not token.minutes and not token.ampm,
                all_day=token.all_day and not token.ampm,
            )
        if kind == "noon":
            return _Point(12 * 60, named=True)
        if kind == "midnight":
            return _Point(0, midnight=True, named=True)
        if kind == "sun":
            return _Point(text=token.text)
        if kind == "(" and self.kind() == "sun" and self.kind(1) in ("+", "range", "-"):
            event = self.take().text
            sign = "+" if self.take().kind == "+" else "-"
            offset = self.point()
            self.expect(")")
            return _Point(text=f"({event}{sign}{_clock(offset.minutes)})")
        raise _CannotTell


def _span(first: _Point, last: _Point) -> tuple[str, bool]:
    """'HH:MM-HH:MM' for two points, and whether it runs past midnight; or _CannotTell."""
    if first.text or last.text:
        return f"{first.text or _clock(_hour24(first))}-{last.text or _clock(_hour24(last))}", False
    first, last = _share_ampm(first, last)
    start, end = _hour24(first), _hour24(last)
    if last.midnight or (last.ampm == "a" and end == 0):
        end = 24 * 60
    if start >= 24 * 60 or end == start:
        raise _CannotTell
    if end < start:
        # '22-2' and '23:00-01:00' run past midnight; '9-5', '11:00-6:00' are day hours in
        # 12-hour habits, and '12-8' could be either.
        past_midnight = (
            (first.ampm and last.ampm)
            or (first.exact and last.exact)
            or (first.bare and last.bare and start >= 17 * 60 and end <= 8 * 60)
        )
        if not past_midnight:
            raise _CannotTell
    return f"{_clock(start)}-{_clock(end)}", end < start or end > 24 * 60


def _share_ampm(first: _Point, last: _Point) -> tuple[_Point, _Point]:
    """'2-7pm' is 14:00-19:00, '9-5pm' 09:00-17:00, '10am-6' 10:00-18:00, as people mean them.

    The time without its am or pm is the one, of its two readings, that comes
    first after (or, for the start, before) the other time; '14:00-6pm' is
    already clear. (The reference reads '4-10 pm' as 04:00-22:00.)
    """
    if bool(first.ampm) == bool(last.ampm):
        return first, last
    marked, plain = (first, last) if first.ampm else (last, first)
    hour = plain.minutes // 60
    if plain.named or not 1 <= hour <= 12:
        return first, last  # 24-hour time, noon or midnight: nothing to share
    other = "a" if marked.ampm == "p" else "p"
    anchor = _hour24(marked)
    for ampm in (marked.ampm, other):
        guess = replace(plain, ampm=ampm)
        if (first is plain and _hour24(guess) < anchor) or (
            last is plain and _hour24(guess) > anchor
        ):
            return (guess, last) if first is plain else (first, guess)
    if last is plain and marked.ampm == "p":  # '8pm-2': two in the night
        return first, replace(plain, ampm="a")
    raise _CannotTell


def _hour24(point: _Point) -> int:
    """Minutes after midnight, am/pm applied."""
    if not point.ampm:
        return point.minutes
    hour, minute = divmod(point.minutes, 60)
    if not 1 <= hour <= 12:
        raise _CannotTell
    return ((hour % 12) + (12 if point.ampm == "p" else 0)) * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class _Earlier:
    """What the rules read so far speak of, for :func:`_joiner` (one pass, however many)."""

    any: bool = False
    days: set[int] = field(default_factory=set)  # of the rules of days alone
    unplain: bool = False  # a rule of holidays, dates or times alone: it may meet any day
    overnight: bool = False

    def add(self, rule: _Rule) -> None:
        self.any = True
        self.days |= rule.days if rule.plain() and rule.days else set()
        self.unplain |= not rule.plain()
        self.overnight |= rule.overnight


def _joiner(earlier: _Earlier, rule: _Rule, separator: str) -> str:
    """How a rule follows the ones before it: '; ' replaces their hours, ', ' adds to them.

    The owner's ';' and '||' stay. Where the owner wrote a comma, 'and' or
    a new line, rules about other days are joined with ';' (the usual form);
    a rule that closes days or that names holidays or dates replaces what
    plain rules before it said ('..., So geschlossen'); 'and' over the same
    days adds ('Mo-Fr 9-12 und Mo 15-18'); anything else is unclear
    ('Mo-Sa 9-18, Sa 9-14': shorter on Saturday, or a second opening?).
    """
    if separator == ";":
        return "; "
    if separator == "||":
        return " || "
    overlapping = (
        earlier.unplain or not rule.plain() or bool(rule.days and rule.days & earlier.days)
    )
    if not overlapping:
        return ", " if rule.overnight or earlier.overnight else "; "
    specific = bool(rule.holidays or rule.years or rule.months or rule.weeks)
    selects = specific or rule.days is not None  # a rule of times alone speaks of every day
    if selects and (rule.state == "off" or specific) and not earlier.unplain:
        return "; "
    if separator == "and" and rule.plain():
        return ", "
    raise _CannotTell


# --- the proposal --------------------------------------------------------------
def propose(text: str, *, language: str | None = None) -> str | None:
    """The OSM ``opening_hours`` value that means what ``text`` says, or None when unclear.

    ``language`` (en, de, fr, it, es), when known, settles words that are days
    in several languages (``Do``: Thursday in German, Sunday in Spanish) if the
    text itself does not. A text that is already valid comes back as it is,
    with its spaces tidied::

        propose("Mo: 10:00-12:00")      # 'Mo 10:00-12:00'
        propose("Montag 8-18 Uhr")      # 'Mo 08:00-18:00'
        propose("Mon-Fri 9am-5pm")      # 'Mo-Fr 09:00-17:00'
        propose("Feb 30")               # None: no such day
    """
    if len(text) > MAX_LENGTH:
        return None
    tidy = " ".join(text.split())
    if not tidy:
        return None
    from .fields import hours_problem, impossible_date

    if hours_problem(tidy) is None:
        return tidy if impossible_date(tidy) is None else None
    # Each line of a text copied from a door is a rule (or more).
    lines = "\n".join(" ".join(line.split()) for line in text.splitlines())
    try:
        prefix = _PREFIX.match(lines)  # 'opening_hours = ...', 'Öffnungszeiten: ...'
        tokens = _tokens(lines[prefix.end() :] if prefix else lines)
        candidate = _Reader(_senses(_phrases(tokens), language)).rules()
    except _CannotTell:
        return None
    if len(candidate) > 1000 or hours_problem(candidate) is not None:
        return None
    if impossible_date(candidate) is not None:
        return None
    return candidate
