"""Short lists: a few fitting local businesses for a question, each with its reasons.

The question may be in any of the directory's languages and the entries in
another: every query word is looked up as typed (folded and stemmed), as a
prefix of longer words (German compounds: ``Velo`` -> ``Velowerkstatt``),
corrected when it is a typo of a known word (``bicyle``), and through the
taxonomy, whose labels and synonyms in every language map ``Velo``, ``vélo``
and ``bike repair`` to the category ``bicycle_repair``.

Ranking is deliberately simple and explainable:

1. businesses matching more of the query's words come first (near a place, see
   below, only as long as they are not much farther);
2. then by how well they match (a word in the name or the category counts
   more than one deep in the description), weighted by how rare the word is,
   and by distance when a place is given;
3. equally good results are ordered by a hash of (query, id): stable for one
   query, different for the next, never alphabetical, so no business wins
   every tie. There are no popularity or paid signals at all.

Near a place, distance weighs in a business's score (a business across town
does not outrank a fitting one next door by one more matched word: a match of
fewer of the words counts less, by the share of the query's weight they carry,
and distance divides the score by ``1 + km / PROXIMITY_KM``), and only businesses
within a radius are listed: the radius given, else one from the place's size
(:func:`default_radius`). When nothing within that default fits nearly as well
as the question's best match elsewhere (FITTING_SHARE), the search looks once
over the area around the place, never further, and says so.

The question's own words may imply filters ("rollstuhlgängig", "open on
Sunday", "se habla español", "ohne Musik", "near me", see :mod:`.question`):
each is applied as its option would be, and said in ``filters``; an explicit
option wins over the words, with a note. So is a place the question names
("bakery in Marly", "tacos cerca de Fruitvale", "Rockridge bakery", see
:mod:`.asked_place`): the place when no near or lat/lon is given. A short list
says it is short ("only 2 fitting businesses within 3 km of Lorraine") rather
than being padded.

Permanently closed businesses never appear; temporarily closed ones only when
asked for. A closed business the question asks for by name is not silently
missing: a note says it is closed (see :mod:`.closed_named`). Each result says
what matched, how far it is, whether it is open at the time asked, and when a
person last verified it.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from difflib import SequenceMatcher
from itertools import chain, combinations
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
from .asked_place import SaidPlace, business_place, place_in_question, place_phrase
from .closed_named import closed_notes
from .described import Described, OwnerWritten
from .layout import CELL_DEGREES
from .origin import Origin, as_origins
from .places import distance_km
from .question import (
    NEGATED,
    OpenAt,
    Question,
    Without,
    negation_after_words,
    negation_words,
    read_question,
    topics,
)
from .reader import Index, guarded
from .text import content_words, edits1, phrase_key, stem, words
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
# Near a place given without a radius, when no business within the place's reach is at least
# this share as relevant (before distance) as the question's best match anywhere, the search
# looks once over the area around the place (a farther, better fit then competes with the
# near ones, distance weighing in): one matching one of two equally weighted words scores at
# most an eighth of one matching both, and one matching a word only deep in its description
# (2 of 15) is no fit next to one named by it.
FITTING_SHARE = 0.5
# A group of more businesses than this, near a place, is read ring by ring of the index's
# grid cells, the nearest first (each ring of about RING_DOCS businesses).
RING_MIN_DOCS = 2000
RING_DOCS = 500
# An empty list near a place names the nearest fitting business up to this far, in a note.
NEAREST_KM = 100.0
# Whether a list cut short by the ranking's bounds really left someone out is checked on at
# most this many businesses below it (each a filter and a distance); past that: assumed.
MORE_CHECK_DOCS = 2000
# The radius of a search near a place given without one (see default_radius): a point, a
# business, a street or a quarter reach NEAR_KM; a locality or postal code its spread and
# NEAR_KM/3 more, at most FAR_KM; an area the circle around its bounding box.
NEAR_KM = 3.0
FAR_KM = 30.0
# "Open on Sunday" means open some time between this hour on Sunday and the next day's.
DAY_STARTS = 5
# Fields whose words count as a business saying something (what it seeks does not).
_SAID_FIELDS = tuple(i for i, w in enumerate(FIELD_WEIGHT) if w)


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
    # Notes name the command line's options ("add --include-closed"), else the MCP tool's
    # ("pass include_temporarily_closed").
    cli: bool = False


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
    comes_to_you: Annotated[
        bool,
        Described(
            "True when the place searched near is within the area the business travels to "
            "(its service area): it comes to the customer; distance_km is from its workshop."
        ),
    ] = False


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
    notes: Annotated[
        list[str],
        Described(
            "Typos corrected, words no business mentions, a short list said "
            "to be short ('only 2 fitting businesses within 3 km of Lorraine'), words that "
            "looked like a filter but were not understood, ..."
        ),
    ] = field(default_factory=list)
    filters: Annotated[
        list[str],
        Described(
            "Filters the question's own words implied, each applied and with the words that "
            "said it, e.g. \"wheelchair accessible (from 'rollstuhlgängig')\"."
        ),
    ] = field(default_factory=list)
    radius_km: Annotated[
        float | None,
        Described(
            "Only businesses this close to `place` are listed: the radius given, else one "
            "from the place's size. None without a place."
        ),
    ] = None
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
    languages = _question_languages(index)
    said_place = place_in_question(index, q.text, languages)
    question = read_question(
        q.text if said_place is None else said_place.text,
        languages,
        lambda terms: bool(_negated_docs(index, terms)),
    )
    phrase = place_phrase(index, question.text, languages)
    if phrase is not None and phrase.business is not None:
        # "near Velowerk Lorraine": a business as the place, as --near takes one.
        question = replace(question, text=phrase.text)
        if said_place is None:
            said_place = SaidPlace(business_place(index, phrase.business), phrase.words, "", False)
    elif phrase is not None:
        question = replace(question, text=phrase.text, unread=(*question.unread, phrase.words))
    if place is None and said_place is not None:
        known = said_place.place
        place = Place(known.label, known.kind, known.lat, known.lon)
    if q.radius_km is not None and place is None:
        raise QuartierError("a radius needs a place: add --near PLACE or --lat and --lon")
    allowed = _category_filter(index, q.category)
    implied = _Implied(index, q, question, place, said_place)
    # Closed businesses asked for by name (not one named as the place: "near Tidepool Records").
    named = q.text if said_place is None else q.text.replace(said_place.words, " ")
    closed = closed_notes(index, named, question.text, q.include_temporarily_closed, q.cli)
    language = _language(index, q.language)
    concepts, notes, langs, understood = _concepts(index, question.text)
    notes = closed + implied.notes + notes
    asked = content_words(question.text)
    if not concepts and place is None and allowed is None and not asked and not implied.filters:
        raise QuartierError(
            "say what to look for (e.g. 'bike repair') or narrow by --near, --category"
        )
    when = implied.when
    radius = implied.radius
    if asked and not concepts:
        # Nothing the directory knows was asked for: an empty list, said plainly, is more
        # honest than businesses that happen to pass the filters.
        return SearchResult(
            q.text,
            [],
            place,
            understood,
            implied.time_label,
            notes or [f"no business mentions {question.text!r}"],
            filters=implied.filters,
            radius_km=radius,
        )

    # Filters that whole sets answer: status, category, language, wheelchair access, and the
    # categories a negated word names.
    statuses = ("open", "temporarily_closed") if q.include_temporarily_closed else ("open",)
    eligible = index.with_status(*statuses)
    if allowed is not None:
        eligible &= bitset.union(p | s for p, s in map(index.category_docsets, allowed))
    if implied.languages:
        eligible &= bitset.union(map(index.speaking, implied.languages))
    if implied.wheelchair:
        eligible &= index.with_wheelchair("yes")
    eligible ^= eligible & implied.left_out
    if said_place is not None and said_place.bare:
        # "Rockridge bakery": Rockridge ranks the bakeries that name it first, but a business
        # that only names Rockridge is no answer.
        mine = {stem(w) for w in content_words(said_place.words)}
        others = [c.docs for c in concepts if stem(c.word) not in mine]
        if others and len(others) < len(concepts):
            eligible &= bitset.union(others)

    dist: dict[int, float] = {}

    def km(doc: int) -> float:
        assert place is not None
        d = dist.get(doc)
        if d is None:
            d = dist[doc] = distance_km(place.lat, place.lon, index.lat[doc], index.lon[doc])
        return d

    def distance(doc: int) -> float | None:
        return None if place is None else km(doc)

    # A trade that travels (its service area) reaches a place within its reach wherever its
    # workshop is: it passes any radius, and ranks as if next door (it comes to you).
    reach, travellers = index.reach, index.travellers if place is not None else 0

    def comes(doc: int) -> bool:
        return reach[doc] > 0 and km(doc) <= reach[doc]

    def away(doc: int) -> float:
        return 0.0 if comes(doc) else km(doc)

    # Filters asked one business at a time, only of those that could make the list.
    hours_seen: dict[tuple[int, int, int], bool] = {}

    def open_ok(doc: int) -> bool:
        if when is None:
            return True
        # Businesses with the same hours, country and area are open or closed together.
        key = (index.hours[doc], index.country[doc], index.area[doc])
        found = hours_seen.get(key)
        if found is None:
            if implied.whole_day:
                found = _open_that_day(index, doc, when)
            else:
                found = _hours_state(index, doc, when).open is True
            hours_seen[key] = found
        return found

    mentions = implied.mentions(eligible)

    def passes(doc: int) -> bool:
        return (
            (radius is None or km(doc) <= radius or comes(doc))
            and open_ok(doc)
            and not (doc in mentions and implied.says_it(doc))
        )

    qkey = " ".join(sorted(w for c in concepts for w in [c.word])) or q.text.strip().lower()
    tie_salt = f"{qkey}|{q.near or ''}|{q.category or ''}".encode()

    salted, blake2b = tie_salt + b"\0", hashlib.blake2b

    def tie(eid: str) -> bytes:
        # fair_tie's hash; its big-endian bytes sort as its number does, without making one.
        return blake2b(salted + eid.encode(), digest_size=8).digest()

    asked_per_doc = place is not None or when is not None or bool(mentions)
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
                score *= 1.0 / (1.0 + away(doc) / PROXIMITY_KM)
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
    # Near a place, distance weighs in: a business matching fewer of the words but next door
    # may rank above one matching more across town, so the tiers share one list, and a tier is
    # read only while the best score its businesses could have can still make it.
    shared = place is not None
    best: float | None = None  # the best relevance any eligible business has, wherever it is
    kept: list[int] = []  # a min-heap of the best buckets met (in this tier, unless shared)
    found: list[tuple[int, bytes, int, float]] = []

    def left_out(groups: Any, rest: Any) -> bool:
        """Whether any business of ``groups`` or of the tiers ``rest`` passes the filters
        (the radius among them): only then did stopping early leave someone out."""
        budget = MORE_CHECK_DOCS
        for group in chain([groups], (g for _m, _f, g in rest)):
            for _rel, docs in group:
                if docs.bit_count() > budget:
                    return True
                budget -= docs.bit_count()
                if any(map(passes, bitset.docs_of(docs, index.nbytes))):
                    return True
        return False

    tiers = _tiers(index, concepts, eligible, shared)
    for matched, fewer_remain, groups in tiers:
        # Best group first; a group's documents share their score before distance, which
        # can only lower it: once the next group cannot reach the short list, stop.
        if shared:
            need = q.limit
            if len(kept) >= need and _bucket(_tier_bound(concepts, matched, True)) < kept[0]:
                more = more or left_out(groups, tiers)
                break
        else:
            need = q.limit - len(ranked)
            kept, found = [], []

        for rel, docs in groups:
            best = rel if best is None else best
            bound = round(math.log(rel) * 12) if rel > 0 else -(10**6)
            if len(kept) >= need and bound < kept[0]:
                # The list is full and this group and all below it score lower: the list
                # ends here (so the outer loop does too, and may read the rest of `tiers`).
                more = more or left_out(chain([(rel, docs)], groups), tiers)
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
                    left &= travellers  # the rest is beyond the radius, but for those
                    break
                best_here = rel * (1.0 / (1.0 + near / PROXIMITY_KM))
                if len(kept) >= need and round(math.log(best_here) * 12) < kept[0]:
                    break
                here = left & ring
                if here:
                    left ^= here
                    more = take(bitset.docs_of(here, index.nbytes), rel, need, kept, found) or more
            # Trades that travel rank as if next door, wherever their workshop is.
            coming = left & travellers
            if coming:
                left ^= coming
                more = take(bitset.docs_of(coming, index.nbytes), rel, need, kept, found) or more
            more = more or bool(left)
        if shared:
            continue
        found.sort()
        ranked += [(doc, score) for _b, _t, doc, score in found[:need]]
        if len(ranked) >= q.limit:
            more = more or len(found) > need or fewer_remain
            break
    if shared:
        found.sort()
        ranked = [(doc, score) for _b, _t, doc, score in found[: q.limit]]
        more = more or len(found) > q.limit
    display = language or implied.display_language or _display_language(index, langs)
    results = [
        _result(
            index,
            doc,
            rel,
            concepts,
            display,
            when,
            _now(q),
            distance(doc),
            implied.whole_day,
            place is not None and comes(doc),
        )
        for doc, rel in ranked
    ]
    if (
        place is not None
        and q.radius_km is None
        and _best_before_distance(ranked, away) < FITTING_SHARE * (best or 0)
    ):
        # Nothing that fits nearly as well as the question's best match within the place's
        # own reach: look once over the area around it (its bounding box from this point),
        # never further, and say so, when that finds a better fit.
        wider = _area_radius(index, place)
        if wider is not None and radius is not None and wider > radius:
            widened = search(index, replace(q, radius_km=wider))
            if {r.id for r in widened.results} - {ids[d] for d, _ in ranked}:
                widened.notes.insert(0, f"nothing fitting within {radius:g} km of {place.name}")
                return widened
    if len(results) < q.limit:
        notes.append(implied.short_note(len(results)))
    if not results and place is not None and q.radius_km is None and radius is not None:
        # An empty list near a place: the nearest fitting business a short drive away, as a
        # note (never as a result: it is beyond the reach the place was given).
        further = search(index, replace(q, radius_km=NEAREST_KM, limit=1)).results
        if further:
            r = further[0]
            notes.append(
                f"nearest fitting beyond {radius:g} km: {r.name} ({r.id}), "
                f"{r.distance_km:.0f} km away in {r.locality}"
            )
    return SearchResult(
        query=q.text,
        results=results,
        place=place,
        categories=understood,
        time=implied.time_label,
        notes=notes,
        more=more,
        filters=implied.filters,
        radius_km=radius,
    )


def _best_before_distance(ranked: list[tuple[int, float]], km: Callable[[int], float]) -> float:
    """The best relevance in a list near a place, its distance's weight taken out."""
    return max((score * (1 + km(doc) / PROXIMITY_KM) for doc, score in ranked), default=0.0)


