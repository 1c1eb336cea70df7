"""Everything a build's outputs share: the directory, its settings, provenance and groupings.

Computed once per build (sorted, so every output is deterministic) and
handed to each output module.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import orjson

from ..config import DirectoryConfig
from ..directory import Directory
from ..model import Entry
from ..placename import common_spelling
from ..taxonomy import Taxonomy
from . import urls
from .changes import Base
from .jsonld import Site, pick
from .public import entry_dump, public_entry

SPEC_VERSION = "1.0"
# The shape of one business's record (api/v1/entries/<id>.json, a feed item's
# _quartier): 1.1 took the build's commit out of its provenance (in the
# manifest only) and added ``sources`` for a member's business.
RECORD_VERSION = "1.1"


@dataclass
class BuildContext:
    """The directory being published, with what every output needs."""

    directory: Directory
    commit: str | None = None
    feed_page_size: int = 500
    # The previous build's changes feed, which this build continues (None: sequence 1).
    previous: Base | None = None
    _ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = sorted(self.directory.entries)

    @property
    def config(self) -> DirectoryConfig:
        assert self.directory.config is not None
        return self.directory.config

    @property
    def taxonomy(self) -> Taxonomy:
        assert self.directory.taxonomy is not None
        return self.directory.taxonomy

    def public(self, entry: Entry) -> Entry:
        """The public view of an entry (see :func:`~quartier.publish.public.public_entry`).

        Not kept: at 100,000 entries a second copy of every model would double
        a build's memory, and the outputs that need it compute it once each.
        """
        return public_entry(entry, self.config.base_url)

    @cached_property
    def site(self) -> Site:
        return Site(self.config, self.taxonomy)

    @property
    def ids(self) -> list[str]:
        return self._ids

    def entries(self) -> list[Entry]:
        return [self.directory.entries[i] for i in self._ids]

    def url(self, rel: str) -> str:
        return self.config.base_url + rel

    def text(self, value: dict[str, str] | None) -> str:
        """A language map in the directory's preferred language."""
        return pick(value, self.config.languages) or ""

    @cached_property
    def by_category(self) -> dict[str, list[str]]:
        """Category id -> entry ids (primary and secondary categories), sorted."""
        entries = self.directory.entries
        return group_by_category((i, entries[i].all_categories) for i in self._ids)

    @cached_property
    def by_place(self) -> dict[str, tuple[str, list[str]]]:
        """Place slug -> (locality name, entry ids), sorted by slug."""
        entries = self.directory.entries
        return group_by_place((i, entries[i].location.address.locality) for i in self._ids)

    def source_url(self, entry_id: str) -> str | None:
        """The entry's file in the repository's default branch (``blob/HEAD/``).

        Not at the build's commit: a record must change only when its business
        does, so that a federating reader's incremental sync fetches only
        those (the commit is in the manifest, ``source_commit``).
        """
        repo = self.config.repository
        path = self.directory.paths.get(entry_id)
        if not repo or not path:
            return None
        return f"{repo.rstrip('/')}/blob/HEAD/{path}"

    def provenance(self, entry: Entry) -> dict[str, object]:
        """Where a business's record comes from; ``sources`` for a member's business.

        ``{"directory", "directory_url", "source", "last_verified", "maintainers",
        "license", "license_url"}``, and for a business taken from members
        ``"sources"``: each member record (see
        :class:`quartier.federation.mirror.Source`), the one whose content is
        published first; ``source`` is then that record's URL, unless the
        content is a local entry's.
        """
        merged = self.directory.federated.get(entry.id)
        source = self.source_url(entry.id)
        if merged is not None and not merged.local:
            source = merged.sources[0].record_url
        out: dict[str, object] = {
            "directory": self.config.name,
            "directory_url": self.config.base_url,
            "source": source,
            "last_verified": entry.last_verified.isoformat(),
            "maintainers": list(entry.maintainers),
            "license": self.config.license,
            "license_url": self.config.license_url,
        }
        if merged is not None:
            out["sources"] = merged.provenance()
        return out


def serialize(public: Entry) -> bytes:
    """A public entry as the compact JSON the API, the feed and the data files embed."""
    return orjson.dumps(entry_dump(public))


def group_by_category(rows: Iterable[tuple[str, Iterable[str]]]) -> dict[str, list[str]]:
    """``(id, categories)`` in id order -> category id -> ids, sorted by category."""
    out: dict[str, list[str]] = {}
    for entry_id, categories in rows:
        for cat in dict.fromkeys(categories):
            out.setdefault(cat, []).append(entry_id)
    return dict(sorted(out.items()))


def group_by_place(rows: Iterable[tuple[str, str]]) -> dict[str, tuple[str, list[str]]]:
    """``(id, locality)`` in id order -> place slug -> (place name, ids), sorted by slug.

    Entries whose localities have the same slug (``Bern``, ``BERN``, ``Bern!``)
    share one place. Its name is decided by all of them, so that no single
    entry renames a place page for the others:

    1. the spelling most of its entries use;
    2. on a tie, the spelling with the fewest characters other than letters,
       digits and spaces (markup and decoration need them);
    3. then the first in code point order.

    Never by id order: an id that sorts first is anyone's to choose.
    """
    spellings: dict[str, Counter[str]] = {}
    ids: dict[str, list[str]] = {}
    for entry_id, locality in rows:
        key = urls.slug(locality)
        if key in ids:
            ids[key].append(entry_id)
            spellings[key][locality] += 1
        else:
            ids[key] = [entry_id]
            spellings[key] = Counter((locality,))
    return {key: (common_spelling(spellings[key]), ids[key]) for key in sorted(ids)}


def git_commit(root: Path) -> str | None:
    """The checked-out commit, for provenance; None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) == 40 else None
