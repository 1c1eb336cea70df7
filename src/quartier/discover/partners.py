"""Complementary partners: businesses whose offers answer another's needs, and the reverse.

A café that seeks "fresh bread before 7 a.m." and a bakery that provides
"wholesale bread delivered each morning" should find each other even when
one wrote German and the other English, or one said "Gipfeli" and the other
"pastries". Four kinds of evidence, each explained in words:

- **they provide what you seek**: a need's ``categories`` name the
  partner's category (or the category of something it provides), and the
  need's words overlap the partner's ``provides`` texts or offerings;
- **they seek what you provide**: the same, the other way round;
- **they offer to businesses like you**: a partner's ``provides`` text names
  your category ("wholesale cheese for bakeries, cafés and brunch buffets");
- **complementary categories**: the taxonomy says the two categories go
  together (``cafe`` complements ``bakery``).

Words are compared as stemmed terms plus the taxonomy categories their
phrases name (``Brot``, ``bread`` and ``pain`` all add ``cat:bakery``), each
weighted by rarity, so matching works across languages and trades without a
language model. Partners are in the same area or within OUTSIDE_AREA_KM (an area's
border is no reason not to work together: Lugano and Bellinzona are two areas 20 km
apart); nearer ones rank first among equally good ones. Permanently closed
businesses are never suggested; temporarily closed ones are, marked as such (a
partnership outlasts a renovation).

Example::

    found = partners(index, "kafi-zwischenhalt")
    found.partners[0].reasons[0].yours   # 'seeks: fresh bread and croissants ...'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Annotated, Any

from ..problems import QuartierError
from . import embed
from .answers import (
    category_label,
    check_limit,
    did_you_mean,
    fair_tie,
    pick_language,
    without_empty_origin,
)
from .described import Described, OwnerWritten
from .origin import Origin, as_origins
from .places import distance_km
from .reader import Index, guarded
from .text import stem, terms, word_list
from .vocabulary import (
    F_OFFERING,
    F_PROVIDES,
    F_SEEKS,
    concept_groups,
    concept_terms,
    leaf_phrases,
)

CATEGORY_HIT = 1.0
TEXT_HIT = 2.0
REVERSE_FACTOR = 0.9
OFFERS_TO_YOU = 0.5
COMPLEMENT = 0.3
SECONDARY_COMPLEMENT = 0.8  # complementary through a secondary category
OFFERING_FACTOR = 0.8
CONCEPT_FACTOR = 0.5  # a need whose taxonomy concept is met counts as half covered
NAMED_CATEGORY_HIT = 0.8  # a need's words name the partner's category (no categories given)
PROXIMITY_KM = 5.0
MAX_CANDIDATE_DF = 0.05  # words in more than 5% of businesses are too common to find partners by
OUTSIDE_AREA_KM = 50.0
MIN_CATEGORY_MATCH = 0.25  # a need whose categories match needs little more
MIN_TEXT_MATCH = 0.6  # a match on words alone must share a good part of the need
ONE_WORD_FACTOR = 0.5  # a need of several words that shares one with a text
# With embeddings: how many of each ranking are fused, and the fusion's constant, as
# benchmarks/eval_embeddings.py measured them (its `fuse`).
FUSED = 20
FUSION_K = 10
# Below this cosine a need and an offer are not near in meaning: on the outsiders' sets, 4 in
# 5 of the first five by meaning that were not expected partners were above 0.2, and 1 of 88
# expected ones below it. So a seeker with few lexical partners is not padded with strangers.
MIN_COSINE = 0.2
# Words every business uses about itself; sharing them says nothing about fit.
GENERIC = frozenset(
    stem(w)
    for w in word_list(
        """
        fresh frisch frais fresco every jede jeden chaque cada ogni week weekly woche
        wochentlich semaine semana settimana daily taglich day tag jour dia giorno local lokal
        regional region free gratis gratuit kostenlos shop shops laden boutique tienda negozio
        business businesses betrieb betriebe commerce commerces negocio negocios make made
        """
    )
)
# When, not what: 'jedes Jahr' and 'das ganze Jahr' say nothing about pianos and balconies, as
# 'vor sieben Uhr' names no watchmaker. Units of time, times of day and weekdays.
WHEN = frozenset(
    stem(w)
    for w in word_list(
        """
        year years yearly annual jahr jahre jahrlich annee annees annuel anno anni annuale ano
        anos anual month months monthly monat monate monatlich mois mensuel mese mesi mensile
        mes meses mensual hour hours stunde stunden uhr heure heures ora ore hora horas
        morning mornings morgen morgens matin matins mattina mattino manana mananas evening
        evenings abend abends soir soirs soiree sera serale tarde tardes night nights nacht
        nachte nuit nuits notte noche noches weekend weekends wochenende wochenenden
        monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch
        donnerstag freitag samstag sonntag mantig zischtig mittwuch donnschtig fritig samschtig
        sunntig lundi mardi mercredi jeudi vendredi samedi dimanche lunedi martedi mercoledi
        giovedi venerdi sabato domenica lunes martes miercoles jueves viernes sabado domingo
        """
    )
)


# The answers below are also the MCP server's output: quartier.assistant builds its models
# from them, and a field's description is what an assistant reads (see .described).


@dataclass(frozen=True)
class Reason:
    """Why two businesses fit: your side and theirs, in words."""

    kind: Annotated[
        str,
        Described(
            "they provide what you seek | they seek what you provide | "
            "they offer to businesses like you | complementary categories | "
            "similar in meaning (cosine c): found by sentence embeddings only, the need and "
            "the offer quoted"
        ),
    ]
    yours: Annotated[str, OwnerWritten("The asking business's side, e.g. 'seeks: ...'.")]
    theirs: Annotated[str, OwnerWritten("The partner's side, e.g. 'provides: ...'.")]


@dataclass(frozen=True)
class Partner:
    """A suggested partner with every reason found."""

    id: str
    name: Annotated[str, OwnerWritten("The partner's name.")]
    url: str
    category: str
    category_label: str
    status: str
    distance_km: float | None
    score: float
    reasons: list[Reason]
    why: Annotated[
        str,
        Described(
            "The strongest reason in one sentence; the names and the quoted sides are "
            "the businesses' own words."
        ),
    ]
    origin: list[Origin] | None = None  # a member's business: where it comes from (.origin)


@dataclass
class PartnersResult:
    """Complementary businesses for one business, best and nearest first."""

    id: str
    name: Annotated[str, OwnerWritten("The asking business's name.")]
    partners: list[Partner]
    notes: list[str] = field(default_factory=list)
    origin: list[Origin] | None = None  # of the business asked about, when a member's

    def as_dict(self) -> dict[str, Any]:
        """As JSON-ready data; no ``origin`` key for a local business."""
        data = without_empty_origin(asdict(self), "partners")
        if data["origin"] is None:
            del data["origin"]
        return data


@dataclass
class _Need:
    """A need or an offer: its shown text, its terms, the categories its owner listed, and
    for an offer, whom its words say it is for ('bread for cafés and restaurants')."""

    text: str
    terms: set[str]
    categories: set[str]
    recipients: set[str] = field(default_factory=set)
    # How surely its words name each category: 1 for a phrase naming one, 1/2 for a phrase
    # naming two ('Tischler' and 'Möbel' name carpenters and furniture makers alike)...
    sureness: dict[str, float] = field(default_factory=dict)


@guarded
def partners(
    index: Index,
    business_id: str,
    limit: int = 5,
    language: str | None = None,
    embeddings: bool | None = None,
) -> PartnersResult:
    """Businesses that complement ``business_id``; QuartierError for an unknown or closed id.

    ``embeddings``: None uses sentence embeddings when the ``embeddings`` extra is installed,
    False never (the lexical matcher alone), True requires them (QuartierError saying how to
    install the extra). With them, the lexical top 20 and the top 20 by meaning (see
    :mod:`.embed`) are fused by reciprocal rank (:func:`fuse`); a partner found by meaning only
    says so, quoting the need and the offer with their cosine. ``score`` is then the fusion's.
    """
    check_limit(limit)
    if embeddings:
        embed.require()
    use_embeddings = embed.available() if embeddings is None else embeddings
    doc = index.doc_of.get(business_id)
    if doc is None:
        guess = did_you_mean(business_id, index.doc_of)
        raise QuartierError(
            f"unknown business id {business_id!r}" + (f"; {guess}" if guess else "")
        )
    record = index.record(doc)
    me = record["entry"]
    if index.is_closed(doc):
        moved = me.get("superseded_by")
        raise QuartierError(
            f"{business_id} is permanently closed"
            + (f"; it continues as {moved!r}: ask for that id" if moved else "")
        )
    lang = language or index.default_language
    phrase_cats = _phrase_cats(index)
    my_cats = index.categories_of(doc)
    collab = me.get("collaboration") or {}
    seeks = [_need(index, n, lang, phrase_cats, my_cats) for n in collab.get("seeks") or ()]
    provides = [
        _need(index, n, lang, phrase_cats, offered_by=my_cats) for n in collab.get("provides") or ()
    ]

    candidates = _candidates(index, doc, seeks, provides, my_cats)
    scored: list[tuple[int, int, float, int, list[Reason]]] = []
    for other in candidates:
        score, reasons = _evaluate(index, doc, other, seeks, provides, my_cats, lang, phrase_cats)
        if score <= 0:
            continue
        d = distance_km(index.lat[doc], index.lon[doc], index.lat[other], index.lon[other])
        final = score / (1.0 + d / PROXIMITY_KM)
        bucket = round(math.log(final) * 12)
        salt = f"partners|{business_id}".encode()
        scored.append((-bucket, fair_tie(salt, index.ids[other]), final, other, reasons))
    scored.sort()
    lexical = [
        _partner(index, doc, other, final, reasons, lang)
        for _b, _t, final, other, reasons in scored[
            : max(limit, FUSED) if use_embeddings else limit
        ]
    ]
    out = _fused(index, doc, lexical, lang)[:limit] if use_embeddings else lexical
    notes = []
    if not seeks and not provides:
        notes.append(
            f"{business_id} lists nothing under collaboration.seeks or provides: "
            "partners come from complementary categories only"
        )
    if not out:
        notes.append(_none_found(index, doc, seeks, provides, lang))
    origin = as_origins(record.get("origin"))
    return PartnersResult(business_id, index.names[doc], out, notes, origin)


def _phrase_cats(index: Index) -> dict[tuple[str, ...], set[str]]:
    return leaf_phrases(index.phrases, index.taxonomy)


def _text_terms(texts: list[str], phrase_cats: dict[tuple[str, ...], set[str]]) -> set[str]:
    """Stemmed terms (without the generic ones) plus ``cat:<id>`` for taxonomy phrases."""
    found = {t for text in texts for t in terms(text) if t not in GENERIC and t not in WHEN}
    return found | concept_terms(texts, phrase_cats)


def _need(
    index: Index,
    raw: dict[str, Any],
    lang: str,
    phrase_cats: dict[tuple[str, ...], set[str]],
    own: list[str] | None = None,
    offered_by: list[str] | None = None,
) -> _Need:
    """A need (or offer) as terms; ``own``: the categories of a seeker, kept out of its need;
    ``offered_by``: the categories of the business whose offer this is.

    A restaurant that seeks "herbs for the restaurant, before service" needs herbs: the word
    'restaurant' names the seeker, not what it seeks.
    """
    texts = raw.get("text") or {}
    shown, _ = pick_language(texts, lang, index.default_language)
    # A phrase naming only the seeker's own trade gives way to the phrases inside it.
    groups = concept_groups(texts.values(), phrase_cats, frozenset(own or ()))
    sureness: dict[str, float] = {}
    for group in groups:
        for c in group:
            sureness[c] = max(sureness.get(c, 0.0), 1.0 / len(group))
    found = {t for text in texts.values() for t in terms(text) if t not in GENERIC | WHEN}
    mentions = {"cat:" + c for c in sureness}
    found |= mentions
    listed = set(raw.get("categories") or ())
    if listed:
        # Listed categories say what it is about; the words' other categories are incidental:
        # 'plants for other businesses, delivered by cargo bike' offers no bicycles.
        found = (found - mentions) | {"cat:" + c for c in listed}
    if own:
        found -= {"cat:" + c for c in own}
    recipients: set[str] = set()
    if offered_by is not None:
        # A phrase that also names the offer's own trade says what is offered, not for whom
        # ('renovations' from a roofer names tilers too, but is no offer to tilers).
        mine = listed | set(offered_by)
        for group in groups:
            if not group & mine:
                recipients |= group
        # Its words name its own trade surely: an electronics repairer's 'repair' is electronics
        # repair, though the word names every repair trade.
        sureness.update({c: 1.0 for c in offered_by if c in sureness})
    return _Need(shown, found, listed, recipients, sureness)


def _named(need: _Need) -> set[str]:
    """The categories a need's own words name ('Blüemli für d Tischli' -> florist), when its
    owner gave none: given ones say what is sought, and the words may name other trades."""
    if need.categories:
        return set()
    return {t[4:] for t in need.terms if t.startswith("cat:")}


def _category_hit(need: _Need, cats: list[str]) -> float:
    """How well a business of ``cats`` (primary first) answers ``need`` by its category alone:
    the need's ``categories`` name it (1, or 0.8 for a secondary category), or, a little
    less, the need's words do (owners seldom add categories to what they seek)."""
    if need.categories & set(cats[:1]):
        return CATEGORY_HIT
    if need.categories & set(cats):
        return 0.8 * CATEGORY_HIT
    named = _named(need)
    # A word that names several trades says less about each ('Tischli' reads as Tischler).
    sure = max((need.sureness.get(c, 1.0) for c in named & set(cats)), default=0.0)
    weight = NAMED_CATEGORY_HIT * (0.5 + 0.5 * sure)
    if named & set(cats[:1]):
        return weight
    if named & set(cats):
        return 0.8 * weight
    return 0.0


