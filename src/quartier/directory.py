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

import contextlib
import os
import stat
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .checks import (
    DUPLICATE_DISTANCE_M,
    Context,
    Keys,
    check_entry,
    check_tree,
    distance_m,
    keys_of,
)
from .config import CONFIG_NAME, DirectoryConfig
from .explain import validate
from .fields import windows_reserved
from .load import load_path
from .messages import message
from .model import Entry, address_country
from .parallel import fork_map, long_lived
from .problems import Problem, QuartierError
from .taxonomy import Taxonomy, load_taxonomy, with_local

if TYPE_CHECKING:
    from .federation.mirror import Gone
    from .publish.members import Merged

ENTRIES_DIR = "entries"
CACHE_FILE = Path(".quartier-cache") / "keys-v3.json"
# entries/<country>/<place>/<id>.yaml: deeper folders are refused, not walked.
MAX_FOLDER_DEPTH = 2


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
    # With members (see quartier.publish.members): provenance of every business a
    # member contributes to, by id; the members' tombstones; notes on their copies.
    federated: dict[str, Merged] = field(default_factory=dict)
    gone: list[Gone] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def find_entry_files(root: Path) -> list[Path]:
    """Every ``*.yaml`` under ``entries/``, sorted, skipping hidden folders.

    Also every path that must be refused rather than read (see
    :func:`entry_paths`); reading one gives its problem.
    """
    return [Path(p) for p in _entry_files(root)]


def entry_paths(root: Path, optional: bool = False) -> list[str]:
    """Every entry file as a plain string path, sorted; a clear error without ``entries/``.

    Paths that must not be read are listed too, so that every reader reports
    them through :func:`read_entry`: a symbolic link named like an entry or
    to a folder, a folder deeper than ``entries/<country>/<place>/`` or with
    a name Windows reserves, and ``entries/`` itself when it is a link.

    ``optional=True`` (an aggregate whose settings list members, which may
    publish only its members' businesses) gives no files when ``entries/``
    does not exist at all; a file or a link in its place is still refused::

        entry_paths(root, optional=bool(config.members))
    """
    top = root / ENTRIES_DIR
    if optional and not os.path.lexists(top):
        return []
    if not top.is_dir():
        raise QuartierError(message("directory.no_entries", entries=ENTRIES_DIR, root=root))
    return _entry_files(root)


def _entry_files(root: Path) -> list[str]:
    # Plain strings: at 10,000 files, Path objects alone cost a pre-commit hook 0.1 s.
    # A loop, not os.walk: that recurses, and a deep tree must be a problem, not a crash.
    top = os.path.join(root, ENTRIES_DIR)
    if os.path.islink(top):
        return [top]
    found: list[str] = []
    stack = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = sorted((e.name, e) for e in it)
        except OSError:
            continue
        prefix = folder + os.sep
        folders: list[str] = []
        for name, e in items:
            if name.startswith("."):
                continue
            is_entry = name.endswith((".yaml", ".yml"))
            if e.is_symlink():
                if is_entry or (not name.startswith("_") and e.is_dir()):
                    found.append(prefix + name)
            elif e.is_dir(follow_symlinks=False):
                if name.startswith("_"):
                    continue
                if depth >= MAX_FOLDER_DEPTH or windows_reserved(name):
                    found.append(prefix + name)
                else:
                    folders.append(prefix + name)
            elif is_entry:
                found.append(prefix + name)
        # Files of a folder first, then its folders in order, as os.walk gave them.
        stack.extend((f, depth + 1) for f in reversed(folders))
    return found


