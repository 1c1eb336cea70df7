"""Every message ``quartier validate`` shows comes from the catalogue, by id.

The texts live in ``quartier/messages/en.yaml`` so that translating them is
a data change (see :mod:`quartier.messages`). These tests keep it so:

- a scan of the source finds no message written inline: no text in what a
  ``Problem``, a validator's ``ValueError(message, hint)``, a
  ``QuartierError``, a search index's ``Skipped`` record, the checks'
  ``add``/``report`` helpers or ``Document.problem`` receive, following
  names and the module's own functions back to where their values come
  from; and, in the modules that validate, no sentence anywhere that is not
  a docstring, a field description or text matched against (a regular
  expression, a comparison);
- every id the code names is in the catalogue, every entry of the catalogue
  is named, and each template has exactly the placeholders the code passes;
- snippets with an inline message make the scan fail, so it can.
"""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import quartier
from quartier import messages
from quartier.messages import CatalogueError, catalogue, message

SRC = Path(quartier.__file__).parent
# Modules whose every sentence is for an owner or maintainer: no prose at all may be inline.
VALIDATING = {
    "load.py",
    "fields.py",
    "model.py",
    "explain.py",
    "checks.py",
    "steering.py",
    "pullrequest.py",
    "report.py",
    "config.py",
    "taxonomy.py",
    "directory.py",
    "publish/members.py",
    "site/contrast.py",
    "photos.py",
}
# Callables that receive message texts: name -> positions and keywords of the texts
# (None: every argument). ``add`` and ``report`` are quartier.checks' helpers.
SINKS: dict[str, tuple[tuple[int, ...] | None, tuple[str, ...]]] = {
    "Problem": ((4, 5), ("message", "hint")),
    "problem": ((2, 3), ("message", "hint")),  # Document.problem(line, column, message, hint)
    "add": ((2, 3), ("text", "hint")),
    "report": ((3, 4), ("text", "hint")),
    "Skipped": ((3,), ("problem",)),
    "Scope": ((1,), ("reason",)),
    "ValueError": (None, ()),
    "QuartierError": (None, ()),
}
# Only these take messages in every module; the others where the convention holds.
EVERYWHERE = {"Problem", "problem", "Skipped", "Scope"}
# Methods that look text up rather than show it: their arguments are not messages.
_MATCHING = {
    "replace",
    "split",
    "rsplit",
    "partition",
    "rpartition",
    "startswith",
    "endswith",
    "strip",
    "lstrip",
    "rstrip",
    "removeprefix",
    "removesuffix",
    "find",
    "rfind",
    "index",
    "count",
}
WORD = re.compile(r"[A-Za-z]{2}")  # a literal in a message's place: any word is inline text
PROSE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]")  # a sentence anywhere in a validating module


@dataclass
class Module:
    """One parsed source file, with what the scan needs to follow a name to its values."""

    name: str  # e.g. "checks.py" or "discover/index.py"
    source: str
    tree: ast.Module
    parent: dict[ast.AST, ast.AST] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)

    @classmethod
    def parse(cls, source: str, name: str) -> Module:
        tree = ast.parse(source)
        module = cls(name, source, tree)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                module.parent[child] = node
            if isinstance(node, ast.FunctionDef):
                module.functions.setdefault(node.name, node)
        return module

    def scope_of(self, node: ast.AST) -> ast.AST:
        """The function or class that holds ``node``, or the module."""
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                return node
        return self.tree

    def assigned(self, name: str, scope: ast.AST) -> list[ast.expr]:
        """The values assigned to ``name`` in ``scope`` (else at module level), tuples unpacked.

        Nothing for a parameter of ``scope``: its value is the caller's.
        """
        args = getattr(scope, "args", None)
        if args is not None and name in {a.arg for a in ast.walk(args) if isinstance(a, ast.arg)}:
            return []
        for where in (scope, self.tree):
            found = [
                node.value
                for node in ast.walk(where)
                if isinstance(node, ast.Assign | ast.AnnAssign)
                and node.value is not None
                and self.scope_of(node) is where
                and any(
                    isinstance(t, ast.Name) and t.id == name
                    for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    for t in ast.walk(target)
                )
            ]
            if found:
                return found
        return []

    def returns(self, function: str) -> list[ast.expr]:
        node = self.functions[function]
        return [
            r.value
            for r in ast.walk(node)
            if isinstance(r, ast.Return) and r.value is not None and self.scope_of(r) is node
        ]


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


