"""What a pull request changed, how much to check, and what its author may change.

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
  ``status``), except by a directory maintainer;
- ``maintainers`` are read from the *base* version, of the entry and of
  ``directory.yaml``, so no one approves themselves in: a new entry may list
  only its author, and only an entry's maintainers (or the directory's) may
  change who maintains it.

Example::

    changes = changed_files(root, "origin/main")
    scope = scope_of(changes)               # scope.files is None: the whole tree
    problems = authority_problems(root, changes, author="someone")
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .load import load_bytes, load_path
from .messages import message
from .problems import Problem, QuartierError, Severity, printable

ENTRY_SUFFIXES = (".yaml", ".yml")


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
    """What a pull request changed, against the commit it started from (the merge base)."""

    base: str  # the merge base, a full commit id
    items: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """What to validate: ``files`` (relative paths), or the whole tree when ``None``."""

    files: tuple[str, ...] | None
    reason: str


def _git(root: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise QuartierError(message("pullrequest.git.unavailable", reason=exc)) from exc
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[-1] if said else message("pullrequest.git.no_detail")
        raise QuartierError(message("pullrequest.git.failed", command=args[0], detail=detail))
    return result.stdout


def changed_files(root: Path, base: str) -> Changes:
    """Every path changed between the merge base of ``base`` and HEAD, NUL-separated from git.

    Renames are split into a deletion and an addition (``--no-renames``): an
    id never changes, so a rename is a deletion as far as the directory goes.
    """
    if not base or base.startswith("-"):
        raise QuartierError(message("pullrequest.revision", revision=repr(base)))
    merge_base = _git(root, "merge-base", "--end-of-options", base, "HEAD").decode().strip()
    raw = _git(
        root, "diff", "-z", "--no-renames", "--name-status", "--end-of-options", merge_base, "HEAD"
    )
    fields = raw.split(b"\0")
    if fields and fields[-1] == b"":
        fields.pop()
    items = [
        Change(fields[i].decode("ascii", "replace")[:1], os.fsdecode(fields[i + 1]))
        for i in range(0, len(fields) - 1, 2)
    ]
    return Changes(merge_base, tuple(items))


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


def authority_problems(root: Path, changes: Changes, author: str | None) -> list[Problem]:
    """Deleted entries, and maintainers the author may not set, as problems.

    ``author`` is the pull request's author (its GitHub login); ``None``
    skips the maintainer rules (a local run) but not the deletion rule.
    """
    owners = _directory_maintainers(root, changes.base)
    me = author.casefold() if author else None
    is_admin = me is not None and me in owners
    out: list[Problem] = []
    for change in changes.items:
        if not change.is_entry:
            continue
        if change.status == "D":
            if not is_admin:
                out.append(
                    Problem(
                        change.path,
                        1,
                        1,
                        "id",
                        message("pullrequest.deleted"),
                        message("pullrequest.deleted.fix"),
                    )
                )
            continue
        if me is None or is_admin or change.status not in ("A", "M"):
            continue
        out += _maintainer_problems(root, change, changes.base, me)
    return out


def _maintainer_problems(root: Path, change: Change, base: str, me: str) -> list[Problem]:
    doc = load_path(root / change.path, display=change.path)
    if doc.data is None:
        return []  # validation reports why the file cannot be read
    listed = _handles(doc.data.get("maintainers"))
    before: list[str] | None = None
    if change.status == "M":
        before = _handles(_base_data(root, base, change.path).get("maintainers"))
    out: list[Problem] = []
    if before is None:
        # A new entry: its author vouches for itself only.
        for i, handle in enumerate(listed):
            if handle.casefold() != me:
                line, column = doc.locate(("maintainers", i))
                out.append(
                    Problem(
                        change.path,
                        line,
                        column,
                        f"maintainers[{i}]",
                        message("pullrequest.new_maintainer", handle=handle, author=me),
                        message("pullrequest.new_maintainer.fix", handle=handle, author=me),
                    )
                )
        return out
    was = {h.casefold() for h in before}
    shown = ", ".join(before) or message("pullrequest.nobody")
    if me in was:
        return out
    line, column = doc.locate(("maintainers",))
    if {h.casefold() for h in listed} != was:
        out.append(
            Problem(
                change.path,
                line,
                column,
                "maintainers",
                message("pullrequest.maintainers_changed", author=me, maintainers=shown),
                message("pullrequest.maintainers_changed.fix"),
            )
        )
    elif was:
        out.append(
            Problem(
                change.path,
                line,
                column,
                "maintainers",
                message("pullrequest.not_maintainer", author=me, maintainers=shown),
                message("pullrequest.not_maintainer.fix"),
                Severity.WARNING,
            )
        )
    return out


def _directory_maintainers(root: Path, base: str) -> set[str]:
    data = _base_data(root, base, "directory.yaml")
    return {h.casefold() for h in _handles(data.get("maintainers"))}


def _base_data(root: Path, base: str, path: str) -> dict[str, object]:
    """The mapping at ``path`` in the base commit, or an empty one when absent or unreadable."""
    try:
        raw = _git(root, "show", f"{base}:{path}")
    except QuartierError:
        return {}
    doc = load_bytes(raw, path)
    return doc.data or {}


def _handles(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]