def _bucket(score: float) -> int:
    """The score's bucket: scores within about 8% of each other rank as equals."""
    return round(math.log(score) * 12) if score > 0 else -(10**6)


def _tier_bound(concepts: list[_Concept], matched: int, near: bool = False) -> float:
    """The best score a business matching ``matched`` of the concepts can have.

    A score is the matched concepts' share of the query's weight (idf) times their
    best matches (at most MAX_SCORE each), times that share squared away from a place,
    once near one (see _groups): at most the share of the ``matched`` weightiest
    concepts, cubed (near a place, squared).
    """
    if not concepts or matched <= 0:
        return 1.0
    idfs = sorted((c.idf for c in concepts), reverse=True)
    total = sum(idfs) or 1.0
    return float((sum(idfs[:matched]) / total) ** (2 if near else 3))


# -- understanding the query


def _concepts(index: Index, text: str) -> tuple[list[_Concept], list[str], Counter[str], list[str]]:
    notes: list[str] = []
    langs: Counter[str] = Counter()
    # Function words are checked as typed: 'thé' is tea, 'the' nothing (see text.py).
    seq = content_words(text)
    stems = [stem(w) for w in seq]
    vocab = index.vocab_set
    phrase_terms = index.phrase_terms
    for i, (w, t) in enumerate(zip(seq, stems, strict=True)):
        if t in vocab or len(t) < 4 or _has_prefix(index, t):
            continue
        fixed = _correct(index, t, phrase_terms, w)
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
    index: Index, concepts: list[_Concept], eligible: int, near: bool = False
) -> Iterator[tuple[int, bool, Iterator[tuple[float, int]]]]:
    """Per number of query words matched, most first: (that number, whether businesses
    matching fewer remain, the groups of documents with one score before distance, best
    first).

    Away from a place, a business matching more of the query's words always ranks
    first, so a tier is asked for only when the ones above leave the list short.
    ``near``: scores for a search near a place, where distance weighs in (see _groups).
    """
    if not concepts:
        # Nothing asked but a place, a category or a filter: every eligible business scores 1.
        yield 0, False, iter([(1.0, eligible)])
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
            yield j, bool(rest), _groups(concepts, subsets, norm, total_idf, 1 if near else 2)


