"""Where a directory comes from: a local repository, a published build, or a URL.

Search and the MCP server work on any city's directory: the ``entries/`` tree
of a checkout, the output folder of ``quartier build``, or the address of a
published site (its ``feed.json`` or API). Whatever the source, the result
is an :class:`~quartier.discover.reader.Index`, cached on disk and rebuilt
only when the source changed:

- a repository: keyed by the stat (path, size, mtime) of every entry file
  and the content of ``directory.yaml`` and the taxonomy; the index lives in
  ``.quartier-cache/`` beside the entries;
- a published folder or URL: ``api/v1/directory.json``,
  ``api/v1/taxonomy.json`` and ``data/entries.ndjson``; a URL is fetched with
  conditional requests (ETag / Last-Modified), so an unchanged site costs
  three small round trips. Those indexes live in the user's cache folder
  (``$QUARTIER_CACHE_DIR``, else ``$XDG_CACHE_HOME/quartier``, else
  ``~/.cache/quartier``).

A published directory is somebody else's data, read within limits and
checked with the same contract as a local one: each file at most
:data:`MAX_BYTES`, the whole fetch within :data:`FETCH_DEADLINE_S`, only
http(s) redirects; a file that breaks a limit, or settings that fail
``DirectoryConfig`` or the taxonomy's model, stop the command with a message
and leave the last good copy in the cache as it was. Each record is checked
as a local entry is (see :func:`~quartier.discover.records.check_line`); the
invalid ones are left out of the index and reported (:func:`skipped_report`).

Example::

    index = open_index("https://quartier.example.org/feed.json")
    index = open_index(Path("."))          # a checkout with directory.yaml
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .. import __version__
from ..fetch import Deadline, get, opener
from ..fetch import Refused as _Refused
from ..fetch import size_text as _size
from ..problems import QuartierError
from ..taxonomy import TAXONOMY_FILE
from .build import build_index
from .layout import INDEX_VERSION
from .reader import Index, IndexUnusable
from .records import NdjsonRows, Row, describe, printable
from .text import STOPWORDS_VERSION

API = "api/v1"
PUBLISHED_FILES = (f"{API}/directory.json", f"{API}/taxonomy.json", "data/entries.ndjson")
# Keys of a published api/v1/directory.json that are not settings (an aggregate's).
PUBLISHED_ONLY = ("members", "attribution", "share_alike")
# The most each published file may weigh, from a URL or a folder. Generous: the sample's
# records take about 3.3 KB each, so the NDJSON of 100,000 businesses is some 330 MB; its
# settings 1.3 KB and its taxonomy 93 KB. What is larger is refused before it fills the
# memory or the disk.
MAX_BYTES = {
    f"{API}/directory.json": 1 << 20,
    f"{API}/taxonomy.json": 8 << 20,
    "data/entries.ndjson": 512 << 20,
}
# For the whole fetch of a site (its three files): a server that sends a byte now and
# then never times a read out. 512 MiB in ten minutes is 7 Mbit/s.
FETCH_DEADLINE_S = 600.0
# The safe HTTP client lives in quartier.fetch (federate uses it too); these names
# stay for the modules that imported them from here (publish.previous).
_Deadline, _opener = Deadline, opener
__all__ = ["_Deadline", "_Refused", "_opener", "_size", "open_index"]
# Invalid records described on stderr; the others are counted.
REPORT_SKIPPED = 10
_announce: Callable[[str], None] | None = None


def skipped_report(index: Index, limit: int = REPORT_SKIPPED) -> list[str]:
    """Lines saying which published records were left out of ``index`` and why ([] if none).

    The first line alone is a summary, e.g. for an assistant's notes::

        quartier: warning: 2 records of https://x.org/ are invalid and were left out:
          line 7 (velowerk-lorraine): contact.website: 'javascript:...' is not a web address ...
    """
    count = index.skipped_count
    if not count:
        return []
    src = printable(index.source)
    if count == 1:
        out = [f"quartier: warning: 1 record of {src} is invalid and was left out:"]
    else:
        out = [f"quartier: warning: {count} records of {src} are invalid and were left out:"]
    for s in index.skipped[:limit]:
        ident = f" ({s.id})" if s.id else ""
        out.append(f"  line {s.line}{ident}: {s.field}: {s.problem}")
    if count > limit:
        out.append(f"  ... and {count - limit} more")
    return out


def skipped_note(index: Index, limit: int = 3) -> str | None:
    """Which records were left out, in one line for an assistant's notes, or None.

    It names the line, id and field but not the problem: a problem quotes the
    refused value, and a value that failed the contract is not relayed.
    """
    count = index.skipped_count
    if not count:
        return None
    src = printable(index.source)
    head = f"{count} record{'s' * (count != 1)} of {src} failed the entry contract"
    parts = [f"line {s.line} ({s.id or 'no id'}): {s.field}" for s in index.skipped[:limit]]
    if count > limit:
        parts.append(f"and {count - limit} more")
    return f"{head} and {'were' if count != 1 else 'was'} left out: " + "; ".join(parts)


def open_index(
    spec: str | Path,
    rebuild: bool = False,
    announce: Callable[[str], None] | None = None,
) -> Index:
    """The index of the directory at ``spec``: a repository's folder, a published build's
    folder or file, or a URL (a command finds the repository with ``--root``, see
    :func:`quartier.commands.index_from_args`).

    ``announce`` is told when the index has to be (re)built, which can take a
    while for a large repository, so a command can say so on stderr.
    """
    global _announce
    _announce = announce
    if isinstance(spec, str) and spec.startswith(("http://", "https://")):
        return _published(_fetch(base_url(spec)), f"{base_url(spec)}", rebuild)
    path = Path(spec)
    if (path / "directory.yaml").is_file():
        return _repository(path.resolve(), rebuild)
    base = published_base(path)
    if base is not None:
        return _published(base.resolve(), str(base.resolve()), rebuild)
    raise QuartierError(
        f"{spec}: not a Quartier directory: expected a repository (with directory.yaml), "
        "a published build (with api/v1/directory.json), its feed.json, or an http(s) URL"
    )


def base_url(url: str) -> str:
    """'https://x.org/feed.json' or '.../api/v1/index.json' -> 'https://x.org/'."""
    url = url.split("#", 1)[0].split("?", 1)[0]
    for marker in (f"/{API}/", "/data/entries.ndjson"):
        if marker in url:
            url = url[: url.index(marker) + 1]
    if url.endswith(("feed.json", "index.html")):
        url = url.rsplit("/", 1)[0] + "/"
    return url if url.endswith("/") else url + "/"


def published_base(path: Path) -> Path | None:
    """The output folder of a build, given the folder, its feed.json or a file under api/v1."""
    candidates = [path, *path.parents] if path.exists() else []
    for folder in candidates[:4]:
        if folder.is_dir() and all((folder / f).is_file() for f in PUBLISHED_FILES):
            return folder
    return None


def cache_root() -> Path:
    env = os.environ.get("QUARTIER_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "quartier"


# -- a repository


def _code_stamp() -> str:
    """The index-building code's own stamp, so an upgraded checkout never reads an old layout."""
    here = Path(__file__).parent
    parts = []
    for name in (
        "build.py",
        "layout.py",
        "records.py",
        "vocabulary.py",
        "bitset.py",
        "origin.py",
        "places.py",
        "text.py",
        "question.py",  # what a text says it is without (build files "~term")
        "../data/stopwords.yaml",  # what text.py drops, with the stop-words package's lists
        "../data/question.yaml",  # the negation words question.py reads
    ):
        try:
            st = (here / name).stat()
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("?")
    return f"{__version__}:{INDEX_VERSION}:{','.join(parts)}:{STOPWORDS_VERSION}"


