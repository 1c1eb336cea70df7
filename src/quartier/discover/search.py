"""Short lists: a few fitting local businesses for a question, each with its reasons.

The question may be in any of the directory's languages and the entries in
another: every query word is looked up as typed (folded and stemmed), as a
prefix of longer words (German compounds: ``Velo`` -> ``Velowerkstatt``),
corrected when it is a typo of a known word (``bicyle``), and through the
taxonomy, whose labels and synonyms in every language map ``Velo``, ``vélo``
and ``bike repair`` to the category ``bicycle_repair``.

Ranking is deliberately simple and explainable:

1. businesses matching more of the query's words come first;
2. then by how well they match (a word in the name or the category counts
   more than one deep in the description), weighted by how rare the word is,
   and by distance when a place is given;
3. equally good results are ordered by a hash of (query, id): stable for one
   query, different for the next, never alphabetical, so no business wins
   every tie. There are no popularity or paid signals at all.

Permanently closed businesses never appear; temporarily closed ones only when
asked for. Each result says what matched, how far it is, whether it is open
at the time asked, and when a person last verified it.

Example::

    found = search(index, SearchQuery("Velo", near="Lorraine", open_at="saturday 10:00"))
    found.results[0].id, found.results[0].why
"""

from __future__ import annotations

import hashlib
import heapq
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from itertools import combinations
from typing import Annotated, Any, Literal

from ..problems import QuartierError
from . import bitset
from . import hours as hours_mod
from .answers import (
    category_label,
    check_limit,
    did_you_mean,
    pick_language,
    without_empty_origin,
)
from .described import Described, OwnerWritten
from .layout import CELL_DEGREES
from .origin import Origin, as_origins
from .places import distance_km
from .reader import Index, guarded
from .text import content_words, edits1, phrase_key, stem
from .vocabulary import FIELD_WEIGHT, FIELDS