def _groups(
    concepts: list[_Concept],
    subsets: list[tuple[tuple[int, ...], int]],
    norm: float,
    total_idf: float,
    power: int = 2,
) -> Iterator[tuple[float, int]]:
    """(score, documents) of one tier, best first: every combination of the concepts' levels.

    A document's score is the idf-weighted sum of its concepts' best matches, over
    the most any document could score, times the matched concepts' share of the
    query's weight to ``power``: squared away from a place, so matching more words
    comes first; once near a place, where a business matching one word fewer but next
    door should outrank one across town (distance divides the score by
    ``1 + km / PROXIMITY_KM``): matching one of two equally weighted words counts a
    quarter there, not an eighth, so next door wins from about 6 km on.

    Combinations come off a heap by score; each one's successors lower one level
    a step (a level at or after the last one lowered, so each comes once). Most
    combinations are empty and cost one ``&``; only those that can still reach
    the short list are ever made.
    """
    tables = []
    for chosen, x in subsets:
        levels = [[(v, d & x) for v, d in concepts[i].levels if d & x] for i in chosen]
        covered = sum(c.idf for i, c in enumerate(concepts) if i in chosen)
        tables.append((chosen, levels, (covered / total_idf) ** power))

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


def _correct(index: Index, term: str, phrase_terms: frozenset[str], typed: str = "") -> str | None:
    """The known term one edit away, preferring taxonomy words, then the one whose word is
    most like the word typed (the stem 'catr' of 'catring' is one edit from both 'car' and
    'cater': 'catering' is the closer word), then the most common."""
    close = edits1(term) & index.vocab_set
    if not close:
        return None
    surface = index.surface

    def alike(t: str) -> float:
        return SequenceMatcher(None, typed, surface.get(t, t)).ratio() if typed else 0.0

    return max(close, key=lambda t: (t in phrase_terms, round(alike(t), 1), index.df(t), t))


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