Text = tuple[int, str, bool]  # line, text, and whether any word in it is a message


def _texts(module: Module, expr: ast.AST, seen: set[str], strict: bool = True) -> Iterator[Text]:
    """Every piece of literal text that can reach ``expr``'s value, with its line.

    Follows names to their assignments, calls of the module's own functions
    to what they return, and operators to their operands; stops at
    ``message(...)`` (a catalogue lookup), at keys (``d.get("input")``) and
    at what the scan cannot follow (a parameter, an attribute), which is the
    caller's to check. Text from a public constant (``ENTRIES_DIR``) is a
    name, not a message, unless it is a sentence (``strict`` is then false).
    """
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.lineno, expr.value, strict
    elif isinstance(expr, ast.JoinedStr):
        yield expr.lineno, _shape(expr), strict
        for value in expr.values:
            if isinstance(value, ast.FormattedValue):
                yield from _texts(module, value.value, seen, strict)
    elif isinstance(expr, ast.Call):
        name = _callee(expr)
        if name == "message":
            for kw in expr.keywords:  # a value passed into a template is checked too
                yield from _texts(module, kw.value, seen, strict)
            return
        if isinstance(expr.func, ast.Name) and name in module.functions:
            key = f"def {name}"
            if key not in seen:
                seen.add(key)
                for value in module.returns(name):
                    yield from _texts(module, value, seen, strict)
        if name in _KEYED or (isinstance(expr.func, ast.Attribute) and name in _MATCHING):
            return
        for arg in [*expr.args, *(kw.value for kw in expr.keywords)]:
            yield from _texts(module, arg, seen, strict)
    elif isinstance(expr, ast.Name):
        scope = module.scope_of(expr)
        key = f"{id(scope)}:{expr.id}"
        if key not in seen:
            seen.add(key)
            named = strict and not re.fullmatch(r"[A-Z][A-Z0-9_]*", expr.id)
            for value in module.assigned(expr.id, scope):
                yield from _texts(module, value, seen, named)
    elif isinstance(expr, ast.IfExp):
        yield from _texts(module, expr.body, seen, strict)
        yield from _texts(module, expr.orelse, seen, strict)
    elif isinstance(expr, ast.BoolOp | ast.Tuple | ast.List):
        for value in expr.values if isinstance(expr, ast.BoolOp) else expr.elts:
            yield from _texts(module, value, seen, strict)
    elif isinstance(expr, ast.BinOp):
        yield from _texts(module, expr.left, seen, strict)
        yield from _texts(module, expr.right, seen, strict)
    elif isinstance(expr, ast.Starred):
        yield from _texts(module, expr.value, seen, strict)


# Calls whose text arguments are keys and names, never shown: d.get("input"), getattr(x, "y").
_KEYED = {"get", "getattr", "hasattr", "setattr", "pop", "setdefault", "isinstance"}


def _shape(fstring: ast.JoinedStr) -> str:
    """An f-string's text with ``{}`` for each value: ``f"bad id {x}"`` -> ``"bad id {}"``."""
    return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in fstring.values)


def _sink_arguments(module: Module, call: ast.Call) -> list[ast.expr]:
    """The arguments of ``call`` that are message texts, if it is a sink in this module.

    Elsewhere than in the validating modules, only the sinks of
    :data:`EVERYWHERE` and a validator's ``ValueError(message, hint)`` take
    an owner's message. ``f(a, *g())`` puts what ``g`` returns in places.
    """
    name = _callee(call)
    if name not in SINKS:
        return []
    two = name == "ValueError" and len(call.args) == 2
    if name not in EVERYWHERE and module.name not in VALIDATING and not two:
        return []
    positions, keywords = SINKS[name]
    args: list[ast.expr] = []
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            args += _spread(module, arg, i, positions)
        elif positions is None or i in positions:
            args.append(arg)
    return args + [kw.value for kw in call.keywords if positions is None or kw.arg in keywords]


