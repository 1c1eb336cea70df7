"""What the intake says to owners and maintainers, per language, from ``texts/<lang>.yaml``.

The issue forms, the comment on an issue that needs correcting and the pull
request are written in the form's language (the directory's for the pull
request), falling back to English key by key, so a translation that lacks a
new text still works. The catalogues are nested YAML read once per process;
:func:`text` names a text by its dotted key::

    text("fr", "form.fields.name.label")            # 'Nom du commerce'
    text("de", "problems.too_long", length=312, limit=200)

A value is inserted as it is, never read as a template (``str.format_map``):
braces in an owner's answer stay braces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent / "texts"
# The languages the intake's texts are written in (and the issue forms exist in).
LANGUAGES = ("en", "de", "fr", "it", "es")
FALLBACK = "en"


def written_in(languages: Sequence[str]) -> list[str]:
    """Which of a directory's languages the texts (and so the issue forms) exist in.

    ``written_in(["de", "rm"])`` is ``["de"]``; a directory with none of them
    gets English: ``written_in(["ja"])`` is ``["en"]``.
    """
    return [lang for lang in languages if lang in LANGUAGES] or [FALLBACK]


class TextsError(Exception):
    """A catalogue of the package is broken: a bug in quartier, never in a user's file."""


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Every text of ``language`` by dotted key; empty for a language without a catalogue."""
    import yaml

    path = FOLDER / f"{language}.yaml"
    if language not in LANGUAGES or not path.is_file():
        return {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text("utf-8"), Loader=loader)  # a safe loader
    out: dict[str, str] = {}
    _flatten(data, "", out, path)
    return out


def _flatten(node: object, prefix: str, out: dict[str, str], path: Path) -> None:
    if not isinstance(node, dict):
        raise TextsError(f"{path}: {prefix or 'the file'} is not a mapping of keys to texts")
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out, path)
        else:
            out[name] = _text(value, name, path)


def _text(value: object, key: str, path: Path) -> str:
    if not isinstance(value, str) or not value:
        raise TextsError(f"{path}: {key} is not a text")
    return value


def text(language: str, key: str, /, **values: object) -> str:
    """The text ``key`` in ``language`` (else English) with ``values`` in its placeholders."""
    template = catalogue(language).get(key) or catalogue(FALLBACK)[key]
    return template.format_map(values)


def has_text(language: str, key: str) -> bool:
    """Whether ``language``'s own catalogue holds ``key`` (not only the English fallback)."""
    return key in catalogue(language)


def text_language(language: str) -> str:
    """``language`` when its catalogue exists, else English: ``text_language("rm") == "en"``."""
    return language if catalogue(language) else FALLBACK