def load_context(root: Path, today: date | None = None) -> tuple[Context | None, list[Problem]]:
    """The directory's settings and taxonomy, or the problems that prevent reading them."""
    cfg_path = root / CONFIG_NAME
    if not cfg_path.is_file():
        raise QuartierError(message("directory.no_config", config=CONFIG_NAME, root=root))
    # A pull request could make it a link to a file outside the repository,
    # whose text would then show in error messages (and public CI logs).
    if cfg_path.is_symlink():
        raise QuartierError(message("directory.config_link", config=CONFIG_NAME))
    doc = load_path(cfg_path, display=relative_path(cfg_path, root))
    config = validate(doc, DirectoryConfig)
    problems = list(doc.problems)
    shared, tax_problems = load_taxonomy()
    if shared is None:  # the package's own data: only a broken installation gets here
        first = tax_problems[0]
        where = f"{first.path}:{first.line}"
        broken = message("directory.taxonomy_broken", where=where, problem=first.message)
        raise QuartierError(broken)
    if config is None:
        return None, problems
    taxonomy, local_problems = with_local(shared, config.categories)
    for index, name, text, fix in local_problems:
        line, column = doc.locate(("categories", index, name))
        problems.append(Problem(doc.path, line, column, f"categories[{index}].{name}", text, fix))
    if local_problems:
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
    given = os.path.abspath(root)
    ctx, directory = open_directory(root, today)
    root = directory.root
    if ctx is None:
        return directory
    files = entry_paths(root, optional=bool(ctx.config.members))
    targets = files
    if only is not None:
        targets = []
        for p in only:
            if str(p).lower().endswith((".jpg", ".jpeg", ".png", ".webp")):
                from .photos import entry_of_photo

                p = entry_of_photo(Path(p)) or p  # a photo is checked through its entry
            path, refused = _named_file(p, root, given)
            if refused is not None:
                directory.problems.append(refused)
                directory.checked_files += 1
            elif path not in targets:  # entries/x.yaml ./entries/x.yaml: one file
                targets.append(path)
    keys = read_local(directory, ctx, targets, keep_entries)
    blame = None
    if only is not None:
        target_set = set(targets)
        others = [p for p in files if p not in target_set]
        blame = {relative_path(p, root) for p in targets}
        keys, known_ids, successors = _with_others(keys, root, others, ctx, use_cache)
        directory.problems += check_tree(keys, blame, known_ids, successors)
    else:
        directory.problems += check_tree(keys)
    directory.problems.sort(key=Problem.sort_key)
    return directory


def open_directory(root: Path, today: date | None = None) -> tuple[Context | None, Directory]:
    """The settings stage: ``root`` resolved, its settings and taxonomy, or their problems.

    The :class:`Directory` returned holds only those problems; the other
    stages add entries, problems and keys to it.
    """
    root = root.resolve()
    ctx, problems = load_context(root, today)
    config, taxonomy = (ctx.config, ctx.taxonomy) if ctx else (None, None)
    return ctx, Directory(root, config, taxonomy, problems=problems)


def read_local(
    directory: Directory, ctx: Context, files: Sequence[PathLike], keep_entries: bool = True
) -> list[Keys]:
    """The local entries stage: read ``files`` into ``directory``, return their keys.

    Each file's problems are added to ``directory`` and each valid entry
    (with ``keep_entries``) to its entries; the first file of an id keeps
    it, the cross-entry checks report the others.
    """
    keys: list[Keys] = []
    with long_lived():
        for rel, entry, file_problems, k in read_entries(files, directory.root, ctx, keep_entries):
            directory.problems += file_problems
            directory.checked_files += 1
            if k is not None:
                if entry is not None:
                    directory.entries.setdefault(entry.id, entry)
                directory.paths.setdefault(k.id, rel)
                keys.append(k)
    return keys


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
    """Load, validate and check one entry file; a link or a folder is refused unread."""
    refused = _refusal(path, rel)
    if refused is not None:
        return None, [refused], None
    doc = load_path(path, display=rel)
    entry = validate(doc, Entry, context={"country": address_country(doc.data)})
    if entry is None:
        return None, doc.problems, None
    problems = doc.problems + check_entry(entry, doc, stem_of(path), ctx)
    if any(image.file for image in entry.images):
        from .photos import check_photos  # Pillow only for entries with photo files

        problems += check_photos(entry, doc, path)
    return entry, problems, keys_of(entry, doc)


