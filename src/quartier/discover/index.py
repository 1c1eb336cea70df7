"""The search index: built once from the entries, memory-mapped in milliseconds.

Why a file and not a service: a city's directory fits on a laptop, and an
assistant or a shell command should get an answer without starting anything.
The index is one binary file (``.quartier-cache/search-index-v3-<hash>.bin``)
written from the entries and read back with ``mmap``: large arrays (postings,
coordinates, the entries' JSON) are used in place, never copied, so opening
an index of 100,000 businesses takes a fraction of a second.

What is in it:

- an inverted index, term -> documents, grouped by the field the term was
  found in (name, offering, summary, address, story...), so a score and an
  explanation ("'velo' in the name") come from the same data; the documents
  of common terms also as bitmaps (see :mod:`.bitset`);
- per category, the businesses that have it as primary or secondary category;
- the taxonomy's labels and synonyms in every language as phrases that map a
  query to categories ("Velo", "vélo", "bike repair" -> bicycle_repair);
- per business: status, point, area, categories, opening hours, wheelchair
  access, languages, last_verified, and its public JSON (what ``get_business``
  returns) with its canonical URL;
- the places the directory knows (see :mod:`.places`).

File layout: ``MAGIC``, the offset, length and CRC-32 of a :mod:`marshal`
header (small things, and each section's offset, length and CRC-32), 8-byte
aligned raw arrays and bitmaps, then the header. A file that fails a check
when opened (cut short, a header or small section that differs from its
CRC, a section beyond the header or of the wrong size for the number of
businesses, settings that are not JSON) raises :class:`IndexUnusable`, and
the caller builds it again. The three large sections (records, postings,
bitmaps) are not checked in full at every opening; a record that is not
what was written is found when read (:meth:`Index.record`).

Building is parsing and word-splitting in pure Python, so it runs on every
core: forked processes index runs of consecutive businesses and the parent
joins their parts (a published NDJSON is parsed in the workers too, and its
lines are stored as the records unchanged).

Example::

    build_index(rows, config, taxonomy, "fingerprint", path)
    index = Index.open(path)
    index.ids[0], index.record(0)["entry"]["name"]
"""

from __future__ import annotations

import contextlib
import functools
import gc
import marshal
import math
import mmap
import os
import re
import struct
import sys
import threading
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import accumulate, pairwise, repeat
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar

import orjson

from ..messages import message
from ..parallel import fork_map
from ..problems import QuartierError
from ..problems import printable as shown
from . import bitset
from .origin import KEYS as ORIGIN_KEYS
from .origin import Origin, as_origins
from .origin import checked as checked_origin
from .places import Gazetteer, named_quarters, street_names
from .text import TermCache, phrase_key, stem, words

INDEX_VERSION = 3
MAGIC = b"QUARTIER-SEARCH-INDEX\n"

# Fields a term can be found in, and how much a match there counts.
FIELDS = (
    "name",
    "offering",
    "summary",
    "address",
    "attribute",
    "people",
    "description",
    "story",
    "partner offer",
    "certification",
    "partner request",
)
# Zero: what a business seeks is no answer to a customer's search, only to partner matching.
FIELD_WEIGHT = (8.0, 5.0, 4.0, 3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 2.0, 0.0)
(
    F_NAME,
    F_OFFERING,
    F_SUMMARY,
    F_ADDRESS,
    F_ATTRIBUTE,
    F_PEOPLE,
    F_DESCRIPTION,
    F_STORY,
    F_PROVIDES,
    F_CERT,
    F_SEEKS,
) = range(len(FIELDS))

STATUS = ("open", "temporarily_closed", "permanently_closed")
WHEELCHAIR = ("unknown", "yes", "limited", "no")
FLAG_COLLAB, FLAG_STORY, FLAG_OFFERINGS = 1, 2, 4
NO_AREA = 255

# Attributes that people search for in words, in the directory's usual languages.
ATTRIBUTE_WORDS = {
    "organic": "organic bio biologique biologico orgánico ecologico",
    "vegan_options": "vegan vegane végétalien vegano",
    "vegetarian_options": "vegetarian vegetarisch végétarien vegetariano",
    "second_hand": "second-hand secondhand used occasion gebraucht brocante usato segunda mano",
    "locally_made": "locally made local lokal regional fait local hecho local prodotto locale",
    "repairs": "repair reparatur réparation reparación riparazione",
    "workshops": "workshop course kurs cours taller corso",
    "delivery": "delivery lieferung livraison entrega consegna",
    "takeaway": "takeaway take-away mitnehmen emporter para llevar asporto",
    "outdoor_seating": "terrace patio terrasse outdoor draussen terraza",
    "wifi": "wifi wi-fi wlan",
    "dogs_welcome": "dogs dog-friendly hunde chiens perros cani",
    "cooperative": "cooperative genossenschaft coopérative cooperativa",
    "family_owned": "family familienbetrieb famille familia famiglia",
    "women_owned": "women-owned frauen femmes mujeres donne",
    "rental": "rental rent vermietung mieten location alquiler noleggio",
}
STORY_WORDS = "story geschichte histoire historia storia"

# (public entry JSON, its page in the directory, its origin: None for a local business)
Row = tuple[dict[str, Any], str, list[dict[str, str]] | None]


def _texts(value: Any) -> list[str]:
    """Every text in a language map (or a plain string)."""
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    if isinstance(value, str):
        return [value]
    return []


def _area_of(areas: list[dict[str, Any]], lat: float, lon: float) -> int:
    for i, a in enumerate(areas):
        west, south, east, north = a["bbox"]
        if west <= lon <= east and south <= lat <= north:
            return i
    return NO_AREA


def _phrases(taxonomy: dict[str, Any]) -> list[tuple[tuple[str, ...], int, str, str, str]]:
    """(terms, category index, 'label'|'synonym', language, text) for every name of a category."""
    out = []
    for i, c in enumerate(taxonomy["categories"]):
        out.append((phrase_key(c["id"].replace("_", " ")), i, "id", "", c["id"]))
        for lang, label in (c.get("labels") or {}).items():
            out.append((phrase_key(label), i, "label", lang, label))
        for lang, syns in (c.get("synonyms") or {}).items():
            for s in syns:
                out.append((phrase_key(s), i, "synonym", lang, s))
    return [p for p in out if p[0]]