def _none_found(
    index: Index, doc: int, seeks: list[_Need], provides: list[_Need], lang: str
) -> str:
    """Why a partner list is empty, in words: what was looked for, and where."""
    area = index.area_of(doc)
    name = next((a["name"] for a in index.areas if a["id"] == area), None)
    near = f"within {OUTSIDE_AREA_KM:.0f} km"
    where = f"in {name} or {near}" if name else near
    me = index.ids[doc]
    named = sorted({c for n in seeks for c in n.categories | _named(n)})
    if named:
        what = ", ".join(category_label(index, c, lang) for c in named)
        return (
            f"no open business {where} offers what {me} seeks ({what}), seeks what it "
            "provides, or complements its category"
        )
    if seeks or provides:
        return (
            f"no open business {where} answers {me}'s needs or offers in words the directory "
            "knows, nor complements its category: categories on its collaboration.seeks "
            "would say what it looks for"
        )
    return f"no business {where} complements its category"


def _same_place(index: Index, a: int, b: int) -> bool:
    """In the same area, or within OUTSIDE_AREA_KM of each other."""
    area = index.area_of(a)
    if area is not None and index.area_of(b) == area:
        return True
    if abs(index.lat[a] - index.lat[b]) * 111.2 > OUTSIDE_AREA_KM:
        return False  # farther north or south than that alone: no trigonometry needed
    d = distance_km(index.lat[a], index.lon[a], index.lat[b], index.lon[b])
    return d <= OUTSIDE_AREA_KM


