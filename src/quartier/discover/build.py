"""The index build: businesses in, one index file out, on every core.

Building is parsing and word-splitting in pure Python, so it runs on every
core: forked processes index runs of consecutive businesses (a
:class:`_Part` each) and the parent joins their parts (:func:`_merge`) into
the sections and header that :class:`~.layout.IndexFile` writes. A
published NDJSON is parsed and checked in the workers too
(:func:`~.records.check_line`), and its lines are stored as the records
unchanged. What is filed where comes from :mod:`.vocabulary`; the columns
each business has, from :data:`.layout.COLUMNS`.

Example::

    build_index(rows, config, taxonomy, "fingerprint", path)
    Index.open(path).ids[0]
"""

from __future__ import annotations

import gc
import math
import sys
import threading
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate, pairwise, repeat
from pathlib import Path
from typing import Any

import orjson

from ..messages import message
from ..parallel import fork_map
from . import bitset
from .layout import (
    CELL_DEGREES,
    COLUMNS,
    FLAG_COLLAB,
    FLAG_OFFERINGS,
    FLAG_STORY,
    INDEX_VERSION,
    NO_AREA,
    STATUS_CODE,
    WHEELCHAIR_CODE,
    IndexFile,
)
from .places import Gazetteer, distance_km, named_quarters, street_names
from .question import NegationScreen, negated_terms
from .records import NdjsonRows, Row, Skipped, check_line, printable
from .text import TermCache, words
from .vocabulary import (
    ATTRIBUTE_TERMS,
    ATTRIBUTE_WORDS,
    F_ADDRESS,
    F_ATTRIBUTE,
    F_CERT,
    F_DESCRIPTION,
    F_NAME,
    F_OFFERING,
    F_PEOPLE,
    F_PROVIDES,
    F_SEEKS,
    F_STORY,
    F_SUMMARY,
    FIELDS,
    STORY_TERMS,
    STORY_WORDS,
    concept_terms,
    leaf_phrases,
    taxonomy_phrases,
)


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
        # One array per column (see layout.COLUMNS), and the tables some of them number.
        self.columns: dict[str, array[Any]] = {n: array(c.code) for n, c in COLUMNS.items()}
        self.tables: dict[str, dict[str, int]] = {c.table: {} for c in COLUMNS.values() if c.table}
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
        self._negations = NegationScreen()
        # Words filed by their known terms are words met all the same (see surface).
        self._terms.terms("\n".join([*ATTRIBUTE_WORDS.values(), STORY_WORDS]))
        self._days: dict[str, int] = {}
        self._streets: dict[str, list[str]] = {}
        # Businesses that travel to named localities: (document, localities), measured once
        # every place is known (build_index).
        self.serves: list[tuple[int, list[str]]] = []

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
        col, tables = self.columns, self.tables
        status = e.get("status")
        col["status"].append(STATUS_CODE.get(status, 0) if isinstance(status, str) else 0)
        loc = e.get("location") or {}
        geo = loc.get("geo") or {}
        la, lo = float(geo.get("lat", 0.0)), float(geo.get("lon", 0.0))
        col["lat"].append(la)
        col["lon"].append(lo)
        cell = (math.floor(la / CELL_DEGREES), math.floor(lo / CELL_DEGREES))
        found = self.cells.get(cell)
        if found is None:
            self.cells[cell] = [doc]
        else:
            found.append(doc)
        col["area"].append(_area_of(job.areas, la, lo))
        served = loc.get("service_area") or {}
        col["reach"].append(float(served.get("radius_km") or 0.0))
        towns = [t for t in served.get("localities") or () if isinstance(t, str)]
        if towns:
            self.serves.append((doc, towns))
        a11y = (e.get("accessibility") or {}).get("wheelchair", "unknown")
        col["wheel"].append(WHEELCHAIR_CODE.get(a11y, 0) if isinstance(a11y, str) else 0)
        address = loc.get("address") or {}
        countries = tables["countries"]
        col["country"].append(countries.setdefault(str(address.get("country", "")), len(countries)))
        day = str(e.get("last_verified"))
        ordinal = self._days.get(day)
        if ordinal is None:
            try:
                ordinal = date.fromisoformat(day).toordinal()
            except ValueError:
                ordinal = 0
            self._days[day] = ordinal
        col["verified"].append(ordinal)
        oh = e.get("opening_hours")
        known = tables["hours_texts"]
        col["hours"].append(known.setdefault(oh, len(known)) if oh else -1)
        spoken = e.get("languages") or list((e.get("summary") or {}).keys())
        sets = tables["lang_sets"]
        col["langs"].append(sets.setdefault(",".join(spoken), len(sets)))
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
        col["flags"].append(flag)

        # Each term once, in the field where it weighs most (see _field_texts).
        filed: dict[str, int] = {}
        file = self._terms.file
        for fld, text in _field_texts(e, story, collab, address):
            if isinstance(text, str):
                filed = file(text, fld, filed)
                # What the text says it is without ("senza latte": '~latt'), for a question's
                # "senza latte" to find what businesses offer (see question.negated_terms).
                if self._negations.may_negate(text):
                    negated = negated_terms(text)
                    if negated:
                        filed.update(dict.fromkeys(negated, fld))
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
        self._negations = NegationScreen()
        return self