def _spread(
    module: Module, arg: ast.Starred, at: int, positions: tuple[int, ...] | None
) -> list[ast.expr]:
    """The parts of ``*g(...)`` that land on message places, when ``g`` returns tuples."""
    call = arg.value
    name = _callee(call) if isinstance(call, ast.Call) else ""
    if positions is None or name not in module.functions:
        return [arg]
    out: list[ast.expr] = []
    for value in module.returns(name):
        if not isinstance(value, ast.Tuple):
            return [arg]
        out += [v for j, v in enumerate(value.elts) if at + j in positions]
    return out


def _docstrings(tree: ast.Module) -> set[ast.AST]:
    """Strings that stand alone as statements: docstrings, also those of attributes."""
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr)
    }


def _matched_not_shown(module: Module, node: ast.AST) -> bool:
    """Whether the literal ``node`` is text that code matches against, documents or describes.

    Regular expressions (written raw), comparisons (``"x" in str(exc)``),
    the arguments of string methods that search, field descriptions and
    examples (``Field(...)``, for the schema), steering's word lists.
    """
    segment = ast.get_source_segment(module.source, node) or ""
    if re.match(r"[(\s]*[rR]", segment) or re.match(r"[(\s]*[fF][rR]", segment):
        return True
    child = node
    while child in module.parent:
        up = module.parent[child]
        if isinstance(up, ast.Compare):
            return True
        if isinstance(up, ast.Call) and child is not up.func:
            name = _callee(up)
            func = up.func
            if name in ("Field", "ConfigDict", "_words") or name in _MATCHING:
                return True
            if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "re":
                return True
        if isinstance(up, ast.stmt):
            return False
        child = up
    return False


def inline_messages(source: str, name: str) -> list[str]:
    """Every message written inline in one module's ``source``: ``name:line: text``.

    ``name`` is the module's path under ``src/quartier`` (``"checks.py"``);
    a module in :data:`VALIDATING` is also searched for any sentence outside
    docstrings and text that is matched rather than shown. Example::

        inline_messages('Problem(p, 1, 1, "id", f"bad {x}", "fix it")', "x.py")
        # ['x.py:1: bad {}', 'x.py:1: fix it']
    """
    module = Module.parse(source, name)
    found: dict[tuple[int, str], None] = {}
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        for arg in _sink_arguments(module, node):
            for line, text, strict in _texts(module, arg, set()):
                if (WORD if strict else PROSE).search(text):
                    found[(line, text)] = None
    if name in VALIDATING:
        docs = _docstrings(module.tree)
        for node in ast.walk(module.tree):
            if node in docs or (module.parent.get(node) in docs):
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if isinstance(module.parent.get(node), ast.JoinedStr):
                    continue  # judged with its f-string
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = _shape(node)
            else:
                continue
            if PROSE.search(text) and not _matched_not_shown(module, node):
                found[(getattr(node, "lineno", 0), text)] = None
    return [f"{name}:{line}: {text}" for line, text in sorted(found)]


def _modules() -> list[tuple[str, str]]:
    return [
        (path.relative_to(SRC).as_posix(), path.read_text("utf-8"))
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "_confusables.py"  # generated data
    ]


# --- The source holds no inline message -----------------------------------------


def test_no_message_is_written_inline() -> None:
    found = [hit for name, source in _modules() for hit in inline_messages(source, name)]
    assert found == [], "write these as message(id, ...) and the text in en.yaml:\n" + "\n".join(
        found
    )


def test_every_module_that_shows_messages_is_scanned() -> None:
    """A new module that builds problems must not escape the strict scan unnoticed."""
    names = {name for name, _ in _modules()}
    assert names >= VALIDATING
    building = {
        name
        for name, source in _modules()
        if re.search(r"\bProblem\(|\.problem\(", source) and name not in VALIDATING
    }
    assert building == set(), f"add to VALIDATING: {building}"