def _question_languages(index: Index) -> list[str]:
    """The languages a question is read in: the directory's and its areas', and English."""
    tags = [*(index.config.get("languages") or ()), "en"]
    for area in index.areas:
        tags += area.get("languages") or ()
    return [str(t) for t in tags]


class _Implied:
    """The filters of a search: its options, and what the question's words imply.

    An option given explicitly wins over the words, with a note. Each filter the words
    implied is said in ``filters``; what looked like a filter but could not be read is
    said in ``notes``.
    """

    def __init__(
        self,
        index: Index,
        q: SearchQuery,
        question: Question,
        place: Place | None,
        said_place: SaidPlace | None = None,
    ):
        self.index = index
        self.place = place
        self.notes: list[str] = []
        self.filters: list[str] = []
        said = question
        # Wheelchair access.
        self.wheelchair = q.wheelchair or said.wheelchair is not None
        if said.wheelchair and not q.wheelchair:
            self.filters.append(f"wheelchair accessible (from {said.wheelchair!r})")
        # Languages spoken.
        explicit = _language(index, q.language)
        codes = [s.code for s in said.languages]
        self.display_language = codes[0] if codes else None
        self.languages = [explicit] if explicit else codes
        if said.languages:
            words = ", ".join(repr(s.words) for s in said.languages)
            if explicit and explicit not in codes:
                self.notes.append(
                    f"the question says {words}; the language given ({explicit}) is used"
                )
            elif not explicit:
                self.filters.append(f"speaks {' or '.join(codes)} (from {words})")
        # Opening time.
        self.whole_day = False
        self.when = _when(q)
        if said.open_at is not None:
            if self.when is not None:
                given = "open now" if q.open_now else f"open at {q.open_at!r}"
                self.notes.append(f"the question says {said.open_at.words!r}; {given} is used")
            else:
                self.when, self.whole_day = _when_said(q, said.open_at)
                self.filters.append(f"open {self.time_label} (from {said.open_at.words!r})")
        # Place.
        self.radius = None if place is None else q.radius_km or default_radius(index, place)
        if said_place is not None:
            given = q.near or f"{q.lat},{q.lon}"
            if q.near or q.lat is not None:
                self.notes.append(f"the question says {said_place.words!r}; near {given!r} is used")
            else:
                self.filters.append(f"place: {said_place.place.label} (from {said_place.words!r})")
        if place is None and said.near:
            self.notes.append(
                f"{said.near!r}: no place was given, so distance is not checked "
                "(give near, e.g. --near PLACE, or lat and lon)"
            )
        # Negations.
        self.without = said.without
        self.left_out = 0
        offered = 0  # businesses that say they are without what an offered negation names
        self.terms: set[str] = set()
        for w in said.without:
            cats, terms = _negated(index, w)
            offer = _negated_docs(index, w.terms) if w.offered else 0
            offered |= offer
            for cat in cats:
                p, s = index.category_docsets(cat)
                self.left_out |= (p | s) & ~offer
            if not w.implied:  # "somewhere quiet" leaves out music venues, not every mention
                self.terms |= terms
            what = f"without {w.topic}" if w.topic else f"without what {w.words!r} names"
            what = f"{what} (from {w.words!r})" if w.topic else what
            if w.offered:  # "gelato senza latte": those that say so are kept, and rank first
                what = (
                    f"{what}, as businesses say it"
                    if w.topic
                    else f"{w.words!r}, as businesses say it"
                )
            self.filters.append(what)
        for words in said.free_from:
            self.notes.append(f"{words!r} read as what a business offers, not as 'without'")
        for words in said.unread:
            self.notes.append(f"not understood: {words!r}; not applied")
        self._said: dict[int, bool] = {}
        self.offered = frozenset(bitset.docs_of(offered, index.nbytes)) if offered else frozenset()

    @property
    def time_label(self) -> str | None:
        if self.when is None:
            return None
        return f"on {self.when.label} (any time)" if self.whole_day else self.when.label

    def mentions(self, eligible: int) -> frozenset[int]:
        """Eligible businesses whose own words name a negated topic (checked one by one)."""
        index, found = self.index, 0
        for term in self.terms:
            for fld, docs in index.term_docsets(term):
                if fld in _SAID_FIELDS:
                    found |= docs
        return frozenset(bitset.docs_of(found & eligible, index.nbytes)) if found else frozenset()

    def says_it(self, doc: int) -> bool:
        """Whether business ``doc``'s text names a negated topic other than after a negation
        ("live music", not "no music"); read from its record, only for a business that could
        make the list."""
        known = self._said.get(doc)
        if known is None:
            known = self._said[doc] = doc not in self.offered and _says(
                self.index.record(doc)["entry"], self.terms
            )
        return known

    def short_note(self, n: int) -> str:
        """'only 2 fitting businesses within 3 km of Lorraine', or why there is none."""
        where = "" if self.place is None else f" within {self.radius:g} km of {self.place.name}"
        if n:
            return f"only {n} fitting business{'es' if n > 1 else ''}{where}"
        asked = list(self.filters)
        if self.when is not None and not any(f.startswith("open ") for f in asked):
            asked.append(f"open {self.time_label}")
        if self.wheelchair and not any(f.startswith("wheelchair") for f in asked):
            asked.append("wheelchair accessible")
        extra = f" ({'; '.join(asked)})" if asked else ""
        return f"no fitting business{where}{extra}"