def _refusal(path: PathLike, rel: str) -> Problem | None:
    """Why ``path`` must not be read as an entry, or None.

    A symbolic link or a hard link can bring in a file from outside the
    repository, and its text into the error messages (git never checks out a
    hard link: one here was made by hand). A folder listed by the walk is one
    it refused to enter. Nothing of a target is read: one ``lstat``.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return None  # load_path reports what cannot be read
    name = os.path.basename(path)
    if stat.S_ISLNK(st.st_mode):
        return Problem(
            rel,
            1,
            1,
            "file",
            message("directory.symlink"),
            message("directory.symlink.fix"),
        )
    if stat.S_ISDIR(st.st_mode):
        if windows_reserved(name):
            return _reserved_folder(rel, name)
        return _too_deep(rel, folder=True)
    if st.st_nlink > 1 and stat.S_ISREG(st.st_mode):
        return Problem(
            rel,
            1,
            1,
            "file",
            message("directory.hard_link", links=st.st_nlink),
            message("directory.hard_link.fix"),
        )
    return None


def _named_file(p: PathLike, root: Path, given: str) -> tuple[str, Problem | None]:
    """A file named on the command line: its path inside ``root``, or why it is refused.

    ``root`` is resolved; ``given`` is the root as the caller wrote it (maybe
    through a link, which is fine). The file must lie inside the repository
    and be reached without a link, from either spelling of the root.
    """
    shown = str(p)
    absolute = os.path.abspath(p)
    real = os.path.realpath(p)
    inside = str(root) + os.sep
    if not real.startswith(inside):
        return real, Problem(
            shown,
            1,
            1,
            "file",
            message("directory.outside", entries=ENTRIES_DIR),
            message("directory.outside.fix", folder=root / ENTRIES_DIR),
        )
    rel = real[len(inside) :]
    if absolute not in (real, os.path.join(given, rel)):
        return real, Problem(
            shown,
            1,
            1,
            "file",
            message("directory.through_link"),
            message("directory.through_link.fix", entries=ENTRIES_DIR),
        )
    # The walk refuses these folders; a pull request naming a file in one must
    # fail as the whole tree would.
    parts = rel.split(os.sep)
    folders = parts[1:-1] if parts[0] == ENTRIES_DIR else []
    reserved = next((f for f in folders if windows_reserved(f)), None)
    if reserved is not None:
        return real, _reserved_folder(shown, reserved)
    if len(folders) > MAX_FOLDER_DEPTH:
        return real, _too_deep(shown, folder=False)
    return real, None


def _reserved_folder(path: str, name: str) -> Problem:
    return Problem(
        path,
        1,
        1,
        "file",
        message("directory.reserved_folder", name=name),
        message("directory.reserved_folder.fix"),
    )


def _too_deep(path: str, folder: bool) -> Problem:
    """A folder the walk met below ``entries/<country>/<place>/``, or a file named in one."""
    if folder:
        what, hint = message("directory.too_deep.folder"), message("directory.too_deep.folder.fix")
    else:
        what, hint = message("directory.too_deep.file"), message("directory.too_deep.file.fix")
    return Problem(path, 1, 1, "file", what, hint)


def stem_of(path: PathLike) -> str:
    """The file name without its extension: what a valid entry's id must be."""
    return os.path.splitext(os.path.basename(path))[0]


