"""The search index: built once from the entries, memory-mapped in milliseconds.

Why a file and not a service: a city's directory fits on a laptop, and an
assistant or a shell command should get an answer without starting anything.
The index is one binary file (``.quartier-cache/search-index-v1-<hash>.bin``)
written from the entries and read back with ``mmap``: large arrays (postings,
coordinates, the entries' JSON) are used in place, never copied, so opening
an index of 100,000 businesses takes a fraction of a second.

What is in it:

- an inverted index, term -> documents, grouped by the field the term was
  found in (name, offering, summary, address, story...), so a score and an
  explanation ("'velo' in the name") come from the same data;
- per category, the businesses that have it as primary or secondary category;
- the taxonomy's labels and synonyms in every language as phrases that map a
  query to categories ("Velo", "vélo", "bike repair" -> bicycle_repair);
- per business: status, point, area, categories, opening hours, wheelchair
  access, languages, last_verified, and its public JSON (what ``get_business``
  returns) with its canonical URL;
- the places the directory knows (see :mod:`.places`).

File layout: ``MAGIC``, an 8-byte header length, a :mod:`marshal` header
(small things and section offsets), then 8-byte aligned raw arrays.

Example::

    build_index(rows, config, taxonomy, "fingerprint", path)
    index = Index.open(path)
    index.ids[0], index.record(0)["entry"]["name"]
"""

from __future__ import annotations

import marshal
import mmap
import os
import sys
from array import array
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cached_property
from operator import methodcaller
from pathlib import Path
from typing import Any

import orjson

from . import text as text_mod
from .places import Gazetteer, named_quarters, street_names
from .text import phrase_key, stem, term_set, words

INDEX_VERSION = 1
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

Row = tuple[dict[str, Any], str]  # (public entry JSON, canonical URL)


def _texts(value: Any) -> list[str]:
    """Every text in a language map (or a plain string)."""
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    if isinstance(value, str):
        return [value]
    return []


def _doc_fields(e: dict[str, Any]) -> list[tuple[int, list[str]]]:
    """The texts of one entry, by field."""
    out: list[tuple[int, list[str]]] = [(F_NAME, [e.get("name", ""), *_texts(e.get("names"))])]
    out.append((F_SUMMARY, _texts(e.get("summary"))))
    out.append((F_DESCRIPTION, _texts(e.get("description"))))
    offer_names: list[str] = []
    offer_more: list[str] = []
    for o in e.get("offerings") or ():
        offer_names += _texts(o.get("name"))
        offer_more += _texts(o.get("description")) + [str(m) for m in o.get("materials") or ()]
    out.append((F_OFFERING, offer_names))
    out.append((F_DESCRIPTION, offer_more))
    story = e.get("story") or {}
    story_texts = [
        t for k in ("text", "craft", "sourcing", "purpose") for t in _texts(story.get(k))
    ]
    if story_texts:
        story_texts.append(STORY_WORDS)
    out.append((F_STORY, story_texts))
    people = [str(p.get("name", "")) for p in story.get("founders") or ()]
    out.append((F_PEOPLE, people))
    collab = e.get("collaboration") or {}
    out.append((F_SEEKS, [t for n in collab.get("seeks") or () for t in _texts(n.get("text"))]))
    out.append(
        (F_PROVIDES, [t for n in collab.get("provides") or () for t in _texts(n.get("text"))])
    )
    address = (e.get("location") or {}).get("address") or {}
    out.append(
        (F_ADDRESS, [str(address.get(k) or "") for k in ("street", "postal_code", "locality")])
    )
    attrs = e.get("attributes") or {}
    said = [ATTRIBUTE_WORDS[k] for k, v in attrs.items() if v == "yes" and k in ATTRIBUTE_WORDS]
    if attrs.get("locally_made") != "yes" and any(
        o.get("made_locally") == "yes" for o in e.get("offerings") or ()
    ):
        said.append(ATTRIBUTE_WORDS["locally_made"])
    out.append((F_ATTRIBUTE, said))
    out.append(
        (
            F_CERT,
            [f"{c.get('name', '')} {c.get('issuer', '')}" for c in e.get("certifications") or ()],
        )
    )
    return out


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