def _when_said(q: SearchQuery, said: OpenAt) -> tuple[hours_mod.When, bool]:
    """The moment an implied time means, and whether it is a whole day ("open on Sunday")."""
    now = _now(q)
    if said.now:
        return now, False
    base = now.moment.astimezone().replace(tzinfo=None) if now.aware else now.moment
    day = base.date()
    if said.weekday is not None:
        day = day + timedelta(days=(said.weekday - day.weekday()) % 7)
    elif said.offset:
        day = day + timedelta(days=said.offset)
    if said.hour is None:
        start = datetime(day.year, day.month, day.day, DAY_STARTS)
        return hours_mod.When(start, False, start.strftime("%A")), True
    moment = datetime(day.year, day.month, day.day, said.hour, said.minute)
    if said.before:
        moment -= timedelta(minutes=1)
    return hours_mod.When(moment, False, moment.strftime("%A %H:%M")), False


def _open_that_day(index: Index, doc: int, when: hours_mod.When) -> bool:
    """Whether business ``doc`` is open at some time on the day of ``when`` (its DAY_STARTS:
    a bar open until 02:00 on Sunday morning is open on Saturday night, not on Sunday)."""
    st = _hours_state(index, doc, when)
    if st.open is True:
        return True
    return st.open is False and st.until is not None and st.until < when.moment + timedelta(days=1)


