"""The search index as read: a memory-mapped file answering in words.

An index of 100,000 businesses opens in a fraction of a second: the large
arrays (postings, coordinates, the entries' JSON) are used in place in the
mapped file, never copied. A file that fails a check when opened (cut short,
a header or small section that differs from its CRC, a section beyond the
header or of the wrong size for the number of businesses, settings that are
not JSON) raises :class:`IndexUnusable`, and the caller builds it again. The
three large sections (records, postings, bitmaps) are not checked in full at
every opening; a record that is not what was written is found when read
(:meth:`Index.record`), and a query that trips on damage elsewhere is
reported by :func:`guarded`, never as a traceback.

Each per-business column of :data:`.layout.COLUMNS` is an attribute (``index.lat[doc]``);
what a code means is asked in words: ``index.is_closed(doc)``,
``index.status_of(doc)``, ``index.with_status("open")``.

Example::

    index = Index.open(path)
    index.ids[0], index.record(0)["entry"]["name"], index.is_closed(0)
"""

from __future__ import annotations

import contextlib
import functools
import mmap
import os
import struct
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import orjson

from ..problems import QuartierError
from . import bitset
from .layout import (
    COLUMNS,
    INDEX_VERSION,
    MAGIC,
    NO_AREA,
    START,
    STATUS,
    STATUS_CODE,
    WHEELCHAIR,
    WHEELCHAIR_CODE,
    check_sections,
    read_header,
)
from .origin import KEYS as ORIGIN_KEYS
from .origin import Origin, as_origins
from .places import Gazetteer
from .records import Skipped
from .vocabulary import Phrase

_CLOSED = STATUS_CODE["permanently_closed"]
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


class Index:
    """An opened index. Arrays are views into the memory-mapped file.

    Besides the attributes set here, each column of :data:`.layout.COLUMNS`
    is an attribute of its name: ``index.lat[doc]``, ``index.hours[doc]``.
    """

    if TYPE_CHECKING:
        # For the type checker only: the columns are set in __init__, from COLUMNS.
        def __getattr__(self, name: str) -> memoryview: ...

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
        self.phrases: list[Phrase] = meta["phrases"]
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

        # Every per-business column as an attribute of its name (index.lat[doc]), a plain
        # attribute so that a query's inner loops read it at full speed.
        self.columns = {name: view(name, c.code) for name, c in COLUMNS.items()}
        self.__dict__.update(self.columns)
        self.docs = view("docs", "I")
        self.cats_off = view("cats_off", "I")
        self.cats = view("cats", "H")
        self.rec_off = view("rec_off", "Q")
        self.records = view("records")
        # Bitmaps of the common terms' and the categories' documents (see bitset).
        self.nbytes = bitset.size_for(self.n)
        self.bits = view("bits")
        self.seg_bits: dict[str, tuple[int, ...]] = meta["seg_bits"]
        self.cat_bits: list[tuple[int, int]] = meta["cat_bits"]
        self._filters: dict[tuple[str, Any], int] = {}
        # The businesses that travel to their customers (reach[doc] km), as a bit set.
        self.travellers: int = int.from_bytes(meta["travellers"], "little")

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
        if len(buf) < START or bytes(buf[: len(MAGIC)]) != MAGIC:
            raise IndexUnusable(f"{path} is not a Quartier search index")
        try:
            meta, start = read_header(buf)
            if meta.get("version") != INDEX_VERSION or meta.get("byteorder") != sys.byteorder:
                raise IndexUnusable(f"{path} was written by another version")
            check_sections(buf, meta, start)
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
        """'open', 'temporarily_closed' or 'permanently_closed'."""
        return STATUS[self.status[doc]]

    def is_closed(self, doc: int) -> bool:
        """Whether business ``doc`` is permanently closed (never suggested, never a place)."""
        return self.status[doc] == _CLOSED

    def wheelchair_of(self, doc: int) -> str:
        """'yes', 'limited', 'no' or 'unknown'."""
        return WHEELCHAIR[self.wheel[doc]]

    def languages_of(self, doc: int) -> list[str]:
        return self.lang_sets[self.langs[doc]]

    def area_of(self, doc: int) -> str | None:
        """The id of the settings' area business ``doc`` is in, None outside every area."""
        area = self.area[doc]
        return None if area == NO_AREA else str(self.areas[area]["id"])

    def timezone_of(self, doc: int) -> str | None:
        """The timezone of business ``doc``'s area, None outside every area."""
        area = self.area[doc]
        return None if area == NO_AREA else str(self.areas[area]["timezone"])

    def country_of(self, doc: int) -> str:
        """The country of business ``doc``'s address, e.g. 'CH' ('' if it gives none)."""
        return self.countries[self.country[doc]]

    def opening_hours_of(self, doc: int) -> str | None:
        """Business ``doc``'s opening_hours text, None if it gives none."""
        h = self.hours[doc]
        return self.hours_texts[h] if h >= 0 else None

    def last_verified_of(self, doc: int) -> date | None:
        """The day a person last verified business ``doc``, None if never."""
        day = self.verified[doc]
        return date.fromordinal(day) if day else None

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

    def with_status(self, *statuses: str) -> int:
        """Documents whose status is one of ``statuses``, e.g. ``with_status("open")``."""
        key = ("status", statuses)
        if key not in self._filters:
            self._filters[key] = self._where(self.status, map(STATUS_CODE.__getitem__, statuses))
        return self._filters[key]

    def with_wheelchair(self, access: str) -> int:
        """Documents whose wheelchair access is ``access``, e.g. ``with_wheelchair("yes")``."""
        key = ("wheel", access)
        if key not in self._filters:
            self._filters[key] = self._where(self.wheel, (WHEELCHAIR_CODE[access],))
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
