"""Strict, safe YAML loading that keeps every value as the text a person wrote.

YAML 1.1 (what PyYAML implements) turns ``country: NO`` into ``False``,
``postal_code: 01234`` into 668 and ``08:30`` into 510. People who are not
programmers write exactly those things, so this loader resolves every plain
scalar to a string and lets the pydantic model convert where a number or a
date is meant. It also refuses what PyYAML silently accepts: duplicate keys
(the last one wins and data is lost), anchors, aliases and merge keys
(billion-laughs), custom tags, several documents, oversized or non-UTF-8
files, and files of more than ``MAX_NODES`` keys and values.

The libyaml C parser composes the node tree; only our small walk over it is
Python, which is why this is faster than ``yaml.load`` with ``CSafeLoader``.
The walk is also what stops aliases: libyaml's composer returns an alias as
the very node it names, so a node reached a second time is an alias, refused
before it is expanded, whatever the text looks like. A text pre-scan only
decides when to run the slower event scan that names every anchor and alias
at its line and column.

Example::

    doc = load_path(Path("entries/ch/bern/velowerk-lorraine.yaml"))
    if doc.problems: ...            # file:line:column for each
    doc.data["location"]["address"]["country"]  # 'NO' stays 'NO'
"""

from __future__ import annotations

import operator
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .messages import message
from .problems import Problem

MAX_BYTES = 128 * 1024
MAX_DEPTH = 40
# Keys, values and lists in one file. The largest entries hold about 260 and
# the taxonomy 5,200 in 50 KB; a 128 KiB file as dense as either holds about
# 13,500. Without aliases each node needs its own bytes of text, so this
# bounds the walk and what the model sees, not the parser.
MAX_NODES = 20_000
# Anchors and aliases listed one by one before the rest are summed up in one problem.
_MAX_ANCHORS_SHOWN = 100

STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_DEFAULT_TAGS = {ScalarNode: STR_TAG, MappingNode: MAP_TAG, SequenceNode: SEQ_TAG}
# libyaml breaks lines on "\n", "\r" (and "\r\n"), NEL, LINE and PARAGRAPH SEPARATOR.
_BREAKS = "\n\r\x85\u2028\u2029"
# What may stand before an anchor or alias, and what its name is made of (see
# _may_hold_anchors). Blanks: space, tab and a byte order mark.
_BEFORE_TOKEN = frozenset(_BREAKS + "-?:,[{")
_BLANKS = frozenset(" \t\ufeff")
_BLANKS_AND_BREAKS = frozenset(" \t" + _BREAKS)
_NAME_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
_LINE_BREAK = re.compile(rf"\r\n|[{_BREAKS}]")
# Plain scalars that mean "nothing here"; quoted ones stay text.
_NULLS = frozenset({"", "~", "null"})

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class _Composer(_Parser, BaseResolver):
    """libyaml's parser and composer with no implicit typing at all."""

    # The composer calls these path-resolver hooks around every node; with no
    # path resolvers they do nothing, and C builtins that take the same
    # arguments skip a Python call each (about a tenth of composing a file).
    descend_resolver = operator.is_  # type: ignore[assignment]  # (parent, index) -> ignored
    ascend_resolver = tuple  # type: ignore[assignment]  # () -> ignored

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        return _DEFAULT_TAGS[kind]