@pytest.mark.parametrize(
    ("name", "snippet", "found"),
    [
        # A problem with an f-string message and a literal hint.
        (
            "checks.py",
            'def f(doc, x):\n    return Problem(doc.path, 1, 1, "id", f"bad id {x}", "fix it")\n',
            ["checks.py:2: bad id {}", "checks.py:2: fix it"],
        ),
        # A validator's ValueError(message, hint), in a module that is not a validating one.
        (
            "publish/x.py",
            'def check(v):\n    raise ValueError(f"\'{v}\' is odd", message("fields.date.fix"))\n',
            ["publish/x.py:2: '{}' is odd"],
        ),
        # The message built in a variable first, then reported.
        (
            "discover/x.py",
            "def f(doc):\n"
            '    text = "no contact"\n'
            '    doc.problem(1, 1, text, message("load.empty.fix"))\n',
            ["discover/x.py:2: no contact"],
        ),
        # A helper of the module that returns the text, spread into a Skipped record.
        (
            "site/x.py",
            "def _why(x):\n"
            '    return "(record)", "too " + x\n\n'
            "def f(n, x):\n"
            '    return Skipped(n, "", *_why(x))\n',
            ["site/x.py:2: too "],
        ),
        # A word inside a value passed to a template.
        (
            "checks.py",
            'def f(add, n):\n    add((), "f", message("checks.stale", day=n, days="many"), "")\n',
            ["checks.py:2: many"],
        ),
        # checks' report helper, with a one-word hint (and without: no word, no message).
        (
            "checks.py",
            "def f(report, k):\n"
            '    report(k, (1, 1), "id", message("checks.no_contact"), "nope")\n',
            ["checks.py:2: nope"],
        ),
        (
            "checks.py",
            'def f(report, k):\n    report(k, (1, 1), "id", message("checks.no_contact"), "-")\n',
            [],
        ),
        # A sentence anywhere in a validating module, e.g. returned as a (message, hint) pair.
        (
            "explain.py",
            'def _explain(err):\n    return ("is wrong here", "")\n',
            ["explain.py:2: is wrong here"],
        ),
        # The same elsewhere is no one's business: the search's own words, say.
        ("discover/x.py", 'def _explain(err):\n    return ("is wrong here", "")\n', []),
        # What the scan lets through: lookups, patterns, comparisons, descriptions, docstrings.
        (
            "load.py",
            '"""A module that says things, in its docstring."""\n'
            "import re\n"
            "def f(doc, exc, x):\n"
            '    """Report x, e.g. a bad id."""\n'
            '    if "expected a single document" in str(exc):\n'
            '        doc.problem(1, 1, message("load.empty"), message("load.empty.fix"))\n'
            '    return re.search(r"= expected one (.+)", x), x.replace(" or else ", ",")\n'
            'name: str = Field(description="The name as the business uses it.")\n',
            [],
        ),
    ],
)
def test_the_scan_finds_inline_messages(name: str, snippet: str, found: list[str]) -> None:
    assert inline_messages(snippet, name) == found


# --- The catalogue and the code agree ------------------------------------------


@dataclass(frozen=True)
class Use:
    """One ``message(...)`` call: where, the ids it can name, and the placeholders it fills."""

    where: str
    ids: frozenset[str]
    keywords: frozenset[str]


def _ids(module: Module, expr: ast.expr, seen: set[str]) -> set[str] | None:
    """The message ids ``expr`` can be, or None when the scan cannot tell.

    A literal, either side of ``a if c else b``, a name assigned only ids,
    and ``TABLE.get(x)`` or ``TABLE[x]`` of a module-level dict of ids.
    """
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        a, b = _ids(module, expr.body, seen), _ids(module, expr.orelse, seen)
        return None if a is None or b is None else a | b
    if isinstance(expr, ast.Name) and expr.id not in seen:
        values = module.assigned(expr.id, module.scope_of(expr))
        found: set[str] = set()
        for value in values:
            ids = _ids(module, value, {*seen, expr.id})
            if ids is None:
                return None
            found |= ids
        return found or None
    table = None
    if isinstance(expr, ast.Call) and _callee(expr) == "get":
        table = getattr(expr.func, "value", None)
    elif isinstance(expr, ast.Subscript):
        table = expr.value
    if isinstance(table, ast.Name):
        dicts = module.assigned(table.id, module.tree)
        if len(dicts) == 1 and isinstance(dicts[0], ast.Dict):
            return _ids_of(module, dicts[0].values, seen)
    return None


def _ids_of(module: Module, exprs: list[ast.expr], seen: set[str]) -> set[str] | None:
    found: set[str] = set()
    for expr in exprs:
        ids = _ids(module, expr, seen)
        if ids is None:
            return None
        found |= ids
    return found