DEFAULT_LIMIT = 5
PREFIX_MIN = 4
PREFIX_MAX = 40
PREFIX_FACTOR = 0.6
TYPO_FACTOR = 0.8
CATEGORY_WEIGHT = (7.0, 5.0)  # the category is primary, secondary
GROUP_WEIGHT = (3.0, 2.0)  # a child of the group named is primary, secondary
MAX_SCORE = 15.0  # a word in the name (8) of a business in the category named (7)
PROXIMITY_KM = 2.0  # at this distance a result counts half as much as one next door
# A group of more businesses than this, near a place, is read ring by ring of the index's
# grid cells, the nearest first (each ring of about RING_DOCS businesses).
RING_MIN_DOCS = 2000
RING_DOCS = 500
# Words about time, not about the business: the --open-at and --open-now options say that.
TIME_WORDS = frozenset(hours_mod.DAY_NAMES) | {
    "open",
    "now",
    "today",
    "tomorrow",
    "tonight",
    "offen",
    "geoffnet",
    "heute",
    "morgen",
    "jetzt",
    "ouvert",
    "aujourd",
    "hui",
    "demain",
    "abierto",
    "hoy",
    "manana",
    "aperto",
    "oggi",
    "domani",
}


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. ``text`` may be empty when a place or category narrows the list."""

    text: str = ""
    near: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    open_now: bool = False
    open_at: str | None = None
    category: str | None = None
    language: str | None = None
    wheelchair: bool = False
    include_temporarily_closed: bool = False
    limit: int = DEFAULT_LIMIT
    now: datetime | None = None  # the caller's wall clock, for tests; default: the real one


# The answers below are also the MCP server's output: quartier.assistant builds its models
# from them, and a field's description is what an assistant reads (see .described).


@dataclass(frozen=True)
class Match:
    """One reason a business was found: which query word matched what, and where."""

    word: Annotated[str, Described("The query word, folded (lowercase, no accents).")]
    matched: Annotated[str, OwnerWritten("What it matched in this business: a word or a category.")]
    field: Annotated[
        str, Described("Where: name, category, secondary category, summary, offering, ...")
    ]
    via: Annotated[
        str,
        Described("How: same word, prefix, spelling corrected, or the taxonomy synonym used."),
    ]


@dataclass(frozen=True)
class Hours:
    """Open or closed at the time asked (now by default)."""

    state: Annotated[
        Literal["open", "closed", "unknown"],
        Described("At the time asked (now by default), in the business's own timezone."),
    ]
    until: Annotated[str | None, Described("Local time of the next change, ISO 8601.")]
    text: Annotated[str, Described("In words, e.g. 'open now until 18:30'.")]
    opening_hours: Annotated[str | None, Described("The OpenStreetMap opening_hours string.")]


@dataclass(frozen=True)
class Result:
    """One business in a short list, with its reasons."""

    id: Annotated[
        str, Described("Permanent business id; pass it to get_business or find_partners.")
    ]
    name: Annotated[str, OwnerWritten("The business's name.")]
    url: Annotated[str, Described("The business's page in the directory.")]
    summary: Annotated[str, OwnerWritten("One line to quote, in summary_language.")]
    summary_language: str
    category: Annotated[str, Described("Primary category id.")]
    category_label: str
    categories: list[str]
    locality: Annotated[str, OwnerWritten("Town or city.")]
    address: Annotated[
        str, OwnerWritten("Street and locality as published (may be locality only).")
    ]
    status: Annotated[str, Described("open or temporarily_closed.")]
    distance_km: Annotated[float | None, Described("From the place searched near, if any.")]
    hours: Hours
    last_verified: Annotated[str, Described("Day a person last checked the entry (YYYY-MM-DD).")]
    verified_days_ago: int
    stale: Annotated[bool, Described("True when last_verified is older than the directory allows.")]
    wheelchair: Annotated[str, Described("yes, limited, no or unknown.")]
    languages: Annotated[list[str], Described("Languages spoken with customers.")]
    matched: Annotated[list[Match], Described("Why it was found, one item per query word.")]
    score: Annotated[float, Described("Relevance, for ordering only; ties are shuffled fairly.")]
    why: Annotated[
        str,
        Described(
            "All of the above in one sentence, ready to relay. Quartier's sentence, "
            "but the business's name and the words in quotes are the business's own."
        ),
    ]
    # A member's business in an aggregate: where it comes from, its canonical page first
    # (see .origin); None for the directory's own.
    origin: list[Origin] | None = None


@dataclass(frozen=True)
class Place:
    """The place a search was near."""

    name: Annotated[
        str, OwnerWritten("The place as understood (a quarter may be named by entries).")
    ]
    kind: str
    lat: float
    lon: float


@dataclass
class SearchResult:
    """A short list: several fitting options, never a single winner."""

    query: str
    results: list[Result]
    place: Annotated[Place | None, Described("The place the search was near, as understood.")] = (
        None
    )
    categories: Annotated[list[str], Described("Categories the query was understood to mean.")] = (
        field(default_factory=list)
    )
    time: Annotated[str | None, Described("The time checked for open/closed, if asked.")] = None
    notes: Annotated[list[str], Described("Typos corrected, words no business mentions, ...")] = (
        field(default_factory=list)
    )
    more: Annotated[bool, Described("True when more results exist; raise limit to see them.")] = (
        False
    )

    def as_dict(self) -> dict[str, Any]:
        """As JSON-ready data; a local business's result has no ``origin`` key at all."""
        return without_empty_origin(asdict(self), "results")


@dataclass
class _Concept:
    word: str
    expansions: list[tuple[str, float, str]]  # (term, factor, how)
    cats: dict[int, tuple[float, str]] = field(default_factory=dict)  # category -> (w, how)
    # (score, documents) best first, as bit sets (see bitset): a document is in one level,
    # the score of its best text match plus that of its best category match.
    levels: list[tuple[float, int]] = field(default_factory=list)
    docs: int = 0  # every document the concept matches
    idf: float = 0.0