def _candidates(
    index: Index, doc: int, seeks: list[_Need], provides: list[_Need], my_cats: list[str]
) -> set[int]:
    found: set[int] = set()
    docs = index.docs
    cat_of = {c: i for i, c in enumerate(index.cat_ids)}
    wanted = {c for n in seeks for c in n.categories | _named(n)}
    info = index.category_info
    for c in my_cats:
        wanted.update(info.get(c, {}).get("complements") or ())
    for c in wanted:
        if c in cat_of:
            pa, _pb, sb = index.cat_post[cat_of[c]]
            found.update(docs[pa:sb])
    offered = set(my_cats) | {c for n in provides for c in n.categories | _named(n)}
    for c in offered:
        if c in cat_of:
            a, b = index.seek_post[cat_of[c]]
            found.update(docs[a:b])
    limit = max(50, int(index.n * MAX_CANDIDATE_DF))
    for need, fields in [(n, (F_PROVIDES, F_OFFERING)) for n in seeks] + [
        (n, (F_SEEKS,)) for n in provides
    ]:
        for t in need.terms:
            if index.df(t) > limit:
                continue
            for fld, a, b in index.segments(t):
                if fld in fields:
                    found.update(docs[a:b])
    found.discard(doc)
    return {d for d in found if not index.is_closed(d) and _same_place(index, doc, d)}


