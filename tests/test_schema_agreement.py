"""The editor's JSON Schema agrees with ``quartier validate`` on every case file (issue 15).

Editors check entries against ``schema/entry.schema.json`` through the YAML
language server (VS Code's YAML extension, 1.24), which reads YAML with the
``yaml`` package 2.8 in YAML 1.2 and resolves plain scalars by the 1.2 core
schema: ``postal_code: 03013`` is the integer 3013, ``founding_date: 2014`` the
integer 2014, while ``2026-10-01``, ``yes`` and ``NO`` stay text. The loader
(quartier.load) keeps every value as the text written. This module reads each
case file as the editor does (ruamel.yaml's 1.2 parser, and the core schema
resolved here as the ``yaml`` package does it), validates it with
``jsonschema`` (Draft 2020-12, with the format checks the language server
makes) and compares field by field with what ``quartier validate`` reports.

A field one of the two rejects and the other accepts is a disagreement. The
ones the schema cannot express are listed in ``EXCEPTIONS`` with the reason;
a new disagreement, or a listed one that went away, fails the test.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from pydantic import ValidationError as ModelError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from quartier.directory import read_directory
from quartier.fields import (
    LINE_REFUSED_RE,
    TEXT_REFUSED_RE,
    check_plain_line,
    check_text,
    check_url,
)
from quartier.model import Geo
from quartier.problems import Severity
from quartier.schema import yaml_core_value

from .conftest import CASES, ROOT, SAMPLE, TODAY

SCHEMA = json.loads((ROOT / "schema" / "entry.schema.json").read_text("utf-8"))

# (case file, field) -> why the JSON Schema cannot agree with the validator there.
# "validator" means only the validator rejects the field; "editor" only the schema.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("invalid/anchors.yaml", "yaml"): "the editor resolves anchors and aliases; a JSON "
    "Schema sees the data they make, not how the file was written",
    ("invalid/dates.yaml", "last_verified"): "a date in the future: a schema cannot name "
    "today's date",
    ("invalid/id-mismatch.yaml", "id"): "the id must equal the file name, which a schema "
    "does not see",
    ("invalid/thun--backerei.yaml", "id"): "'--' ids are valid in an aggregate's published "
    "records, which the same schema describes; only a local file may not have one",
    (f"invalid/{'-'.join(['werkstatt'] * 9)}.yaml", "id"): "ids up to 200 characters are "
    "valid in an aggregate's published records (the member's id is prefixed), which the "
    "same schema describes; only a local file's id is limited to 80",
    ("invalid/languages.yaml", "summary"): "'xx-nonsense-tag' is well-formed, but no "
    "registered language: only the whole IANA registry could say so",
    ("invalid/opening-hours.yaml", "opening_hours"): "the OpenStreetMap opening_hours "
    "grammar is beyond a regular expression",
    ("invalid/phone-email-url.yaml", "contact.phone"): "whether a number exists in the "
    "address's country is libphonenumber's knowledge",
    ("invalid/outside-region.yaml", "location.geo"): "the directory's region is in its "
    "settings, not in the entry schema",
    ("invalid/swapped-coordinates.yaml", "location.geo"): "swapped coordinates are "
    "recognised from the directory's region",
    ("invalid/wrong-country.yaml", "location.address.country"): "which country a point "
    "lies in needs borders",
}

_PLAIN = "tag:quartier.test,2026:plain"
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _PlainResolver(VersionedResolver):
    """YAML 1.2, with plain untagged scalars marked so that the core schema is applied here.

    ruamel.yaml's own 1.2 resolver would also read ``2026-10-01`` as a date,
    which neither the core schema nor the editor does.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return Tag(suffix=_PLAIN)
        return {ScalarNode: Tag(suffix=_STR), SequenceNode: Tag(suffix=_SEQ)}.get(
            kind, Tag(suffix=_MAP)
        )


class EditorError(Exception):
    """What the editor underlines as a YAML error (syntax, a duplicate key, an unknown tag)."""