@guarded
def search(index: Index, q: SearchQuery) -> SearchResult:
    """The short list for ``q`` (raises QuartierError with a fix for a bad argument)."""
    check_limit(q.limit)
    if q.radius_km is not None and not 0 < q.radius_km <= 20000:
        raise QuartierError("radius must be a positive number of kilometres, e.g. 2")
    if q.open_now and q.open_at:
        raise QuartierError("give either open-now or open-at, not both")
    place = resolve_place(index, q)
    if q.radius_km is not None and place is None:
        raise QuartierError("a radius needs a place: add --near PLACE or --lat and --lon")
    allowed = _category_filter(index, q.category)
    language = _language(index, q.language)
    concepts, notes, langs, understood = _concepts(index, q.text)
    asked = [w for w in content_words(q.text) if w not in TIME_WORDS]
    if not concepts and place is None and allowed is None and not asked:
        raise QuartierError(
            "say what to look for (e.g. 'bike repair') or narrow by --near, --category"
        )
    when = _when(q)
    if asked and not concepts:
        # Nothing the directory knows was asked for: an empty list, said plainly, is more
        # honest than businesses that happen to pass the filters.
        return SearchResult(
            q.text,
            [],
            place,
            understood,
            None if when is None else when.label,
            notes or [f"no business mentions {q.text!r}"],
        )

    # Filters that whole sets answer: status, category, language, wheelchair access.
    statuses = ("open", "temporarily_closed") if q.include_temporarily_closed else ("open",)
    eligible = index.with_status(*statuses)
    if allowed is not None:
        eligible &= bitset.union(p | s for p, s in map(index.category_docsets, allowed))
    if language:
        eligible &= index.speaking(language)
    if q.wheelchair:
        eligible &= index.with_wheelchair("yes")

    dist: dict[int, float] = {}

    def km(doc: int) -> float:
        assert place is not None
        d = dist.get(doc)
        if d is None:
            d = dist[doc] = distance_km(place.lat, place.lon, index.lat[doc], index.lon[doc])
        return d

    def distance(doc: int) -> float | None:
        return None if place is None else km(doc)

    # Filters asked one business at a time, only of those that could make the list.
    radius = q.radius_km if place is not None else None
    hours_seen: dict[tuple[int, int, int], bool] = {}

    def open_ok(doc: int) -> bool:
        if when is None:
            return True
        # Businesses with the same hours, country and area are open or closed together.
        key = (index.hours[doc], index.country[doc], index.area[doc])
        found = hours_seen.get(key)
        if found is None:
            found = hours_seen[key] = _hours_state(index, doc, when).open is True
        return found

    def passes(doc: int) -> bool:
        return (radius is None or km(doc) <= radius) and open_ok(doc)

    qkey = " ".join(sorted(w for c in concepts for w in [c.word])) or q.text.strip().lower()
    tie_salt = f"{qkey}|{q.near or ''}|{q.category or ''}".encode()

    salted, blake2b = tie_salt + b"\0", hashlib.blake2b

    def tie(eid: str) -> bytes:
        # fair_tie's hash; its big-endian bytes sort as its number does, without making one.
        return blake2b(salted + eid.encode(), digest_size=8).digest()

    asked_per_doc = place is not None or when is not None
    ids = index.ids
    rings: _Rings | None = None  # made on first need

    def take(
        members: list[int],
        rel: float,
        need: int,
        kept: list[int],
        found: list[tuple[int, bytes, int, float]],
    ) -> bool:
        """Score ``members`` into ``found`` (the best ``need`` buckets in ``kept``);
        whether one was left below the list."""
        cut = False
        for doc in members:
            if not passes(doc):
                continue
            score = rel
            if place is not None:
                score *= 1.0 / (1.0 + km(doc) / PROXIMITY_KM)
            bucket = round(math.log(score) * 12) if score > 0 else -(10**6)
            if len(kept) < need:
                heapq.heappush(kept, bucket)
            elif bucket < kept[0]:
                cut = True  # below the short list: no tie to break
                continue
            else:
                heapq.heappushpop(kept, bucket)
            found.append((-bucket, tie(ids[doc]), doc, score))
        return cut

    ranked: list[tuple[int, float]] = []
    more = False
    for fewer_remain, groups in _tiers(index, concepts, eligible):
        # Best group first; a group's documents share their score before distance, which
        # can only lower it: once the next group cannot reach the short list, stop.
        need = q.limit - len(ranked)
        kept: list[int] = []  # a min-heap of the best buckets met in this tier
        found: list[tuple[int, bytes, int, float]] = []

        for rel, docs in groups:
            bound = round(math.log(rel) * 12) if rel > 0 else -(10**6)
            if len(kept) >= need and bound < kept[0]:
                more = True
                break
            if not asked_per_doc:
                # One score for the whole group: the tie decides, so only its first `need`
                # can make the list (and are worth keeping).
                members = bitset.docs_of(docs, index.nbytes)
                ties = heapq.nsmallest(
                    need + 1, zip(map(tie, map(ids.__getitem__, members)), members, strict=True)
                )
                more = more or len(ties) > need
                for t, doc in ties[:need]:
                    if len(kept) < need:
                        heapq.heappush(kept, bound)
                    elif bound < kept[0]:
                        more = True
                        break
                    else:
                        heapq.heappushpop(kept, bound)
                    found.append((-bound, t, doc, rel))
                continue
            if place is None or docs.bit_count() < RING_MIN_DOCS:
                more = take(bitset.docs_of(docs, index.nbytes), rel, need, kept, found) or more
                continue
            # Many businesses, each at its own distance: the nearest first, ring by ring,
            # until even the nearest of the next ring would score below the list.
            rings = rings or _Rings(index, place)
            left = docs
            for near, ring in rings:
                if radius is not None and near > radius:
                    left = 0  # the rest is beyond the radius
                    break
                reach = rel * (1.0 / (1.0 + near / PROXIMITY_KM))
                if len(kept) >= need and round(math.log(reach) * 12) < kept[0]:
                    break
                here = left & ring
                if here:
                    left ^= here
                    more = take(bitset.docs_of(here, index.nbytes), rel, need, kept, found) or more
            more = more or bool(left)
        found.sort()
        ranked += [(doc, score) for _b, _t, doc, score in found[:need]]
        if len(ranked) >= q.limit:
            more = more or len(found) > need or fewer_remain
            break
    display = language or _display_language(index, langs)
    results = [
        _result(index, doc, rel, concepts, display, when, _now(q), distance(doc))
        for doc, rel in ranked
    ]
    return SearchResult(
        query=q.text,
        results=results,
        place=place,
        categories=understood,
        time=None if when is None else when.label,
        notes=notes,
        more=more,
    )