def _repository(root: Path, rebuild: bool) -> Index:
    from ..directory import CACHE_FILE, find_entry_files

    h = hashlib.sha256(f"{_code_stamp()}:repo\n".encode())
    for path in (root / "directory.yaml", TAXONOMY_FILE):
        with contextlib.suppress(OSError):
            h.update(path.read_bytes())
    for path in find_entry_files(root):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path.relative_to(root).as_posix()}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    h.update(_mirror_stamp(root).encode())
    folder = root / CACHE_FILE.parent
    if folder.is_symlink():
        # A .quartier-cache committed as a link would have old indexes deleted and
        # new ones written wherever it points: use the user's cache instead.
        key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
        folder = cache_root() / f"repository-{key}"
    return _cached(folder, h.hexdigest(), str(root), lambda: _repository_rows(root), rebuild)


def _mirror_stamp(root: Path) -> str:
    """What identifies the members' copies that ``quartier federate`` keeps, cheaply.

    Every file of every member's copy by name, inode, mtime and size: federate
    replaces a member's records file (named by its content's hash) and then
    its ``state.json`` by rename, so any update changes this, and no record
    is read to know it. '' without a mirror.
    """
    from ..federation import mirror

    lines = []
    for member in mirror.on_disk(root):
        folder = mirror.member_folder(root, member)
        with contextlib.suppress(OSError), os.scandir(folder) as it:
            for item in sorted(it, key=lambda e: e.name):
                if item.name.startswith("."):
                    continue  # a temporary file of an update under way
                with contextlib.suppress(OSError):
                    st = item.stat(follow_symlinks=False)
                    lines.append(
                        f"{member}/{item.name}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_size}"
                    )
    return "members\n" + "\n".join(lines) if lines else ""


