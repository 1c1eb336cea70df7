"""Turn pydantic's validation errors into problems a person can fix.

Pydantic says ``String should match pattern '^[a-z0-9]+…'``; an owner needs
``id: 'Velowerk Lorraine' is not a valid id (use lowercase letters, digits
and hyphens, e.g. velowerk-lorraine)`` at the line of the value. This module
maps each error to the position in the YAML file and to a fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .load import Document, locate, locate_key
from .messages import message
from .problems import Problem

M = TypeVar("M", bound=BaseModel)

# Hints (message ids) by the last field name, then by pydantic's error type.
_FIELD_HINTS = {
    "id": "explain.id.fix",
    "superseded_by": "explain.superseded_by.fix",
    "category": "explain.category.fix",
    "categories": "explain.categories.fix",
    "country": "explain.country.fix",
    "origin": "explain.origin.fix",
    "postal_code": "explain.postal_code.fix",
    "lat": "explain.lat.fix",
    "lon": "explain.lon.fix",
    "maintainers": "explain.maintainers.fix",
    "founding_date": "explain.founding_date.fix",
    "last_verified": "explain.date.fix",
    "valid_until": "explain.valid_until.fix",
    "bbox": "explain.bbox.fix",
}
_TYPE_HINTS = {
    "missing": "explain.missing.fix",
    "dict_type": "explain.mapping.fix",
    "list_type": "explain.list.fix",
    "model_type": "explain.mapping.fix",
    "string_type": "explain.string.fix",
    "float_parsing": "explain.float.fix",
    "int_parsing": "explain.int.fix",
    "bool_parsing": "explain.bool.fix",
    "date_from_datetime_parsing": "explain.date.fix",
    "date_parsing": "explain.date.fix",
    "too_short": "explain.too_short.fix",
}


def _field_hint(name: str) -> str:
    """The hint for a field of this name whatever is wrong with it, or ``""``."""
    hint_id = _FIELD_HINTS.get(name)
    return message(hint_id) if hint_id else ""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'bicycle_repair'?)"`` or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return message("explain.did_you_mean", choice=close[0]) if close else ""


def field_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


def validate(doc: Document, model: type[M], context: dict[str, Any] | None = None) -> M | None:
    """Validate a loaded document; on failure add problems to ``doc`` and return None."""
    if doc.data is None:
        return None
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        doc.problems.extend(problems_from(exc, doc, model))
        return None


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    out = []
    bad_keys: set[tuple[str | int, ...]] = set()
    for err in exc.errors(include_url=False):
        loc = _data_path(tuple(err["loc"]), doc.data)
        if loc and loc[-1] == "[key]":
            bad_keys.add(loc[:-1])
            what, hint = _explain_key(loc)
            line, column = locate(doc.root, loc)
            out.append(Problem(doc.path, line, column, field_path(loc[:-2]), what, hint))
            continue
        if loc in bad_keys:
            continue  # the value of a key already reported as not a language code
        what, hint = _explain(err, loc, model)
        if err["type"] == "extra_forbidden":
            line, column = locate_key(doc.root, loc)
        else:
            line, column = locate(doc.root, loc)
        out.append(Problem(doc.path, line, column, field_path(loc) or "(file)", what, hint))
    return out


def _data_path(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """The error's path in the person's data, without pydantic's union-member tags.

    Pydantic puts names such as ``str`` or ``function-after[...]`` in the path
    when a value could be one of several types; a key the person wrote with
    the same name (``date:``) is kept, because it is in the data.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and ("[" in part[1:] or part in _UNION_TAGS):
            continue  # a union member's tag, not a key
        else:
            out.append(part)  # a missing key, "[key]", or a key the data lacks
            node = None
    return tuple(out)


def _explain_key(loc: tuple[str | int, ...]) -> tuple[str, str]:
    key = str(loc[-2])
    if " " in key:
        return (message("explain.key.split", key=key), message("explain.key.split.fix"))
    return (message("explain.key", key=key), message("explain.key.fix"))


_UNION_TAGS = {"str", "float", "int", "bool", "list", "dict", "date", "none"}


def _explain(err: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> tuple[str, str]:
    kind = err["type"]
    names = [p for p in loc if isinstance(p, str) and p != "[key]"]
    last = names[-1] if names else ""
    value = err.get("input")
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        guess = did_you_mean(str(last), known)
        if known and not guess:
            guess = message("explain.unknown_key.allowed", keys=", ".join(sorted(known)))
        return (
            message("explain.unknown_key", key=last),
            guess or message("explain.unknown_key.fix"),
        )
    if kind == "missing":
        hint_id = "explain.missing.fix" if last else "explain.missing.unnamed.fix"
        return (message("explain.missing", key=last), message(hint_id))
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        guess = did_you_mean(
            str(value), [e.strip(" '") for e in expected.replace(" or ", ",").split(",")]
        )
        return (
            message("explain.not_allowed", value=value),
            message("explain.not_allowed.guess.fix", expected=expected, guess=guess)
            if guess
            else message("explain.not_allowed.fix", expected=expected),
        )
    if kind == "value_error":
        error = err.get("ctx", {}).get("error")
        # Our validators raise ValueError(message, hint); others give one message.
        if isinstance(error, ValueError) and len(error.args) == 2:
            return (str(error.args[0]), str(error.args[1]))
        return (str(error or err["msg"]), _field_hint(str(last)))
    if isinstance(value, str) and len(value) < 80:
        shown = message("explain.shown", value=value)
    else:
        shown = message("explain.shown.long")
    type_hint = _TYPE_HINTS.get(kind)
    hint = _field_hint(str(last)) or (message(type_hint) if type_hint else "")
    # pydantic's own words say what is wrong: {detail}.
    detail = str(err["msg"])
    if kind.startswith("string_too_long"):
        return (
            message("explain.string_too_long", shown=shown, detail=detail.lower()),
            message("explain.string_too_long.fix"),
        )
    if kind == "too_long":
        return (detail, message("explain.too_long.fix"))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return (message("explain.out_of_range", shown=shown, detail=detail.lower()), hint)
    if kind == "string_pattern_mismatch":
        return (
            message("explain.pattern", shown=shown),
            hint or message("explain.pattern.fix"),
        )
    return (message("explain.other", shown=shown, detail=detail), hint)


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the sub-model at ``loc``, for "did you mean"."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = model_in(fields[part].annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field's annotation holds (``Story | None`` -> ``Story``), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_in(arg)
        if found is not None:
            return found
    return None