# -- understanding the query


def _concepts(index: Index, text: str) -> tuple[list[_Concept], list[str], Counter[str], list[str]]:
    notes: list[str] = []
    langs: Counter[str] = Counter()
    # Function words are checked as typed: 'thé' is tea, 'the' nothing (see text.py).
    seq = [w for w in content_words(text) if w not in TIME_WORDS]
    stems = [stem(w) for w in seq]
    vocab = index.vocab_set
    phrase_terms = index.phrase_terms
    for i, (w, t) in enumerate(zip(seq, stems, strict=True)):
        if t in vocab or len(t) < 4 or _has_prefix(index, t):
            continue
        fixed = _correct(index, t, phrase_terms)
        if fixed:
            stems[i] = fixed
            notes.append(f"read {w!r} as {index.surface.get(fixed, fixed)!r}")
        else:
            notes.append(f"no business mentions {w!r}")
    concepts = [_Concept(w, []) for w in seq]
    for i, (w, t) in enumerate(zip(seq, stems, strict=True)):
        how = "typo" if stem(w) != t else "word"
        concepts[i].expansions.append((t, TYPO_FACTOR if how == "typo" else 1.0, how))
        if len(t) >= PREFIX_MIN:
            for longer in _prefixed(index, t):
                concepts[i].expansions.append((longer, PREFIX_FACTOR, "prefix"))
    # Taxonomy phrases (longest first) give the words they cover a category.
    single = index.single_phrases
    understood: set[str] = set()
    for size in (4, 3, 2, 1):
        for i in range(len(stems) - size + 1):
            key = tuple(stems[i : i + size])
            hits = list(index.phrase_map.get(key, ()))
            fuzzy = ""
            if not hits and size == 1 and (len(key[0]) >= 7 or key[0] not in vocab):
                # 'bicicletas' (es) is one letter from the Italian synonym 'bicicletta'.
                near = sorted(edits1(key[0]) & single.keys())
                hits = [h for t in near for h in single[t]]
                fuzzy = "close to "
            for cat, kind, lang, label in hits:
                if lang and not fuzzy:
                    langs[lang] += 1
                info = index.category_info[index.cat_ids[cat]]
                how = f"{fuzzy}{kind} {label!r}" + (f" ({lang})" if lang else "")
                understood.add(info["id"])
                for c in concepts[i : i + size]:
                    if info.get("parent") is None:
                        for child in index.children.get(info["id"], ()):
                            k = index.cat_ids.index(child)
                            c.cats.setdefault(
                                k, (-1.0, f"{how}, in {category_label(index, info['id'])}")
                            )
                    else:
                        c.cats[cat] = (1.0, how)
    for c in concepts:
        _score(index, c)
    found = [c for c in concepts if c.docs]
    return found, notes, langs, sorted(understood)