def editor_read(text: str) -> list[Any]:
    """Every document of ``text`` as the YAML language server hands it to its schema check."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = _PlainResolver
    try:
        return [_value(node) for node in yaml.compose_all(text)]
    except YAMLError as exc:
        raise EditorError(str(exc)) from exc


def _value(node: Node) -> Any:
    tag = str(node.tag)
    if isinstance(node, ScalarNode):
        if tag == _PLAIN:
            return yaml_core_value(node.value)
        if tag == _STR:
            return node.value
    elif isinstance(node, SequenceNode) and tag == _SEQ:
        return [_value(item) for item in node.value]
    elif isinstance(node, MappingNode) and tag == _MAP:
        out: dict[str, Any] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in out:  # the yaml package refuses duplicate keys (uniqueKeys)
                raise EditorError(f"Map keys must be unique: {name}")
            out[name] = _value(value)
        return out
    # The language server reports a tag it does not know ("Unresolved tag").
    raise EditorError(f"Unresolved tag: {tag}")


# The language server's own format checks (yaml-language-server's baseValidator):
# a URI needs a scheme, e-mail and date are these regular expressions.
_EMAIL = re.compile(
    r"^(([^<>()[\]\\.,;:\s@\"]+(\.[^<>()[\]\\.,;:\s@\"]+)*)|(\".+\"))@"
    r"((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$"
)
_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_SCHEME = re.compile(r"[A-Za-z][\w+.-]*:")  # vscode-uri's URI.parse finds a scheme
EDITOR_FORMATS = FormatChecker(formats=())
for _format, _regex in (("uri", _SCHEME), ("email", _EMAIL), ("date", _DATE)):
    EDITOR_FORMATS.checks(_format)(
        lambda v, regex=_regex: not isinstance(v, str) or regex.match(v) is not None
    )
EDITOR = Draft202012Validator(SCHEMA, format_checker=EDITOR_FORMATS)


def editor_rejects(text: str) -> set[str]:
    """The fields the editor underlines in ``text``, named as ``quartier validate`` names them."""
    try:
        documents = editor_read(text)
    except EditorError:
        return {"yaml"}
    fields: set[str] = set()
    for data in documents:
        for error in EDITOR.iter_errors(data):
            fields |= set(_fields(error))
    return fields


def _name(path: list[str | int]) -> str:
    """``['certifications', 0, 'valid_until']`` -> ``certifications[0].valid_until``.

    The file itself (a list, not a mapping) is ``yaml``, as the validator names it.
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "yaml"


def _fields(error: ValidationError) -> Iterator[str]:
    path = list(error.absolute_path)
    if error.validator == "required":
        found = re.match(r"'(.+)' is a required property", error.message)
        yield _name([*path, found.group(1) if found else "?"])
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        if "patternProperties" in schema:  # a key that is no language code: the map's fault
            yield _name(path)
            return
        for key in error.instance:
            if key not in schema.get("properties", {}):
                yield _name([*path, key])
    elif error.validator in ("anyOf", "oneOf") and isinstance(error.instance, (dict, list)):
        # The branch of the value's own kind (the object, not null) says what is wrong in it.
        fitting: dict[int, list[ValidationError]] = {}
        for sub in error.context or []:
            fitting.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        inside = [
            subs
            for subs in fitting.values()
            if not any(s.validator == "type" and not s.relative_path for s in subs)
        ]
        if inside:
            for sub in inside[0]:
                yield from _fields(sub)
        else:
            yield _name(path)
    else:
        yield _name(path)


def validator_rejects(path: Path, make_root: Callable[[dict[str, bytes | str]], Path]) -> set[str]:
    """The fields ``quartier validate`` reports as errors (warnings pass CI) in one file."""
    root = make_root({f"entries/{path.name}": path.read_bytes()})
    directory = read_directory(root, today=TODAY)
    return {p.field for p in directory.problems if p.severity is Severity.ERROR}


def _cases() -> list[Path]:
    return sorted((CASES / "valid").glob("*.yaml")) + sorted((CASES / "invalid").glob("*.yaml"))


def _case_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("case", _cases(), ids=_case_name)
def test_the_editor_agrees_with_the_validator(case: Path, make_root) -> None:
    validator = validator_rejects(case, make_root)
    editor = editor_rejects(case.read_text("utf-8"))
    name = _case_name(case)
    # A YAML error (the editor's: syntax, duplicate key, unknown tag; the validator's:
    # also anchors, several documents) rejects the file: the other side must reject it too.
    if "yaml" in editor and validator:
        editor = validator
    elif "yaml" in validator and editor:
        validator = editor
    disagree = {(name, f) for f in validator ^ editor}
    listed = {key for key in EXCEPTIONS if key[0] == name}
    shown = f"validator rejects {sorted(validator)}, the editor's schema {sorted(editor)}"
    assert disagree - listed == set(), f"{name}: a disagreement not in EXCEPTIONS; {shown}"
    assert listed - disagree == set(), f"{name}: EXCEPTIONS lists what now agrees; {shown}"