def _negated(index: Index, w: Without) -> tuple[set[int], set[str]]:
    """(categories, terms) a negated word leaves out: a topic's ("without music": music
    venues; texts naming music, concerts, Livemusik...), else the categories the taxonomy
    names by those words ("ohne Fleisch": butcher) and the words themselves."""
    cat_of = {cid: i for i, cid in enumerate(index.cat_ids)}
    topic = topics().get(w.topic or "")
    if topic is not None:
        cats = {cat_of[c] for c in topic.categories if c in cat_of}
        return cats, {stem(t) for t in topic.words}
    cats = {cat for cat, *_ in index.phrase_map.get(w.terms, ())}
    for t in w.terms:
        cats |= {cat for cat, *_ in index.phrase_map.get((t,), ())}
    leaves = {i for i in cats if index.category_info[index.cat_ids[i]].get("parent")}
    return leaves, set(w.terms)


def _negated_docs(index: Index, terms: Iterable[str]) -> int:
    """Businesses whose texts say they are without every one of ``terms`` ("gelati senza
    latte": the index's NEGATED term '~latt'), as a bit set; 0 if none."""
    found: int | None = None
    for t in terms:
        docs = bitset.union(d for _fld, d in index.term_docsets(NEGATED + t))
        found = docs if found is None else found & docs
        if not found:
            return 0
    return found or 0


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _says(entry: dict[str, Any], terms: set[str]) -> bool:
    """Whether the entry names one of ``terms`` not right after a negation word.

    'Livemusik jede Woche' names music; 'keine Musik', 'no background music',
    'ohne Musik' and 'meat-free' do not. A term the index found that its texts do not show (an
    attribute such as dogs_welcome) counts as named.
    """
    collab = entry.get("collaboration") or {}
    texts = [
        entry.get("name"),
        entry.get("summary"),
        entry.get("description"),
        entry.get("story"),
        entry.get("offerings"),
        [p.get("text") for p in collab.get("provides") or ()],
    ]
    negating, negating_after = negation_words(), negation_after_words()
    seen = False
    for text in _texts(texts):
        ws = words(text)
        for i, w in enumerate(ws):
            if stem(w) in terms or w in terms:
                seen = True
                after = ws[i + 1] if i + 1 < len(ws) else ""
                if not negating & set(ws[max(0, i - 2) : i]) and after not in negating_after:
                    return True
    return not seen