def _tiers(
    index: Index, concepts: list[_Concept], eligible: int
) -> Iterator[tuple[bool, Iterator[tuple[float, int]]]]:
    """Per number of query words matched, most first: (whether businesses matching fewer
    remain, the groups of documents with one score before distance, best first).

    A business matching more of the query's words always ranks first, so a
    tier is asked for only when the ones above leave the list short.
    """
    if not concepts:
        # Nothing asked but a place or a category: every eligible business scores 1.
        yield False, iter([(1.0, eligible)])
        return
    total_idf = sum(c.idf for c in concepts) or 1.0
    norm = MAX_SCORE * total_idf
    anywhere = bitset.union(c.docs for c in concepts) & eligible
    taken = 0
    for j in range(len(concepts), 0, -1):
        subsets: list[tuple[tuple[int, ...], int]] = []
        for chosen in combinations(range(len(concepts)), j):
            # The documents that match exactly the concepts chosen.
            x = eligible
            for i, c in enumerate(concepts):
                x = x & c.docs if i in chosen else x ^ (x & c.docs)
                if not x:
                    break
            if x:
                subsets.append((chosen, x))
                taken |= x
        if subsets:
            rest = anywhere ^ (anywhere & taken)
            yield bool(rest), _groups(concepts, subsets, norm, total_idf)


def _groups(
    concepts: list[_Concept],
    subsets: list[tuple[tuple[int, ...], int]],
    norm: float,
    total_idf: float,
) -> Iterator[tuple[float, int]]:
    """(score, documents) of one tier, best first: every combination of the concepts' levels.

    Combinations come off a heap by score; each one's successors lower one level
    a step (a level at or after the last one lowered, so each comes once). Most
    combinations are empty and cost one ``&``; only those that can still reach
    the short list are ever made.
    """
    tables = []
    for chosen, x in subsets:
        levels = [[(v, d & x) for v, d in concepts[i].levels if d & x] for i in chosen]
        covered = sum(c.idf for i, c in enumerate(concepts) if i in chosen)
        tables.append((chosen, levels, (covered / total_idf) ** 2))

    def score(t: int, at: tuple[int, ...]) -> float:
        chosen, levels, coverage = tables[t]
        value = {i: levels[p][k][0] for p, (i, k) in enumerate(zip(chosen, at, strict=True))}
        # The same sum, in the same order, as one document's score was always computed.
        return sum(c.idf * value.get(i, 0.0) for i, c in enumerate(concepts)) / norm * coverage

    heap = []
    for t, (chosen, *_) in enumerate(tables):
        top = (0,) * len(chosen)
        heap.append((-score(t, top), t, top, 0))
    heapq.heapify(heap)
    while heap:
        neg, t, at, last = heapq.heappop(heap)
        levels = tables[t][1]
        for p in range(last, len(at)):
            if at[p] + 1 < len(levels[p]):
                nxt = (*at[:p], at[p] + 1, *at[p + 1 :])
                heapq.heappush(heap, (-score(t, nxt), t, nxt, p))
        docs = levels[0][at[0]][1]
        for p in range(1, len(at)):
            docs &= levels[p][at[p]][1]
            if not docs:
                break
        if docs:
            yield -neg, docs