def _repository_rows(root: Path) -> tuple[list[Row], dict[str, Any], dict[str, Any]]:
    """Every valid business of the repository, local and (with members) federated.

    The directory is read as a build reads it (:func:`quartier.publish.pipeline.read`):
    the members' records validated again and the same business merged, each
    federated one with its origin.
    """
    from ..publish import urls
    from ..publish.pipeline import read
    from ..publish.public import entry_data
    from .origin import origin_of

    directory = read(root)
    if directory.config is None or directory.taxonomy is None:
        first = directory.errors[0] if directory.errors else None
        where = f"{first.path}:{first.line}: {first.message}" if first else "unreadable settings"
        raise QuartierError(f"cannot read the directory's settings: {where}")
    base = directory.config.base_url
    rows: list[Row] = []
    for eid, e in directory.entries.items():
        merged = directory.federated.get(eid)
        origin = origin_of(merged.sources) if merged and not merged.local else None
        rows.append((entry_data(e), base + urls.business_page(eid), origin))
    return (
        rows,
        directory.config.model_dump(mode="json"),
        directory.taxonomy.model_dump(mode="json"),
    )


# -- a published build (a folder, or a URL fetched into a folder)


def _published(base: Path, label: str, rebuild: bool) -> Index:
    h = hashlib.sha256(f"{_code_stamp()}:published:{label}\n".encode())
    for name in PUBLISHED_FILES:
        st = (base / name).stat()
        h.update(f"{name}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    folder = cache_root() / ("search-" + hashlib.sha256(label.encode()).hexdigest()[:16])
    return _cached(folder, h.hexdigest(), label, lambda: _published_rows(base, label), rebuild)


def _published_rows(
    base: Path, label: str | None = None
) -> tuple[NdjsonRows, dict[str, Any], dict[str, Any]]:
    """The published files in ``base`` (``label`` names them in messages: the URL they came
    from): the settings checked, the records read (build_index checks them)."""
    where = (label or str(base)).rstrip("/") + "/"
    config = _settings(_read(base, PUBLISHED_FILES[0], where), where + PUBLISHED_FILES[0])
    taxonomy = _settings(_read(base, PUBLISHED_FILES[1], where), where + PUBLISHED_FILES[1])
    data = _read(base, PUBLISHED_FILES[2], where)
    # The lines are checked and parsed by build_index, in parallel with indexing them.
    cats = frozenset(c["id"] for c in taxonomy["categories"])
    return NdjsonRows(data, config["base_url"], cats), config, taxonomy


def _read(base: Path, name: str, where: str) -> bytes:
    """Published file ``name`` in ``base``, if it is no larger than its limit (MAX_BYTES)."""
    limit = MAX_BYTES[name]
    try:
        with (base / name).open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise QuartierError(
                    f"{where}{name}: its size ({_size(size)}) is more than the limit of "
                    f"{_size(limit)} for this file"
                )
            data = f.read(limit + 1)
    except OSError as exc:
        raise QuartierError(f"{where}{name}: cannot read it: {exc.strerror}") from None
    if len(data) > limit:  # it grew since
        raise QuartierError(f"{where}{name}: more than {_size(limit)}, the limit for this file")
    return data


def _settings(data: bytes, where: str) -> dict[str, Any]:
    """directory.json or taxonomy.json (by ``where``'s name) checked with its model, as JSON.

    Anything wrong is one message that names the file and the first problem.
    """
    from pydantic import ValidationError

    from ..config import DirectoryConfig
    from ..taxonomy import Taxonomy

    model = DirectoryConfig if where.endswith(PUBLISHED_FILES[0]) else Taxonomy
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise QuartierError(f"{where}: not JSON: {printable(str(exc))}") from None
    if not isinstance(raw, dict):
        raise QuartierError(f"{where}: not a JSON object")
    if model is DirectoryConfig:
        _check_contract(raw.pop("contract_version", None), where)
        # What an aggregate publishes about its members, for attribution (each member
        # with its license_url), is not its settings: search relays each business's
        # own origin instead, so these are set aside unread.
        for key in PUBLISHED_ONLY:
            raw.pop(key, None)
    try:
        valid = model.model_validate(raw)
    except ValidationError as exc:
        field, problem = describe(exc)
        raise QuartierError(f"{where}: {field}: {problem}") from None
    out: dict[str, Any] = valid.model_dump(mode="json")
    return out


def _check_contract(published: object, where: str) -> None:
    """Refuse a directory whose records follow an entry contract this quartier cannot read.

    Same major and a minor no newer than ours: readable. A directory built
    before the contract version was published (quartier 0.1.0) has none and
    follows 1.0. E.g. ``"2.0"`` -> ``publishes entry contract 2.0; this
    quartier 0.3.0 reads 1.x up to 1.0 (fix: pip install -U quartier)``.
    """
    from ..model import CONTRACT_VERSION

    if published is None:
        return
    if not isinstance(published, str) or not re.fullmatch(r"[0-9]{1,4}\.[0-9]{1,4}", published):
        shown = printable(repr(published)[:40])
        raise QuartierError(f"{where}: contract_version: {shown} is not MAJOR.MINOR")
    major, minor = (int(x) for x in published.split("."))
    our_major, our_minor = (int(x) for x in CONTRACT_VERSION.split("."))
    if major != our_major or minor > our_minor:
        raise QuartierError(
            f"{where}: publishes entry contract {published}; this quartier {__version__} reads "
            f"{our_major}.x up to {CONTRACT_VERSION}"
            + (" (fix: pip install -U quartier)" if (major, minor) > (our_major, our_minor) else "")
        )


def _fetch(base: str) -> Path:
    """Mirror the three published files of ``base`` into the cache; unchanged ones are kept.

    Each file comes into a ``.part`` file beside its copy and replaces it only
    once all three have come within the limits and the settings are valid:
    until then the last good copy stays as it was.
    """
    folder = cache_root() / ("site-" + hashlib.sha256(base.encode()).hexdigest()[:16])
    folder.mkdir(parents=True, exist_ok=True)
    state_path = folder / "validators.json"
    try:
        state: dict[str, dict[str, str]] = json.loads(state_path.read_text("utf-8"))
    except (OSError, ValueError):
        state = {}
    fetched: dict[str, tuple[Path, dict[str, str]]] = {}
    try:
        with Deadline(FETCH_DEADLINE_S) as deadline:
            web = opener(deadline)
            for name in PUBLISHED_FILES:
                target = folder / name
                known = state.get(name, {}) if target.is_file() else {}
                part = target.with_name(target.name + ".part")
                got = get(
                    web,
                    base + name,
                    deadline,
                    limit=MAX_BYTES[name],
                    etag=known.get("etag", ""),
                    modified=known.get("modified", ""),
                    into=part,
                )
                if got is not None:
                    fetched[name] = (part, {"etag": got.etag, "modified": got.modified})
        for name in PUBLISHED_FILES[:2]:
            if name in fetched:
                _settings(fetched[name][0].read_bytes(), base + name)
        for name, (part, validators) in fetched.items():
            part.replace(folder / name)
            state[name] = validators
    finally:
        for part, _ in fetched.values():
            part.unlink(missing_ok=True)
    state_path.write_text(json.dumps(state), "utf-8")
    return folder


# -- the on-disk cache


def _cached(folder: Path, fingerprint: str, label: str, rows: Any, rebuild: bool) -> Index:
    name = f"search-index-v{INDEX_VERSION}-{fingerprint[:24]}.bin"
    path = folder / name
    if not rebuild and path.is_file():
        try:
            return Index.open(path)
        except IndexUnusable:
            pass  # a damaged or foreign file is rebuilt, never trusted
    if _announce is not None:
        _announce(f"quartier: building the search index of {label} (cached for next time)")
    found, config, taxonomy = rows()
    try:
        build_index(found, config, taxonomy, fingerprint, path, label)
    except OSError:
        # A read-only checkout still searches: build into a temporary file instead.
        fd, tmp = tempfile.mkstemp(prefix="quartier-search-", suffix=".bin")
        os.close(fd)
        build_index(found, config, taxonomy, fingerprint, Path(tmp), label)
        index = _opened(Path(tmp))
        _unlink(Path(tmp))
        return index
    # Older indexes of this directory, of earlier format versions too, and files left
    # by a crash while one replaced another.
    for old in folder.glob("search-index-v*.bin"):
        if old.name != name:
            _unlink(old)
    return _opened(path)


def _opened(path: Path) -> Index:
    """An index just built (only a full disk or another process could have spoilt it)."""
    try:
        return Index.open(path)
    except IndexUnusable as exc:
        raise QuartierError(f"the search index just built is unusable: {exc}") from None


def _unlink(path: Path) -> None:
    # Still mapped by another process on some systems: the next build cleans up.
    with contextlib.suppress(OSError):
        path.unlink()
