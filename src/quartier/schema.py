"""Artifacts generated from the models: the entry JSON Schema and the field reference.

The pydantic models are the one source. ``scripts/generate.py`` writes these
into the repository and the tests fail when a checked-in copy drifts::

    schema/entry.schema.json        editors autocomplete and check entries with it
    site/reference/entry.md         the field reference for owners
"""

from __future__ import annotations

import json
import re
from typing import Any

from .fields import PARTIAL_DATE_RE, RECORD_ID_RE, SLUG_RE, WINDOWS_RESERVED
from .model import CONTRACT_VERSION, Entry
from .taxonomy import Taxonomy

# One $id per contract version: a reader that caches schemas by $id never mixes two.
SCHEMA_ID = f"https://quartier.dev/schema/entry/v{CONTRACT_VERSION}.json"
# JSON Schema 2020-12 ignores unknown keywords; the "x-" prefix says it is ours.
CONTRACT_KEYWORD = "x-quartier-contract-version"


def entry_json_schema(taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """JSON Schema (2020-12) of an entry file, with the taxonomy's ids as an enum.

    It names the contract version twice: in ``$id``
    (``https://quartier.dev/schema/entry/v1.0.json``) and as
    ``"x-quartier-contract-version": "1.0"``, which a program reads without
    parsing a URL.
    """
    schema = Entry.model_json_schema(mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Quartier entry",
        CONTRACT_KEYWORD: CONTRACT_VERSION,
        **schema,
    }
    if taxonomy is not None:
        ids = sorted(c.id for c in taxonomy.categories)
        schema.setdefault("$defs", {})["CategoryId"] = {
            "type": "string",
            "enum": ids,
            "description": "A category id from schema/taxonomy.yaml.",
        }
        _point_categories(schema)
    _say_what_the_checks_say(schema)
    _as_editors_read(schema)
    return schema


def _point_categories(node: Any) -> None:
    """Replace the plain category pattern with a reference to the enum of known ids."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("pattern") == "^[a-z][a-z0-9_]*$":
                node[key] = {"$ref": "#/$defs/CategoryId"} | {
                    k: v for k, v in value.items() if k in ("description", "title")
                }
            else:
                _point_categories(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict) and value.get("pattern") == "^[a-z][a-z0-9_]*$":
                node[i] = {"$ref": "#/$defs/CategoryId"}
            else:
                _point_categories(value)


# A day the month has (29 February in any year): the model's pattern only
# checks the form, and check_partial_date the calendar.
_PARTIAL_DATE_TEXT = (
    r"^\d{4}(?:-(?:(?:0[13578]|1[02])(?:-(?:0[1-9]|[12]\d|3[01]))?"
    r"|(?:0[469]|11)(?:-(?:0[1-9]|[12]\d|30))?|02(?:-(?:0[1-9]|1\d|2\d))?))?$"
)
# An http(s) address as fields.check_url takes it: a dotted host with no user
# name ('@'), escapes or odd full stops, an optional port, and no blank or
# control character anywhere.
_URL_HOST = r"[^\s/?#@\\:.%\u3002\uff0e\uff61\x00-\x1f\x7f-\x9f]+"
_URL_TEXT = (
    rf"^https?://{_URL_HOST}(?:\.+{_URL_HOST})+(?::[0-9]*)?"
    r"(?:[/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
)


def _say_what_the_checks_say(schema: dict[str, Any]) -> None:
    """Rules the model's own schema leaves out, where JSON Schema can say them.

    A language map's keys are checked (pydantic writes the key pattern as
    ``patternProperties``, which lets any other key through); an id is not a
    name Windows reserves; a founding date names a day its month has; a web
    address has no user name before its host; and only a permanently closed
    business names the entry that replaces it (checks.check_entry). A web
    address keeps the model's ``^https?://``, so ``HTTPS://`` in capitals,
    which the validator takes, is refused there.
    """
    _walk_rules(schema)
    schema["if"] = {
        "required": ["status"],
        "properties": {"status": {"const": "permanently_closed"}},
    }
    schema["else"] = {"properties": {"superseded_by": {"type": "null"}}}


def _walk_rules(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_rules(item)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _walk_rules(value)
    if "patternProperties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    pattern = node.get("pattern")
    if pattern in (RECORD_ID_RE, SLUG_RE):
        node["not"] = {"enum": sorted(WINDOWS_RESERVED)}
    elif pattern == PARTIAL_DATE_RE:
        node["pattern"] = _PARTIAL_DATE_TEXT
    elif node.get("format") == "uri" and pattern == "^https?://":
        node["allOf"] = [{"pattern": _URL_TEXT}]


# How an editor reads an unquoted value: the YAML 1.2 core schema, as the
# `yaml` package (2.x) behind the YAML language server implements it. The
# loader keeps the text instead (quartier.load), so for each field the schema
# also accepts what the editor makes of the texts the field accepts.
_YAML_BOOLS = {w: w[0] in "tT" for w in ("true", "True", "TRUE", "false", "False", "FALSE")}
_YAML_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_YAML_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)"
)
# Texts that stand for a whole number, one way or another, and for one with a
# fraction: a field that accepts any of them gets a number branch.
_INTEGER_TEXTS = ("0", "7", "42", "2014", "03013", "0313321122", "+41313321122", "-1")
_OTHER_INTEGER_TEXTS = ("0x1F", "0o17", "1e3", "1E3", "1.e1")
_FRACTION_TEXTS = ("1.5", ".5", "-1.5", "1.5e-3")
# What pydantic reads as a yes/no (any case), and as a number, when the value is text.
_BOOL_TEXT = (
    "^(?:"
    + "|".join(
        "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)
        for word in ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0")
    )
    + ")$"
)
_NUMBER_TEXT = r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
_ABOUT = ("description", "title", "default", "examples")


def yaml_core_value(text: str) -> object:
    """What an editor makes of an unquoted ``text``: ``'03013'`` is 3013, ``'yes'`` stays text.

    The YAML 1.2 core schema (null, true/false, integers, floats), as the
    ``yaml`` package that VS Code's YAML extension uses resolves it.
    """
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in _YAML_BOOLS:
        return _YAML_BOOLS[text]
    if _YAML_INT.fullmatch(text):
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        return int(text[2:] if base != 10 else text, base)
    if text in (".nan", ".NaN", ".NAN"):
        return float("nan")
    if text.lstrip("+-") in (".inf", ".Inf", ".INF"):
        return float("-inf") if text.startswith("-") else float("inf")
    if _YAML_FLOAT.fullmatch(text):
        return float(text)
    return text


def _as_editors_read(node: Any, wrap: bool = True) -> None:
    """Let each field accept what an editor reads where ``quartier validate`` reads text.

    ``postal_code: 03013`` and ``founding_date: 2014`` are text to the loader,
    which the model accepts, and the integers 3013 and 2014 to an editor. So a
    text field that accepts digits also accepts a whole number (not negative
    when no text with a minus is allowed, at most 9999 when four digits are),
    one that accepts ``true`` also accepts true; a number field also accepts a
    quoted number (``lat: "46.95"``), and a yes/no field the words and 0/1
    pydantic reads as one (``on``, ``Yes``). Keys are text to both and stay
    as they are. What the editor cannot see (the leading zero an unquoted
    number had, or a number's text length) it cannot check.
    """
    if isinstance(node, list):
        for item in node:
            _as_editors_read(item, wrap)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key != "propertyNames":
            _as_editors_read(value, key != "anyOf")
    options = node.get("anyOf")
    if isinstance(options, list):
        branches = [branch for option in options for branch in _read_as(option)]
        if {"type": "string", "pattern": _BOOL_TEXT} in branches:  # a yes/no enum is in it
            branches = [b for b in branches if not _spelled_yes_no(b)]
        node["anyOf"] = branches
    elif wrap and len(branches := _read_as(node)) > 1:
        about = {k: node.pop(k) for k in _ABOUT if k in node}
        branches = _read_as(dict(node))
        node.clear()
        node.update(about)
        node["anyOf"] = branches


def _spelled_yes_no(schema: Any) -> bool:
    values = schema.get("enum") if isinstance(schema, dict) else None
    return isinstance(values, list) and all(
        isinstance(v, str) and re.fullmatch(_BOOL_TEXT, v) for v in values
    )


def _read_as(schema: Any) -> list[Any]:
    """``schema`` and the branches an editor's reading of the same texts needs."""
    if not isinstance(schema, dict):
        return [schema]
    kind = schema.get("type")
    if kind == "number":
        return [schema, {"type": "string", "pattern": _number_text(schema)}]
    if kind == "boolean":
        return [schema, {"enum": [0, 1]}, {"type": "string", "pattern": _BOOL_TEXT}]
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if isinstance(values, list):
        read = [yaml_core_value(v) for v in values if isinstance(v, str)]
        extra = [v for v in read if v is not None and not isinstance(v, str)]
        return [schema, {"enum": extra}] if extra else [schema]
    if kind != "string" or "format" in schema:
        return [schema]
    return [schema, *_number_and_bool_branches(schema)]


def _number_text(schema: dict[str, Any]) -> str:
    """A pattern for a quoted number within the schema's whole-number bounds.

    For ``minimum: -90, maximum: 90`` it takes ``"46.95"`` and ``"-90.0"``, not
    ``"95"``; for ``exclusiveMinimum: 0, maximum: 500`` ``"5"``, not ``"0"`` or
    ``"-5"``. Written with an exponent (``"4.6e1"``) or with bounds of another
    shape, only the form is checked.
    """
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum")
    if not (isinstance(high, int) and high > 0 and low in (-high, 0)):
        return _NUMBER_TEXT
    below = _digits_below(high)
    magnitude = rf"0*(?:(?:{below})(?:\.[0-9]*)?|\.[0-9]+|{high}(?:\.0*)?)"
    if low == -high:
        return rf"^[-+]?{magnitude}$"
    positive = "(?=[^1-9]*[1-9])" if "exclusiveMinimum" in schema else ""
    return rf"^{positive}\+?{magnitude}$"


def _digits_below(limit: int) -> str:
    """Whole numbers from 0 to ``limit - 1`` without leading zeros: 90 -> ``[0-9]|[1-8][0-9]``."""
    digits = str(limit)
    size = len(digits)
    options = [f"[0-{int(digits[0]) - 1}]" if size == 1 else "[0-9]"]
    options += [f"[1-9][0-9]{{{n - 1}}}" for n in range(2, size)]
    for i in range(size if size > 1 else 0):
        top = int(digits[i]) - 1
        bottom = 1 if i == 0 else 0
        if top >= bottom:
            rest = f"[0-9]{{{size - i - 1}}}" if size - i - 1 else ""
            options.append(f"{digits[:i]}[{bottom}-{top}]{rest}")
    return "|".join(options)


def _number_and_bool_branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """What an editor reads where a text field takes digits or ``true``, tried on samples.

    For the founding date's pattern (four digits first) this is
    ``[{"type": "integer", "maximum": 9999, "minimum": 0}]``; for a free line,
    ``[{"type": "number"}, {"type": "boolean"}]``.
    """

    def accepts(text: str) -> bool:
        pattern = schema.get("pattern")
        refused = schema.get("not", {})
        return (
            len(text) <= schema.get("maxLength", len(text))
            and len(text) >= schema.get("minLength", 0)
            and (pattern is None or re.search(pattern, text) is not None)
            and ("pattern" not in refused or re.search(refused["pattern"], text) is None)
            and text not in refused.get("enum", ())
        )

    branches: list[dict[str, Any]] = []
    number: dict[str, Any] = {}
    if any(accepts(t) for t in _FRACTION_TEXTS):
        number = {"type": "number"}
    elif any(accepts(t) for t in _INTEGER_TEXTS + _OTHER_INTEGER_TEXTS):
        number = {"type": "integer"}
        if not any(accepts(t) for t in (*_OTHER_INTEGER_TEXTS, "-1")):
            digits = [n for n in range(1, 41) if accepts("9" * n)]
            if digits and digits[-1] < 40:
                number["maximum"] = 10 ** digits[-1] - 1
    if number:
        if not any(accepts(t) for t in ("-1", "-1.5", "-.5")):
            number["minimum"] = 0
        branches.append(number)
    words = [w for w in _YAML_BOOLS if accepts(w)]
    if words:
        values = sorted({_YAML_BOOLS[w] for w in words})
        branches.append({"type": "boolean"} if len(values) == 2 else {"const": values[0]})
    return branches


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def field_reference() -> str:
    """Markdown reference of every field, from the JSON Schema of the models."""
    schema = Entry.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    lines = [
        "# Entry fields",
        "",
        "<!-- Generated by scripts/generate.py from quartier.model; do not edit by hand. -->",
        "",
        "Each business is one YAML file, `entries/<country>/<place>/<id>.yaml`. "
        "Values are read as the text you write (`NO`, `01234` and `yes` stay as written).",
        "",
    ]
    sections = [("Entry", schema)] + [
        (name, d) for name, d in defs.items() if d.get("type") == "object"
    ]
    for name, model in sections:
        lines += [
            f"## {name}",
            "",
            (model.get("description") or "").strip(),
            "",
            "| field | required | type | description |",
            "|---|---|---|---|",
        ]
        required = set(model.get("required", []))
        for field, prop in model.get("properties", {}).items():
            desc = (prop.get("description") or "").replace("|", "\\|").replace("\n", " ")
            req = "yes" if field in required else ""
            lines.append(f"| `{field}` | {req} | {_type_of(prop, defs)} | {desc} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short human name for a JSON Schema type, e.g. 'list of [Offering](#offering)'."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if target.get("type") == "object":
            return f"[{name}](#{name.lower()})"
        return _type_of(target, defs)
    options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
    if options:
        return " or ".join(_type_of(o, defs) for o in options)
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type")
    if kind == "array":
        return "list of " + _type_of(prop.get("items", {}), defs)
    if kind == "object":
        return (
            "language map (e.g. `{de: ..., en: ...}`)"
            if ("additionalProperties" in prop or "propertyNames" in prop)
            else "mapping"
        )
    fmt = prop.get("format")
    names = {"string": "text", "number": "number", "integer": "whole number", "boolean": "yes/no"}
    return {"date": "date (YYYY-MM-DD)", "uri": "web address", "email": "e-mail"}.get(
        fmt or "", names.get(str(kind), "text")
    )


def precommit_hooks() -> str:
    """The ``.pre-commit-hooks.yaml`` that lets other repositories use ``quartier validate``."""
    return (
        "# Generated by scripts/generate.py; do not edit by hand.\n"
        "- id: quartier-validate\n"
        "  name: quartier validate\n"
        "  description: Check Quartier directory entries (file:line errors with a fix).\n"
        "  entry: quartier validate\n"
        "  language: python\n"
        # A photo beside an entry is checked through its entry (quartier.photos.entry_of_photo).
        "  files: ^entries/.*\\.(ya?ml|jpe?g|png|webp)$\n"
        "  types_or: [yaml, image]\n"
        "  require_serial: true\n"
    )