def _overlap(
    a: set[str],
    b: set[str],
    index: Index,
    concepts_count: bool = True,
    sureness: dict[str, float] | None = None,
    b_sureness: dict[str, float] | None = None,
) -> tuple[float, list[str]]:
    """How much of need ``a`` the text ``b`` covers, weighted by rarity (0..1); ``sureness``
    and ``b_sureness``: how surely each text's words name each of its concepts (1 when not
    given)."""
    if not a:
        return 0.0, []

    sure, b_sure = sureness or {}, b_sureness or {}

    def idf(t: str) -> float:
        if t.startswith("cat:"):
            return 2.5
        return math.log(1.0 + index.n / (1 + index.df(t)))

    def both_sure(t: str) -> float:
        """How surely both texts name concept ``t``: 'Reparatur' names seven repair trades."""
        return sure.get(t[4:], 1.0) * b_sure.get(t[4:], 1.0) if t.startswith("cat:") else 1.0

    shared = a & b
    total = sum(idf(t) for t in a)
    words_sim = sum(idf(t) * both_sure(t) for t in shared) / total if total else 0.0
    # One word in common is weak evidence when the need says more: 'une salle calme à louer'
    # and a piano tuner's 'pour écoles et salles' share 'salle' only.
    plain = [t for t in a if not t.startswith("cat:")]
    if len([t for t in shared if not t.startswith("cat:")]) < min(2, len(plain)):
        words_sim *= ONE_WORD_FACTOR
    # What the need is about, in taxonomy terms, crosses languages where words cannot:
    # 'frisches Brot' and 'wholesale bread' share only cat:bakery.
    concepts = {t for t in a if t.startswith("cat:")}
    if not concepts or not concepts_count:
        return words_sim, sorted(shared)
    # Any one concept is enough: a need's other words may name unrelated categories
    # ('vor sieben Uhr' is about time, not a watchmaker). A concept read from a word that names
    # many trades counts less, as for a category ('arreglar tocadiscos' names seven repair
    # trades with 'arreglar': a bicycle workshop's 'reparamos triciclos' shares one of them).
    # The same holds for the other text: an electronics repairer's 'board-level repair' names
    # the bicycle workshops' repairs too, and offers no cargo-trike service.
    concept_sim = max(
        (CONCEPT_FACTOR * (0.5 + 0.5 * both_sure(t)) for t in concepts & b), default=0.0
    )
    return max(words_sim, concept_sim), sorted(shared)


