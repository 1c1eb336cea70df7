"""Read a whole directory: settings, taxonomy and every entry, with every problem.

This is the pipeline behind ``quartier validate`` and ``quartier build``::

    entries/**/*.yaml --load--> Document --model--> Entry --check_entry--> Keys
                                                   all Keys --check_tree--> problems

Nothing stops at the first error: every file is read and every problem is
collected, then reported once. When only some files are named (a pre-commit
hook), the others contribute just their :class:`~quartier.checks.Keys`,
taken from a small cache kept beside the tree, so one file is checked
against 10,000 in a fraction of a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from .checks import Context, Keys, check_entry, check_tree, keys_of
from .config import CONFIG_NAME, DirectoryConfig
from .explain import validate
from .load import load_path
from .model import Entry
from .parallel import fork_map, long_lived
from .problems import Problem, QuartierError
from .taxonomy import TAXONOMY_PATH, Taxonomy, load_taxonomy

ENTRIES_DIR = "entries"
CACHE_FILE = Path(".quartier-cache") / "keys-v2.json"


@dataclass
class Directory:
    """The result of reading a directory: valid entries by id, and all problems."""

    root: Path
    config: DirectoryConfig | None
    taxonomy: Taxonomy | None
    entries: dict[str, Entry] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # id -> path relative to root
    problems: list[Problem] = field(default_factory=list)
    checked_files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def find_entry_files(root: Path) -> list[Path]:
    """Every ``*.yaml`` under ``entries/``, sorted, skipping hidden folders."""
    return [Path(p) for p in _entry_files(root)]


def entry_paths(root: Path) -> list[str]:
    """Every entry file as a plain string path, sorted; a clear error without ``entries/``."""
    if not (root / ENTRIES_DIR).is_dir():
        raise QuartierError(
            f"no {ENTRIES_DIR}/ folder in {root}: entries live in {ENTRIES_DIR}/<country>/<place>/"
        )
    return _entry_files(root)


def _entry_files(root: Path) -> list[str]:
    # Plain strings: at 10,000 files, Path objects alone cost a pre-commit hook 0.1 s.
    found: list[str] = []
    for folder, dirs, files in os.walk(os.path.join(root, ENTRIES_DIR)):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        prefix = folder + os.sep
        found.extend(
            prefix + f
            for f in sorted(files)
            if f.endswith((".yaml", ".yml")) and not f.startswith(".")
        )
    return found


def load_context(root: Path, today: date | None = None) -> tuple[Context | None, list[Problem]]:
    """The directory's settings and taxonomy, or the problems that prevent reading them."""
    cfg_path = root / CONFIG_NAME
    if not cfg_path.is_file():
        raise QuartierError(
            f"no {CONFIG_NAME} in {root}: run quartier inside a directory repository or pass --root"
        )
    doc = load_path(cfg_path, display=relative_path(cfg_path, root))
    config = validate(doc, DirectoryConfig)
    problems = list(doc.problems)
    taxonomy, tax_problems = load_taxonomy(root / TAXONOMY_PATH)
    problems += [_relocate(p, root) for p in tax_problems]
    if config is None or taxonomy is None:
        return None, problems
    return Context(config, taxonomy, today or date.today()), problems


def read_directory(
    root: Path,
    only: Iterable[Path] | None = None,
    today: date | None = None,
    use_cache: bool = True,
    keep_entries: bool = True,
) -> Directory:
    """Validate the tree under ``root``; with ``only``, just those files in full.

    ``keep_entries=False`` leaves :attr:`Directory.entries` empty: ``quartier
    validate`` needs only the problems, and not sending 10,000 validated
    models back from the workers saves a fifth of its time.
    """
    root = root.resolve()
    ctx, problems = load_context(root, today)
    directory = Directory(
        root, ctx.config if ctx else None, ctx.taxonomy if ctx else None, problems=problems
    )
    if ctx is None:
        return directory
    files = entry_paths(root)
    # The same file named twice (entries/x.yaml ./entries/x.yaml) is one file.
    targets = files if only is None else list(dict.fromkeys(str(Path(p).resolve()) for p in only))
    keys: list[Keys] = []
    with long_lived():
        for rel, entry, file_problems, k in read_entries(targets, root, ctx, keep_entries):
            directory.problems += file_problems
            directory.checked_files += 1
            if k is not None:
                if entry is not None:
                    directory.entries.setdefault(entry.id, entry)
                directory.paths.setdefault(k.id, rel)
                keys.append(k)
    blame = None
    if only is not None:
        target_set = set(targets)
        others = [p for p in files if p not in target_set]
        blame = {relative_path(p, root) for p in targets}
        keys, known_ids = _with_others(keys, root, others, ctx, use_cache)
        directory.problems += check_tree(keys, blame, known_ids)
    else:
        directory.problems += check_tree(keys)
    directory.problems.sort(key=Problem.sort_key)
    return directory


Read = tuple[str, Entry | None, list[Problem], Keys | None]
PathLike = str | Path
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN = 400


def read_entries(
    files: Sequence[PathLike], root: Path, ctx: Context, keep_entries: bool = True
) -> list[Read]:
    """Read many entry files, in order, on every core (see :mod:`quartier.parallel`).

    Each file is independent until the cross-entry checks, so forked workers
    (which inherit the loaded settings) read chunks and send back the
    validated entries, or with ``keep_entries=False`` only their problems and
    keys (a valid entry is then ``None`` beside its keys).
    """
    return fork_map(lambda chunk: _read_chunk(chunk, root, ctx, keep_entries), files, PARALLEL_MIN)