def leaf_phrases(
    phrases: list[tuple[tuple[str, ...], int, str, str, str]], taxonomy: dict[str, Any]
) -> dict[tuple[str, ...], set[str]]:
    """Phrase -> the leaf categories it names (groups are too broad to say what a need is)."""
    cats = taxonomy["categories"]
    out: dict[tuple[str, ...], set[str]] = {}
    for key, i, *_ in phrases:
        if cats[i].get("parent"):
            out.setdefault(tuple(key), set()).add(cats[i]["id"])
    return out


def concept_terms(texts: Iterable[str], phrase_cats: dict[tuple[str, ...], set[str]]) -> set[str]:
    """``cat:<id>`` for every taxonomy phrase in the texts: 'Brot' and 'bread' -> cat:bakery."""
    found: set[str] = set()
    for text in texts:
        # A short stem that lost a suffix is ambiguous ('Nähe' and 'nähen' are both 'nah').
        seq = [t if len(t) >= 4 or t == w else "" for w in words(text) for t in [stem(w)]]
        for size in (1, 2, 3):
            for i in range(len(seq) - size + 1):
                for c in phrase_cats.get(tuple(seq[i : i + size]), ()):
                    found.add("cat:" + c)
    return found


def build_index(
    rows: Iterable[Row],
    config: dict[str, Any],
    taxonomy: dict[str, Any],
    fingerprint: str,
    dest: Path,
    source: str = "",
) -> Path:
    """Write the index of ``rows`` to ``dest`` (atomically) and return ``dest``."""
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
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    ordered = sorted(rows, key=lambda r: str(r[0].get("id", "")))
    n = len(ordered)

    ids: list[str] = []
    names: list[str] = []
    status = bytearray(n)
    area = bytearray(n)
    wheel = bytearray(n)
    flags = bytearray(n)
    lat = array("d", bytes(8 * n))
    lon = array("d", bytes(8 * n))
    verified = array("I", bytes(4 * n))
    hours = array("i", [-1]) * n
    hours_texts: dict[str, int] = {}
    countries: dict[str, int] = {}
    country = bytearray(n)
    lang_sets: dict[str, int] = {}
    langs = array("H", bytes(2 * n))
    cats_off = array("I", [0])
    cats = array("H")
    cat_primary: list[list[int]] = [[] for _ in cat_ids]
    cat_secondary: list[list[int]] = [[] for _ in cat_ids]
    cat_seekers: list[list[int]] = [[] for _ in cat_ids]
    levels: list[defaultdict[str, list[int]]] = [defaultdict(list) for _ in FIELDS]
    surface: dict[str, str] = {}
    gaz = Gazetteer()
    rec_off = array("Q", [0])
    records: list[bytes] = []
    size = 0
    phrases = _phrases(taxonomy)
    phrase_cats = leaf_phrases(phrases, taxonomy)

    for doc, (e, url) in enumerate(ordered):
        eid = str(e.get("id", ""))
        ids.append(eid)
        names.append(str(e.get("name", eid)).replace("\n", " "))
        status[doc] = STATUS.index(e.get("status", "open")) if e.get("status") in STATUS else 0
        loc = e.get("location") or {}
        geo = loc.get("geo") or {}
        la, lo = float(geo.get("lat", 0.0)), float(geo.get("lon", 0.0))
        lat[doc], lon[doc] = la, lo
        area[doc] = _area_of(areas, la, lo)
        a11y = (e.get("accessibility") or {}).get("wheelchair", "unknown")
        wheel[doc] = WHEELCHAIR.index(a11y) if a11y in WHEELCHAIR else 0
        address = loc.get("address") or {}
        country[doc] = countries.setdefault(str(address.get("country", "")), len(countries))
        try:
            verified[doc] = date.fromisoformat(str(e.get("last_verified"))).toordinal()
        except ValueError:
            verified[doc] = 0
        if e.get("opening_hours"):
            hours[doc] = hours_texts.setdefault(e["opening_hours"], len(hours_texts))
        spoken = e.get("languages") or list((e.get("summary") or {}).keys())
        langs[doc] = lang_sets.setdefault(",".join(spoken), len(lang_sets))
        entry_cats = [e.get("category", ""), *(e.get("categories") or ())]
        for j, c in enumerate(dict.fromkeys(entry_cats)):
            if c in cat_index:
                cats.append(cat_index[c])
                (cat_primary if j == 0 else cat_secondary)[cat_index[c]].append(doc)
        cats_off.append(len(cats))
        flag = 0
        collab = e.get("collaboration") or {}
        if collab.get("seeks") or collab.get("provides"):
            flag |= FLAG_COLLAB
        sought = {c for need in collab.get("seeks") or () for c in need.get("categories") or ()}
        for c in sorted(sought):
            if c in cat_index:
                cat_seekers[cat_index[c]].append(doc)
        if (e.get("story") or {}).get("text"):
            flag |= FLAG_STORY
        if e.get("offerings"):
            flag |= FLAG_OFFERINGS
        flags[doc] = flag

        # Terms: the field with the highest weight wins for each term.
        # Each term once, in the field where it weighs most (the first met, best first).
        seen: set[str] = set()
        append = methodcaller("append", doc)
        for field, texts in sorted(_doc_fields(e), key=lambda ft: -FIELD_WEIGHT[ft[0]]):
            if texts:
                new = term_set("\n".join(texts)) - seen
                seen |= new
                deque(map(append, map(levels[field].__getitem__, new)), maxlen=0)
        # What a need is about, language-free, for partner matching (never scored by search).
        for field, key in ((F_PROVIDES, "provides"), (F_SEEKS, "seeks")):
            texts = [t for n in collab.get(key) or () for t in _texts(n.get("text"))]
            new = concept_terms(texts, phrase_cats) - seen
            seen |= new
            deque(map(append, map(levels[field].__getitem__, new)), maxlen=0)

        # Places.
        if address.get("locality"):
            gaz.add("locality", address["locality"], la, lo)
        if address.get("postal_code"):
            gaz.add("postal_code", address["postal_code"], la, lo)
        if address.get("street") and not loc.get("hide_address"):
            for s in street_names(address["street"]):
                gaz.add("street", s, la, lo)
        for text in _texts(e.get("summary")):
            for q in named_quarters(text):
                gaz.add("quarter", q, la, lo)

        rec = orjson.dumps({"entry": e, "url": url})
        records.append(rec)
        size += len(rec)
        rec_off.append(size)

    for a in areas:
        west, south, east, north = a["bbox"]
        gaz.add("area", a["id"], (south + north) / 2, (west + east) / 2)
        gaz.add("area", a["name"], (south + north) / 2, (west + east) / 2)
    gaz.finish()

    # Postings: one flat array of doc ids; per term, (field, start, end) segments.
    docs = array("I")
    post: dict[str, list[int]] = {}
    for field, level in enumerate(levels):
        for term, found in level.items():
            post.setdefault(term, []).extend((field, len(docs), len(docs) + len(found)))
            docs.extend(found)
    cat_post = []
    for i in range(len(cat_ids)):
        start = len(docs)
        docs.extend(cat_primary[i])
        middle = len(docs)
        docs.extend(cat_secondary[i])
        cat_post.append((start, middle, len(docs)))
    seek_post = []
    for found in cat_seekers:
        seek_post.append((len(docs), len(docs) + len(found)))
        docs.extend(found)

    # How to show a term: the shortest word that gives it ('cafe' rather than 'cafes').
    for raw in text_mod._TERMS:
        for w in words(raw):
            t = stem(w)
            if t in post:
                known = surface.get(t)
                if known is None or len(w) < len(known):
                    surface[t] = w
    for phrase, *_rest, text in phrases:
        for w, t in zip(words(text), phrase, strict=False):
            surface.setdefault(t, w)
    sections: dict[str, bytes] = {
        "docs": docs.tobytes(),
        "lat": lat.tobytes(),
        "lon": lon.tobytes(),
        "status": bytes(status),
        "area": bytes(area),
        "wheel": bytes(wheel),
        "flags": bytes(flags),
        "country": bytes(country),
        "cats_off": cats_off.tobytes(),
        "cats": cats.tobytes(),
        "hours": hours.tobytes(),
        "verified": verified.tobytes(),
        "langs": langs.tobytes(),
        "rec_off": rec_off.tobytes(),
        "records": b"".join(records),
    }
    meta: dict[str, Any] = {
        "version": INDEX_VERSION,
        "byteorder": sys.byteorder,
        "fingerprint": fingerprint,
        "source": source,
        "n": n,
        "ids": "\n".join(ids),
        "names": "\n".join(names),
        "post": {t: tuple(v) for t, v in post.items()},
        "vocab": "\n".join(sorted(post)),
        "cat_ids": cat_ids,
        "cat_post": cat_post,
        "seek_post": seek_post,
        "phrases": phrases,
        "surface": surface,
        "hours_texts": list(hours_texts),
        "countries": list(countries),
        "lang_sets": list(lang_sets),
        "areas": areas,
        "places": gaz.to_rows(),
        "config": orjson.dumps(config),
        "taxonomy": orjson.dumps(taxonomy),
    }
    return _write(dest, meta, sections)