class _Postings(dict[tuple[str, int], list[int]]):
    """(term, field) -> its list of documents, made when first asked for."""

    def __missing__(self, key: tuple[str, int]) -> list[int]:
        docs: list[int] = []
        self[key] = docs
        return docs


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
            out.append((F_STORY, STORY_TERMS))
    offerings = e.get("offerings") or ()
    described = _texts(e.get("description"))
    for o in offerings:
        described += _texts(o.get("description")) + [str(m) for m in o.get("materials") or ()]
    if described:
        out.append((F_DESCRIPTION, "\n".join(described)))
    attrs = e.get("attributes") or {}
    said = [ATTRIBUTE_TERMS[k] for k, v in attrs.items() if v == "yes" and k in ATTRIBUTE_WORDS]
    if attrs.get("locally_made") != "yes" and any(
        o.get("made_locally") == "yes" for o in offerings
    ):
        said.append(ATTRIBUTE_TERMS["locally_made"])
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
    phrases = taxonomy_phrases(taxonomy)
    job = _Job(areas, {c: i for i, c in enumerate(cat_ids)}, leaf_phrases(phrases, taxonomy))
    out = IndexFile(dest)  # first: a folder we cannot write to fails before the work
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
        meta["travellers"] = _reach(sections, meta.pop("serves"), gaz)
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


def _records(parts: list[_Part], job: _Job, out: IndexFile) -> list[bytes | memoryview]:
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


# How far a named locality reaches around its middle at least, in km (one business's town).
TOWN_KM = 1.0


def _reach(sections: dict[str, Any], serves: list[tuple[int, list[str]]], gaz: Gazetteer) -> bytes:
    """The businesses that travel to their customers (a bit set), their reach widened to
    the localities they name that the gazetteer knows (the farthest edge of each: its
    point's distance plus its spread, at least TOWN_KM); a locality it does not know adds
    nothing."""
    reach = array("f")
    reach.frombytes(sections["reach"])
    lat, lon = array("d"), array("d")
    lat.frombytes(sections["lat"])
    lon.frombytes(sections["lon"])
    for doc, towns in serves:
        for town in towns:
            place = gaz.find(town)
            if place is not None and place.kind in ("locality", "postal_code", "area"):
                # A town is never a point: at least TOWN_KM around its middle.
                edge = max(place.spread_km, TOWN_KM)
                far = distance_km(lat[doc], lon[doc], place.lat, place.lon) + edge
                reach[doc] = max(reach[doc], far)
    sections["reach"] = reach.tobytes()
    return bitset.to_bytes(
        bitset.from_docs([d for d, r in enumerate(reach) if r > 0], bitset.size_for(len(reach))),
        bitset.size_for(len(reach)),
    )


def _merge(parts: list[_Part], ncat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One index from consecutive parts: tables renumbered, arrays and postings joined."""
    ids: list[str] = []
    names: list[str] = []
    columns: dict[str, array[Any]] = {n: array(c.code) for n, c in COLUMNS.items()}
    tables: dict[str, dict[str, int]] = {c.table: {} for c in COLUMNS.values() if c.table}
    cat_count, cats = array("H"), array("H")
    gaz = Gazetteer()
    surface: dict[str, str] = {}
    serves: list[tuple[int, list[str]]] = []
    for p in parts:
        ids += p.ids
        names += p.names
        serves += p.serves
        for name, c in COLUMNS.items():
            if not c.table:
                columns[name] += p.columns[name]
                continue
            # The part's own numbers -> the merged ones (first met, in document order);
            # -1 (none: no opening hours) stays -1.
            merged = tables[c.table]
            to = [merged.setdefault(v, len(merged)) for v in p.tables[c.table]]
            columns[name] += array(c.code, map([*to, -1].__getitem__, p.columns[name]))
        cat_count += p.cat_count
        cats += p.cats
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
        **{name: column.tobytes() for name, column in columns.items()},
        "cats_off": array("I", accumulate(cat_count, initial=0)).tobytes(),
        "cats": cats.tobytes(),
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
        **{table: list(values) for table, values in tables.items()},
        "gaz": gaz,
        "serves": serves,
        "seg_bits": {t: tuple(v) for t, v in seg_bits.items() if max(v) >= 0},
        "cat_bits": cat_bits,
    }
    return meta, sections
