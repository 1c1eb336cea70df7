"""What a pull request changed, how much to check, and who may change what.

CI on a pull request used to pass a shell-expanded list of changed files to
``quartier validate``: a file named ``[v]elowerk-lorraine.yaml`` was replaced
by the shell's glob match, and a deleted entry was never checked, so a pull
request could pass while main then failed. Here git hands over the names
NUL-separated and nothing goes through a shell:

- a pull request that only adds or modifies entry files is checked for those
  files, in full, against the whole tree (and blamed only for them);
- anything else (a deleted or renamed entry, a changed setting, taxonomy or
  tool file) checks the whole tree;
- entries are never deleted (a closed business keeps its file with a
  ``status``), except by a directory maintainer.

Who may change what (:func:`decide`, shared by ``quartier approvals`` and
``quartier validate --author``): every entry a pull request adds, changes or
deletes needs its author or an approving reviewer to be one of the entry's
maintainers or one of the directory's. Maintainers are read from the *base*
branch (the entry's file and ``directory.yaml`` there), so no one approves
themselves in; a new entry may list as maintainers only people who opened or
approved the pull request, unless a directory maintainer did.

Example::

    changes = changed_files(root, "origin/main")
    scope = scope_of(changes)               # scope.files is None: the whole tree
    directory = directory_maintainers(root, changes.target)
    verdicts = decide(root, changes, "someone", ("lea-brunner",), directory)
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from .load import MAX_BYTES, load_bytes
from .messages import message
from .problems import Problem, QuartierError, Severity, printable

ENTRY_SUFFIXES = (".yaml", ".yml")
SETTINGS = "directory.yaml"  # config.CONFIG_NAME, without importing pydantic
# Reasons name at most this many people; a hostile entry may list thousands.
SHOWN_PEOPLE = 10
# What was done to a file, and who did it, by kind of change and role.
_DONE = {
    "added": "pullrequest.done.added",
    "changed": "pullrequest.done.changed",
    "deleted": "pullrequest.done.deleted",
}
_WHO = {"author": "pullrequest.who.author", "approver": "pullrequest.who.approver"}


@dataclass(frozen=True, slots=True)
class Change:
    """One changed path: git's status letter (A, M, D, T, ...) and the path, as bytes decode."""

    status: str
    path: str

    @property
    def is_entry(self) -> bool:
        return self.path.startswith("entries/") and self.path.endswith(ENTRY_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Changes:
    """What a pull request changed, from the commit it started from (the merge base) to ``head``.

    ``target`` is the base branch's commit whose maintainers count (its tip,
    so a maintainer removed there since the pull request began counts no
    more); it is the merge base when not given.
    """

    base: str  # the merge base, a full commit id
    items: tuple[Change, ...]
    head: str = "HEAD"
    target: str = ""

    @property
    def maintainers_at(self) -> str:
        return self.target or self.base


@dataclass(frozen=True, slots=True)
class Scope:
    """What to validate: ``files`` (relative paths), or the whole tree when ``None``."""

    files: tuple[str, ...] | None
    reason: str


def _run(root: str, args: tuple[str, ...]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", root, *args], capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise QuartierError(message("pullrequest.git.unavailable", reason=exc)) from exc


def _git(root: os.PathLike[str] | str, *args: str) -> bytes:
    result = _run(os.fspath(root), args)
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[-1] if said else message("pullrequest.git.no_detail")
        raise QuartierError(message("pullrequest.git.failed", command=args[0], detail=detail))
    return result.stdout


def _commit(root: os.PathLike[str] | str, revision: str) -> str:
    """The full id of the commit ``revision`` names; an option-like revision is refused."""
    if not revision or revision.startswith("-"):
        raise QuartierError(message("pullrequest.revision", revision=repr(revision)))
    found = _run(
        os.fspath(root), ("rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}")
    )
    if found.returncode != 0:
        raise QuartierError(message("pullrequest.revision.unknown", revision=repr(revision)))
    return found.stdout.decode().strip()


def toplevel(near: os.PathLike[str] | str) -> str:
    """The top folder of the git repository that holds ``near``."""
    found = _run(os.fspath(near), ("rev-parse", "--show-toplevel"))
    if found.returncode != 0:
        raise QuartierError(message("pullrequest.not_a_repository", folder=os.fspath(near)))
    return found.stdout.decode().rstrip("\n")


def changed_files(root: os.PathLike[str] | str, base: str, head: str = "HEAD") -> Changes:
    """Every path changed between the merge base of ``base`` and ``head``, NUL-separated from git.

    Renames are split into a deletion and an addition (``--no-renames``): an
    id never changes, so a rename is a deletion as far as the directory goes.
    """
    target = _commit(root, base)
    tip = _commit(root, head)
    merge_base = _git(root, "merge-base", "--end-of-options", target, tip).decode().strip()
    raw = _git(
        root, "diff", "-z", "--no-renames", "--name-status", "--end-of-options", merge_base, tip
    )
    fields = raw.split(b"\0")
    if fields and fields[-1] == b"":
        fields.pop()
    items = [
        Change(fields[i].decode("ascii", "replace")[:1], os.fsdecode(fields[i + 1]))
        for i in range(0, len(fields) - 1, 2)
    ]
    return Changes(merge_base, tuple(items), tip, target)


def named_changes(
    root: os.PathLike[str] | str, base: str, paths: Iterable[str], head: str = "HEAD"
) -> Changes:
    """Like :func:`changed_files` for the ``paths`` given (relative to the repository).

    Each is added, modified or deleted according to whether git has it at
    the merge base and at ``head`` (and left out when it is the same in
    both); a path in neither is a usage error.
    """
    target = _commit(root, base)
    tip = _commit(root, head)
    merge_base = _git(root, "merge-base", "--end-of-options", target, tip).decode().strip()
    named = {repository_path(given): given for given in paths}
    was, now = _blobs(root, merge_base, named), _blobs(root, tip, named)
    items = []
    for path, given in named.items():
        before, after = was.get(path), now.get(path)
        if before is None and after is None:
            raise QuartierError(message("pullrequest.path.unknown", path=repr(given), base=base))
        if before != after:  # a file the pull request leaves as it was is no change
            items.append(Change("M" if before and after else "A" if after else "D", path))
    return Changes(merge_base, tuple(items), tip, target)


def repository_path(given: str) -> str:
    """``given`` as git names it (``a/b.yaml``), refusing absolute paths and ``..``."""
    pure = PurePosixPath(given.replace(os.sep, "/"))
    parts = [p for p in pure.parts if p != "."]
    if pure.is_absolute() or not parts or ".." in parts:
        raise QuartierError(message("pullrequest.path.outside", path=repr(given)))
    return "/".join(parts)


def scope_of(changes: Changes) -> Scope:
    """Only the changed entries when that is all a pull request did, else the whole tree."""
    if not changes.items:
        return Scope(None, message("pullrequest.scope.nothing"))
    for change in changes.items:
        path = printable(change.path)
        if not change.is_entry:
            return Scope(None, message("pullrequest.scope.not_entry", path=path))
        if change.status not in ("A", "M"):
            why = "pullrequest.scope.deleted" if change.status == "D" else "pullrequest.scope.type"
            return Scope(None, message(why, path=path))
    files = tuple(c.path for c in changes.items)
    return Scope(files, message("pullrequest.scope.entries", count=len(files)))


# --- Who may change what ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Maintainers:
    """The directory's maintainers in the base ``directory.yaml``: logins and ``org/team`` names.

    ``members`` holds each team's logins once read from GitHub (keys and
    logins casefolded); a team not in it counts for nobody.
    """

    people: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    members: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def includes(self, login: str) -> bool:
        me = login.casefold()
        if any(p.casefold() == me for p in self.people):
            return True
        return any(me in self.members.get(t.casefold(), ()) for t in self.teams)

    def shown(self) -> str:
        return people((*self.people, *self.teams))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the pull request may make one change, and why, in plain words.

    ``change`` is ``added``, ``changed``, ``deleted`` or ``settings`` (the
    directory's own ``directory.yaml``); ``maintainers`` are those who may
    approve it besides the directory's: the entry's at the base, or the ones
    a new entry lists. ``line`` and ``column`` point at ``maintainers`` in
    the pull request's version of the file (1, 1 when it has none).
    """

    path: str
    change: str
    allowed: bool
    reason: str
    maintainers: tuple[str, ...] = ()
    line: int = 1
    column: int = 1


def people(logins: Iterable[str]) -> str:
    """``@a, @b`` (at most :data:`SHOWN_PEOPLE`, then how many more), or ``nobody``."""
    listed = list(logins)
    if not listed:
        return message("pullrequest.nobody")
    shown = ", ".join(f"@{login}" for login in listed[:SHOWN_PEOPLE])
    if len(listed) > SHOWN_PEOPLE:
        return message("pullrequest.more_people", people=shown, count=len(listed) - SHOWN_PEOPLE)
    return shown


def directory_maintainers(root: os.PathLike[str] | str, commit: str) -> Maintainers:
    """The people and teams that ``directory.yaml`` names at ``commit`` (none when absent)."""
    found = listed_maintainers(root, commit, [SETTINGS]).get(SETTINGS)
    listed = found.handles if found else ()
    return Maintainers(
        tuple(h for h in listed if "/" not in h), tuple(h for h in listed if "/" in h)
    )


def decide(
    root: os.PathLike[str] | str,
    changes: Changes,
    author: str,
    approvers: Iterable[str] = (),
    directory: Maintainers | None = None,
) -> list[Verdict]:
    """One verdict per entry (and ``directory.yaml``) the pull request adds, changes or deletes.

    - an existing entry: the author or an approver is one of its maintainers
      in the base branch, or a directory maintainer; an entry without
      maintainers there is the directory maintainers' alone;
    - a deleted (or moved, or renamed) entry: a directory maintainer, since
      entries are never deleted but spam is removed;
    - a new entry: each person it lists as a maintainer opened or approved
      the pull request (only a person makes themselves a maintainer), and it
      lists at least one; or a directory maintainer acts for the owner (an
      owner without a GitHub account, an intake pull request opened by a bot);
    - ``directory.yaml``: a directory maintainer.

    Other files (the site, workflows, the tool) are not decided here.
    """
    if directory is None:
        directory = directory_maintainers(root, changes.maintainers_at)
    acting = _acting(author, approvers)
    present = [c.path for c in changes.items if c.is_entry and c.status != "D"]
    # A photo beside an entry is the entry's: its maintainers decide (see _photo).
    photos = {c.path: _photo_entries(c.path) for c in changes.items if _is_photo(c.path)}
    present += [p for candidates in photos.values() for p in candidates]
    before = listed_maintainers(root, changes.maintainers_at, present)
    after = listed_maintainers(root, changes.head, present)
    out = []
    for change in changes.items:
        if change.path == SETTINGS:
            out.append(_settings(change, acting, directory))
        elif change.is_entry:
            was, now = before.get(change.path), after.get(change.path)
            out.append(_entry(change, was, now, acting, directory))
        elif change.path in photos:
            out.append(_photo(change, photos[change.path], before, after, acting, directory))
    return out


PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def _is_photo(path: str) -> bool:
    return path.startswith("entries/") and path.lower().endswith(PHOTO_SUFFIXES)


def _photo_entries(path: str) -> list[str]:
    """The entry files a photo may belong to, longest id first (see quartier.photos).

    ``entries/ch/bern/a-b-shop.jpg``: ``a-b-shop.yaml``, ``a-b.yaml``, ``a.yaml``
    (and ``.yml``) beside it; the first that exists is its entry.
    """
    folder, _, name = path.rpartition("/")
    parts = name.rsplit(".", 1)[0].split("-")
    return [
        f"{folder}/{'-'.join(parts[:n])}{suffix}"
        for n in range(len(parts), 0, -1)
        for suffix in ENTRY_SUFFIXES
    ]


def _photo(
    change: Change,
    candidates: list[str],
    before: Mapping[str, Listed],
    after: Mapping[str, Listed],
    acting: list[tuple[str, str]],
    directory: Maintainers,
) -> Verdict:
    """A photo added, replaced or removed is a change to its entry, decided as one.

    The entry's maintainers in the base branch (or the directory's) approve
    it; a photo of an entry new in this pull request follows the new entry's
    rule; a photo of no entry is the directory maintainers' alone.
    """
    entry = next((p for p in candidates if p in before or p in after), None)
    was = before.get(entry) if entry else None
    now = after.get(entry) if entry else None
    status = "A" if was is None and now is not None else "M"
    verdict = _entry(Change(status, change.path), was, now, acting, directory)
    return replace(verdict, line=1, column=1)  # the lines named are the entry's, not the photo's


def _acting(author: str, approvers: Iterable[str]) -> list[tuple[str, str]]:
    """(login, role) of the author and each approver, once each whatever its case."""
    seen: dict[str, tuple[str, str]] = {author.casefold(): (author, "author")}
    for login in approvers:
        seen.setdefault(login.casefold(), (login, "approver"))
    return list(seen.values())


def _done(change: str, acting: list[tuple[str, str]]) -> str:
    """``changed by @mallory`` or ``changed by @mallory and approved by @eve``."""
    author, *approvers = (login for login, _ in acting)
    done = message(_DONE[change], author=f"@{author}")
    if approvers:
        done = message("pullrequest.done.approved", done=done, approvers=people(approvers))
    return done


def _who(login: str, role: str) -> str:
    return message(_WHO[role], login=f"@{login}")


def _directory_acts(acting: list[tuple[str, str]], directory: Maintainers) -> str | None:
    """Why the change is allowed when a directory maintainer opened or approved it, else None."""
    for login, role in acting:
        if directory.includes(login):
            return message("pullrequest.ok.directory", who=_who(login, role))
    return None


def _settings(change: Change, acting: list[tuple[str, str]], directory: Maintainers) -> Verdict:
    allowed = _directory_acts(acting, directory)
    if allowed is not None:
        return Verdict(change.path, "settings", True, allowed)
    why = message(
        "pullrequest.refused.settings",
        count=len(acting),
        done=_done("changed", acting),
        directory=directory.shown(),
    )
    return Verdict(change.path, "settings", False, why)


def _entry(
    change: Change,
    before: Listed | None,
    after: Listed | None,
    acting: list[tuple[str, str]],
    directory: Maintainers,
) -> Verdict:
    def by_directory(kind: str) -> Verdict | None:
        allowed = _directory_acts(acting, directory)
        return (
            None if allowed is None else Verdict(change.path, kind, True, allowed, (), line, column)
        )

    line, column = 1, 1
    if change.status == "D":
        allowed = by_directory("deleted")
        if allowed:
            return allowed
        why = message(
            "pullrequest.refused.deleted",
            count=len(acting),
            done=_done("deleted", acting),
            directory=directory.shown(),
        )
        return Verdict(change.path, "deleted", False, why)
    if after is not None:
        line, column = after.line, after.column
    if before is None and change.status == "A":
        listed = list(after.handles) if after else []
        verdict = _new_entry(change, listed, acting, directory, line, column)
        return verdict if verdict.allowed else by_directory("added") or verdict
    kept = list(before.handles) if before else []
    keepers = {k.casefold() for k in kept}
    for login, role in acting:
        if login.casefold() in keepers:
            why = message("pullrequest.ok.maintainer", who=_who(login, role))
            return Verdict(change.path, "changed", True, why, tuple(kept), line, column)
    allowed = by_directory("changed")
    if allowed:
        return Verdict(change.path, "changed", True, allowed.reason, tuple(kept), line, column)
    done = _done("changed", acting)
    if kept:
        why = message(
            "pullrequest.refused.changed", count=len(acting), done=done, maintainers=people(kept)
        )
    else:
        why = message(
            "pullrequest.refused.unmaintained",
            count=len(acting),
            done=done,
            directory=directory.shown(),
        )
    return Verdict(change.path, "changed", False, why, tuple(kept), line, column)


def _new_entry(
    change: Change,
    listed: list[str],
    acting: list[tuple[str, str]],
    directory: Maintainers,
    line: int,
    column: int,
) -> Verdict:
    here = {login.casefold() for login, _ in acting}
    missing = [h for h in listed if h.casefold() not in here]
    done = _done("added", acting)
    if listed and not missing:
        why = message("pullrequest.ok.new", maintainers=people(listed))
        return Verdict(change.path, "added", True, why, tuple(listed), line, column)
    if listed:
        why = message(
            "pullrequest.refused.new",
            count=len(missing),
            done=done,
            missing=people(missing),
            directory=directory.shown(),
        )
    else:
        why = message("pullrequest.refused.new_empty", done=done, directory=directory.shown())
    return Verdict(change.path, "added", False, why, tuple(listed), line, column)


# --- quartier validate --changed-since --author -------------------------------


def authority_problems(
    root: os.PathLike[str] | str, changes: Changes, author: str | None
) -> list[Problem]:
    """What :func:`decide` says of the author alone, as problems for ``quartier validate``.

    Deleting an entry is an error unless the author is a directory
    maintainer (without ``--author``, always): the tree loses an id others
    may name. The rest is a warning, since an approval can settle it and
    only ``quartier approvals`` sees approvals. Teams in ``directory.yaml``
    are not read here (that needs GitHub): a team's member gets the warning.
    """
    if author is None:
        deleted = [c for c in changes.items if c.is_entry and c.status == "D"]
        verdicts = [Verdict(c.path, "deleted", False, "") for c in deleted]
    else:
        verdicts = decide(root, changes, author)
    out: list[Problem] = []
    for verdict in verdicts:
        if verdict.allowed:
            continue
        if verdict.change == "deleted":
            out.append(
                Problem(
                    verdict.path,
                    1,
                    1,
                    "id",
                    message("pullrequest.deleted"),
                    message("pullrequest.deleted.fix"),
                )
            )
            continue
        out.append(
            Problem(
                verdict.path,
                verdict.line,
                verdict.column,
                "maintainers",
                verdict.reason,
                message("pullrequest.needs_approval.fix"),
                Severity.WARNING,
            )
        )
    return out


# --- Files at a commit ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """The ``maintainers`` a file lists, and where (1, 1 when it lists none or cannot be read)."""

    handles: tuple[str, ...]
    line: int = 1
    column: int = 1


def listed_maintainers(
    root: os.PathLike[str] | str, commit: str, paths: Iterable[str]
) -> dict[str, Listed]:
    """What each of ``paths`` that is a file in ``commit`` lists as ``maintainers``.

    Read from git's objects, never the working tree, a batch at a time (one
    ``ls-tree`` and one ``cat-file --batch`` per :data:`_BATCH` files), with
    the loader's size limit checked before anything is read; an oversized
    or broken file lists nobody (``quartier validate`` says why).
    """
    out: dict[str, Listed] = {}
    wanted = list(dict.fromkeys(paths))
    for start in range(0, len(wanted), _BATCH):
        found = _blobs(root, commit, wanted[start : start + _BATCH])
        small = {path: oid for path, (oid, size) in found.items() if size <= MAX_BYTES}
        contents = _contents(root, set(small.values()))
        for path in found:
            raw = contents.get(small.get(path, ""))
            doc = load_bytes(raw, path) if raw is not None else None
            if doc is None or doc.data is None:
                out[path] = Listed(())
                continue
            line, column = doc.locate(("maintainers",))
            out[path] = Listed(tuple(_handles(doc.data.get("maintainers"))), line, column)
    return out


# Files per git call: argument lists stay short, and at most this many files of
# MAX_BYTES are in memory at once.
_BATCH = 256
_FILE_MODES = (b"100644", b"100755")  # not a link (120000), a submodule or a folder


def _blobs(
    root: os.PathLike[str] | str, commit: str, paths: Iterable[str]
) -> dict[str, tuple[str, int]]:
    """Object id and size of each of ``paths`` that is a file in ``commit``.

    Paths are literal (``--literal-pathspecs``): ``[v]elowerk.yaml`` is that name.
    """
    wanted = list(paths)
    if not wanted:
        return {}
    names = set(wanted)
    out = _git(root, "--literal-pathspecs", "ls-tree", "-l", "-z", commit, "--", *wanted)
    found: dict[str, tuple[str, int]] = {}
    for record in out.split(b"\0"):
        info, _, raw_name = record.partition(b"\t")
        fields = info.split()
        name = os.fsdecode(raw_name)
        is_file = len(fields) == 4 and fields[1] == b"blob" and fields[0] in _FILE_MODES
        if is_file and name in names:
            found[name] = (fields[2].decode(), int(fields[3]))
    return found


def _contents(root: os.PathLike[str] | str, object_ids: set[str]) -> dict[str, bytes]:
    """The bytes of each object, from one ``git cat-file --batch`` (ids in, never names)."""
    if not object_ids:
        return {}
    ids = sorted(object_ids)
    try:
        result = subprocess.run(
            ["git", "-C", os.fspath(root), "cat-file", "--batch"],
            input="".join(f"{oid}\n" for oid in ids).encode(),
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise QuartierError(message("pullrequest.git.unavailable", reason=exc)) from exc
    out: dict[str, bytes] = {}
    data, at = result.stdout, 0
    for oid in ids:
        end = data.find(b"\n", at)
        header = data[at:end].split() if end >= 0 else []
        if len(header) != 3 or header[0].decode() != oid:
            break  # missing or garbled: the files left list nobody
        size = int(header[2])
        out[oid] = data[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return out


def _handles(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v]