def _read_chunk(
    files: Sequence[PathLike], root: Path, ctx: Context, keep_entries: bool = True
) -> list[Read]:
    out: list[Read] = []
    for path in files:
        rel = relative_path(path, root)
        entry, problems, keys = read_entry(path, rel, ctx)
        out.append((rel, entry if keep_entries else None, problems, keys))
    return out


def read_entry(
    path: PathLike, rel: str, ctx: Context
) -> tuple[Entry | None, list[Problem], Keys | None]:
    """Load, validate and check one entry file."""
    doc = load_path(path, display=rel)
    entry = validate(doc, Entry, context={"country": _country_of(doc.data)})
    if entry is None:
        return None, doc.problems, None
    problems = doc.problems + check_entry(entry, doc, stem_of(path), ctx)
    return entry, problems, keys_of(entry, doc)


def stem_of(path: PathLike) -> str:
    """The file name without its extension: what a valid entry's id must be."""
    return os.path.splitext(os.path.basename(path))[0]


def _country_of(data: dict[str, object] | None) -> object:
    """The raw address country, so phone numbers are checked in the same pass."""
    try:
        return data["location"]["address"]["country"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None


def _with_others(
    mine: list[Keys], root: Path, files: list[str], ctx: Context, use_cache: bool
) -> tuple[list[Keys], set[str]]:
    """The named files' keys plus those of other entries that share a value with them.

    Only those can make a pair with a named file; the ids of all entries are
    still needed to tell whether ``superseded_by`` names an entry.
    """
    fresh, cached = _keys_of_others(root, files, ctx, use_cache)
    ids = {k.id for k in mine} | {k.superseded_by for k in mine if k.superseded_by}
    phones = {k.phone for k in mine if k.phone}
    hosts = {k.host for k in mine if k.host}
    names = {k.name for k in mine}
    # One plain test per row: this runs over every other entry on each commit.
    near = [
        _keys_from_json(raw)
        for raw in cached
        if raw[_ID] in ids
        or raw[_SUPERSEDED] in ids
        or raw[_PHONE] in phones
        or raw[_HOST] in hosts
        or raw[_NAME] in names
    ]
    known = {k.id for k in mine} | {k.id for k in fresh} | {raw[_ID] for raw in cached}
    return [*mine, *fresh, *near], known


def _keys_of_others(
    root: Path, files: list[str], ctx: Context, use_cache: bool
) -> tuple[list[Keys], list[list[Any]]]:
    """Keys of entries not being checked: read again, or as cached rows where unchanged.

    The cache maps a file to ``[mtime_ns, size, keys-as-a-list]``; a file whose
    size or modification time changed is read again, and the cache is
    rewritten only when something changed. Cached rows stay plain lists
    (building 10,000 Keys a commit would cost more than the check).
    """
    cache_path = root / CACHE_FILE
    cached: dict[str, list[Any]] = {}
    if use_cache and cache_path.is_file():
        try:
            cached = orjson.loads(cache_path.read_bytes())
        except (OSError, ValueError):
            cached = {}  # a broken cache is rebuilt, never trusted
    fresh: dict[str, list[Any]] = {}
    out: list[Keys] = []
    rows: list[list[Any]] = []
    stale: list[tuple[str, str, list[int]]] = []
    prefix = str(root) + os.sep
    cut = len(prefix) if os.sep == "/" else 0
    for path in files:
        # Files from the walk start with the root: plain slicing, 10,000 times.
        rel = path[cut:] if cut and path.startswith(prefix) else relative_path(path, root)
        try:
            st = os.stat(path)
        except OSError:
            continue
        stamp = [st.st_mtime_ns, st.st_size]
        hit = cached.get(rel)
        if hit is not None and hit[:2] == stamp:
            fresh[rel] = hit
            if hit[2] is not None:
                rows.append(hit[2])
        else:
            stale.append((rel, path, stamp))
    for (rel, _path, stamp), (_, _, _, k) in zip(
        stale, read_entries([p for _, p, _ in stale], root, ctx, keep_entries=False), strict=True
    ):
        fresh[rel] = [*stamp, None if k is None else _keys_to_json(k)]
        if k is not None:
            out.append(k)
    if use_cache and (stale or len(fresh) != len(cached)):
        _write_atomic(cache_path, orjson.dumps(fresh))
    return out, rows


_KEY_FIELDS = [f.name for f in fields(Keys)]
_ID, _PHONE, _HOST, _NAME, _SUPERSEDED = (
    _KEY_FIELDS.index(name) for name in ("id", "phone", "host", "name", "superseded_by")
)


def _keys_to_json(k: Keys) -> list[Any]:
    return [getattr(k, name) for name in _KEY_FIELDS]


def _keys_from_json(raw: list[Any]) -> Keys:
    values: list[Any] = [tuple(v) if isinstance(v, list) else v for v in raw]
    return Keys(*values)


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        pass  # the cache only saves time; a read-only checkout works without it


def relative_path(path: PathLike, root: Path) -> str:
    """``entries/ch/bern/x.yaml`` for a file under ``root`` (already resolved)."""
    text, prefix = str(path), str(root) + os.sep
    if text.startswith(prefix):  # files from the walk: plain string work
        return text[len(prefix) :].replace(os.sep, "/")
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return text


def _relocate(p: Problem, root: Path) -> Problem:
    from dataclasses import replace

    return replace(p, path=relative_path(Path(p.path), root))