class PhraseCats(dict[tuple[str, ...], set[str]]):
    """Phrase -> leaf categories, and the terms phrases start with (to skip other words)."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: frozenset[str] = frozenset()


def leaf_phrases(
    phrases: list[tuple[tuple[str, ...], int, str, str, str]], taxonomy: dict[str, Any]
) -> PhraseCats:
    """Phrase -> the leaf categories it names (groups are too broad to say what a need is)."""
    cats = taxonomy["categories"]
    out = PhraseCats()
    for key, i, *_ in phrases:
        if cats[i].get("parent"):
            out.setdefault(tuple(key), set()).add(cats[i]["id"])
    out.starts = frozenset(key[0] for key in out)
    return out


def concept_terms(texts: Iterable[str], phrase_cats: dict[tuple[str, ...], set[str]]) -> set[str]:
    """``cat:<id>`` for every taxonomy phrase in the texts: 'Brot' and 'bread' -> cat:bakery."""
    found: set[str] = set()
    starts = getattr(phrase_cats, "starts", None) or {key[0] for key in phrase_cats}
    for text in texts:
        # A short stem that lost a suffix is ambiguous ('Nähe' and 'nähen' are both 'nah').
        seq = [t if len(t) >= 4 or t == w else "" for w in words(text) for t in [stem(w)]]
        for i, first in enumerate(seq):
            if first in starts:
                for size in (1, 2, 3):
                    if i + size <= len(seq):
                        for c in phrase_cats.get(tuple(seq[i : i + size]), ()):
                            found.add("cat:" + c)
    return found


class NdjsonRows:
    """The lines of a published ``data/entries.ndjson``, read but not parsed yet.

    Parsing and checking 100,000 entries costs more than indexing them, so
    :func:`build_index` checks each line where it indexes it, in parallel.
    Iterating gives the valid rows in file order, like any rows. A published
    directory is somebody else's data: every line is checked as a local entry
    is (see :func:`check_line`), and lines that fail are left out.
    """

    def __init__(self, data: bytes, base: str, categories: Container[str] | None = None) -> None:
        self.data = data
        self.base = base
        self.categories = categories  # the taxonomy's ids, if known: others are refused
        # Where the last line ends: trailing blank lines are no entries. (Not rstrip(): that
        # would copy it all to drop the last newline.)
        self.size = len(data)
        while self.size and data[self.size - 1] in b" \t\r\n\x0b\x0c":
            self.size -= 1

    def __iter__(self) -> Iterator[Row]:
        for number, line in enumerate(self.data[: self.size].split(b"\n"), 1):
            checked = check_line(line, number, self.base, self.categories)
            if checked is not None and not isinstance(checked, Skipped):
                yield checked[0], checked[1], checked[2]


class Skipped(NamedTuple):
    """A published record left out of the index, and why (printable, never raw input)."""

    line: int  # in the NDJSON, from 1
    id: str  # as the record gave it, or ''
    field: str  # e.g. location.geo.lat, or (record) for the line as a whole
    problem: str


def check_line(
    line: bytes, number: int, base: str, categories: Container[str] | None = None
) -> tuple[dict[str, Any], str, list[dict[str, str]] | None, bool] | Skipped | None:
    """One NDJSON line as (public entry, page URL, origin, whether the line is that record as is).

    The entry is validated with the same model as a local entry, its
    categories must be known (when ``categories`` is given), and what is
    kept is the public view of the valid entry (:func:`~quartier.publish.public.entry_data`),
    so a record that hides its address has no street whatever the line said.
    An aggregate's line for a member's business has an ``origin`` too, which
    must be exactly what :func:`~quartier.discover.origin.checked` accepts.
    A line that fails is a :class:`Skipped`; a blank line is None.
    """
    Entry, ValidationError, check_url, entry_data, address_country, field_path = (
        _CHECKS or _checks()
    )
    if not line.strip():
        return None
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Skipped(number, "", "(record)", printable(message("record.not_json", reason=exc)))
    if not isinstance(obj, dict):
        return Skipped(number, "", "(record)", message("record.not_object"))
    raw = obj.get("entry")
    eid = raw.get("id") if isinstance(raw, dict) else None
    eid = printable(eid, 80) if isinstance(eid, str) else ""
    if not isinstance(raw, dict):
        return Skipped(number, eid, "entry", message("record.entry_missing"))
    url = obj.get("url")
    if url is not None:
        try:
            if not isinstance(url, str):
                raise ValueError(message("record.url_not_text"))
            url = check_url(url)
        except ValueError as exc:
            return Skipped(number, eid, "url", printable(str(exc.args[0])))
    origin = obj.get("origin")
    if origin is not None:
        try:
            origin = checked_origin(origin)
        except ValueError as exc:
            return Skipped(number, eid, "origin", printable(str(exc.args[0])))
    try:
        entry = Entry.model_validate(raw, context={"country": address_country(raw)})
    except ValidationError as exc:
        return Skipped(number, eid, *describe(exc))
    if categories is not None:
        for loc, cat in entry.category_refs():
            if cat not in categories:
                where = field_path(loc)
                unknown = message("record.unknown_category", category=cat)
                return Skipped(number, eid, where, printable(unknown))
    public = entry_data(entry)
    keys = 2 if origin is None else 3
    whole = len(obj) == keys and url is not None and url == obj["url"] and public == raw
    return public, url or f"{base}businesses/{entry.id}/", origin, whole


_CHECKS: tuple[Any, ...] = ()


def _checks() -> tuple[Any, ...]:
    """What check_line needs, imported on first use (pydantic and the model are not light)."""
    global _CHECKS
    from pydantic import ValidationError

    from ..explain import field_path
    from ..fields import check_url
    from ..model import Entry, address_country
    from ..publish.public import entry_data

    _CHECKS = (Entry, ValidationError, check_url, entry_data, address_country, field_path)
    return _CHECKS


# Parts of pydantic's error locations that name a union member, not a key.
_UNION_TAG = re.compile(r"^(?:str|int|float|bool|list|dict|date|none)$|[\[(]")


def describe(exc: Any) -> tuple[str, str]:
    """(field, problem) of the first error of a pydantic ``ValidationError``, printable.

    The problem is the validator's own message where it gave one ("'x' is
    not a web address"), else pydantic's ("Input should be a valid number");
    more errors are counted, not listed.
    """
    from ..explain import field_path

    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [p for p in first["loc"] if not (isinstance(p, str) and _UNION_TAG.search(p))]
    error = (first.get("ctx") or {}).get("error")
    if first["type"] == "extra_forbidden":
        problem = message("record.unknown_key")
    elif isinstance(error, ValueError) and error.args:
        problem = str(error.args[0])
    else:
        problem = str(first["msg"])
    said = printable(problem)
    if len(errors) > 1:
        said = message("record.more", problem=said, count=len(errors) - 1)
    return printable(field_path(loc) or "(entry)", 120), said


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe for a terminal (:func:`quartier.problems.printable`), cut to ``limit``.

    What a remote directory sends is never printed raw: ESC would drive the
    terminal, U+202E would reverse what follows; nor at any length.
    """
    text = shown(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Side of a cell of the grid of businesses by place, in degrees (1.1 km north to south):
# a search near a place looks at the nearest cells first.
CELL_DEGREES = 0.01
# Below this many rows the index is built in this process: forking costs more than it saves.
PARALLEL_MIN_ROWS = 2000
PARALLEL_MIN_BYTES = 4 << 20  # as much NDJSON
NDJSON_BLOCK = 1 << 20  # bytes of NDJSON per unit of parallel work (some 450 entries)
# A term's documents in one field are also stored as a bitmap when they are at least this
# share of the directory: then the bitmap is at most twice the size of the posting list.
BITMAP_SHARE = 64
BITMAP_MIN_DOCS = 64
# Published records left out of an index: how many are described in it (and so in every
# report); the others are only counted.
SKIPPED_KEPT = 100

_STATUS_CODE = {s: i for i, s in enumerate(STATUS)}
_WHEEL_CODE = {s: i for i, s in enumerate(WHEELCHAIR)}


@dataclass
class _Job:
    """What every part of a build shares; forked workers inherit it."""

    areas: list[dict[str, Any]]
    cat_index: dict[str, int]
    phrase_cats: dict[tuple[str, ...], set[str]]
    rows: list[Row] = field(default_factory=list)  # sorted by id
    data: bytes = b""  # or NDJSON, checked and parsed by the parts
    size: int = 0  # of the NDJSON's lines
    base: str = ""
    skipped: list[Skipped] = field(default_factory=list)  # NDJSON lines left out


_job: _Job | None = None


class _Part:
    """The index of a run of consecutive documents, built by one process.

    Tables (countries, opening hours, language sets) are numbered in the
    order met, per part; :func:`_merge` renumbers them in document order, so
    the merged index is the one a single process would have written.
    """

    def __init__(self, job: _Job, first: int) -> None:
        self.first = first  # number of the first document
        self.ok = True  # False: NDJSON ids out of order (or repeated)
        self.tidy = True  # False: an NDJSON line left out, or not stored as it is
        self.skipped: list[Skipped] = []
        self.block_docs: list[int] = []  # NDJSON: documents per block
        self.ids: list[str] = []
        self.names: list[str] = []
        self.status = bytearray()
        self.area = bytearray()
        self.wheel = bytearray()
        self.flags = bytearray()
        self.country = bytearray()
        self.countries: dict[str, int] = {}
        self.lat = array("d")
        self.lon = array("d")
        self.verified = array("I")
        self.hours = array("i")
        self.hours_texts: dict[str, int] = {}
        self.langs = array("H")
        self.lang_sets: dict[str, int] = {}
        self.cat_count = array("H")
        self.cats = array("H")
        ncat = len(job.cat_index)
        self.cat_primary: list[list[int]] = [[] for _ in range(ncat)]
        self.cat_secondary: list[list[int]] = [[] for _ in range(ncat)]
        self.cat_seekers: list[list[int]] = [[] for _ in range(ncat)]
        self.cells: dict[tuple[int, int], list[int]] = {}  # grid cell -> its documents
        self._postings = _Postings()
        self.gaz = Gazetteer()
        self.records: list[bytes] = []
        self.rec_len = array("Q")
        self.rec_at = array("q")  # NDJSON: where each document's line starts, or -1: in records
        self.surface: dict[str, str] = {}
        # Compact forms of the postings and records, made by pack() to travel to the parent.
        self.post: list[tuple[list[str], array[int], bytes]] = []
        self.bits: dict[tuple[str, int], int] = {}  # (term, field) -> its documents here
        self.blob = b""
        self._job: _Job | None = job
        self._terms = TermCache()
        # Words filed by their known terms are words met all the same (see surface).
        self._terms.terms("\n".join([*ATTRIBUTE_WORDS.values(), STORY_WORDS]))
        self._days: dict[str, int] = {}
        self._streets: dict[str, list[str]] = {}

    def add(
        self,
        doc: int,
        e: dict[str, Any],
        url: str,
        origin: list[dict[str, str]] | None = None,
        line_at: int = -1,
        line_len: int = 0,
    ) -> None:
        """Index entry ``e`` as document ``doc``; its record is the NDJSON line at ``line_at``
        (``line_len`` bytes with its newline), or if -1 made here (with ``origin``, if any)."""
        job = self._job
        assert job is not None, "a part is packed once all its documents are in"
        eid = str(e.get("id", ""))
        self.ids.append(eid)
        self.names.append(str(e.get("name", eid)).replace("\n", " "))
        status = e.get("status")
        self.status.append(_STATUS_CODE.get(status, 0) if isinstance(status, str) else 0)
        loc = e.get("location") or {}
        geo = loc.get("geo") or {}
        la, lo = float(geo.get("lat", 0.0)), float(geo.get("lon", 0.0))
        self.lat.append(la)
        self.lon.append(lo)
        cell = (math.floor(la / CELL_DEGREES), math.floor(lo / CELL_DEGREES))
        found = self.cells.get(cell)
        if found is None:
            self.cells[cell] = [doc]
        else:
            found.append(doc)
        self.area.append(_area_of(job.areas, la, lo))
        a11y = (e.get("accessibility") or {}).get("wheelchair", "unknown")
        self.wheel.append(_WHEEL_CODE.get(a11y, 0) if isinstance(a11y, str) else 0)
        address = loc.get("address") or {}
        self.country.append(
            self.countries.setdefault(str(address.get("country", "")), len(self.countries))
        )
        day = str(e.get("last_verified"))
        ordinal = self._days.get(day)
        if ordinal is None:
            try:
                ordinal = date.fromisoformat(day).toordinal()
            except ValueError:
                ordinal = 0
            self._days[day] = ordinal
        self.verified.append(ordinal)
        oh = e.get("opening_hours")
        self.hours.append(self.hours_texts.setdefault(oh, len(self.hours_texts)) if oh else -1)
        spoken = e.get("languages") or list((e.get("summary") or {}).keys())
        self.langs.append(self.lang_sets.setdefault(",".join(spoken), len(self.lang_sets)))
        entry_cats = [e.get("category", ""), *(e.get("categories") or ())]
        count = 0
        for j, c in enumerate(dict.fromkeys(entry_cats)):
            k = job.cat_index.get(c)
            if k is not None:
                self.cats.append(k)
                (self.cat_primary if j == 0 else self.cat_secondary)[k].append(doc)
                count += 1
        self.cat_count.append(count)
        flag = 0
        collab = e.get("collaboration") or {}
        if collab.get("seeks") or collab.get("provides"):
            flag |= FLAG_COLLAB
        sought = {c for need in collab.get("seeks") or () for c in need.get("categories") or ()}
        for c in sorted(sought):
            k = job.cat_index.get(c)
            if k is not None:
                self.cat_seekers[k].append(doc)
        story = e.get("story") or {}
        if story.get("text"):
            flag |= FLAG_STORY
        if e.get("offerings"):
            flag |= FLAG_OFFERINGS
        self.flags.append(flag)

        # Each term once, in the field where it weighs most (see _field_texts).
        filed: dict[str, int] = {}
        file = self._terms.file
        for fld, text in _field_texts(e, story, collab, address):
            if isinstance(text, str):
                filed = file(text, fld, filed)
            else:
                filed.update(dict.fromkeys(text, fld))
        filed.pop("", None)
        # What a need is about, language-free, for partner matching (never scored by search).
        for fld, key in ((F_SEEKS, "seeks"), (F_PROVIDES, "provides")):
            needs = collab.get(key)
            if needs:
                texts = [t for n in needs for t in _texts(n.get("text"))]
                filed.update(dict.fromkeys(concept_terms(texts, job.phrase_cats), fld))
        # One list.append per (term, field) found, at C speed. (Unbound: a bound method per
        # list would be one more object to reach, per posting, out of thousands.)
        append = list.append
        deque(map(append, map(self._postings.__getitem__, filed.items()), repeat(doc)), maxlen=0)

        # Places.
        gaz = self.gaz
        if address.get("locality"):
            gaz.add("locality", address["locality"], la, lo)
        if address.get("postal_code"):
            gaz.add("postal_code", address["postal_code"], la, lo)
        street = address.get("street")
        if street and not loc.get("hide_address"):
            names = self._streets.get(street)
            if names is None:
                names = self._streets[street] = street_names(street)
            for s in names:
                gaz.add("street", s, la, lo)
        for text in _texts(e.get("summary")):
            for q in named_quarters(text):
                gaz.add("quarter", q, la, lo)

        if line_at >= 0:
            # The published line is the record: it stays where it is (see _records).
            self.rec_at.append(line_at)
            self.rec_len.append(line_len)
        else:
            rec = _record(e, url, origin)
            self.records.append(rec)
            self.rec_len.append(len(rec))
            if job.data:
                self.rec_at.append(-1)  # among lines that stay where they are

    def pack(self) -> _Part:
        """Lists of numbers into arrays, records into one blob: cheap to send to the parent."""
        levels: list[dict[str, list[int]]] = [{} for _ in FIELDS]
        # Bitmaps of this part's share of the common terms, which _merge joins into the
        # index's (and makes itself where a term is common overall but not here).
        nbytes = bitset.size_for(len(self.ids))
        common = max(BITMAP_MIN_DOCS, len(self.ids) // BITMAP_SHARE)
        for (term, fld), docs in self._postings.items():
            levels[fld][term] = docs
            if len(docs) >= common:
                self.bits[(term, fld)] = bitset.from_docs(docs, nbytes, self.first)
        for level in levels:
            flat = array("I")
            counts = array("I")
            for found in level.values():
                flat.extend(found)
                counts.append(len(found))
            self.post.append((list(level), counts, flat.tobytes()))
        self._postings = _Postings()
        self.blob = b"".join(self.records)
        self.records = []
        self.surface = self._terms.surface()
        # Only results go back to the parent: not the job (it holds all the NDJSON).
        self._job, self._terms, self._days, self._streets = None, TermCache(), {}, {}
        return self


class _Postings(dict[tuple[str, int], list[int]]):
    """(term, field) -> its list of documents, made when first asked for."""

    def __missing__(self, key: tuple[str, int]) -> list[int]:
        docs: list[int] = []
        self[key] = docs
        return docs


# The terms of the fixed words above, worked out once.
_ATTRIBUTE_TERMS = {k: tuple(sorted(TermCache().terms(v))) for k, v in ATTRIBUTE_WORDS.items()}
_STORY_TERMS = tuple(sorted(TermCache().terms(STORY_WORDS)))


def _field_texts(
    e: dict[str, Any], story: dict[str, Any], collab: dict[str, Any], address: dict[str, Any]
) -> list[tuple[int, str | tuple[str, ...]]]:
    """The texts (or terms already known) of one entry by field, the least important first.

    A term is filed under the last field it comes in, so the best-weighted
    field wins; fields of equal weight come in a fixed order, which decides
    where a term goes ('people' before 'address'): partner matching reads that.
    """
    out: list[tuple[int, str | tuple[str, ...]]] = []
    if collab:
        seeks = [t for n in collab.get("seeks") or () for t in _texts(n.get("text"))]
        if seeks:
            out.append((F_SEEKS, "\n".join(seeks)))
    certs = e.get("certifications")
    if certs:
        out.append(
            (F_CERT, "\n".join([f"{c.get('name', '')} {c.get('issuer', '')}" for c in certs]))
        )
    if collab:
        provides = [t for n in collab.get("provides") or () for t in _texts(n.get("text"))]
        if provides:
            out.append((F_PROVIDES, "\n".join(provides)))
    if story:
        told = [t for k in ("text", "craft", "sourcing", "purpose") for t in _texts(story.get(k))]
        if told:
            out.append((F_STORY, "\n".join(told)))
            out.append((F_STORY, _STORY_TERMS))
    offerings = e.get("offerings") or ()
    described = _texts(e.get("description"))
    for o in offerings:
        described += _texts(o.get("description")) + [str(m) for m in o.get("materials") or ()]
    if described:
        out.append((F_DESCRIPTION, "\n".join(described)))
    attrs = e.get("attributes") or {}
    said = [_ATTRIBUTE_TERMS[k] for k, v in attrs.items() if v == "yes" and k in ATTRIBUTE_WORDS]
    if attrs.get("locally_made") != "yes" and any(
        o.get("made_locally") == "yes" for o in offerings
    ):
        said.append(_ATTRIBUTE_TERMS["locally_made"])
    if said:
        out.append((F_ATTRIBUTE, tuple(t for terms in said for t in terms)))
    out.append(
        (
            F_ADDRESS,
            "\n".join([str(address.get(k) or "") for k in ("street", "postal_code", "locality")]),
        )
    )
    founders = story.get("founders")
    if founders:
        out.append((F_PEOPLE, "\n".join([str(p.get("name", "")) for p in founders])))
    summary = _texts(e.get("summary"))
    if summary:
        out.append((F_SUMMARY, "\n".join(summary)))
    if offerings:
        out.append((F_OFFERING, "\n".join([t for o in offerings for t in _texts(o.get("name"))])))
    out.append((F_NAME, "\n".join([e.get("name", ""), *_texts(e.get("names"))])))
    return out


def _record(e: dict[str, Any], url: str, origin: list[dict[str, str]] | None) -> bytes:
    """A business's record in the index: what :meth:`Index.record` returns (see Row)."""
    if origin is None:
        return orjson.dumps({"entry": e, "url": url})
    return orjson.dumps({"entry": e, "url": url, "origin": origin})


def _index_rows(chunk: Sequence[int]) -> list[_Part]:
    """Index documents ``chunk`` (a range) of the job's sorted rows."""
    assert _job is not None and isinstance(chunk, range)
    part = _Part(_job, chunk.start)
    rows = _job.rows
    for doc in chunk:
        e, url, origin = rows[doc]
        part.add(doc, e, url, origin)
    return [part.pack()]


def _index_ndjson(chunk: Sequence[tuple[int, int, int, int]]) -> list[_Part]:
    """Check and index the NDJSON ``chunk`` (blocks of whole lines: start, end, number of
    the first line, number of its first document).

    A document's record is its line itself where the line is the valid public
    entry as ``quartier build`` writes it (just "entry" and "url"), else the
    record made from the checked entry. Lines that fail the checks are left out
    (``skipped``). Ids out of order stop this part early (``ok`` False) and the
    caller takes the general path.
    """
    assert _job is not None
    data, base, cats = _job.data, _job.base, _job.cat_index  # lines up to _job.size
    part = _Part(_job, chunk[0][3])
    doc = part.first
    last = ""
    for start, end, first, _ in chunk:
        at = start
        before = doc
        for number, line in enumerate(data[start:end].split(b"\n"), first + 1):
            checked = check_line(line, number, base, cats)
            if checked is None or isinstance(checked, Skipped):
                part.tidy = False
                if checked is not None:
                    part.skipped.append(checked)
            else:
                e, url, origin, whole = checked
                if e["id"] <= last:
                    part.ok = False
                    return [part]
                last = e["id"]
                if whole:
                    part.add(doc, e, url, origin, at, min(len(line) + 1, _job.size - at))
                else:
                    part.add(doc, e, url, origin)
                    part.tidy = False
                doc += 1
            at += len(line) + 1
        part.block_docs.append(doc - before)
    return [part.pack()]


def _check_ndjson(chunk: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, bytes] | Skipped]:
    """(line number, record) of every valid line of ``chunk``, or why it was left out."""
    assert _job is not None
    data, base, cats = _job.data, _job.base, _job.cat_index
    out: list[tuple[int, bytes] | Skipped] = []
    for start, end, first, _ in chunk:
        for number, line in enumerate(data[start:end].split(b"\n"), first + 1):
            checked = check_line(line, number, base, cats)
            if isinstance(checked, Skipped):
                out.append(checked)
            elif checked is not None:
                e, url, origin, whole = checked
                out.append((number, line if whole else _record(e, url, origin)))
    return out


def _ndjson_blocks(data: bytes, size: int) -> list[tuple[int, int, int, int]]:
    """``data[:size]`` cut into blocks of about NDJSON_BLOCK bytes at line ends: (start, end,
    number of the first line, of the first document if every line is one)."""
    blocks = []
    start, line = 0, 0
    while start < size:
        end = data.find(b"\n", start + NDJSON_BLOCK, size)
        end = size if end < 0 else end
        blocks.append((start, end, line, line))
        line += data.count(b"\n", start, end) + 1
        start = end + 1
    return blocks


def _parts(rows: Iterable[Row], job: _Job) -> list[_Part]:
    """The parts of the index of ``rows``, in document order, built on every core.

    NDJSON lines are checked too; those left out are in ``job.skipped``.
    """
    global _job
    _job = job
    try:
        if isinstance(rows, NdjsonRows):
            job.data, job.size, job.base = rows.data, rows.size, rows.base
            blocks = _ndjson_blocks(rows.data, rows.size)
            least = max(2, PARALLEL_MIN_BYTES // NDJSON_BLOCK)
            parts = fork_map(_index_ndjson, blocks, minimum=least) if blocks else []
            ends = [p.ids[-1:] + p.ids[:1] for p in parts]  # [last, first] of each part
            if all(p.ok for p in parts) and all(a[0] < b[1] for a, b in pairwise(ends) if a and b):
                parts = _renumbered(parts, blocks, least)
                job.skipped = [s for p in parts for s in p.skipped]
                return parts
            # Ids unsorted or repeated: check every line in parallel, then sort here.
            rows = _sorted_ndjson(fork_map(_check_ndjson, blocks, minimum=least), job)
            job.data = b""
        job.rows = sorted(rows, key=lambda r: str(r[0].get("id", "")))
        return fork_map(_index_rows, range(len(job.rows)), minimum=PARALLEL_MIN_ROWS)
    finally:
        _job = None


def _renumbered(
    parts: list[_Part], blocks: list[tuple[int, int, int, int]], least: int
) -> list[_Part]:
    """``parts`` with consecutive document numbers.

    Each part numbered its documents as if every line before it were one;
    after a part that left lines out, the following ones are indexed again
    with the right numbers (only a directory with bad records pays for that).
    """
    counts = [n for p in parts for n in p.block_docs]
    expected = k = 0
    while k < len(parts) and parts[k].first == expected:
        expected += len(parts[k].ids)
        k += 1
    if k == len(parts):
        return parts
    done = sum(len(p.block_docs) for p in parts[:k])
    firsts = accumulate(counts[done:], initial=expected)
    again = [(a, b, line, doc) for (a, b, line, _), doc in zip(blocks[done:], firsts, strict=False)]
    return parts[:k] + fork_map(_index_ndjson, again, minimum=least)


def _sorted_ndjson(checked: list[tuple[int, bytes] | Skipped], job: _Job) -> list[Row]:
    """The valid records by id; a repeated id keeps its first line, the others are left out."""
    found: list[tuple[int, dict[str, Any], str, list[dict[str, str]] | None]] = []
    for item in checked:
        if isinstance(item, Skipped):
            job.skipped.append(item)
        else:
            rec = orjson.loads(item[1])
            found.append((item[0], rec["entry"], rec["url"], rec.get("origin")))
    found.sort(key=lambda r: (r[1]["id"], r[0]))
    rows: list[Row] = []
    kept = (0, "")  # line and id of the last record kept
    for number, e, url, origin in found:
        if e["id"] == kept[1]:
            again = message("record.duplicate_id", line=kept[0])
            job.skipped.append(Skipped(number, printable(e["id"], 80), "id", again))
            continue
        kept = (number, e["id"])
        rows.append((e, url, origin))
    job.skipped.sort()
    return rows


def build_index(
    rows: Iterable[Row],
    config: dict[str, Any],
    taxonomy: dict[str, Any],
    fingerprint: str,
    dest: Path,
    source: str = "",
) -> Path:
    """Write the index of ``rows`` to ``dest`` (atomically) and return ``dest``.

    ``rows`` may be :class:`NdjsonRows`, checked and parsed while indexing; the
    lines left out are described in the index (:attr:`Index.skipped`).
    """
    areas = [
        {
            "id": a["id"],
            "name": a["name"],
            "bbox": list(a["bbox"]),
            "timezone": a["timezone"],
            "countries": list(a.get("countries") or ()),
        }
        for a in config.get("areas") or ()
    ]
    cat_ids = [c["id"] for c in taxonomy["categories"]]
    phrases = _phrases(taxonomy)
    job = _Job(areas, {c: i for i, c in enumerate(cat_ids)}, leaf_phrases(phrases, taxonomy))
    out = _IndexFile(dest)  # first: a folder we cannot write to fails before the work
    if isinstance(rows, NdjsonRows):
        # The model and what its checks import (phone numbers, opening hours), loaded here
        # once rather than in every worker.
        end = rows.data.find(b"\n", 0, 1 << 20)
        check_line(rows.data[: max(end, 0)], 1, rows.base)
    writer: threading.Thread | None = None
    # Millions of small objects, none of them in a cycle: the collector would walk them
    # all again and again (it doubled the build time) for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        parts = _parts(rows, job)
        # The records are most of the file: written by a thread (the writes release the
        # GIL) while the rest is merged.
        writer = out.add_in_background("records", _records(parts, job, out))
        meta, sections = _merge(parts, len(cat_ids))
        del parts
        gaz: Gazetteer = meta.pop("gaz")
        for a in areas:
            west, south, east, north = a["bbox"]
            gaz.add("area", a["id"], (south + north) / 2, (west + east) / 2)
            gaz.add("area", a["name"], (south + north) / 2, (west + east) / 2)
        gaz.finish()
        post = meta["post"]
        for phrase, *_rest, text in phrases:
            for w, t in zip(words(text), phrase, strict=False):
                meta["surface"].setdefault(t, w)
        meta.update(
            {
                "version": INDEX_VERSION,
                "byteorder": sys.byteorder,
                "fingerprint": fingerprint,
                "source": source,
                "post": {t: tuple(v) for t, v in post.items()},
                "vocab": "\n".join(sorted(post)),
                "cat_ids": cat_ids,
                "phrases": phrases,
                "areas": areas,
                "places": gaz.to_rows(),
                "config": orjson.dumps(config),
                "taxonomy": orjson.dumps(taxonomy),
                "skipped": [tuple(s) for s in job.skipped[:SKIPPED_KEPT]],
                "skipped_count": len(job.skipped),
            }
        )
        writer.join()
        for name, data in sections.items():
            out.add(name, data)
        return out.finish(meta)
    except BaseException:
        if writer is not None:
            writer.join()
        out.abort()
        raise
    finally:
        if collecting:
            gc.enable()


def _records(parts: list[_Part], job: _Job, out: _IndexFile) -> list[bytes | memoryview]:
    """The records of the parts' documents, in order; their offsets go to ``out``."""
    if job.data and all(p.tidy for p in parts):
        # Every line was an entry as published and every entry a line: the NDJSON is the
        # records (the newline after each is whitespace to orjson), written as is.
        rec_at = array("q")
        for p in parts:
            rec_at += p.rec_at
        rec_at.append(job.size)
        out.add("rec_off", rec_at.tobytes())  # no offset is negative: the same bytes as "Q"
        return [memoryview(job.data)[: job.size]]
    rec_len = array("Q")
    for p in parts:
        rec_len += p.rec_len
    out.add("rec_off", array("Q", accumulate(rec_len, initial=0)).tobytes())
    if not job.data:
        return [p.blob for p in parts]
    # Lines left out, or records made anew: the runs of lines kept as they are and the
    # records made, in document order.
    pieces: list[bytes | memoryview] = []
    data = memoryview(job.data)
    for p in parts:
        blob = memoryview(p.blob)
        made = 0
        start = end = -1  # the run of lines being gathered
        for at, n in zip(p.rec_at, p.rec_len, strict=True):
            if at == end >= 0:
                end += n
                continue
            if end > start:
                pieces.append(data[start:end])
            if at >= 0:
                start, end = at, at + n
            else:
                start = end = -1
                pieces.append(blob[made : made + n])
                made += n
        if end > start:
            pieces.append(data[start:end])
    return pieces


def _merge(parts: list[_Part], ncat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One index from consecutive parts: tables renumbered, arrays and postings joined."""
    ids: list[str] = []
    names: list[str] = []
    countries: dict[str, int] = {}
    hours_texts: dict[str, int] = {}
    lang_sets: dict[str, int] = {}
    status, area, wheel, flags, country = (bytearray() for _ in range(5))
    lat, lon = array("d"), array("d")
    verified, hours, langs = array("I"), array("i"), array("H")
    cat_count, cats = array("H"), array("H")
    gaz = Gazetteer()
    surface: dict[str, str] = {}
    for p in parts:
        ids += p.ids
        names += p.names
        status += p.status
        area += p.area
        wheel += p.wheel
        flags += p.flags
        lat += p.lat
        lon += p.lon
        verified += p.verified
        cat_count += p.cat_count
        cats += p.cats
        # The part's own numbers -> the merged ones (first met, in document order).
        to = [countries.setdefault(c, len(countries)) for c in p.countries]
        country += p.country.translate(bytes(to + [0] * (256 - len(to))))
        to = [hours_texts.setdefault(h, len(hours_texts)) for h in p.hours_texts]
        hours += array("i", map([*to, -1].__getitem__, p.hours))  # -1 (no hours) stays -1
        to = [lang_sets.setdefault(s, len(lang_sets)) for s in p.lang_sets]
        langs += array("H", map(to.__getitem__, p.langs))
        gaz.merge(p.gaz)
        for t, w in p.surface.items():
            known = surface.get(t)
            if known is None or len(w) < len(known):  # the first part met it first
                surface[t] = w

    n = len(ids)
    nbytes = bitset.size_for(n)
    common = max(BITMAP_MIN_DOCS, n // BITMAP_SHARE)
    bitmaps: list[bytes] = []
    seg_bits: dict[str, list[int]] = {}

    # Postings: one flat array of doc ids; per term, (field, start, end) segments.
    docs = array("I")
    post: dict[str, list[int]] = {}
    for fld in range(len(FIELDS)):
        where: list[dict[str, tuple[int, int]]] = []
        for p in parts:
            terms, counts, _ = p.post[fld]
            starts = accumulate(counts, initial=0)
            where.append({t: (a, a + k) for t, a, k in zip(terms, starts, counts, strict=False)})
        views = [memoryview(p.post[fld][2]) for p in parts]
        for term in dict.fromkeys(t for spans in where for t in spans):
            start = len(docs)
            for spans, view in zip(where, views, strict=True):
                span = spans.get(term)
                if span is not None:
                    docs.frombytes(view[span[0] * 4 : span[1] * 4])
            post.setdefault(term, []).extend((fld, start, len(docs)))
            slot = -1
            if len(docs) - start >= common:
                x = 0
                for p, spans, view in zip(parts, where, views, strict=True):
                    span = spans.get(term)
                    if span is not None:
                        mine = p.bits.get((term, fld))
                        if mine is None:
                            few = view[span[0] * 4 : span[1] * 4].cast("I")
                            mine = bitset.from_docs(few, nbytes, p.first)
                        x |= mine << p.first
                slot = len(bitmaps)
                bitmaps.append(bitset.to_bytes(x, nbytes))
            seg_bits.setdefault(term, []).append(slot)
    cat_post = []
    for k in range(ncat):
        start = len(docs)
        for p in parts:
            docs.extend(p.cat_primary[k])
        middle = len(docs)
        for p in parts:
            docs.extend(p.cat_secondary[k])
        cat_post.append((start, middle, len(docs)))
    seek_post = []
    for k in range(ncat):
        start = len(docs)
        for p in parts:
            docs.extend(p.cat_seekers[k])
        seek_post.append((start, len(docs)))
    cells = []
    for cell in sorted({c for p in parts for c in p.cells}):
        start = len(docs)
        for p in parts:
            docs.extend(p.cells.get(cell, ()))
        cells.append((*cell, start, len(docs)))

    def bitmap(a: int, b: int) -> int:
        if b - a < BITMAP_MIN_DOCS:
            return -1
        bitmaps.append(bitset.to_bytes(bitset.from_docs(docs[a:b], nbytes), nbytes))
        return len(bitmaps) - 1

    # Every category's, but the smallest: a query for a group ('repair') asks for twenty of
    # them, and the taxonomy keeps their number small whatever the size of the directory.
    cat_bits = [(bitmap(pa, pb), bitmap(pb, sb)) for pa, pb, sb in cat_post]
    sections: dict[str, Any] = {
        "docs": docs.tobytes(),
        "lat": lat.tobytes(),
        "lon": lon.tobytes(),
        "status": bytes(status),
        "area": bytes(area),
        "wheel": bytes(wheel),
        "flags": bytes(flags),
        "country": bytes(country),
        "cats_off": array("I", accumulate(cat_count, initial=0)).tobytes(),
        "cats": cats.tobytes(),
        "hours": hours.tobytes(),
        "verified": verified.tobytes(),
        "langs": langs.tobytes(),
        "bits": bitmaps,
    }
    meta: dict[str, Any] = {
        "n": n,
        "ids": "\n".join(ids),
        "names": "\n".join(names),
        "post": post,
        "cat_post": cat_post,
        "seek_post": seek_post,
        "cells": cells,
        "surface": {t: w for t, w in surface.items() if t in post},
        "hours_texts": list(hours_texts),
        "countries": list(countries),
        "lang_sets": list(lang_sets),
        "gaz": gaz,
        "seg_bits": {t: tuple(v) for t, v in seg_bits.items() if max(v) >= 0},
        "cat_bits": cat_bits,
    }
    return meta, sections


class _IndexFile:
    """An index file being written: the sections as they come, the header last.

    Layout: ``MAGIC``, the header's offset, length and CRC-32 (8 bytes each),
    the sections (8-byte aligned), the :mod:`marshal` header. The header holds
    each section's offset, length and CRC-32. The file appears at ``dest``
    (atomically) only once complete.
    """

    START = len(MAGIC) + 24 + (-(len(MAGIC) + 24) % 8)
    # Sections too large to check at every opening: what is read from them is checked
    # where it is read (see Index.record).
    UNCHECKED = frozenset({"records", "docs", "bits"})

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        self.f = self.tmp.open("wb")
        self.f.write(bytes(self.START))
        self.layout: dict[str, tuple[int, int, int]] = {}
        self.offset = self.START
        self.failed: BaseException | None = None

    def add(self, name: str, data: bytes | list[bytes] | list[bytes | memoryview]) -> None:
        """Append section ``name`` (bytes, or pieces written one after the other)."""
        size = crc = 0
        checked = name not in self.UNCHECKED
        for chunk in [data] if isinstance(data, bytes) else data:
            self.f.write(chunk)
            size += len(chunk)
            if checked:
                crc = zlib.crc32(chunk, crc)
        self.f.write(bytes(-size % 8))
        self.layout[name] = (self.offset, size, crc)
        self.offset += size + (-size % 8)

    def add_in_background(self, name: str, data: list[bytes | memoryview]) -> threading.Thread:
        """:meth:`add` in a thread; join it before adding anything else."""

        def run() -> None:
            try:
                self.add(name, data)
            except BaseException as exc:  # handed over to finish()
                self.failed = exc

        thread = threading.Thread(target=run, name="quartier-index-writer")
        thread.start()
        return thread

    def finish(self, meta: dict[str, Any]) -> Path:
        if self.failed is not None:
            raise self.failed
        meta["sections"] = self.layout
        head = marshal.dumps(meta)
        self.f.write(head)
        self.f.seek(len(MAGIC))
        self.f.write(
            self.offset.to_bytes(8, "little")
            + len(head).to_bytes(8, "little")
            + zlib.crc32(head).to_bytes(8, "little")
        )
        self.f.seek(0)
        self.f.write(MAGIC)  # last: a file cut short is never taken for an index
        self.f.close()
        # Renaming over a previous index costs a third of a second for 300 MB (the file
        # system writes the new one out first, then frees the old): move the old one aside
        # and delete it in the background. (A name like the index's: a crash in between
        # leaves a file that the next build of the directory cleans up.)
        old = self.dest.with_name(f"{self.dest.stem}.{os.getpid()}.old{self.dest.suffix}")
        try:
            self.dest.rename(old)
            moved = True
        except OSError:
            moved = False
        self.tmp.replace(self.dest)
        if moved:
            threading.Thread(target=old.unlink, args=(True,), name="quartier-index-free").start()
        return self.dest

    def abort(self) -> None:
        self.f.close()
        self.tmp.unlink(missing_ok=True)


P = ParamSpec("P")
R = TypeVar("R")
# What reading past the end of a damaged section raises. The large sections
# (postings, bitmaps, records) are not checksummed at each opening (a full
# check would cost about 0.25 s per 300 MB); a query that trips on one turns
# into Index.damaged, never a traceback.
DAMAGE = (IndexError, OverflowError, struct.error, UnicodeDecodeError)


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn(index, ...)`` with damage found while reading ``index`` reported, not raised raw."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DAMAGE as exc:
            index = args[0]
            if isinstance(index, Index):
                raise index.damaged(f"{type(exc).__name__} while reading it") from None
            raise

    return wrapper


def _origin_shape(origin: Any) -> bool:
    """An origin as written in the index (checked when it was built), or none."""
    return origin is None or (
        isinstance(origin, list)
        and all(isinstance(o, dict) and o.keys() == set(ORIGIN_KEYS) for o in origin)
    )


class IndexUnusable(Exception):
    """The index file is missing, from another version, or damaged: rebuild it."""


def _header(buf: memoryview) -> tuple[dict[str, Any], int]:
    """The header of an index file and where it starts, if it is where the file says and has
    its CRC."""
    at = len(MAGIC)
    start, length, crc = (int.from_bytes(buf[i : i + 8], "little") for i in (at, at + 8, at + 16))
    if start < _IndexFile.START or start + length != len(buf):
        raise ValueError(f"a header at {start} of {length} bytes, in a file of {len(buf)}")
    head = buf[start:]
    if zlib.crc32(head) != crc:
        raise ValueError("the header's CRC differs")
    meta = marshal.loads(head)
    if not isinstance(meta, dict):
        raise ValueError("no header")
    return meta, start


# Bytes per document of the sections that have one item per document (+1: one more item).
_PER_DOC = {
    "lat": (8, 0),
    "lon": (8, 0),
    "status": (1, 0),
    "area": (1, 0),
    "wheel": (1, 0),
    "flags": (1, 0),
    "country": (1, 0),
    "cats_off": (4, 1),
    "hours": (4, 0),
    "verified": (4, 0),
    "langs": (2, 0),
    "rec_off": (8, 1),
}


def _check_sections(buf: memoryview, meta: dict[str, Any], end: int) -> None:
    """Every section before the header (at ``end``), of its size, and (the small ones) with
    its CRC."""
    n = meta["n"]
    sections: dict[str, tuple[int, int, int]] = meta["sections"]
    for name, (off, length, crc) in sections.items():
        if off < _IndexFile.START or off % 8 or length < 0 or off + length > end:
            raise ValueError(f"section {name} at {off} of {length} bytes is outside the file")
        if name not in _IndexFile.UNCHECKED and zlib.crc32(buf[off : off + length]) != crc:
            raise ValueError(f"section {name}'s CRC differs")
    for name, (size, more) in _PER_DOC.items():
        if sections[name][1] != size * (n + more):
            raise ValueError(f"section {name} is not of {n} businesses")
    for name, size in (("docs", 4), ("cats", 2), ("bits", bitset.size_for(n) or 1)):
        if sections[name][1] % size:
            raise ValueError(f"section {name} is cut short")
    off, length, _ = sections["rec_off"]
    rec_off = buf[off : off + length].cast("Q")
    if rec_off[0] != 0 or rec_off[n] != sections["records"][1]:
        raise ValueError("the records are not where their offsets say")


class Index:
    """An opened index. Arrays are views into the memory-mapped file."""

    def __init__(self, path: Path, meta: dict[str, Any], buf: memoryview, keep: Any) -> None:
        self.path = path
        self._keep = keep  # the mmap must outlive every view
        self.fingerprint: str = meta["fingerprint"]
        self.source: str = meta["source"]
        self.n: int = meta["n"]
        self.ids: list[str] = meta["ids"].split("\n") if self.n else []
        self.names: list[str] = meta["names"].split("\n") if self.n else []
        self.post: dict[str, tuple[int, ...]] = meta["post"]
        self._vocab: str = meta["vocab"]
        self.cat_ids: list[str] = meta["cat_ids"]
        self.cat_post: list[tuple[int, int, int]] = meta["cat_post"]
        self.seek_post: list[tuple[int, int]] = meta["seek_post"]
        # (lat, lon) grid cell numbers (see CELL_DEGREES), start, end of its documents in docs.
        self.cells: list[tuple[int, int, int, int]] = meta["cells"]
        self.phrases: list[tuple[tuple[str, ...], int, str, str, str]] = meta["phrases"]
        self.surface: dict[str, str] = meta["surface"]
        self.hours_texts: list[str] = meta["hours_texts"]
        self.countries: list[str] = meta["countries"]
        self.lang_sets: list[list[str]] = [s.split(",") if s else [] for s in meta["lang_sets"]]
        self.areas: list[dict[str, Any]] = meta["areas"]
        self.places = Gazetteer.from_rows(meta["places"])
        # Read now: settings that are not JSON make the file unusable, not a query fail.
        self.config: dict[str, Any] = orjson.loads(meta["config"])
        self.taxonomy: dict[str, Any] = orjson.loads(meta["taxonomy"])
        if not isinstance(self.config, dict) or not isinstance(self.taxonomy, dict):
            raise ValueError("settings that are no JSON objects")
        # Published records left out (see check_line): the first SKIPPED_KEPT, and how many.
        self.skipped = [Skipped(*s) for s in meta.get("skipped", ())]
        self.skipped_count: int = meta.get("skipped_count", 0)

        def view(name: str, fmt: str = "B") -> memoryview:
            off, length, _ = meta["sections"][name]
            mv = buf[off : off + length]
            # The stubs want a literal per format family; these are the array codes above.
            return mv.cast(fmt) if fmt != "B" else mv  # type: ignore[call-overload]

        self.docs = view("docs", "I")
        self.lat = view("lat", "d")
        self.lon = view("lon", "d")
        self.status = view("status")
        self.area = view("area")
        self.wheel = view("wheel")
        self.flags = view("flags")
        self.country = view("country")
        self.cats_off = view("cats_off", "I")
        self.cats = view("cats", "H")
        self.hours = view("hours", "i")
        self.verified = view("verified", "I")
        self.langs = view("langs", "H")
        self.rec_off = view("rec_off", "Q")
        self.records = view("records")
        # Bitmaps of the common terms' and the categories' documents (see bitset).
        self.nbytes = bitset.size_for(self.n)
        self.bits = view("bits")
        self.seg_bits: dict[str, tuple[int, ...]] = meta["seg_bits"]
        self.cat_bits: list[tuple[int, int]] = meta["cat_bits"]
        self._filters: dict[tuple[str, Any], int] = {}

    @classmethod
    def open(cls, path: Path) -> Index:
        """Map ``path``; raises :class:`IndexUnusable` if it cannot be used as is."""
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                mm: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (OSError, ValueError) as exc:
            raise IndexUnusable(f"cannot read {path}: {exc}") from None
        buf = memoryview(mm)
        if len(buf) < _IndexFile.START or bytes(buf[: len(MAGIC)]) != MAGIC:
            raise IndexUnusable(f"{path} is not a Quartier search index")
        try:
            meta, start = _header(buf)
            if meta.get("version") != INDEX_VERSION or meta.get("byteorder") != sys.byteorder:
                raise IndexUnusable(f"{path} was written by another version")
            _check_sections(buf, meta, start)
            return cls(path, meta, buf, mm)
        except IndexUnusable:
            raise
        # Whatever a damaged file makes marshal, a cast or a lookup raise.
        except (EOFError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            raise IndexUnusable(f"{path} is damaged: {exc}") from None

    # -- documents

    @cached_property
    def name_of(self) -> dict[str, int]:
        """Folded business name -> document (for places given as a business's name)."""
        from .places import place_key

        return {place_key(name): i for i, name in enumerate(self.names)}

    @cached_property
    def doc_of(self) -> dict[str, int]:
        """Business id -> document number."""
        return {eid: i for i, eid in enumerate(self.ids)}

    def damaged(self, what: str) -> QuartierError:
        """Remove the file (the next command builds it anew) and say so, for raising."""
        with contextlib.suppress(OSError):
            self.path.unlink()
        return QuartierError(
            f"the search index {self.path} is damaged ({what}); "
            "it was removed: run the command again to build it anew"
        )

    def record(self, doc: int) -> dict[str, Any]:
        """``{"entry": <public entry JSON>, "url": <page URL>}`` of one business, and its
        ``"origin"`` if it is a member's (see :mod:`.origin`).

        A record that is not what was written (the file was damaged since it
        was opened, or in a part not checked then) removes the file, so that
        the next command builds it again, and stops this one with a message.
        """
        try:
            data = orjson.loads(self.records[self.rec_off[doc] : self.rec_off[doc + 1]])
            if (
                data["entry"]["id"] == self.ids[doc]
                and isinstance(data["url"], str)
                and _origin_shape(data.get("origin"))
            ):
                return data  # type: ignore[no-any-return]
        except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
            pass
        raise self.damaged(f"record {doc} is unreadable")

    def origin(self, doc: int) -> list[Origin] | None:
        """Where business ``doc`` comes from when it is a member's, else None (a local one)."""
        return as_origins(self.record(doc).get("origin"))

    def categories_of(self, doc: int) -> list[str]:
        """Primary category first."""
        return [self.cat_ids[c] for c in self.cats[self.cats_off[doc] : self.cats_off[doc + 1]]]

    def status_of(self, doc: int) -> str:
        return STATUS[self.status[doc]]

    def languages_of(self, doc: int) -> list[str]:
        return self.lang_sets[self.langs[doc]]

    # -- terms

    @cached_property
    def vocab(self) -> list[str]:
        """Every indexed term and every taxonomy phrase term, sorted (for prefixes and typos)."""
        extra = {t for p in self.phrases for t in p[0]}
        return sorted(set(self._vocab.split("\n")) | extra)

    @cached_property
    def vocab_set(self) -> frozenset[str]:
        return frozenset(self.vocab)

    def segments(self, term: str) -> Iterator[tuple[int, int, int]]:
        """(field, start, end) ranges of ``docs`` holding the documents that contain ``term``."""
        flat = self.post.get(term, ())
        for i in range(0, len(flat), 3):
            yield flat[i], flat[i + 1], flat[i + 2]

    def df(self, term: str) -> int:
        flat = self.post.get(term, ())
        return sum(flat[i + 2] - flat[i + 1] for i in range(0, len(flat), 3))

    # -- sets of documents (see bitset)

    def docset(self, a: int, b: int, slot: int = -1) -> int:
        """``docs[a:b]`` as a bit set: the stored bitmap ``slot``, else built from the list."""
        if slot >= 0:
            start = slot * self.nbytes
            return int.from_bytes(self.bits[start : start + self.nbytes], "little")
        return bitset.from_docs(self.docs[a:b], self.nbytes)

    def term_docsets(self, term: str) -> list[tuple[int, int]]:
        """(field, documents) for every field ``term`` is filed under."""
        flat = self.post.get(term, ())
        slots = self.seg_bits.get(term) or (-1,) * (len(flat) // 3)
        return [
            (flat[i], self.docset(flat[i + 1], flat[i + 2], slots[i // 3]))
            for i in range(0, len(flat), 3)
        ]

    def category_docsets(self, cat: int) -> tuple[int, int]:
        """(documents with ``cat`` as primary category, with it as a secondary one)."""
        pa, pb, sb = self.cat_post[cat]
        primary, secondary = self.cat_bits[cat]
        return self.docset(pa, pb, primary), self.docset(pb, sb, secondary)

    def _where(self, column: memoryview, values: Iterable[int]) -> int:
        """Documents whose byte in ``column`` is one of ``values`` (C speed: translate)."""
        table = bytearray(256)
        for v in values:
            table[v] = 1
        return bitset.from_bytemap(bytes(column).translate(table))

    def with_status(self, *codes: int) -> int:
        """Documents whose status is one of ``codes`` (indexes into STATUS)."""
        key = ("status", codes)
        if key not in self._filters:
            self._filters[key] = self._where(self.status, codes)
        return self._filters[key]

    def with_wheelchair(self, code: int) -> int:
        key = ("wheel", code)
        if key not in self._filters:
            self._filters[key] = self._where(self.wheel, (code,))
        return self._filters[key]

    def speaking(self, language: str) -> int:
        """Documents that list ``language`` among theirs."""
        key = ("lang", language)
        if key not in self._filters:
            wanted = [i for i, s in enumerate(self.lang_sets) if language in s]
            if len(self.lang_sets) <= 256:
                # Set numbers fit in the low byte of each 16-bit number.
                low = self.langs.cast("B")[0 if sys.byteorder == "little" else 1 :: 2]
                self._filters[key] = self._where(low, wanted)
            else:
                flags = [0] * len(self.lang_sets)
                for i in wanted:
                    flags[i] = 1
                self._filters[key] = bitset.from_bytemap(bytes(map(flags.__getitem__, self.langs)))
        return self._filters[key]

    # -- settings

    @cached_property
    def category_info(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.taxonomy["categories"]}

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in self.taxonomy["categories"]:
            if c.get("parent"):
                out.setdefault(c["parent"], []).append(c["id"])
        return out

    @cached_property
    def phrase_map(self) -> dict[tuple[str, ...], list[tuple[int, str, str, str]]]:
        out: dict[tuple[str, ...], list[tuple[int, str, str, str]]] = {}
        for key, cat, kind, lang, text in self.phrases:
            out.setdefault(tuple(key), []).append((cat, kind, lang, text))
        return out

    @cached_property
    def phrase_terms(self) -> frozenset[str]:
        """Every term of a taxonomy label or synonym (typo fixes prefer them)."""
        return frozenset(t for key in self.phrase_map for t in key)

    @cached_property
    def single_phrases(self) -> dict[str, list[tuple[int, str, str, str]]]:
        """One-word labels and synonyms -> what they name (for near misses)."""
        return {key[0]: hits for key, hits in self.phrase_map.items() if len(key) == 1}

    @property
    def default_language(self) -> str:
        langs = self.config.get("languages") or ["en"]
        return str(langs[0])

    @property
    def stale_after_days(self) -> int:
        return int(self.config.get("stale_after_days", 365))