def _sureness(need: _Need) -> dict[str, float]:
    """How surely a need's words name its concepts; none given when its owner listed categories
    (listed ones are sure)."""
    return {} if need.categories else need.sureness


def _evaluate(
    index: Index,
    doc: int,
    other: int,
    seeks: list[_Need],
    provides: list[_Need],
    my_cats: list[str],
    lang: str,
    phrase_cats: dict[tuple[str, ...], set[str]],
) -> tuple[float, list[Reason]]:
    their_cats = index.categories_of(other)
    e = index.record(other)["entry"]
    collab = e.get("collaboration") or {}
    their_seeks = [
        _need(index, n, lang, phrase_cats, their_cats) for n in collab.get("seeks") or ()
    ]
    their_provides = [
        _need(index, n, lang, phrase_cats, offered_by=their_cats)
        for n in collab.get("provides") or ()
    ]
    offerings = []
    for o in e.get("offerings") or ():
        name, _ = pick_language(o.get("name") or {}, lang, index.default_language)
        texts = list((o.get("name") or {}).values()) + list((o.get("description") or {}).values())
        offerings.append((name, _text_terms(texts, phrase_cats)))
    label = category_label(index, their_cats[0], lang) if their_cats else ""
    found: list[tuple[float, Reason]] = []
    score = 0.0

    # They provide what you seek.
    best = 0.0
    for need in seeks:
        cat = _category_hit(need, their_cats)
        top, theirs = 0.0, f"is a {label}"
        for p in their_provides:
            sim, _ = _overlap(
                need.terms, p.terms, index, sureness=_sureness(need), b_sureness=_sureness(p)
            )
            hit = TEXT_HIT * sim + (0.8 * CATEGORY_HIT if need.categories & p.categories else 0)
            if hit > top:
                top, theirs = hit, f"provides: {p.text}"
        for name, offer_terms in offerings:
            # An offering is a product name: its taxonomy words say too little on their own.
            sim, _ = _overlap(need.terms, offer_terms, index, concepts_count=False)
            if OFFERING_FACTOR * TEXT_HIT * sim > top:
                top, theirs = OFFERING_FACTOR * TEXT_HIT * sim, f"offers: {name}"
        value = cat + top
        if value >= (MIN_CATEGORY_MATCH if cat else MIN_TEXT_MATCH):
            found.append(
                (value, Reason("they provide what you seek", f"seeks: {need.text}", theirs))
            )
            best = max(best, value)
    score += best

    # They seek what you provide.
    best = 0.0
    for need in their_seeks:
        cat = _category_hit(need, my_cats)
        top, yours = 0.0, f"is a {category_label(index, my_cats[0], lang)}" if my_cats else ""
        for p in provides:
            sim, _ = _overlap(
                need.terms, p.terms, index, sureness=_sureness(need), b_sureness=_sureness(p)
            )
            hit = TEXT_HIT * sim + (0.8 * CATEGORY_HIT if need.categories & p.categories else 0)
            if hit > top:
                top, yours = hit, f"provides: {p.text}"
        value = cat + top
        if value >= (MIN_CATEGORY_MATCH if cat else MIN_TEXT_MATCH):
            found.append(
                (
                    REVERSE_FACTOR * value,
                    Reason("they seek what you provide", yours, f"seeks: {need.text}"),
                )
            )
            best = max(best, value)
    score += REVERSE_FACTOR * best

    # They offer to businesses like you.
    if not found:
        for p in their_provides:
            if p.recipients & set(my_cats):
                reason = Reason(
                    "they offer to businesses like you",
                    f"is a {category_label(index, my_cats[0], lang)}",
                    f"provides: {p.text}",
                )
                found.append((OFFERS_TO_YOU, reason))
                score += OFFERS_TO_YOU
                break

    pair = _complementary(index, my_cats, their_cats)
    if pair is not None:
        weight, mine_c, theirs_c = pair
        reason = Reason(
            "complementary categories",
            f"is a {category_label(index, mine_c, lang)}",
            f"is a {category_label(index, theirs_c, lang)}",
        )
        found.append((weight, reason))
        score += weight
    found.sort(key=lambda vr: -vr[0])
    return score, [r for _v, r in found]


