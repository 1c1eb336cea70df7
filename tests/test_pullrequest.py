"""The pull-request check: hostile file names, deletions and maintainers, in real git repos.

Each test commits a base on ``main``, makes a pull request's changes on a
branch, and runs ``quartier validate --changed-since main`` as the workflow
does. The workflow used to pass the changed files through the shell, so a
file named ``[v]elowerk.yaml`` was checked as ``velowerk.yaml`` and deleted
entries were never checked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from quartier.cli import main
from quartier.pullrequest import Change, Changes, scope_of

from .conftest import SAMPLE

Files = dict[str, bytes | str]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
}


def entry(
    id_: str,
    name: str,
    lat: float,
    maintainers: str = "[owner]",
    extra: str = "",
    status: str = "open",
) -> str:
    return (
        f"id: {id_}\nname: {name}\nstatus: {status}\ncategory: bakery\n"
        "summary: {de: Eine Bäckerei., en: A bakery.}\n"
        "location:\n  address: {locality: Bern, country: CH}\n"
        f"  geo: {{lat: {lat}, lon: 7.44}}\n"
        f"contact: {{website: https://{id_}.example.ch}}\n"
        f"maintainers: {maintainers}\nlast_verified: 2026-10-01\n{extra}"
    )


BASE: Files = {
    "entries/ch/bern/velowerk.yaml": entry("velowerk", "Velowerk", 46.951),
    "entries/ch/bern/beck.yaml": entry("beck", "Beck", 46.953, "[baker, helper]"),
    "entries/ch/bern/old-beck.yaml": entry(
        "old-beck", "Alte Beck", 46.955, status="permanently_closed", extra="superseded_by: beck\n"
    ),
}


def git(root: Path, *args: str) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def pr(make_root: Callable[[Files], Path]) -> Callable[..., Path]:
    """A repo whose ``main`` holds BASE (+ ``base``), checked out on a branch with ``changes``.

    A value of ``None`` in ``changes`` deletes that file.
    """

    def make(changes: dict[str, bytes | str | None], base: Files | None = None) -> Path:
        root = make_root({**BASE, **(base or {})})
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        git(root, "checkout", "-q", "-b", "pr")
        for rel, content in changes.items():
            path = root / os.fsdecode(rel)
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "pull request")
        return root

    return make


def check(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["validate", "--root", str(root), "--changed-since", "main", *args])
    out, err = capsys.readouterr()
    return code, out, err


BROKEN = entry("velowerk", "Velowerk", 46.951).replace("category: bakery", "category: bakry")


@pytest.mark.parametrize(
    "name",
    [
        "[v]elowerk.yaml",  # a shell glob matching the valid velowerk.yaml
        "*.yaml",
        "velo werk.yaml",
        "-velowerk.yaml",  # an option to a command that takes names
        "$(touch PWNED).yaml",
        "`touch PWNED`.yaml",
        "velo\nwerk.yaml",
        "velo'werk\".yaml",
    ],
)
def test_hostile_file_names_are_checked_as_themselves(pr, capsys, name: str) -> None:
    root = pr({f"entries/ch/bern/{name}": BROKEN})
    code, out, err = check(capsys, root)
    assert code == 1
    assert "unknown category 'bakry'" in out
    assert "changes 1 entry: checking it against the whole tree" in err
    assert "1 file checked" in out  # only the pull request's file, not velowerk.yaml
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()


def test_a_file_name_with_an_escape_sequence_is_shown_escaped(pr, capsys) -> None:
    root = pr({"entries/ch/bern/velo\x1b]0;owned\x07.yaml": BROKEN})
    code, out, _ = check(capsys, root)
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "entries/ch/bern/velo\\x1b]0;owned\\x07.yaml" in out


def test_deleting_an_entry_checks_the_whole_tree(pr, capsys) -> None:
    # old-beck says it moved to beck; deleting beck must fail the pull request
    # (it used to pass, and main failed after the merge).
    root = pr({"entries/ch/bern/beck.yaml": None})
    code, out, err = check(capsys, root)
    assert code == 1
    assert "deletes entries/ch/bern/beck.yaml: checking the whole tree" in err
    assert "entries/ch/bern/old-beck.yaml:" in out
    assert "superseded_by names 'beck', which is not an entry" in out
    assert "entries/ch/bern/beck.yaml:1:1: error: id: the pull request deletes this entry" in out


def test_renaming_an_entry_is_a_deletion(pr, capsys) -> None:
    content = entry("beck-neu", "Beck", 46.953, "[baker, helper]")
    root = pr({"entries/ch/bern/beck.yaml": None, "entries/ch/bern/beck-neu.yaml": content})
    code, out, _ = check(capsys, root)
    assert code == 1
    assert "the pull request deletes this entry" in out
    assert "superseded_by names 'beck'" in out


def test_a_directory_maintainer_may_remove_an_entry(pr, capsys) -> None:
    base = {"directory.yaml": (SAMPLE / "directory.yaml").read_text()}
    base["directory.yaml"] += "maintainers: [admin]\n"
    root = pr({"entries/ch/bern/velowerk.yaml": None}, base)
    code, out, _ = check(capsys, root, "--author", "Admin")
    assert (code, out.splitlines()[-1]) == (0, "2 files checked: all valid")
    code, out, _ = check(capsys, root, "--author", "someone")
    assert code == 1 and "the pull request deletes this entry" in out


def test_a_changed_setting_checks_the_whole_tree(pr, capsys) -> None:
    root = pr({"README.md": "changed\n", "entries/ch/bern/xy.yaml": entry("xy", "Xy", 46.957)})
    code, out, err = check(capsys, root)
    assert code == 0, out
    assert "README.md is not an entry: checking the whole tree" in err
    assert out.splitlines()[-1] == "4 files checked: all valid"


def test_a_new_entry_listing_others_is_a_warning_until_they_approve(pr, capsys) -> None:
    # validate cannot see approvals: it warns with quartier approvals' words, which decide.
    root = pr({"entries/ch/bern/fake.yaml": entry("fake", "Fake", 46.957, "[mallory, baker]")})
    code, out, _ = check(capsys, root, "--author", "mallory")
    assert code == 0
    assert (
        "entries/ch/bern/fake.yaml:10:14: warning: maintainers: added by @mallory; it lists "
        "@baker as a maintainer, who neither opened nor approved the pull request"
    ) in out
    assert "(fix: the approvals check (quartier approvals) passes once one of them approves" in out
    code, _, _ = check(capsys, root, "--author", "mallory", "--strict")
    assert code == 1


def test_a_new_entry_listing_its_author_passes(pr, capsys) -> None:
    root = pr({"entries/ch/bern/own.yaml": entry("own", "Own", 46.957, "[Mallory]")})
    code, out, _ = check(capsys, root, "--author", "mallory", "--strict")  # logins ignore case
    assert code == 0, out


def test_a_stranger_changing_who_maintains_an_entry_is_warned(pr, capsys) -> None:
    taken = entry("beck", "Beck", 46.953, "[baker, mallory]")
    root = pr({"entries/ch/bern/beck.yaml": taken})
    code, out, _ = check(capsys, root, "--author", "mallory")
    assert code == 0
    assert (
        "warning: maintainers: changed by @mallory, who is not one of its maintainers "
        "(@baker, @helper) nor a directory maintainer; one of them must approve"
    ) in out
    code, out, _ = check(capsys, root, "--author", "helper", "--strict")
    assert code == 0, out


def test_maintainers_come_from_the_base_version(pr, capsys) -> None:
    # Adding oneself to directory.yaml in the same pull request grants nothing.
    settings = (SAMPLE / "directory.yaml").read_text()
    root = pr(
        {
            "directory.yaml": settings + "maintainers: [mallory]\n",
            "entries/ch/bern/beck.yaml": entry("beck", "Beck", 46.953, "[mallory]"),
            "entries/ch/bern/velowerk.yaml": None,
        }
    )
    code, out, _ = check(capsys, root, "--author", "mallory")
    assert code == 1
    assert "entries/ch/bern/beck.yaml:10:14: warning: maintainers: changed by @mallory" in out
    assert "directory.yaml:1:1: warning: maintainers: changed by @mallory, who is not a " in out
    assert "entries/ch/bern/velowerk.yaml:1:1: error: id: the pull request deletes this" in out


def test_a_directory_maintainer_needs_no_approval(pr, capsys) -> None:
    base = {"directory.yaml": (SAMPLE / "directory.yaml").read_text() + "maintainers: [admin]\n"}
    edited = entry("beck", "Beck", 46.953, "[baker]").replace("A bakery.", "Bread.")
    root = pr({"entries/ch/bern/beck.yaml": edited}, base)
    code, out, _ = check(capsys, root, "--author", "ADMIN", "--strict")
    assert code == 0, out
    code, out, _ = check(capsys, root, "--author", "someone")
    assert code == 0 and "warning: maintainers: changed by @someone" in out


def test_a_revision_that_looks_like_an_option_is_refused(pr, capsys) -> None:
    root = pr({"entries/ch/bern/xy.yaml": entry("xy", "Xy", 46.957)})
    code = main(["validate", "--root", str(root), "--changed-since=--output=/tmp/x"])
    _, err = capsys.readouterr()
    assert code == 2 and "(--changed-since, --base) needs a git revision" in err
    code = main(["validate", "--root", str(root), "--changed-since", "no-such-branch"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "'no-such-branch' names no commit in this repository: fetch the pull request's" in err


def test_scope_of_only_entries() -> None:
    only = Changes("0" * 40, (Change("A", "entries/a.yaml"), Change("M", "entries/b.yml")))
    assert scope_of(only).files == ("entries/a.yaml", "entries/b.yml")
    typed = Changes("0" * 40, (Change("T", "entries/a.yaml"),))
    assert scope_of(typed).files is None
    assert scope_of(Changes("0" * 40, ())).files is None


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("entries/ch/con/win-one.yaml", "the folder name 'con' is reserved on Windows"),
        ("entries/com1/bern/win-one.yaml", "the folder name 'com1' is reserved on Windows"),
        ("entries/ch/aux.d/win-one.yaml", "the folder name 'aux.d' is reserved on Windows"),
        ("entries/ch/bern/sub/win-one.yaml", "this file is nested too deeply"),
        ("entries/x/y/z/q/win-one.yaml", "this file is nested too deeply"),
    ],
)
def test_folder_rules_hold_for_a_pull_request_as_for_the_tree(pr, capsys, path, said) -> None:
    # The walk refuses these folders; checking only the changed file used to pass them.
    root = pr({path: entry("win-one", "Win One", 46.957, "[evil]")})
    code, out, _ = check(capsys, root, "--author", "evil")
    assert code == 1 and said in out, out
    whole = main(["validate", "--root", str(root)])
    assert whole == 1 and said.split(" is")[0].replace("this file", "this folder") in (
        capsys.readouterr().out
    )
