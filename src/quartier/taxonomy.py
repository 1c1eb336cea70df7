"""The category taxonomy: versioned data in ``schema/taxonomy.yaml``.

Each category has a snake_case id, a parent group, labels and synonyms in
several languages, a crosswalk to schema.org and OSM, and the categories it
complements (natural partners). Entries name categories by id; search uses
labels and synonyms so "Velo", "vélo" and "bike" all reach bicycle_repair.

Example::

    tax = load_taxonomy(Path("schema/taxonomy.yaml"))
    tax.get("bakery").labels["de"]     # 'Bäckerei'
    tax.suggest("bicyle_repair")       # "did you mean 'bicycle_repair'?"
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .explain import did_you_mean, validate
from .fields import CategoryId, LanguageTag, ShortText
from .load import load_path
from .problems import Problem

TAXONOMY_PATH = Path("schema") / "taxonomy.yaml"
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
            raise ValueError(f"category ids must be unique: {', '.join(dupes)}", "rename one")
        known = set(ids)
        for c in categories:
            for ref in (c.parent, *c.complements):
                if ref is not None and ref not in known:
                    raise ValueError(
                        f"category '{c.id}' refers to unknown category '{ref}'",
                        "add that category or fix the id",
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


def load_taxonomy(path: Path) -> tuple[Taxonomy | None, list[Problem]]:
    doc = load_path(path)
    tax = validate(doc, Taxonomy)
    return tax, doc.problems