def _complementary(
    index: Index, my_cats: list[str], their_cats: list[str]
) -> tuple[float, str, str] | None:
    """The best pair of complementary categories of two businesses, with its weight: the
    primary ones count fully, a pair through a secondary category counts SECONDARY_COMPLEMENT
    of that (a joinery that also makes furniture complements an upholsterer, as a vintage
    shop that also sells antiques does), or None. One pair counts, however many there are::

        _complementary(index, ["carpenter", "furniture_maker"], ["upholsterer"])
        # (0.24, 'furniture_maker', 'upholsterer')
    """
    info = index.category_info
    best: tuple[float, str, str] | None = None
    for i, mine_c in enumerate(my_cats):
        mine_comp = set(info.get(mine_c, {}).get("complements") or ())
        for j, theirs_c in enumerate(their_cats):
            if theirs_c == mine_c:
                continue
            comp = mine_comp | set(info.get(theirs_c, {}).get("complements") or ())
            if theirs_c not in comp and mine_c not in comp:
                continue
            weight = COMPLEMENT * (1.0 if i == j == 0 else SECONDARY_COMPLEMENT)
            if best is None or weight > best[0]:
                best = (weight, mine_c, theirs_c)
    return best


def _partner(
    index: Index, doc: int, other: int, score: float, reasons: list[Reason], lang: str
) -> Partner:
    rec = index.record(other)
    cats = index.categories_of(other)
    d = distance_km(index.lat[doc], index.lon[doc], index.lat[other], index.lon[other])
    status = index.status_of(other)
    label = category_label(index, cats[0], lang) if cats else ""
    first = reasons[0] if reasons else Reason("", "", "")
    why = f"{index.names[other]} ({label}, {d:.1f} km): {first.yours} <-> {first.theirs}"
    if len(reasons) > 1:
        why += f"; and {len(reasons) - 1} more reason" + ("s" if len(reasons) > 2 else "")
    if status != "open":
        why += f"; {status.replace('_', ' ')}"
    origin = as_origins(rec.get("origin"))
    if origin:
        why += f"; listed by {origin[0].directory}"
    return Partner(
        id=index.ids[other],
        name=index.names[other],
        url=str(rec.get("url", "")),
        category=cats[0] if cats else "",
        category_label=label,
        status=status,
        distance_km=round(d, 2),
        score=round(score, 4),
        reasons=reasons,
        why=why,
        origin=origin,
    )