class _Rings:
    """The index's grid cells around a place, nearest first, in batches of some RING_DOCS
    businesses: (how near a batch's businesses can be at best, in km, their bit set).

    Made as far as asked for, and kept for the next group of the same search.
    """

    def __init__(self, index: Index, place: Place) -> None:
        cells = []
        for ilat, ilon, a, b in index.cells:
            south, west = ilat * CELL_DEGREES, ilon * CELL_DEGREES
            # The cell's point nearest to the place, give or take the curvature within a
            # cell (a hundredth of a degree): hence 1% off, so no business is nearer than said.
            lat = min(max(place.lat, south), south + CELL_DEGREES)
            lon = min(max(place.lon, west), west + CELL_DEGREES)
            cells.append((0.99 * distance_km(place.lat, place.lon, lat, lon), a, b))
        cells.sort()
        self._cells = iter(cells)
        self._index = index
        self._made: list[tuple[float, int]] = []

    def __iter__(self) -> Iterator[tuple[float, int]]:
        yield from self._made
        index = self._index
        batch: list[int] = []
        first = 0.0
        for near, a, b in self._cells:
            if not batch:
                first = near
            batch += index.docs[a:b]
            if len(batch) >= RING_DOCS:
                self._made.append((first, bitset.from_docs(batch, index.nbytes)))
                batch = []
                yield self._made[-1]
        if batch:
            self._made.append((first, bitset.from_docs(batch, index.nbytes)))
            yield self._made[-1]


def _has_prefix(index: Index, term: str) -> bool:
    vocab = index.vocab
    i = bisect_left(vocab, term)
    return i < len(vocab) and vocab[i].startswith(term)


def _prefixed(index: Index, term: str) -> list[str]:
    vocab = index.vocab
    out: list[str] = []
    i = bisect_left(vocab, term)
    while i < len(vocab) and vocab[i].startswith(term) and len(out) < PREFIX_MAX:
        if vocab[i] != term:
            out.append(vocab[i])
        i += 1
    return out


def _correct(index: Index, term: str, phrase_terms: frozenset[str]) -> str | None:
    """The known term one edit away, preferring taxonomy words, then the most common."""
    close = edits1(term) & index.vocab_set
    if not close:
        return None
    return max(close, key=lambda t: (t in phrase_terms, index.df(t), t))


def _score(index: Index, c: _Concept) -> None:
    """The concept's levels: per document, the best text match plus the best category match."""
    text: dict[float, int] = {}
    for term, factor, _how in c.expansions:
        for fld, docs in index.term_docsets(term):
            if FIELD_WEIGHT[fld]:
                w = FIELD_WEIGHT[fld] * factor
                text[w] = text.get(w, 0) | docs
    cats: dict[float, int] = {}
    for cat, (w, _how) in c.cats.items():
        primary, secondary = GROUP_WEIGHT if w < 0 else CATEGORY_WEIGHT
        p, s = index.category_docsets(cat)
        cats[primary] = cats.get(primary, 0) | p
        cats[secondary] = cats.get(secondary, 0) | s
    by_text, any_text = _best_only(text)
    by_cat, any_cat = _best_only(cats)
    scores: dict[float, int] = {}
    for t, tx in by_text:
        alone = tx ^ (tx & any_cat)
        if alone:
            scores[t] = scores.get(t, 0) | alone
        for w, cx in by_cat:
            both = tx & cx
            if both:
                scores[t + w] = scores.get(t + w, 0) | both
    for w, cx in by_cat:
        alone = cx ^ (cx & any_text)
        if alone:
            scores[w] = scores.get(w, 0) | alone
    c.levels = sorted(scores.items(), reverse=True)
    c.docs = any_text | any_cat
    found = c.docs.bit_count()
    c.idf = math.log(1.0 + index.n / (1 + found)) if found else 0.0


def _best_only(groups: dict[float, int]) -> tuple[list[tuple[float, int]], int]:
    """(weight, documents whose best weight it is) best first, and all the documents."""
    out = []
    seen = 0
    for w in sorted(groups, reverse=True):
        best = groups[w] ^ (groups[w] & seen)
        if best:
            out.append((w, best))
            seen |= best
    return out, seen


