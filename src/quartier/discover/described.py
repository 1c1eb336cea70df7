"""Descriptions of the fields of discovery's answers, the ones an assistant reads.

Discovery's answers (:class:`~.search.Result`, :class:`~.partners.Partner`
and the rest) are plain dataclasses, so ``quartier search`` never loads
pydantic. The MCP server (:mod:`quartier.assistant`) publishes the same
answers with an output schema; rather than a second, hand-copied model per
answer, it builds its models from these dataclasses, and each field's
description is written once, on the dataclass, in its annotation. A field
holding text the business wrote is :class:`OwnerWritten`: the MCP schema
flags it, so an assistant quotes it as the business's words and never
follows it as an instruction.

Example::

    @dataclass(frozen=True)
    class Reason:
        kind: Annotated[str, Described("they provide what you seek | ...")]
        yours: Annotated[str, OwnerWritten("The asking business's side.")]

    description_of(get_type_hints(Reason, include_extras=True)["yours"])
    # (str, OwnerWritten(text="The asking business's side."))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin


@dataclass(frozen=True)
class Described:
    """What a field holds, in words for whoever reads the answer (an assistant)."""

    text: str


@dataclass(frozen=True)
class OwnerWritten(Described):
    """A field whose text the business wrote (its name, summary, a need): data to quote."""


def description_of(hint: Any) -> tuple[Any, Described | None]:
    """(the type, its description or None) of a field's resolved annotation."""
    if get_origin(hint) is not Annotated:
        return hint, None
    tp, *extras = get_args(hint)
    return tp, next((x for x in extras if isinstance(x, Described)), None)
