"""The category taxonomy: versioned data shipped inside the package (``data/taxonomy.yaml``).

Each category has a snake_case id, a parent group, labels and synonyms in
several languages, a crosswalk to schema.org and OSM, and the categories it
complements (natural partners). Entries name categories by id; search uses
labels and synonyms so "Velo", "vélo" and "bike" all reach bicycle_repair.

The shared taxonomy is the tool's, not a directory's: it lives in the package,
so a city's repository needs no copy and gets new categories by upgrading
``quartier``. A directory adds its own categories in ``directory.yaml``
(:class:`LocalCategory`, each under a shared parent); they are checked against
the shared ones and published with ``local: true`` and their parent, so that
other directories understand them. This repository's ``schema/taxonomy.yaml``
is a generated copy for readers.

Example::

    tax, problems = load_taxonomy()
    tax.get("bakery").labels["de"]     # 'Bäckerei'
    tax.suggest("bicyle_repair")       # "did you mean 'bicycle_repair'?"
"""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .explain import did_you_mean, validate
from .fields import CategoryId, LanguageTag, ShortText
from .load import load_path
from .messages import message
from .problems import Problem

TAXONOMY_FILE = Path(__file__).parent / "data" / "taxonomy.yaml"
OsmTag = Annotated[str, Field(pattern=r"^[a-z_:]+=[a-z0-9_;]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Model):
    """One category; groups have ``parent: null``."""

    id: CategoryId
    parent: CategoryId | None
    labels: dict[LanguageTag, ShortText] = Field(min_length=1)
    synonyms: dict[LanguageTag, list[ShortText]] = Field(default_factory=dict)
    schema_org: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z]+$")]
    osm: OsmTag | None = None
    complements: list[CategoryId] = Field(default_factory=list)
    local: bool = Field(
        False, description="A directory's own category (from its directory.yaml), not a shared one."
    )

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or next(iter(self.labels.values()))


class Taxonomy(_Model):
    """All categories, by id."""

    version: int = Field(ge=1)
    categories: list[Category] = Field(min_length=1)

    @field_validator("categories")
    @classmethod
    def _consistent(cls, categories: list[Category]) -> list[Category]:
        ids = [c.id for c in categories]
        if len(ids) != len(set(ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(
                message("taxonomy.duplicate_ids", ids=", ".join(dupes)),
                message("taxonomy.duplicate_ids.fix"),
            )
        known = set(ids)
        for c in categories:
            for ref in (c.parent, *c.complements):
                if ref is not None and ref not in known:
                    raise ValueError(
                        message("taxonomy.unknown_reference", id=c.id, reference=ref),
                        message("taxonomy.unknown_reference.fix"),
                    )
        return categories

    @cached_property
    def by_id(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

    def get(self, category_id: str) -> Category | None:
        return self.by_id.get(category_id)

    def suggest(self, category_id: str) -> str:
        return did_you_mean(category_id, self.by_id)

    def groups(self) -> list[Category]:
        return [c for c in self.categories if c.parent is None]

    def children(self, group_id: str) -> list[Category]:
        return [c for c in self.categories if c.parent == group_id]


class LocalCategory(_Model):
    """A category a directory adds in ``directory.yaml``, under a parent from the shared taxonomy.

    Example::

        categories:
          - id: fondue_restaurant
            parent: restaurant
            labels: {fr: Restaurant à fondue, en: Fondue restaurant}
            synonyms: {fr: [fondue, caquelon]}
            schema_org: Restaurant
            osm: amenity=restaurant
    """

    id: CategoryId = Field(description="New category id, e.g. fondue_restaurant.")
    parent: CategoryId = Field(
        description="A category or group of the shared taxonomy it belongs to, e.g. restaurant."
    )
    labels: dict[LanguageTag, ShortText] = Field(
        min_length=1, description="Names in the directory's languages, e.g. {fr: Fromagerie}."
    )
    synonyms: dict[LanguageTag, list[ShortText]] = Field(
        default_factory=dict, description="Other words people search with, by language."
    )
    schema_org: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z]+$")] | None = Field(
        None, description="schema.org type, e.g. Restaurant (default: the parent's)."
    )
    osm: OsmTag | None = Field(None, description="OpenStreetMap tag, e.g. shop=cheese.")
    complements: list[CategoryId] = Field(
        default_factory=list, description="Categories whose businesses make natural partners."
    )


def with_local(
    shared: Taxonomy, local: list[LocalCategory]
) -> tuple[Taxonomy, list[tuple[int, str, str, str]]]:
    """The shared taxonomy plus a directory's own categories, and what is wrong with them.

    Problems are ``(index, field, message, fix)`` for the caller to place in
    ``directory.yaml``; a local category with a problem is left out.
    """
    problems: list[tuple[int, str, str, str]] = []
    added: list[Category] = []
    known = set(shared.by_id)
    local_ids = {c.id for c in local}
    for i, c in enumerate(local):
        parent = shared.get(c.parent)
        if c.id in known:
            problems.append(
                (
                    i,
                    "id",
                    message("taxonomy.local.shared", id=c.id),
                    message("taxonomy.local.shared.fix"),
                )
            )
        elif parent is None:
            problems.append(
                (
                    i,
                    "parent",
                    message("taxonomy.local.parent", id=c.parent),
                    shared.suggest(c.parent) or message("taxonomy.local.parent.fix"),
                )
            )
        elif bad := [x for x in c.complements if x not in known and x not in local_ids]:
            problems.append(
                (
                    i,
                    "complements",
                    message("taxonomy.local.complement", id=bad[0]),
                    shared.suggest(bad[0]) or message("taxonomy.local.complement.fix"),
                )
            )
        else:
            known.add(c.id)
            added.append(
                Category(
                    id=c.id,
                    parent=c.parent,
                    labels=c.labels,
                    synonyms=c.synonyms,
                    schema_org=c.schema_org or parent.schema_org,
                    osm=c.osm,
                    complements=c.complements,
                    local=True,
                )
            )
    if not added:
        return shared, problems
    return Taxonomy(version=shared.version, categories=[*shared.categories, *added]), problems


@cache
def _load(path: Path) -> tuple[Taxonomy | None, tuple[Problem, ...]]:
    doc = load_path(path)
    tax = validate(doc, Taxonomy)
    return tax, tuple(doc.problems)


def load_taxonomy(path: Path = TAXONOMY_FILE) -> tuple[Taxonomy | None, list[Problem]]:
    """The shared taxonomy (read once per process), or the problems that prevent reading it."""
    tax, problems = _load(path)
    return tax, list(problems)