def _with_others(
    mine: list[Keys], root: Path, files: list[str], ctx: Context, use_cache: bool
) -> tuple[list[Keys], set[str], dict[str, str]]:
    """The named files' keys plus those of other entries that share a value with them.

    Only those can make a pair with a named file; the ids of all entries are
    still needed to tell whether ``superseded_by`` names an entry, and every
    ``superseded_by`` to follow a chain of moves.

    A cache maps each other file to ``[mtime_ns, size, row]``, where the row
    holds only what finds the files to compare (see :data:`ROW`). A file whose
    size or modification time changed, or which shares a value with a named
    file, is read again: what is reported always comes from the files, and
    the cache only says which ones to read. A cache whose checksum fails is
    rebuilt (see :func:`_read_cache`); a row of the wrong shape is read again.
    The cache is rewritten only when something in it changed.
    """
    ids = {k.id for k in mine} | {k.superseded_by for k in mine if k.superseded_by}
    phones = {k.phone for k in mine if k.phone}
    hosts = {k.host for k in mine if k.host}
    names = {n for k in mine for n in k.names}
    cache_path = root / CACHE_FILE
    # A cache folder that is a link could lead the cache's writes anywhere.
    use_cache = use_cache and not os.path.islink(cache_path.parent)
    cached = _read_cache(cache_path) if use_cache else {}
    rows: dict[str, Any] = {}  # what the cache will hold
    known = {k.id for k in mine}
    successors: dict[str, str] = {}
    again: list[tuple[str, str, list[int]]] = []  # files to read
    prefix = str(root) + os.sep
    cut = len(prefix) if os.sep == "/" else 0
    for path in files:
        # Files from the walk start with the root: plain slicing, 10,000 times.
        rel = path[cut:] if cut and path.startswith(prefix) else relative_path(path, root)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        stamp = [st.st_mtime_ns, st.st_size]
        hit = cached.get(rel)
        # One plain test per row: this runs over every other entry on each commit.
        if type(hit) is not list or len(hit) != 3 or hit[0] != stamp[0] or hit[1] != stamp[1]:
            again.append((rel, path, stamp))
            continue
        row = hit[2]
        if row is not None:
            if type(row) is not list or len(row) != _ROW_LENGTH:
                again.append((rel, path, stamp))
                continue
            id_, sid, phone, host, row_names, lat, lon = row
            try:
                # Read again what shares a value with a named file.
                read_it = (
                    id_ in ids
                    or sid in ids
                    or phone in phones
                    or host in hosts
                    or (
                        not names.isdisjoint(row_names)
                        and any(
                            distance_m(lat, lon, k.lat, k.lon) <= DUPLICATE_DISTANCE_M for k in mine
                        )
                    )
                )
            except (TypeError, ValueError):  # a list where a text belongs, and so on
                read_it = True
            if read_it:
                again.append((rel, path, stamp))
                continue
            known.add(id_)
            if sid:
                successors[id_] = sid
        rows[rel] = hit
    near: list[Keys] = []
    changed = len(rows) + len(again) != len(cached)
    for (rel, _path, stamp), (_, _, _, k) in zip(
        again, read_entries([p for _, p, _ in again], root, ctx, keep_entries=False), strict=True
    ):
        hit = [*stamp, None if k is None else _row(k)]
        changed = changed or hit != cached.get(rel)
        rows[rel] = hit
        if k is not None:
            near.append(k)
            known.add(k.id)
            if k.superseded_by:
                successors.setdefault(k.id, k.superseded_by)
    if use_cache and changed:
        _write_atomic(cache_path, cache_bytes(rows))
    return [*mine, *near], known, successors


# What the cache keeps of an entry: enough to tell which files to compare.
ROW = ("id", "superseded_by", "phone", "host", "names", "lat", "lon")
_ROW_LENGTH = len(ROW)


def _row(k: Keys) -> list[Any]:
    return [k.id, k.superseded_by, k.phone, k.host, list(k.names), k.lat, k.lon]


def _read_cache(path: Path) -> dict[str, Any]:
    """The cached rows, or nothing when the cache is missing, damaged or not a plain file.

    The first line holds a CRC-32 of the rest: any damage (a half-written file,
    an edit, another version's rows) means a rebuild, at the cost of a
    millisecond per 10,000 entries instead of testing the type of every value.
    """
    try:
        # Not through a link, and no waiting on a FIFO planted there.
        fd = os.open(path, os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return {}
    try:
        with open(fd, "rb") as cache:
            st = os.fstat(cache.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_CACHE_BYTES:
                return {}
            head, _, body = cache.read().partition(b"\n")
            if head != _CACHE_HEAD % zlib.crc32(body):
                return {}
            data = orjson.loads(body)
    except (OSError, ValueError):
        return {}  # a broken cache is rebuilt, never trusted
    return data if type(data) is dict else {}


def cache_bytes(rows: dict[str, Any]) -> bytes:
    """The cache file for ``rows``: a line with their checksum, then the rows as JSON."""
    body = orjson.dumps(rows)
    return b"%s\n%s" % (_CACHE_HEAD % zlib.crc32(body), body)


_CACHE_HEAD = b"quartier keys cache 3, crc32 %08x"
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
# About 350 bytes an entry: room for 300,000 entries, and no reading a disk-sized file.
MAX_CACHE_BYTES = 100 * 1024 * 1024


def _write_atomic(path: Path, data: bytes) -> None:
    # A file of our own (O_EXCL, no link followed), then renamed over the cache:
    # a link planted where the cache or its temporary file goes is replaced, not
    # written through.
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o644)
        with open(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        # the cache only saves time; a read-only checkout works without it


def relative_path(path: PathLike, root: Path) -> str:
    """``entries/ch/bern/x.yaml`` for a file under ``root`` (already resolved)."""
    text, prefix = str(path), str(root) + os.sep
    if text.startswith(prefix):  # files from the walk: plain string work
        return text[len(prefix) :].replace(os.sep, "/")
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return text
