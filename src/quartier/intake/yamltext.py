"""Entry files written from the intake: a new file, or an existing one changed in place.

Everything is written by PyYAML's safe dumper (no tags, no anchors, every
text quoted where YAML would read it as something else), and read back by
quartier's own loader before it is used. A new entry follows the contract's
field order. An update changes only the values that differ, at their places
in the existing file, through the positions of its composed nodes, so the
pull request's diff shows exactly those lines and the owner's comments and
layout stay; should an edit not read back as intended, the whole file is
written anew instead.

Example::

    new_entry_text({"id": "velo-flick", "name": "Velo Flick", ...})
    update_text(old_text, {("opening_hours",): "Tu-Fr 09:00-18:30"})
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode

from ..explain import model_in
from ..load import load_bytes
from ..model import Entry

Path = tuple[str, ...]
# Written in flow style, as the sample entries and the template do.
_FLOW = {("location", "geo"), ("languages",)}


class _BlockDumper(yaml.SafeDumper):
    """The safe dumper, with texts of several lines as literal blocks."""


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _text)


class _Flow(dict[str, Any]):
    pass


class _FlowList(list[Any]):
    pass


def _flow_dict(dumper: yaml.SafeDumper, data: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_BlockDumper.add_representer(_Flow, _flow_dict)
_BlockDumper.add_representer(_FlowList, _flow_list)


def ordered(data: dict[str, Any], model: type[BaseModel] = Entry, at: Path = ()) -> dict[str, Any]:
    """``data`` with its keys in the model's field order, nested models too."""
    out: dict[str, Any] = {}
    fields = model.model_fields
    for key in [*fields, *(k for k in data if k not in fields)]:
        if key not in data:
            continue
        value = data[key]
        sub = model_in(fields[key].annotation) if key in fields else None
        if isinstance(value, dict) and sub is not None:
            value = ordered(value, sub, (*at, key))
        elif isinstance(value, list) and sub is not None:
            value = [ordered(v, sub, (*at, key)) if isinstance(v, dict) else v for v in value]
        if (*at, key) in _FLOW:
            value = _Flow(value) if isinstance(value, dict) else _FlowList(value)
        out[key] = value
    return out


def new_entry_text(data: dict[str, Any]) -> str:
    """A new entry file, block style in the contract's field order."""
    return str(
        yaml.dump(
            ordered(data),
            Dumper=_BlockDumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=4096,
        )
    )


class _InlineDumper(yaml.SafeDumper):
    """The safe dumper, with texts of several lines double-quoted (``\\n``) on one line."""


def _one_line(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_InlineDumper.add_representer(str, _one_line)


def inline(value: Any) -> str:
    """``value`` as YAML on one line (flow style), for a place after ``key:``."""
    text = yaml.dump(
        value, Dumper=_InlineDumper, default_flow_style=True, allow_unicode=True, width=10**6
    )
    return str(text).removesuffix("\n...\n").rstrip("\n")


def block(value: Any, column: int) -> str:
    """``value`` as block YAML whose lines after the first are indented by ``column``."""
    text = str(
        yaml.dump(
            _plain(value),
            Dumper=_BlockDumper,
            default_flow_style=False,
            allow_unicode=True,
            width=4096,
        )
    ).rstrip("\n")
    return text.replace("\n", "\n" + " " * column)


def merged(data: dict[str, Any], changes: dict[Path, Any]) -> dict[str, Any]:
    """A copy of ``data`` with each path of ``changes`` set to its value."""
    out = copy.deepcopy(data)
    for path, value in changes.items():
        node = out
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[path[-1]] = value
    return out


def update_text(text: str, data: dict[str, Any], changes: dict[Path, Any]) -> str:
    """``text`` (loaded as ``data``) with ``changes`` made in place (see the module docstring)."""
    target = merged(data, changes)
    edited = text
    try:
        for path, value in changes.items():
            edited = _edit(edited, path, value, target)
    except _CannotEdit:
        edited = ""
    if edited and _reads_as(edited, target):
        return edited
    return new_entry_text(target)


def _reads_as(text: str, data: dict[str, Any]) -> bool:
    """Whether quartier's loader reads ``text`` as it reads the dump of ``data``."""
    ours = load_bytes(text.encode("utf-8"), "edited")
    theirs = load_bytes(new_entry_text(data).encode("utf-8"), "expected")
    return ours.data is not None and ours.data == theirs.data


class _CannotEdit(Exception):
    """The file's shape does not allow an edit in place (a list where a mapping is expected)."""


def _edit(text: str, path: Path, value: Any, target: dict[str, Any]) -> str:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, MappingNode):
        raise _CannotEdit
    node: MappingNode = root
    for depth, key in enumerate(path):
        pairs = {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
        if key not in pairs:
            return _insert(text, node, path[: depth + 1], target)
        _, value_node = pairs[key]
        if depth == len(path) - 1:
            start, end = value_node.start_mark.index, _end(text, value_node)
            block_style = not isinstance(value_node, ScalarNode) and not value_node.flow_style
            if block_style and isinstance(value, list | dict) and value:
                new = block(value, value_node.start_mark.column)
            else:
                new = inline(_plain(value))
            return text[:start] + new + text[end:]
        if not isinstance(value_node, MappingNode):
            raise _CannotEdit
        node = value_node
    raise _CannotEdit


def _insert(text: str, parent: MappingNode, path: Path, target: dict[str, Any]) -> str:
    """``text`` with the key ``path[-1]`` added to the mapping ``parent`` (as in ``target``)."""
    key, value = path[-1], _at(target, path)
    if parent.flow_style or not parent.value:
        start, end = parent.start_mark.index, _end(text, parent)
        return text[:start] + inline(_plain(_at(target, path[:-1]))) + text[end:]
    # Before the next key in the contract's order, else after the last one.
    order = list(_model_order(path[:-1]))
    later = order[order.index(key) + 1 :] if key in order else []
    column: int = parent.value[0][0].start_mark.column
    line = f"{key}: {inline(_plain(value))}"
    for key_node, _ in parent.value:
        if isinstance(key_node, ScalarNode) and key_node.value in later:
            at: int = key_node.start_mark.index
            return text[:at] + line + "\n" + " " * column + text[at:]
    at = _end(text, parent)
    return text[:at] + "\n" + " " * column + line + text[at:]


def _model_order(path: Path) -> list[str]:
    model: type[BaseModel] | None = Entry
    for key in path:
        if model is None or key not in model.model_fields:
            return []
        model = model_in(model.model_fields[key].annotation)
    return list(model.model_fields) if model is not None else []


def _end(text: str, node: Node) -> int:
    """Where ``node``'s own text ends: before the line breaks and comments after it."""
    if isinstance(node, MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _end(text, last[1] if isinstance(last, tuple) else last)
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _at(data: dict[str, Any], path: Path) -> Any:
    node: Any = data
    for key in path:
        node = node[key]
    return node


def _plain(value: Any) -> Any:
    """Plain dicts and lists (not the flow-style subclasses), for the safe dumper."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
