"""The words owners write for days, months, holidays and the rest, in en, de, fr, it and es.

Data for :mod:`quartier.hours_fix`: each spelling (lower case, accents
removed) with its sense and the languages it is written in, so that a word
of two languages (``Di``: Tuesday in German, Sunday in French) can take the
sense of the language the rest of the text is in.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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
