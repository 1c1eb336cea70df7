"""Strict, safe YAML loading that keeps every value as the text a person wrote.

YAML 1.1 (what PyYAML implements) turns ``country: NO`` into ``False``,
``postal_code: 01234`` into 668 and ``08:30`` into 510. People who are not
programmers write exactly those things, so this loader resolves every plain
scalar to a string and lets the pydantic model convert where a number or a
date is meant. It also refuses what PyYAML silently accepts: duplicate keys
(the last one wins and data is lost), anchors and aliases (billion-laughs),
custom tags, several documents, oversized or non-UTF-8 files.

The libyaml C parser composes the node tree; only our small walk over it is
Python, which is why this is faster than ``yaml.load`` with ``CSafeLoader``.

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

from .problems import Problem

MAX_BYTES = 128 * 1024
MAX_DEPTH = 40

STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_DEFAULT_TAGS = {ScalarNode: STR_TAG, MappingNode: MAP_TAG, SequenceNode: SEQ_TAG}
# An anchor or alias stands where a node starts: at a line start or after ':', '-',
# '?', ',', '[' or '{', then a name. Text such as "Kaffee & Kuchen" or "**bold**"
# never matches, so most files skip the event scan (and files with neither
# character skip the pattern, which is slow on long files).
_MAYBE_ANCHOR = re.compile(r"(?m)(?:^|[:\-?,\[{])[ \t]*[&*][^\s*&,\[\]{}]")
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
            doc.problem(1, 1, "this is not a regular file", "entries are plain YAML files")
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
    doc.problem(1, 1, f"cannot read the file: {exc.strerror or exc}", "check the path")
    return doc


def load_bytes(raw: bytes, name: str, max_bytes: int = MAX_BYTES) -> Document:
    """Load one YAML document that must be a mapping; see the module docstring."""
    doc = Document(name)
    if len(raw) > max_bytes:
        doc.problem(
            1,
            1,
            f"the file is larger than {max_bytes // 1024} KiB",
            "keep an entry short: move long texts to the website and link it",
        )
        return doc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.problem(
            line,
            column,
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "save the file with UTF-8 encoding",
        )
        return doc
    # Only where a node could start with '&' or '*' is the slower event scan needed.
    maybe = ("&" in text or "*" in text) and _MAYBE_ANCHOR.search(text)
    if maybe and not _refuse_anchors(text, doc):
        return doc
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if "expected a single document" in str(exc):
            what, hint = "the file holds more than one YAML document", "remove the '---' separator"
        else:
            hint = "check indentation and quote text that contains ': ' or starts with a symbol"
        doc.problem(line, column, f"YAML syntax error: {what}", hint)
        return doc
    except yaml.YAMLError as exc:  # ReaderError: a control character libyaml refuses
        position = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        char = getattr(exc, "character", None)
        what = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        doc.problem(
            line,
            column,
            f"control character {what} is not allowed",
            "remove it (it is often pasted in by accident); use plain text",
        )
        return doc
    if root is None:
        doc.problem(
            1,
            1,
            "the file is empty",
            "write its keys; for an entry, copy the template in entries/README.md",
        )
        return doc
    if not isinstance(root, MappingNode):
        doc.problem(
            root.start_mark.line + 1,
            root.start_mark.column + 1,
            "the file must be a mapping of keys to values (like 'id: my-shop')",
            "for an entry, copy the template in entries/README.md",
        )
        return doc
    doc.root = root
    data = _build(root, doc, 0)
    if not doc.problems:
        doc.data = data
    return doc


def _compose(text: str) -> Node | None:
    loader = _Composer(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _refuse_anchors(text: str, doc: Document) -> bool:
    ok = True
    loader = _Composer(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                what = f"alias '*{anchor}'"
            elif anchor:
                what = f"anchor '&{anchor}'"
            else:
                continue
            mark = event.start_mark if event is not None else None
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            doc.problem(
                line,
                column,
                f"YAML {what} is not allowed",
                "write the value out in full; quote text that starts with '&' or '*'",
            )
            ok = False
    except yaml.YAMLError:
        return True  # _compose reports the syntax error with its position
    finally:
        loader.dispose()
    return ok


def _build(node: Node, doc: Document, depth: int) -> Any:
    if depth > MAX_DEPTH:
        doc.problem(
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            "the data is nested too deeply",
            "flatten the structure",
        )
        return None
    tag = node.tag
    if tag == STR_TAG and isinstance(node, ScalarNode):
        value: str = node.value
        if not node.style and value in _NULLS:  # plain style is None or ""
            return None
        return value
    if tag == MAP_TAG and isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag == STR_TAG):
                doc.problem(
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    "a key must be plain text",
                    "write keys like 'name:'",
                )
                continue
            key = key_node.value
            if key in out:
                doc.problem(
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    f"duplicate key '{key}': it is already set above, and one of the two "
                    "values would be lost",
                    "keep one of them",
                    key,
                )
                continue
            out[key] = _build(value_node, doc, depth + 1)
        return out
    if tag == SEQ_TAG and isinstance(node, SequenceNode):
        return [_build(item, doc, depth + 1) for item in node.value]
    doc.problem(
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        f"YAML tag '{tag}' is not allowed",
        "remove the '!' tag; plain values are enough",
    )
    return None


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