def default_radius(index: Index, place: Place) -> float:
    """How far a search near ``place`` reaches when no radius is given, in km (never unlimited).

    A point, a business, a street or a quarter: NEAR_KM, a walk or a short ride. A locality
    or a postal code: as far as its businesses spread (the outermost few left out) and
    NEAR_KM/3 more, between NEAR_KM and FAR_KM. An area: the circle around its bounding box.
    """
    from .places import place_key

    if place.kind == "area":
        key = place_key(place.name)
        for area in index.areas:
            if key in (place_key(str(area.get("id", ""))), place_key(str(area.get("name", "")))):
                west, south, east, north = area["bbox"]
                far = max(
                    distance_km(place.lat, place.lon, lat, lon)
                    for lat in (south, north)
                    for lon in (west, east)
                )
                return round(max(NEAR_KM, far), 1)
    if place.kind in ("locality", "postal_code"):
        known = index.places.find(place.name)
        spread = known.spread_km if known is not None else 0.0
        if spread <= 0 and place.kind == "locality":
            return FAR_KM / 3  # an index written before spreads were kept
        return round(min(FAR_KM, max(NEAR_KM, spread + NEAR_KM / 3)), 1)
    return NEAR_KM


def _area_radius(index: Index, place: Place) -> float | None:
    """The distance from ``place`` to the farthest corner of the area it lies in, or None."""
    for area in index.areas:
        west, south, east, north = area["bbox"]
        if south <= place.lat <= north and west <= place.lon <= east:
            return round(
                max(
                    distance_km(place.lat, place.lon, lat, lon)
                    for lat in (south, north)
                    for lon in (west, east)
                ),
                1,
            )
    return None


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
    whole_day: bool = False,
    comes_to_you: bool = False,
) -> Result:
    rec = index.record(doc)
    e = rec["entry"]
    summary, summary_lang = pick_language(e.get("summary") or {}, lang, index.default_language)
    cats = index.categories_of(doc)
    address = (e.get("location") or {}).get("address") or {}
    moment_when = when or now
    st = _hours_state(index, doc, moment_when)
    if whole_day and st.open is False and st.until is not None:
        # Open some time that day: say so at its opening time.
        opens = st.until
        moment_when = hours_mod.When(opens, False, opens.strftime("%A %H:%M"))
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
        comes_to_you=comes_to_you,
    )
    return _with_why(result)


def _with_why(r: Result) -> Result:
    parts = [r.category_label]
    if r.distance_km is not None:
        parts.append(f"{r.distance_km:.1f} km away" + (", comes to you" if r.comes_to_you else ""))
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