def test_sample_entries_are_accepted_by_both(sample_root: Path) -> None:
    directory = read_directory(sample_root, today=TODAY)
    assert [p for p in directory.problems if p.severity is Severity.ERROR] == []
    files = sorted((SAMPLE / "entries").rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        assert editor_rejects(path.read_text("utf-8")) == set(), path


# Plain scalars and what the yaml package 2.8.3 (yaml-language-server 1.24's) makes of
# them in YAML 1.2, checked with node: `YAML.parse("v: " + text, {version: "1.2"}).v`.
CORE = {
    "03013": 3013,
    "2014": 2014,
    "2014-05": "2014-05",
    "2026-10-01": "2026-10-01",
    "+41313321122": 41313321122,
    "031 332 11 22": "031 332 11 22",
    "yes": "yes",
    "NO": "NO",
    "on": "on",
    "tRUE": "tRUE",
    "True": True,
    "FALSE": False,
    "Null": None,
    "~": None,
    "0o17": 15,
    "0O17": "0O17",
    "0x1F": 31,
    "0b101": "0b101",
    "1_000": "1_000",
    "1e3": 1000.0,
    ".5": 0.5,
    "5.": 5.0,
    "-46.95": -46.95,
    "-.Inf": -math.inf,
    "nan": "nan",
    "08:30": "08:30",
    "08:30-12:00": "08:30-12:00",
    "1.e1": 10.0,
    ".e1": ".e1",
}


@pytest.mark.parametrize(("text", "value"), CORE.items(), ids=list(CORE))
def test_plain_scalars_resolve_as_in_the_editor(text: str, value: object) -> None:
    got = yaml_core_value(text)
    assert got == value and type(got) is type(value)
    assert editor_read(f"v: {text}") == [{"v": value}]
    assert editor_read(f"v: '{text}'") == [{"v": text}]


def _definition(name: str) -> dict[str, Any]:
    """The published schema of one part of an entry, e.g. ``Contact``."""
    return {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"}


def _validator_takes(check: Callable[[Any], object], value: Any) -> bool:
    try:
        check(value)
    except (ValueError, ModelError):
        return False
    return True


@pytest.mark.parametrize(
    "text",
    [
        "Brot",
        "  Brot  ",
        "a\tb",
        "Brot\nund Butter",
        "Brot\n",
        "\n Brot \n",
        "",
        " \n ",
        "a\u202eb",
        "a\x01",
        "a\rb",
        "a \n \n b",
        "x\u0085y",
        "Zürich",
        "a\u00a0b",
    ],
)
def test_text_rules_of_the_schema_are_the_checks(text: str) -> None:
    """fields.TEXT_REFUSED_RE and LINE_REFUSED_RE refuse what check_text and check_plain_line do."""
    assert _validator_takes(check_text, text.strip()) == (re.search(TEXT_REFUSED_RE, text) is None)
    assert _validator_takes(check_plain_line, text.strip()) == (
        re.search(LINE_REFUSED_RE, text) is None
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://testbeck.ch",
        "https://a.ch:8080/x?y=1#z",
        "https://a.ch/x@y",
        "https://a..ch",
        "https://xn--bcher-kva.ch",
        "https://bücher.ch",
        "https://a/",
        "https://a.ch@b.ch/",
        "https://user:pw@a.ch",
        "https://a.ch\\@b.ch",
        "https://a.ch/x y",
        "https://a。ch",
        "https://a%2ech",
        "https://.a.ch",
        "https://a.ch.",
        "ftp://a.ch",
        "javascript:alert(1)",
    ],
)
def test_the_schema_takes_the_web_addresses_the_validator_takes(url: str) -> None:
    schema = Draft202012Validator(_definition("Contact"), format_checker=EDITOR_FORMATS)
    assert schema.is_valid({"website": url}) == _validator_takes(check_url, url)


_COORDINATES = "0 -0 46.95 -46.95 .5 5. 0090 90 90.0 90.001 -90 -90.000 91 179.9 180 180.5 -181"


@pytest.mark.parametrize("text", [*_COORDINATES.split(), "1000", "abc", "."])
def test_a_quoted_coordinate_is_checked_for_its_range(text: str) -> None:
    """``lat: "95"`` is refused by both: the quoted branch carries the bounds in its pattern."""
    schema = Draft202012Validator(_definition("Geo"))
    for point in ({"lat": text, "lon": "7.44"}, {"lat": "46.95", "lon": text}):
        assert schema.is_valid(point) == _validator_takes(Geo.model_validate, point), point
