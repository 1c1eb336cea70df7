"""Sets of documents as Python integers: bit ``d`` is set when document ``d`` is in the set.

Why integers: a query for a common word ('repair' is in half of 100,000
businesses) must combine sets of tens of thousands of documents, and doing
that one document at a time in Python costs tens of milliseconds. ``&``,
``|`` and ``bit_count()`` on a 100,000-bit integer run in C over machine words
and take microseconds, so a query combines whole sets and touches single
documents only for the few that can reach its short list.

The index stores the sets of its common terms as little-endian bitmaps
(``n`` bits rounded up to whole 64-bit words); rare ones are built from their
posting lists when a query needs them.

Example::

    nbytes = size_for(10)
    x = from_docs([1, 3, 9], nbytes)
    docs_of(x & from_docs([3, 4], nbytes), nbytes)   # [3]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import sub

# Bit positions of each byte value, to turn a non-zero byte into documents.
_BITS = tuple(tuple(i for i in range(8) if value >> i & 1) for value in range(256))
_NONZERO = bytes([0]) + bytes([1]) * 255


def size_for(n: int) -> int:
    """Bytes of a bitmap of ``n`` documents: whole 64-bit words, so bitmaps stay aligned."""
    return (n + 63) // 64 * 8


def from_bytemap(bytemap: bytes | bytearray) -> int:
    """A set from one byte per document, each 0 or 1.

    Byte ``8j + k`` becomes bit ``k`` of byte ``j``: the bytes at one ``k`` are a
    strided slice (C speed), which as an integer has its ones at multiples of 8;
    shifted by ``k`` and or-ed together they are the packed bitmap.
    """
    pad = -len(bytemap) % 8
    if pad:
        bytemap = bytes(bytemap) + bytes(pad)
    x = 0
    for k in range(8):
        x |= int.from_bytes(bytemap[k::8], "little") << k
    return x


def from_docs(docs: Sequence[int], nbytes: int, first: int = 0) -> int:
    """The set of ``docs``, numbered from ``first`` (all below ``first + 8 * nbytes``).

    Few documents are set bit by bit (~0.1 µs each); from one in 32 on, it is
    cheaper to set one byte per document at C speed and pack the bytes.
    """
    if len(docs) * 4 < nbytes:
        packed = bytearray(nbytes)
        for d in docs:
            d -= first
            packed[d >> 3] |= 1 << (d & 7)
        return int.from_bytes(packed, "little")
    bytemap = bytearray(nbytes * 8)
    at = map(sub, docs, repeat(first)) if first else docs
    deque(map(bytemap.__setitem__, at, repeat(1)), maxlen=0)
    return from_bytemap(bytemap)


def to_bytes(x: int, nbytes: int) -> bytes:
    return x.to_bytes(nbytes, "little")


def docs_of(x: int, nbytes: int) -> list[int]:
    """The documents in ``x``, ascending."""
    if not x:
        return []
    data = x.to_bytes(nbytes, "little")
    out: list[int] = []
    if x.bit_count() * 4 < nbytes:
        # Sparse: memchr finds the next non-zero byte (of a 0/1 copy) at C speed.
        flags = data.translate(_NONZERO)
        find = flags.find
        extend = out.extend
        i = find(1)
        while i >= 0:
            base = i * 8
            extend([base + k for k in _BITS[data[i]]])
            i = find(1, i + 1)
        return out
    # Dense: spread the bits into one byte per document and find the ones.
    bytemap = bytearray(nbytes * 8)
    ones = int.from_bytes(b"\x01" * nbytes, "little")
    for k in range(8):
        bytemap[k::8] = ((x >> k) & ones).to_bytes(nbytes, "little")
    find = bytemap.find
    i = find(1)
    while i >= 0:
        out.append(i)
        i = find(1, i + 1)
    return out


def union(sets: Iterable[int]) -> int:
    x = 0
    for s in sets:
        x |= s
    return x