def _explain(index: Index, c: _Concept, doc: int) -> Match | None:
    best: tuple[float, Match] | None = None
    docs = index.docs
    for term, factor, how in c.expansions:
        for fld, a, b in index.segments(term):
            if not FIELD_WEIGHT[fld]:
                continue
            i = bisect_left(docs, doc, a, b)
            if i < b and docs[i] == doc:
                w = FIELD_WEIGHT[fld] * factor
                if best is None or w > best[0]:
                    via = {"word": "same word", "typo": "spelling corrected", "prefix": "prefix"}
                    best = (w, Match(c.word, index.surface.get(term, term), FIELDS[fld], via[how]))
    for cat, (w, how) in c.cats.items():
        pa, pb, sb = index.cat_post[cat]
        for weight, a, b in ((0, pa, pb), (1, pb, sb)):
            i = bisect_left(docs, doc, a, b)
            if i < b and docs[i] == doc:
                value = (GROUP_WEIGHT if w < 0 else CATEGORY_WEIGHT)[weight]
                if best is None or value > best[0]:
                    cid = index.cat_ids[cat]
                    what = "category" if weight == 0 else "secondary category"
                    best = (value, Match(c.word, category_label(index, cid), what, how))
    return None if best is None else best[1]


# -- filters


def resolve_place(index: Index, q: SearchQuery) -> Place | None:
    """The point to measure from: --lat/--lon, 'lat,lon', or a place the directory knows."""
    if (q.lat is None) != (q.lon is None):
        raise QuartierError("give both --lat and --lon, e.g. --lat 46.959 --lon 7.445")
    if q.lat is not None and q.lon is not None:
        return Place(f"{q.lat},{q.lon}", "coordinates", *_coords(q.lat, q.lon))
    if not q.near or not q.near.strip():
        return None
    parts = q.near.replace(";", ",").split(",")
    if len(parts) == 2:
        try:
            return Place(q.near, "coordinates", *_coords(float(parts[0]), float(parts[1])))
        except ValueError:
            pass
    found = index.places.find(q.near)
    if found is None:
        from .places import place_key

        doc = index.doc_of.get(q.near.strip())
        if doc is None:
            doc = index.name_of.get(place_key(q.near))
        if doc is not None and not index.is_closed(doc):
            return Place(index.names[doc], "business", index.lat[doc], index.lon[doc])
        guess = did_you_mean(q.near.strip().lower(), index.places.places)
        raise QuartierError(
            f"unknown place {q.near!r}"
            + (f"; {guess}" if guess else "")
            + ": use a locality, postal code, quarter, street or business id the directory "
            "knows, or 'lat,lon'"
        )
    return Place(found.label, found.kind, found.lat, found.lon)


def _coords(lat: float, lon: float) -> tuple[float, float]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QuartierError(f"{lat},{lon} is not a WGS84 point: latitude first, e.g. 46.959,7.445")
    return lat, lon


def _category_filter(index: Index, category: str | None) -> set[int] | None:
    if not category:
        return None
    cid = resolve_category(index, category)
    ids = [cid, *index.children.get(cid, ())]
    return {index.cat_ids.index(i) for i in ids}


def resolve_category(index: Index, category: str) -> str:
    """A category id from an id or a label/synonym in any language; a 'did you mean' if not."""
    wanted = category.strip()
    if wanted in index.category_info:
        return wanted
    key = phrase_key(wanted)
    hits = {index.cat_ids[cat] for cat, *_ in index.phrase_map.get(key, ())}
    if len(hits) == 1:
        return hits.pop()
    guess = did_you_mean(wanted.lower().replace(" ", "_"), index.category_info)
    raise QuartierError(
        f"unknown category {category!r}"
        + (f"; {guess}" if guess else "")
        + " (list them with the list_categories tool or in schema/taxonomy.yaml)"
    )


def _language(index: Index, language: str | None) -> str | None:
    if not language:
        return None
    lang = language.strip().lower()
    if not lang.replace("-", "").isalpha() or not 2 <= len(lang) <= 8:
        raise QuartierError(f"{language!r} is not a language code: use e.g. de, fr, en, es")
    return lang


def _now(q: SearchQuery) -> hours_mod.When:
    """Now: the caller's clock if given (naive means local time at each business), else UTC."""
    if q.now is not None:
        return hours_mod.When(q.now, q.now.tzinfo is not None, "now")
    return hours_mod.When(datetime.now(UTC), True, "now")