# -- with sentence embeddings (the optional extra, see .embed)


def fuse(*rankings: list[str], k: int = FUSION_K) -> dict[str, float]:
    """Reciprocal-rank fusion of the first FUSED of each ranking: id -> score, best first.

    As ``benchmarks/eval_embeddings.py`` measured it: an id gains 1 / (k + rank) from each
    ranking it is in, so one found by both rises above one found by either::

        list(fuse(["a", "b"], ["b", "c"]))   # ['b', 'a', 'c']
    """
    score: dict[str, float] = {}
    for ranking in rankings:
        for r, i in enumerate(ranking[:FUSED]):
            score[i] = score.get(i, 0.0) + 1 / (k + r)
    return dict(sorted(score.items(), key=lambda kv: -kv[1]))


def _embedding_candidates(index: Index, doc: int) -> Any:
    """The documents the embeddings may suggest: the other businesses that are not closed for
    good, in the same place as the lexical matcher's candidates (:func:`_same_place`)."""
    import numpy as np

    from .layout import NO_AREA, STATUS_CODE

    ok = np.asarray(index.status) != STATUS_CODE["permanently_closed"]
    area = np.asarray(index.area)
    lat, lon = np.radians(np.asarray(index.lat)), np.radians(np.asarray(index.lon))
    dp, dl = lat - lat[doc], lon - lon[doc]
    h = np.sin(dp / 2) ** 2 + np.cos(lat[doc]) * np.cos(lat) * np.sin(dl / 2) ** 2
    near = 12742.0 * np.arcsin(np.minimum(1.0, np.sqrt(h))) <= OUTSIDE_AREA_KM
    ok &= near | (area == area[doc]) if area[doc] != NO_AREA else near
    ok[doc] = False
    return np.flatnonzero(ok)


def _fused(index: Index, doc: int, lexical: list[Partner], lang: str) -> list[Partner]:
    """``lexical`` (its first FUSED) fused with the FUSED nearest in meaning (at least
    MIN_COSINE); each partner the embeddings alone found is told by its need and offer, quoted,
    with their cosine."""
    near = embed.similar(index, doc, _embedding_candidates(index, doc), FUSED)
    near = [s for s in near if s.cosine >= MIN_COSINE]
    by_id = {p.id: p for p in lexical}
    meant = {index.ids[s.doc]: s for s in near}
    out = []
    for pid, score in fuse([p.id for p in lexical], list(meant)).items():
        if pid in by_id:
            out.append(replace(by_id[pid], score=round(score, 4)))
        else:
            out.append(_similar_partner(index, doc, meant[pid], score, lang))
    return out


def _similar_partner(
    index: Index, doc: int, found: embed.Similar, score: float, lang: str
) -> Partner:
    """A partner found by meaning only: its reason quotes the need and the offer embedded."""
    need = embed.needs(index.record(doc)["entry"])[found.need][1]
    _text, kind, offer = embed.offers(index.record(found.doc)["entry"])[found.offer]
    yours, _ = pick_language(need, lang, index.default_language)
    theirs, _ = pick_language(offer, lang, index.default_language)
    reason = Reason(
        f"similar in meaning (cosine {found.cosine:.2f})", f"seeks: {yours}", f"{kind}: {theirs}"
    )
    partner = _partner(index, doc, found.doc, score, [reason], lang)
    d = distance_km(index.lat[doc], index.lon[doc], index.lat[found.doc], index.lon[found.doc])
    said = f"{partner.name} ({partner.category_label}, {d:.1f} km): "
    # What _partner adds after the reason (closed for now, which member lists it) stays.
    tail = partner.why.removeprefix(f"{said}{reason.yours} <-> {reason.theirs}")
    what = "summary" if kind == "summary" else "offer"
    why = (
        f"{said}similar in meaning: your need '{yours}' and their {what} '{theirs}' "
        f"(cosine {found.cosine:.2f}){tail}"
    )
    return replace(partner, why=why)
