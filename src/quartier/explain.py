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
from .problems import Problem

M = TypeVar("M", bound=BaseModel)

# Hints by the last field name, then by pydantic's error type.
_FIELD_HINTS = {
    "id": "use lowercase letters, digits and hyphens, e.g. velowerk-lorraine",
    "superseded_by": "name the id of the entry that replaces this one, e.g. velowerk-breitenrain",
    "category": "use a category id from schema/taxonomy.yaml, e.g. bicycle_repair",
    "categories": "use category ids from schema/taxonomy.yaml, e.g. bicycle_repair",
    "country": "use the two-letter ISO code in capitals, e.g. CH, US, NO",
    "origin": "use the two-letter ISO code in capitals, e.g. CH",
    "postal_code": "write the postal code as it is printed, e.g. 3013",
    "lat": "write a number in decimal degrees, e.g. 46.9591",
    "lon": "write a number in decimal degrees, e.g. 7.4452",
    "maintainers": "list GitHub user names, e.g. [anna-muster]",
    "founding_date": "write a year, year-month or date: 2014, 2014-05 or 2014-05-01",
    "last_verified": "write the date as YYYY-MM-DD, e.g. 2026-10-01",
    "valid_until": "write the date as YYYY-MM-DD, e.g. 2027-12-31",
    "bbox": "write [west, south, east, north], e.g. [7.29, 46.90, 7.52, 47.01]",
}
_TYPE_HINTS = {
    "missing": "add it",
    "dict_type": "write it as a mapping of keys to values (indented lines 'key: value')",
    "list_type": "write it as a list: one '- item' per line, or [a, b]",
    "model_type": "write it as a mapping of keys to values (indented lines 'key: value')",
    "string_type": "write it as plain text",
    "float_parsing": "write a number, e.g. 46.9591",
    "int_parsing": "write a whole number, e.g. 365",
    "bool_parsing": "write yes or no",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD, e.g. 2026-10-01",
    "date_parsing": "write the date as YYYY-MM-DD, e.g. 2026-10-01",
    "too_short": "add at least one item",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'bicycle_repair'?)"`` or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


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
            message, hint = _explain_key(loc)
            line, column = locate(doc.root, loc)
            out.append(Problem(doc.path, line, column, field_path(loc[:-2]), message, hint))
            continue
        if loc in bad_keys:
            continue  # the value of a key already reported as not a language code
        message, hint = _explain(err, loc, model)
        if err["type"] == "extra_forbidden":
            line, column = locate_key(doc.root, loc)
        else:
            line, column = locate(doc.root, loc)
        out.append(Problem(doc.path, line, column, field_path(loc) or "(file)", message, hint))
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
        return (
            f"'{key}' is not a language code: a comma inside {{...}} split the text",
            'put the whole text in quotes, e.g. {en: "Full check, cleaning"}, '
            "or write it on its own line",
        )
    return (f"'{key}' is not a language code", "use a BCP 47 code such as de, fr, it, en or gsw")


_UNION_TAGS = {"str", "float", "int", "bool", "list", "dict", "date", "none"}


def _explain(err: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> tuple[str, str]:
    kind = err["type"]
    names = [p for p in loc if isinstance(p, str) and p != "[key]"]
    last = names[-1] if names else ""
    value = err.get("input")
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        guess = did_you_mean(str(last), known)
        return (
            f"unknown key '{last}'",
            guess or ("allowed here: " + ", ".join(sorted(known)) if known else "remove it"),
        )
    if kind == "missing":
        return (f"'{last}' is required", "add it" if last else "add the missing key")
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        guess = did_you_mean(
            str(value), [e.strip(" '") for e in expected.replace(" or ", ",").split(",")]
        )
        return (
            f"'{value}' is not allowed here",
            f"use one of {expected}" + (f"; {guess}" if guess else ""),
        )
    if kind == "value_error":
        error = err.get("ctx", {}).get("error")
        # Our validators raise ValueError(message, hint); others give one message.
        if isinstance(error, ValueError) and len(error.args) == 2:
            return (str(error.args[0]), str(error.args[1]))
        return (str(error or err["msg"]), _FIELD_HINTS.get(str(last), ""))
    shown = f"'{value}'" if isinstance(value, str) and len(value) < 80 else "the value"
    hint = _FIELD_HINTS.get(str(last)) or _TYPE_HINTS.get(kind, "")
    if kind.startswith("string_too_long"):
        return (f"{shown} is too long ({err['msg'].lower()})", "shorten it")
    if kind == "too_long":
        return (err["msg"], "remove some items")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return (f"{shown} is out of range: {err['msg'].lower()}", hint)
    if kind == "string_pattern_mismatch":
        return (f"{shown} is not in the expected form", hint or "see the schema for this field")
    return (f"{shown}: {err['msg']}", hint)


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the sub-model at ``loc``, for "did you mean"."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_in(fields[part].annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
