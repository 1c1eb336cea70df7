"""Closed businesses a question asks for by name: never listed, never silently left out.

A permanently closed business never appears in a short list, and a temporarily
closed one only when asked for; but someone asking for "Tidepool Records" by
name should hear that it closed rather than get a list that quietly lacks it.
A business is asked for by name when its name (or one of its names in other
languages), folded, is a run of the question's words, or when the question's
words to look for are exactly its name's words ("records tidepool").

Only businesses with a word of the question in their name, and closed, are
looked at (bit sets of the index), at most MAX_CHECKED of them: the work grows
with the question and those candidates, never with the directory.

Example::

    closed_notes(index, "Tidepool Records", "Tidepool Records", False, cli=True)
    # ['Tidepool Records (1520 Pacific Avenue, Santa Cruz) is permanently closed; it moved:
    #   see Tidepool Records (tidepool-records-soquel)']
"""

from __future__ import annotations

from typing import Any

from . import bitset
from .asked_place import name_docs
from .reader import Index
from .text import content_words, stem, words

MAX_CHECKED = 50  # closed businesses whose names are compared with the question
MAX_NOTES = 3


def closed_notes(
    index: Index, question: str, looked_for: str, include_temporarily_closed: bool, cli: bool
) -> list[str]:
    """Notes on the closed businesses ``question`` names (``looked_for``: its words to look
    for, once filter words are read out); ``cli`` words the advice as the command's option."""
    said = words(question)
    asked = {stem(w) for w in content_words(looked_for)}
    terms = {stem(w) for w in content_words(question)}
    if not said or not terms:
        return []
    statuses: tuple[str, ...] = ("permanently_closed",)
    if not include_temporarily_closed:
        statuses += ("temporarily_closed",)
    closed = index.with_status(*statuses)
    candidates = 0
    for t in terms:
        candidates |= name_docs(index, t) & closed
    notes: list[str] = []
    for doc in bitset.docs_of(candidates, index.nbytes)[:MAX_CHECKED]:
        rec = index.record(doc)["entry"]
        names = [index.names[doc], *_names(rec.get("names"))]
        if not any(_named(said, asked, n) for n in names):
            continue
        notes.append(_note(index, doc, rec, cli))
        if len(notes) == MAX_NOTES:
            break
    return notes


def _names(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    return []


def _named(said: list[str], asked: set[str], name: str) -> bool:
    """Whether the question's folded words ``said`` contain ``name`` as a run of words (a
    name of two words or more: a café named "Café" is not asked for by every "café near
    me"), or its words to look for (stems ``asked``) are the name's."""
    mine = words(name)
    run = len(content_words(name)) >= 2
    if run and any(said[i : i + len(mine)] == mine for i in range(len(said) - len(mine) + 1)):
        return True
    return bool(asked) and asked == {stem(w) for w in content_words(name)}


def _note(index: Index, doc: int, entry: dict[str, Any], cli: bool) -> str:
    """'X (street, locality) is permanently closed; it moved: see Y (id)', or the temporary
    closure with how to list it."""
    name = index.names[doc]
    address = (entry.get("location") or {}).get("address") or {}
    where = ", ".join(str(address[k]) for k in ("street", "locality") if address.get(k))
    who = f"{name} ({where})" if where else name
    if index.is_closed(doc):
        # An entry says no day it closed (the schema has none): no "since".
        note = f"{who} is permanently closed"
        moved = entry.get("superseded_by")
        new = index.doc_of.get(moved) if isinstance(moved, str) else None
        if new is not None and not index.is_closed(new):
            note += f"; it moved: see {index.names[new]} ({moved})"
        return note
    how = "add --include-closed" if cli else "pass include_temporarily_closed"
    return f"{who} is temporarily closed; {how} to list it"
