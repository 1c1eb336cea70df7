"""Countries and languages as owners name them, to the codes the contract wants.

``Schweiz``, ``Suisse``, ``CH`` and ``Estados Unidos`` are countries; ``Deutsch,
anglais, es`` are languages. The names come from CLDR through Babel (the
``site`` extra, which the intake workflow installs), in the five form
languages and the directory's own, so nothing here is a hand-kept list but a
few abbreviations CLDR does not give. Babel loads on first use only; without
it, codes still work and names are not recognised.

Example::

    country_code("Vereinigte Staaten")      # 'US'
    language_codes("Deutsch, anglais, es")  # (['de', 'en', 'es'], [])
    display_language("de", "fr")            # 'allemand'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from ..fields import _COMMON_LANGUAGES as COMMON_LANGUAGES  # known valid, no lookup
from ..fields import LANG_RE, check_language
from .texts import LANGUAGES

# Abbreviations and short names people write that CLDR does not list as names.
_COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "unitedstatesofamerica": "US",
    "eeuu": "US",
    "uk": "GB",
    "greatbritain": "GB",
    "england": "GB",
}
# Words that join languages in a list: "German and French", "Deutsch und Englisch".
_JOINERS = re.compile(r"\s*(?:[,;/+&\n]|\band\b|\bund\b|\bet\b|\be\b|\by\b|\bo\b|\bor\b)\s*", re.I)


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: ``fold(" États-Unis ") == "etats-unis"``."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace(".", " ").split())


@cache
def _locale(code: str) -> object | None:
    try:
        from babel import Locale, UnknownLocaleError
    except ImportError:
        return None
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


@cache
def _countries(languages: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for language in languages:
        locale = _locale(language)
        for code, name in getattr(locale, "territories", {}).items():
            if len(code) == 2 and code.isalpha():
                found.setdefault(fold(name), code)
    return found


def country_code(text: str, languages: Iterable[str] = ()) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country named or coded in ``text``, or None."""
    key = fold(text)
    if re.fullmatch(r"[a-z]{2}", key) and key != "us":
        known = _countries(("en",))
        return key.upper() if not known or key.upper() in known.values() else None
    compact = key.replace(" ", "")
    if compact in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[compact]
    names = _countries(tuple(dict.fromkeys([*LANGUAGES, *languages])))
    return names.get(key) or names.get(key.removeprefix("the "))


def country_name(code: str, language: str) -> str:
    """``country_name("CH", "de") == "Schweiz"``; the code itself without Babel."""
    locale = _locale(language)
    territories = getattr(locale, "territories", {})
    return str(territories.get(code, code))


@cache
def _languages(languages: tuple[str, ...]) -> dict[str, str]:
    """Folded language names in ``languages`` and every language's own name -> BCP 47 tag."""
    found: dict[str, str] = {}
    for language in languages:
        locale = _locale(language)
        for code, name in getattr(locale, "languages", {}).items():
            tag = code.replace("_", "-")
            if re.fullmatch(LANG_RE, tag):
                found.setdefault(fold(name), tag)
    # Every language's own name ("Deutsch", "español"), for the common ones and the
    # directory's: loading each of CLDR's 700 locales would take seconds.
    for tag in sorted({*COMMON_LANGUAGES, *languages}):
        own = display_language(tag, tag)
        if own != tag:
            found.setdefault(fold(own), tag)
    return found


def display_language(tag: str, language: str) -> str:
    """The name of language ``tag`` in ``language``: ``display_language("de", "de") == "Deutsch"``.

    The tag itself when Babel or CLDR does not know it.
    """
    locale = _locale(language)
    names = getattr(locale, "languages", {})
    name = names.get(tag.replace("-", "_")) or names.get(tag)
    return str(name) if name else tag


def language_codes(text: str, languages: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """The BCP 47 tags of the languages listed in ``text``, and the items not understood."""
    codes: list[str] = []
    unknown: list[str] = []
    names: dict[str, str] | None = None
    for item in _JOINERS.split(text):
        # "Deutsch (Schweiz)": the variety in brackets is the language's.
        item = re.sub(r"\(.*?\)|\(.*$", " ", item).strip(" .")
        if not item:
            continue
        tag = _as_tag(item)
        if tag is None:
            if names is None:
                names = _languages(tuple(dict.fromkeys([*LANGUAGES, *languages])))
            tag = names.get(fold(item))
        if tag is None:
            unknown.append(item)
        elif tag not in codes:
            codes.append(tag)
    return codes, unknown


def _as_tag(item: str) -> str | None:
    """A language code as written (``de``, ``gsw``, ``de-CH``, ``de_ch``), or None."""
    tag = item.replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", tag):
        return None
    first, *rest = tag.split("-")
    tag = "-".join([first.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])
    try:
        return check_language(tag)
    except ValueError:
        return None