def uses() -> list[Use]:
    out: list[Use] = []
    for name, source in _modules():
        module = Module.parse(source, name)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and _callee(node) == "message" and node.args:
                where = f"{name}:{node.lineno}"
                ids = _ids(module, node.args[0], set())
                assert ids is not None, f"{where}: name the message id so that it can be checked"
                assert all(kw.arg for kw in node.keywords), f"{where}: no **values"
                keywords = frozenset(str(kw.arg) for kw in node.keywords)
                out.append(Use(where, frozenset(ids), keywords))
    return out


def placeholders(template: str) -> set[str]:
    """The named fields of a template: ``{"value"}`` for ``"'{value}' is not a date"``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class _Any:
    """A value that takes any format spec, to format each template as the code would."""

    def __format__(self, spec: str) -> str:
        return "x"


def test_every_id_in_the_code_is_in_the_catalogue() -> None:
    missing = [f"{u.where}: {i}" for u in uses() for i in u.ids if i not in catalogue()]
    assert missing == []


def test_every_catalogue_entry_is_used() -> None:
    used = {i for u in uses() for i in u.ids}
    assert sorted(set(catalogue()) - used) == []


def test_templates_have_the_placeholders_the_code_passes() -> None:
    wrong = []
    for use in uses():
        for id_ in use.ids:
            entry = catalogue()[id_]
            forms = [entry] if isinstance(entry, str) else list(entry.values())
            wanted = set().union(*map(placeholders, forms))
            if not isinstance(entry, str):
                wanted.add("count")  # chooses the form, may be left out of one
            if wanted != use.keywords:
                wrong.append(
                    f"{use.where}: {id_} has {sorted(wanted)}, given {sorted(use.keywords)}"
                )
            for form in forms:
                form.format_map(dict.fromkeys(use.keywords, _Any()))
    assert wrong == []


def test_placeholders_are_plain_names() -> None:
    """A template gets values, never reaches into them: no ``{value.__class__}``, no ``!r``."""
    for id_, entry in catalogue().items():
        for form in [entry] if isinstance(entry, str) else entry.values():
            for _, name, _, conversion in string.Formatter().parse(form):
                assert name is None or name.isidentifier(), (id_, name)
                assert conversion is None, (id_, conversion)


# --- The catalogue itself -------------------------------------------------------


def test_a_value_is_inserted_as_it_is() -> None:
    """Braces in what a file says stay text: only the template's own fields are filled."""
    assert message("fields.date", value="{0}{value}") == "'{0}{value}' is not a date"
    assert message("explain.key.split", key="a b") == (
        "'a b' is not a language code: a comma inside {...} split the text"
    )


def test_a_count_chooses_the_plural_form() -> None:
    assert message("report.files", count=1) == "1 file"
    assert message("report.files", count=0) == "0 files"
    assert message("report.files", count=14) == "14 files"


def test_the_catalogue_refuses_an_id_given_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "FOLDER", tmp_path)
    (tmp_path / "xx.yaml").write_text('a.b: "one"\na.c: "two"\na.b: "three"\n', "utf-8")
    with pytest.raises(CatalogueError, match=r"xx\.yaml:3: .*twice"):
        catalogue.__wrapped__("xx")


@pytest.mark.parametrize(
    "text",
    [
        "a.b: ''\n",  # an empty template
        "a.b: [one, two]\n",
        "a.b: {one: '{count} file'}\n",  # plural forms without 'other'
        "a.b: {one: '{count} file', lots: '{count} files', other: x}\n",
        "- a list\n",
    ],
)
def test_the_catalogue_refuses_what_is_not_a_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(messages, "FOLDER", tmp_path)
    (tmp_path / "xx.yaml").write_text(text, "utf-8")
    with pytest.raises(CatalogueError):
        catalogue.__wrapped__("xx")


def test_values_stay_text() -> None:
    """Composed, not constructed: YAML 1.1 would read a bare ``no`` or ``1.0`` otherwise."""
    assert all(
        isinstance(form, str)
        for entry in catalogue().values()
        for form in ([entry] if isinstance(entry, str) else entry.values())
    )
    assert catalogue()["pullrequest.nobody"] == "nobody"


def test_nothing_reads_the_catalogue_until_a_message_is_needed() -> None:
    """Importing the validator costs no catalogue: it is read with the first message."""
    code = (
        "import quartier.directory, quartier.cli, quartier.messages as m\n"
        "assert m.catalogue.cache_info().currsize == 0\n"
        "m.message('load.empty')\n"
        "assert m.catalogue.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
