"""The search index file: what is in it, its layout, and how it is written.

Why a file and not a service: a city's directory fits on a laptop, and an
assistant or a shell command should get an answer without starting anything.
The index is one binary file (``.quartier-cache/search-index-v4-<hash>.bin``)
written from the entries (:mod:`.build`) and read back with ``mmap``
(:mod:`.reader`). What is in it:

- an inverted index, term -> documents, grouped by the field the term was
  found in (name, offering, summary, address, story..., see :mod:`.vocabulary`),
  so a score and an explanation ("'velo' in the name") come from the same
  data; the documents of common terms also as bitmaps (see :mod:`.bitset`);
- per category, the businesses that have it as primary or secondary category;
- the taxonomy's labels and synonyms in every language as phrases that map a
  query to categories ("Velo", "vélo", "bike repair" -> bicycle_repair);
- per business: the columns of :data:`COLUMNS` (status, point, area, opening
  hours, wheelchair access, languages, last_verified...), its categories, and
  its public JSON (what ``get_business`` returns) with its canonical URL;
- the places the directory knows (see :mod:`.places`).

This module is what the build writes and the reader reads, so the two
cannot drift: :data:`COLUMNS` declares every per-business column once (its
array type, and the header table its numbers point into). The file is
``MAGIC``, the offset, length and CRC-32 of a :mod:`marshal` header (small
things, and each section's offset, length and CRC-32), 8-byte aligned raw
arrays and bitmaps, then the header. :class:`IndexFile` writes it;
:func:`read_header` and :func:`check_sections` check it when it is opened (a
file that fails raises ``ValueError``, which the reader turns into "rebuild
it"). Codes stored in one byte have their words here (:data:`STATUS`,
:data:`WHEELCHAIR`); the reader answers in those words, never in codes.

Example::

    out = IndexFile(path)
    out.add("lat", array("d", [46.95]).tobytes())
    out.finish({"n": 1, ...})
    meta, end = read_header(memoryview(path.read_bytes()))
"""

from __future__ import annotations

import marshal
import os
import threading
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import bitset

INDEX_VERSION = 4
MAGIC = b"QUARTIER-SEARCH-INDEX\n"
# Where the first section starts: after the magic and the header's offset, length and CRC.
START = len(MAGIC) + 24 + (-(len(MAGIC) + 24) % 8)
# Sections too large to check at every opening: what is read from them is checked where
# it is read (see Index.record).
UNCHECKED = frozenset({"records", "docs", "bits"})

# A business's status and wheelchair access, by their one-byte codes.
STATUS = ("open", "temporarily_closed", "permanently_closed")
WHEELCHAIR = ("unknown", "yes", "limited", "no")
STATUS_CODE = {s: i for i, s in enumerate(STATUS)}
WHEELCHAIR_CODE = {s: i for i, s in enumerate(WHEELCHAIR)}
# Bits of the flags column.
FLAG_COLLAB, FLAG_STORY, FLAG_OFFERINGS = 1, 2, 4
# The area column of a business outside every area of the settings.
NO_AREA = 255
# Side of a cell of the grid of businesses by place, in degrees (1.1 km north to south):
# a search near a place looks at the nearest cells first.
CELL_DEGREES = 0.01


@dataclass(frozen=True)
class Column:
    """One number per business, stored as an array of type ``code`` (see :mod:`array`).

    ``table``: the header's list that the numbers index (countries, opening
    hours texts, language sets), numbered per part while building and
    renumbered when the parts are joined; '' for plain numbers.
    """

    code: str
    table: str = ""

    @property
    def size(self) -> int:
        """Bytes per business."""
        return array(self.code).itemsize


# Every per-business column, declared once: the build fills them, the reader maps them.
COLUMNS = {
    "lat": Column("d"),
    "lon": Column("d"),
    "status": Column("B"),  # an index into STATUS
    "area": Column("B"),  # an index into the settings' areas, NO_AREA outside them
    "wheel": Column("B"),  # an index into WHEELCHAIR
    "flags": Column("B"),  # FLAG_* bits
    "country": Column("B", "countries"),  # of the address
    "hours": Column("i", "hours_texts"),  # opening_hours; -1: none given
    "verified": Column("I"),  # last_verified as a date ordinal; 0: none
    "langs": Column("H", "lang_sets"),  # languages spoken
    # How far the business travels to its customers, in km (location.service_area: its
    # radius, or as far as the farthest locality it names); 0: customers come to it.
    "reach": Column("f"),
}
# Offsets into another section, one more than there are businesses (the end of the last).
OFFSETS = {
    "cats_off": Column("I"),  # into cats: a business's categories, primary first
    "rec_off": Column("Q"),  # into records: a business's JSON
}


def read_header(buf: memoryview) -> tuple[dict[str, Any], int]:
    """The header of an index file and where it starts, if it is where the file says and has
    its CRC (else ValueError)."""
    at = len(MAGIC)
    start, length, crc = (int.from_bytes(buf[i : i + 8], "little") for i in (at, at + 8, at + 16))
    if start < START or start + length != len(buf):
        raise ValueError(f"a header at {start} of {length} bytes, in a file of {len(buf)}")
    head = buf[start:]
    if zlib.crc32(head) != crc:
        raise ValueError("the header's CRC differs")
    meta = marshal.loads(head)
    if not isinstance(meta, dict):
        raise ValueError("no header")
    return meta, start


def check_sections(buf: memoryview, meta: dict[str, Any], end: int) -> None:
    """Every section before the header (at ``end``), of its size, and (the small ones) with
    its CRC; else ValueError."""
    n = meta["n"]
    sections: dict[str, tuple[int, int, int]] = meta["sections"]
    for name, (off, length, crc) in sections.items():
        if off < START or off % 8 or length < 0 or off + length > end:
            raise ValueError(f"section {name} at {off} of {length} bytes is outside the file")
        if name not in UNCHECKED and zlib.crc32(buf[off : off + length]) != crc:
            raise ValueError(f"section {name}'s CRC differs")
    for more, columns in ((0, COLUMNS), (1, OFFSETS)):
        for name, column in columns.items():
            if sections[name][1] != column.size * (n + more):
                raise ValueError(f"section {name} is not of {n} businesses")
    for name, size in (("docs", 4), ("cats", 2), ("bits", bitset.size_for(n) or 1)):
        if sections[name][1] % size:
            raise ValueError(f"section {name} is cut short")
    off, length, _ = sections["rec_off"]
    rec_off = buf[off : off + length].cast("Q")
    if rec_off[0] != 0 or rec_off[n] != sections["records"][1]:
        raise ValueError("the records are not where their offsets say")


class IndexFile:
    """An index file being written: the sections as they come, the header last.

    Layout: ``MAGIC``, the header's offset, length and CRC-32 (8 bytes each),
    the sections (8-byte aligned), the :mod:`marshal` header. The header holds
    each section's offset, length and CRC-32. The file appears at ``dest``
    (atomically) only once complete.
    """

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        self.f = self.tmp.open("wb")
        self.f.write(bytes(START))
        self.layout: dict[str, tuple[int, int, int]] = {}
        self.offset = START
        self.failed: BaseException | None = None

    def add(self, name: str, data: bytes | list[bytes] | list[bytes | memoryview]) -> None:
        """Append section ``name`` (bytes, or pieces written one after the other)."""
        size = crc = 0
        checked = name not in UNCHECKED
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