@dataclass(slots=True)
class Document:
    """One loaded file: its data (or ``None``) and every problem found."""

    path: str
    data: dict[str, Any] | None = None
    root: Node | None = None
    problems: list[Problem] = field(default_factory=list)

    def problem(
        self, line: int, column: int, message: str, hint: str = "", fld: str = "yaml"
    ) -> None:
        self.problems.append(Problem(self.path, line, column, fld, message, hint))

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``loc``, or of its nearest parent."""
        return locate(self.root, loc)


def load_path(
    path: str | os.PathLike[str], display: str | None = None, max_bytes: int = MAX_BYTES
) -> Document:
    """Read and load one file; never raises for what is inside the file.

    One open and one fstat per file: at 10,000 entries, pathlib's checks
    cost more than reading. Opening does not block on a FIFO, and anything
    but a regular file is refused.
    """
    name = display or str(path)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        return _unreadable(name, exc)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            doc = Document(name)
            doc.problem(
                1, 1, message("load.not_regular_file"), message("load.not_regular_file.fix")
            )
            return doc
        parts: list[bytes] = []
        size = 0
        while size <= max_bytes and (part := os.read(fd, max_bytes + 1 - size)):
            parts.append(part)
            size += len(part)
    except OSError as exc:
        return _unreadable(name, exc)
    finally:
        os.close(fd)
    return load_bytes(parts[0] if len(parts) == 1 else b"".join(parts), name, max_bytes)


# Non-blocking, so a FIFO named like an entry cannot hang the run; binary on Windows.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _unreadable(name: str, exc: OSError) -> Document:
    doc = Document(name)
    reason = exc.strerror or exc
    doc.problem(1, 1, message("load.unreadable", reason=reason), message("load.unreadable.fix"))
    return doc


def load_bytes(raw: bytes, name: str, max_bytes: int = MAX_BYTES) -> Document:
    """Load one YAML document that must be a mapping; see the module docstring."""
    doc = Document(name)
    if len(raw) > max_bytes:
        doc.problem(
            1,
            1,
            message("load.too_large", kib=max_bytes // 1024),
            message("load.too_large.fix"),
        )
        return doc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw[: exc.start].decode("utf-8"))
        doc.problem(
            line,
            column,
            message("load.not_utf8", byte=raw[exc.start]),
            message("load.not_utf8.fix"),
        )
        return doc
    if _may_hold_anchors(text) and not _refuse_anchors(text, doc):
        return doc
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "expected a single document" in str(exc):
            what = message("load.several_documents")
            hint = message("load.several_documents.fix")
        elif exc.problem == "exceeded maximum nesting depth":  # libyaml stops at 1,000 levels
            what, hint = message("load.too_deep"), message("load.too_deep.fix")
        else:
            detail = exc.problem or message("load.syntax.unknown")
            what, hint = message("load.syntax", detail=detail), message("load.syntax.fix")
        doc.problem(line, column, what, hint)
        return doc
    except yaml.YAMLError as exc:  # ReaderError: a control character libyaml refuses
        # libyaml's offset counts the bytes of the UTF-8 text.
        line, column = _position(raw[: getattr(exc, "position", 0) or 0].decode("utf-8", "replace"))
        char = getattr(exc, "character", None)
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        doc.problem(
            line,
            column,
            message("load.control_character", character=shown),
            message("load.control_character.fix"),
        )
        return doc
    if root is None:
        doc.problem(
            1,
            1,
            message("load.empty"),
            message("load.empty.fix"),
        )
        return doc
    if not isinstance(root, MappingNode):
        doc.problem(
            root.start_mark.line + 1,
            root.start_mark.column + 1,
            message("load.not_mapping"),
            message("load.not_mapping.fix"),
        )
        return doc
    doc.root = root
    try:
        data = _build(root, doc, 0, set(), [MAX_NODES - 1])
    except _Alias as exc:
        # An alias the pre-scan did not expect: the event scan names and places it.
        doc.root = None
        doc.problems.clear()
        if _refuse_anchors(text, doc):  # not expected: libyaml has an event for each alias
            mark = exc.node.start_mark
            doc.problem(
                mark.line + 1,
                mark.column + 1,
                message("load.alias_met"),
                message("load.alias_met.fix"),
            )
        return doc
    except _TooMany as exc:
        doc.root = None
        mark = exc.node.start_mark
        doc.problem(
            mark.line + 1,
            mark.column + 1,
            message("load.too_many_values", limit=MAX_NODES),
            message("load.too_many_values.fix"),
        )
        return doc
    if not doc.problems:
        doc.data = data
    return doc


def _may_hold_anchors(text: str) -> bool:
    """Whether libyaml could read an anchor or an alias somewhere in ``text``.

    One starts a token: at the start of the text or of a line (after any of
    libyaml's line breaks), after '-', '?', ':', ',', '[' or '{', or after a
    tag ('!!map &a'), then blanks, then '&' or '*' and a name of letters,
    digits, '-' and '_'. "Kaffee & Kuchen", "AT&T" or "**bold**"
    are none of these, so most files skip the event scan. The answer may be
    yes for text that holds none (the event scan then finds none), never no
    for text that holds one (tests/test_load.py checks this against
    libyaml's events): it is what finds an anchor that no alias uses, while
    aliases are stopped by ``_build`` whatever the text looks like.
    """
    for char in "&*":
        i = text.find(char)
        while i >= 0:
            if text[i + 1 : i + 2] in _NAME_CHARS:
                j = i  # skip blanks back to what stands before them
                while j and text[j - 1] in _BLANKS:
                    j -= 1
                if not j or text[j - 1] in _BEFORE_TOKEN:
                    return True
                if j < i:  # after a word and blanks: is a tag in that word?
                    k = j
                    while k and text[k - 1] not in _BLANKS_AND_BREAKS:
                        k -= 1
                    if text.find("!", k, j) >= 0:
                        return True
            i = text.find(char, i + 1)
    return False


def _position(before: str) -> tuple[int, int]:
    """1-based line and column just after ``before``, with libyaml's line breaks."""
    lines = _LINE_BREAK.split(before)
    return len(lines), len(lines[-1]) + 1


def _compose(text: str) -> Node | None:
    loader = _Composer(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _refuse_anchors(text: str, doc: Document) -> bool:
    """Report each anchor and alias from libyaml's events; true if there are none.

    Past ``_MAX_ANCHORS_SHOWN`` one more problem says so and the scan stops:
    a file of thousands of aliases gets a short answer, fast.
    """
    shown = 0
    loader = _Composer(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                alias = True
            elif anchor:
                alias = False
            else:
                continue
            mark = event.start_mark if event is not None else None
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            if shown == _MAX_ANCHORS_SHOWN:
                rest_id = "load.alias.rest" if alias else "load.anchor.rest"
                rest = message(rest_id, name=anchor, shown=_MAX_ANCHORS_SHOWN)
                doc.problem(line, column, rest, message("load.rest.fix"))
                break
            what = message("load.alias" if alias else "load.anchor", name=anchor)
            doc.problem(line, column, what, message("load.anchor.fix"))
            shown += 1
    except yaml.YAMLError:
        return True  # _compose reports the syntax error with its position
    finally:
        loader.dispose()
    return not shown


class _Alias(Exception):
    """A node met a second time: libyaml composes an alias as the node it names."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


class _TooMany(Exception):
    """More than ``MAX_NODES`` keys and values; ``node`` holds the ones past it."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


def _build(node: Node, doc: Document, depth: int, seen: set[Node], left: list[int]) -> Any:
    """Plain data from the node tree: strings, ``None``, dicts and lists.

    ``seen`` holds every node visited. libyaml composes an alias as the node
    it names, so meeting a node again raises ``_Alias`` before it is expanded:
    a tree that would unfold into billions of values costs one visit per
    node. ``left[0]`` counts down the nodes the file may still hold; each
    collection takes its children as it is entered, and ``_TooMany`` is
    raised past zero.
    """
    if node in seen:
        raise _Alias(node)
    seen.add(node)
    if depth > MAX_DEPTH:
        doc.problem(
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            message("load.too_deep"),
            message("load.too_deep.fix"),
        )
        return None
    tag = node.tag
    if tag == STR_TAG and isinstance(node, ScalarNode):
        value: str = node.value
        if not node.style and value in _NULLS:  # plain style is None or ""
            return None
        return value
    if tag == MAP_TAG and isinstance(node, MappingNode):
        pairs: list[tuple[Node, Node]] = node.value
        left[0] -= 2 * len(pairs)
        if left[0] < 0:
            raise _TooMany(node)
        out: dict[str, Any] = {}
        for key_node, value_node in pairs:
            if key_node in seen:
                raise _Alias(key_node)
            seen.add(key_node)
            if not (isinstance(key_node, ScalarNode) and key_node.tag == STR_TAG):
                doc.problem(
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    message("load.key_not_text"),
                    message("load.key_not_text.fix"),
                )
                continue
            key = key_node.value
            if key in out:
                doc.problem(
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    message("load.duplicate_key", key=key),
                    message("load.duplicate_key.fix"),
                    key,
                )
                continue
            out[key] = _build(value_node, doc, depth + 1, seen, left)
        if "<<" in out:
            _refuse_merge_key(pairs, doc)
        return out
    if tag == SEQ_TAG and isinstance(node, SequenceNode):
        items: list[Node] = node.value
        left[0] -= len(items)
        if left[0] < 0:
            raise _TooMany(node)
        return _build_items(items, doc, depth + 1, seen, left)
    doc.problem(
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        message("load.tag", tag=tag),
        message("load.tag.fix"),
    )
    return None


def _build_items(
    items: list[Node], doc: Document, depth: int, seen: set[Node], left: list[int]
) -> list[Any]:
    # Not inline in _build: a comprehension there would make every call of
    # _build, most of them for one scalar, create cells for its variables.
    return [_build(item, doc, depth, seen, left) for item in items]


def _refuse_merge_key(pairs: list[tuple[Node, Node]], doc: Document) -> None:
    """A plain ``<<`` key is YAML 1.1's merge key, which copies another mapping in."""
    for key_node, _ in pairs:
        if isinstance(key_node, ScalarNode) and key_node.value == "<<" and not key_node.style:
            doc.problem(
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
                message("load.merge_key"),
                message("load.merge_key.fix"),
                "<<",
            )
            return


def locate(root: Node | None, loc: Sequence[str | int]) -> tuple[int, int]:
    """Position of the node at ``loc`` (keys and list indexes), 1-based.

    A key that is not there (a missing field) points at its parent; a final
    ``"[key]"`` (pydantic's marker for a bad dict key) points at the key itself.
    """
    if root is None:
        return (1, 1)
    node, key_node = root, None
    for part in loc:
        if part == "[key]":
            node = key_node or node
            break
        if isinstance(node, MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == part), None)
            if found is None:
                break
            key_node, node = found
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            key_node, node = None, node.value[part]
        else:
            break
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def locate_key(root: Node | None, loc: Sequence[str | int]) -> tuple[int, int]:
    """Position of the *key* at the end of ``loc`` (for unknown keys)."""
    return locate(root, (*loc, "[key]"))