def _write(dest: Path, meta: dict[str, Any], sections: dict[str, bytes]) -> Path:
    layout: dict[str, tuple[int, int]] = {}
    offset = 0
    for name, data in sections.items():
        layout[name] = (offset, len(data))
        offset += len(data) + (-len(data) % 8)
    meta["sections"] = layout
    head = marshal.dumps(meta)
    start = len(MAGIC) + 8 + len(head)
    pad = -start % 8
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        f.write(MAGIC)
        f.write((len(head) + pad).to_bytes(8, "little"))
        f.write(head + b"\0" * pad)
        for data in sections.values():
            f.write(data)
            f.write(b"\0" * (-len(data) % 8))
    tmp.replace(dest)
    return dest


class IndexUnusable(Exception):
    """The index file is missing, from another version, or damaged: rebuild it."""


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
        self.phrases: list[tuple[tuple[str, ...], int, str, str, str]] = meta["phrases"]
        self.surface: dict[str, str] = meta["surface"]
        self.hours_texts: list[str] = meta["hours_texts"]
        self.countries: list[str] = meta["countries"]
        self.lang_sets: list[list[str]] = [s.split(",") if s else [] for s in meta["lang_sets"]]
        self.areas: list[dict[str, Any]] = meta["areas"]
        self.places = Gazetteer.from_rows(meta["places"])
        self._config: bytes = meta["config"]
        self._taxonomy: bytes = meta["taxonomy"]

        def view(name: str, fmt: str = "B") -> memoryview:
            off, length = meta["sections"][name]
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
        if bytes(buf[: len(MAGIC)]) != MAGIC:
            raise IndexUnusable(f"{path} is not a Quartier search index")
        head_len = int.from_bytes(buf[len(MAGIC) : len(MAGIC) + 8], "little")
        start = len(MAGIC) + 8
        try:
            meta = marshal.loads(buf[start : start + head_len])
        except (EOFError, ValueError, TypeError) as exc:
            raise IndexUnusable(f"{path} is damaged: {exc}") from None
        if meta.get("version") != INDEX_VERSION or meta.get("byteorder") != sys.byteorder:
            raise IndexUnusable(f"{path} was written by another version")
        return cls(path, meta, buf[start + head_len :], mm)

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

    def record(self, doc: int) -> dict[str, Any]:
        """``{"entry": <public entry JSON>, "url": <page URL>}`` of one business."""
        data: dict[str, Any] = orjson.loads(self.records[self.rec_off[doc] : self.rec_off[doc + 1]])
        return data

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

    # -- settings

    @cached_property
    def config(self) -> dict[str, Any]:
        """The directory's settings (``DirectoryConfig`` as JSON)."""
        data: dict[str, Any] = orjson.loads(self._config)
        return data

    @cached_property
    def taxonomy(self) -> dict[str, Any]:
        """The taxonomy (``Taxonomy`` as JSON)."""
        data: dict[str, Any] = orjson.loads(self._taxonomy)
        return data

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

    @property
    def default_language(self) -> str:
        langs = self.config.get("languages") or ["en"]
        return str(langs[0])

    @property
    def stale_after_days(self) -> int:
        return int(self.config.get("stale_after_days", 365))