def _when(q: SearchQuery) -> hours_mod.When | None:
    if q.open_now:
        return _now(q)
    if q.open_at:
        now = _now(q)
        # Weekdays count from the caller's day: today where they are, not in UTC.
        return hours_mod.parse_when(
            q.open_at, now.moment.astimezone().replace(tzinfo=None) if now.aware else now.moment
        )
    return None


def _moment(index: Index, doc: int, when: hours_mod.When) -> datetime:
    tz = index.timezone_of(doc)
    if tz is None:
        return when.moment.replace(tzinfo=None)
    return hours_mod.local_time(when, tz)


def _hours_state(index: Index, doc: int, when: hours_mod.When) -> hours_mod.HoursState:
    text = index.opening_hours_of(doc)
    return hours_mod.state(text, index.country_of(doc), _moment(index, doc, when))


# -- results


def _display_language(index: Index, langs: Counter[str]) -> str:
    expected = list(index.config.get("languages") or [index.default_language])
    if langs:
        best = max(langs.values())
        tops = [lg for lg, k in langs.items() if k == best]
        return next((lg for lg in expected if lg in tops), tops[0])
    return index.default_language


def _result(
    index: Index,
    doc: int,
    rel: float,
    concepts: list[_Concept],
    lang: str,
    when: hours_mod.When | None,
    now: hours_mod.When,
    dist: float | None,
) -> Result:
    rec = index.record(doc)
    e = rec["entry"]
    summary, summary_lang = pick_language(e.get("summary") or {}, lang, index.default_language)
    cats = index.categories_of(doc)
    address = (e.get("location") or {}).get("address") or {}
    moment_when = when or now
    st = _hours_state(index, doc, moment_when)
    moment = _moment(index, doc, moment_when)
    hours_text = hours_mod.describe(st, moment, moment_when.label)
    hours = Hours(
        "unknown" if st.open is None else "open" if st.open else "closed",
        st.until.isoformat(timespec="minutes") if st.until else None,
        hours_text,
        index.opening_hours_of(doc),
    )
    day = index.last_verified_of(doc)
    verified = day.isoformat() if day else ""
    age = (date.today() - day).days if day else -1
    matched = [m for c in concepts if (m := _explain(index, c, doc)) is not None]
    street = address.get("street")
    where = ", ".join(
        str(p)
        for p in (street, f"{address.get('postal_code', '')} {address.get('locality', '')}")
        if p and str(p).strip()
    ).strip()
    result = Result(
        id=index.ids[doc],
        name=index.names[doc],
        url=str(rec.get("url", "")),
        summary=summary,
        summary_language=summary_lang,
        category=cats[0] if cats else "",
        category_label=category_label(index, cats[0], lang) if cats else "",
        categories=cats,
        locality=str(address.get("locality", "")),
        address=where,
        status=index.status_of(doc),
        distance_km=None if dist is None else round(dist, 2),
        hours=hours,
        last_verified=verified,
        verified_days_ago=age,
        stale=age > index.stale_after_days,
        wheelchair=index.wheelchair_of(doc),
        languages=index.languages_of(doc),
        matched=matched,
        score=round(rel, 4),
        why="",
        origin=as_origins(rec.get("origin")),
    )
    return _with_why(result)


def _with_why(r: Result) -> Result:
    parts = [r.category_label]
    if r.distance_km is not None:
        parts.append(f"{r.distance_km:.1f} km away")
    parts.append(r.hours.text)
    if r.matched:
        said = "; ".join(
            f"'{m.word}' -> {m.field} '{m.matched}'"
            + (f" ({m.via})" if m.via not in ("same word",) else "")
            for m in r.matched
        )
        parts.append(f"matches {said}")
    if r.status != "open":
        parts.append(r.status.replace("_", " "))
    parts.append(
        f"verified {r.last_verified}" + (" (may be out of date)" if r.stale else "")
        if r.last_verified
        else "never verified"
    )
    if r.origin:
        parts.append(f"listed by {r.origin[0].directory}")
    return replace(r, why=f"{r.name}: " + ", ".join(parts))
