"""``quartier approvals``: who may change which entry, decided in real git repositories.

Each test commits a base on ``main`` (directory.yaml names ``admin`` and the
team ``acme/stewards`` as the directory's maintainers), makes a pull
request's changes on a branch, and runs ``quartier approvals --base main``
as the workflow does, with the author and approvers a pull request would
have. The review lists are shaped like GitHub's API answers; the teams are
read from a GitHub stand-in on loopback.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from quartier.approvals import current_approvers, read_teams
from quartier.cli import main
from quartier.init import FILES

from .conftest import ROOT, SAMPLE
from .test_init import init
from .test_pullrequest import GIT_ENV, entry

Files = dict[str, str | None]
SETTINGS = (SAMPLE / "directory.yaml").read_text("utf-8")
BASE: dict[str, str] = {
    "directory.yaml": SETTINGS + "maintainers: [admin, acme/stewards]\n",
    "entries/ch/bern/velowerk-lorraine.yaml": entry(
        "velowerk-lorraine", "Velowerk Lorraine", 46.951, "[lea-brunner]"
    ),
    "entries/ch/bern/beck.yaml": entry("beck", "Beck", 46.953, "[baker, helper]"),
    "entries/ch/bern/orphan.yaml": entry("orphan", "Orphan", 46.955, "[]"),
}
VELOWERK = "entries/ch/bern/velowerk-lorraine.yaml"
BECK = "entries/ch/bern/beck.yaml"
EDITED = BASE[VELOWERK].replace("name: Velowerk Lorraine", "name: Velowerk Lorraine AG")


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, env=env, text=True
    )
    return done.stdout.strip()


def write(root: Path, files: Files) -> None:
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, "utf-8")


@pytest.fixture
def pr(tmp_path: Path) -> Callable[..., Path]:
    """A repository whose ``main`` holds BASE (+ ``base``), on a branch with ``changes``.

    ``later`` is committed on ``main`` after the branch started (the base
    branch moved on). A value of ``None`` deletes the file.
    """

    def make(changes: Files, base: Files | None = None, later: Files | None = None) -> Path:
        root = tmp_path / "repo"
        shutil.copytree(SAMPLE / "site", root / "site")  # the settings' logo
        write(root, {**BASE, **(base or {})})
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        git(root, "checkout", "-q", "-b", "pr")
        write(root, changes)
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "pull request")
        if later:
            git(root, "checkout", "-q", "main")
            write(root, later)
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "main moves on")
            git(root, "checkout", "-q", "pr")
        return root

    return make


@pytest.fixture(autouse=True)
def no_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token or API of the machine running the tests reaches them."""
    monkeypatch.delenv("QUARTIER_TEAMS_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)


def approvals(
    capsys: pytest.CaptureFixture[str], root: Path, author: str, *args: str
) -> tuple[int, str, str]:
    code = main(["approvals", "--root", str(root), "--base", "main", "--author", author, *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- An existing entry: its maintainers, at the base --------------------------------


def test_the_author_is_a_maintainer(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code, out, _ = approvals(capsys, root, "lea-brunner")
    assert code == 0
    assert out == (
        f"{VELOWERK}: allowed: @lea-brunner, who opened the pull request, is one of its "
        "maintainers\nthe pull request may change its 1 file\n"
    )


def test_a_maintainer_approves(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code, out, _ = approvals(capsys, root, "mallory", "--approved-by", "lea-brunner")
    assert code == 0
    assert "allowed: @lea-brunner, who approved the pull request, is one of its maintainers" in out


def test_a_strangers_change_needs_a_maintainers_approval(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1
    assert out == (
        f"{VELOWERK}: changed by @mallory, who is not one of its maintainers (@lea-brunner) "
        "nor a directory maintainer; one of them must approve the pull request\n"
        "1 file lacks an approval (1 decided)\n"
    )


def test_a_strangers_approval_does_not_count(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code, out, _ = approvals(capsys, root, "mallory", "--approved-by", "eve")
    assert code == 1
    assert (
        "changed by @mallory and approved by @eve, none of whom is one of its maintainers "
        "(@lea-brunner) or a directory maintainer"
    ) in out


def test_removing_a_maintainer_takes_a_maintainer(pr, capsys) -> None:
    root = pr({BECK: entry("beck", "Beck", 46.953, "[baker]")})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1 and "not one of its maintainers (@baker, @helper)" in out
    code, out, _ = approvals(capsys, root, "mallory", "--approved-by", "helper")
    assert code == 0, out  # helper agrees to leave


def test_making_oneself_a_maintainer_and_approving_does_not_work(pr, capsys) -> None:
    # The pull request lists mallory; mallory also "approves": the base version counts.
    root = pr({BECK: entry("beck", "Beck", 46.953, "[baker, helper, mallory]")})
    code, out, _ = approvals(capsys, root, "mallory", "--approved-by", "mallory")
    assert code == 1
    assert "changed by @mallory, who is not one of its maintainers (@baker, @helper)" in out


def test_logins_ignore_case(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED, BECK: BASE[BECK].replace("A bakery.", "Bread.")})
    code, out, _ = approvals(capsys, root, "Lea-Brunner", "--approved-by", "@HELPER")
    assert code == 0, out
    assert "@HELPER, who approved the pull request, is one of its maintainers" in out


def test_maintainers_are_read_from_the_base_branch_as_it_is_now(pr, capsys) -> None:
    # lea-brunner was removed on main after the pull request began: she counts no more.
    moved_on = BASE[VELOWERK].replace("[lea-brunner]", "[sina-graf]")
    root = pr({VELOWERK: EDITED.replace("A bakery.", "Bikes.")}, later={VELOWERK: moved_on})
    code, out, _ = approvals(capsys, root, "lea-brunner")
    assert code == 1 and "not one of its maintainers (@sina-graf)" in out


def test_an_entry_without_maintainers_is_the_directorys(pr, capsys) -> None:
    path = "entries/ch/bern/orphan.yaml"
    root = pr({path: BASE[path].replace("A bakery.", "Bread.")})
    code, out, _ = approvals(capsys, root, "someone")
    assert code == 1
    assert (
        f"{path}: changed by @someone, who is not a directory maintainer; the entry has no "
        "maintainers of its own, so a directory maintainer (@admin, @acme/stewards) must "
        "approve the pull request"
    ) in out
    code, _, _ = approvals(capsys, root, "someone", "--approved-by", "admin")
    assert code == 0


# --- The directory's maintainers ---------------------------------------------------


@pytest.mark.parametrize("args", [("admin",), ("mallory", "--approved-by", "ADMIN")])
def test_a_directory_maintainer_may_change_any_entry(pr, capsys, args) -> None:
    root = pr({VELOWERK: EDITED, "entries/ch/bern/beck.yaml": None})
    code, out, _ = approvals(capsys, root, *args)
    assert code == 0, out
    assert out.count("is a directory maintainer") == 2


def test_a_directory_maintainer_added_by_the_pull_request_does_not_count(pr, capsys) -> None:
    settings = BASE["directory.yaml"].replace("[admin, acme/stewards]", "[admin, mallory]")
    root = pr({"directory.yaml": settings, VELOWERK: EDITED})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1
    assert "directory.yaml: changed by @mallory, who is not a directory maintainer" in out
    assert f"{VELOWERK}: changed by @mallory, who is not one of its maintainers" in out
    assert out.endswith("2 files lack an approval (2 decided)\n")


def test_changing_the_settings_takes_a_directory_maintainer(pr, capsys) -> None:
    root = pr(
        {"directory.yaml": BASE["directory.yaml"].replace("license: CC0-1.0", "license: ODbL-1.0")}
    )
    code, out, _ = approvals(capsys, root, "lea-brunner")
    assert code == 1 and "may change the directory's settings and who runs it" in out
    assert approvals(capsys, root, "lea-brunner", "--approved-by", "admin")[0] == 0


def test_other_files_are_left_to_review(pr, capsys) -> None:
    root = pr({"site/extra.css": "body {}\n", VELOWERK: EDITED})
    code, out, err = approvals(capsys, root, "lea-brunner")
    assert code == 0
    assert "1 changed file is neither an entry nor directory.yaml" in err
    assert "site/extra.css" not in out


def test_nothing_to_approve(pr, capsys) -> None:
    root = pr({})
    code, out, _ = approvals(capsys, root, "anyone")
    assert (code, out) == (
        0,
        "the pull request changes no entry and not directory.yaml: nothing to approve\n",
    )


# --- New, deleted and moved entries ---------------------------------------------------

NEW = "entries/ch/bern/neu.yaml"


def test_a_new_entry_that_lists_its_author(pr, capsys) -> None:
    root = pr({NEW: entry("neu", "Neu", 46.957, "[Newcomer]")})
    code, out, _ = approvals(capsys, root, "newcomer")
    assert code == 0
    assert "allowed: each of its maintainers (@Newcomer) opened or approved" in out


def test_a_new_entry_that_does_not_list_its_author(pr, capsys) -> None:
    root = pr({NEW: entry("neu", "Neu", 46.957, "[lea-brunner]")})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1
    assert (
        f"{NEW}: added by @mallory; it lists @lea-brunner as a maintainer, who neither opened "
        "nor approved the pull request: only a person can make themselves a maintainer, so "
        "@lea-brunner must approve it, or a directory maintainer (@admin, @acme/stewards)"
    ) in out


def test_a_new_entry_may_not_enlist_others(pr, capsys) -> None:
    root = pr({NEW: entry("neu", "Neu", 46.957, "[mallory, baker, helper]")})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1 and "it lists @baker, @helper as maintainers" in out
    code, out, _ = approvals(capsys, root, "mallory", "--approved-by", "baker")
    assert code == 1 and "it lists @helper as a maintainer" in out
    code, _, _ = approvals(
        capsys, root, "mallory", "--approved-by", "baker", "--approved-by", "helper"
    )
    assert code == 0


def test_a_new_entry_without_maintainers_takes_a_directory_maintainer(pr, capsys) -> None:
    # An owner without a GitHub account: a directory maintainer acts for them.
    root = pr({NEW: entry("neu", "Neu", 46.957, "[]")})
    code, out, _ = approvals(capsys, root, "helpful-neighbour")
    assert code == 1
    assert "it lists no maintainers, so a directory maintainer (@admin, @acme/stewards)" in out
    assert approvals(capsys, root, "admin")[0] == 0
    assert approvals(capsys, root, "helpful-neighbour", "--approved-by", "admin")[0] == 0


def test_an_intake_pull_request_by_a_bot(pr, capsys) -> None:
    # The intake workflow's bot opens the pull request; the entry lists the author.
    # The body's "Closes #12" is not read: alice's own approval, or a directory maintainer's.
    root = pr({NEW: entry("neu", "Neu", 46.957, "[alice]")})
    bot = "quartier-intake[bot]"
    code, out, _ = approvals(capsys, root, bot)
    assert code == 1 and "added by @quartier-intake[bot]; it lists @alice as a maintainer" in out
    assert approvals(capsys, root, bot, "--approved-by", "alice")[0] == 0
    assert approvals(capsys, root, bot, "--approved-by", "admin")[0] == 0
    assert approvals(capsys, root, bot, "--approved-by", "bob")[0] == 1


@pytest.mark.parametrize(
    "content",
    [
        entry("neu", "Neu", 46.957, "[mallory]") + "#" * (128 * 1024),  # over the size limit
        "a: &a [mallory]\nmaintainers: *a\n",  # an alias
        "maintainers: mallory\n",  # not a list
        "- maintainers: [mallory]\n",  # not a mapping
        "maintainers: [mallory\n",  # not YAML
    ],
)
def test_a_new_entry_that_cannot_be_read_lists_nobody(pr, capsys, content) -> None:
    root = pr({NEW: content})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1 and "it lists no maintainers, so a directory maintainer" in out


def test_a_link_is_no_entry_of_its_own(pr, capsys) -> None:
    # A symbolic link to another entry would borrow its maintainers: it lists nobody.
    root = pr({})
    (root / NEW).symlink_to("velowerk-lorraine.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "link")
    code, out, _ = approvals(capsys, root, "lea-brunner")
    assert code == 1 and f"{NEW}: added by @lea-brunner; it lists no maintainers" in out


def test_a_maintainer_may_not_delete_their_entry(pr, capsys) -> None:
    root = pr({VELOWERK: None})
    for author in ("mallory", "lea-brunner"):
        code, out, _ = approvals(capsys, root, author)
        assert code == 1
        assert (
            f"{VELOWERK}: deleted by @{author}, who is not a directory maintainer; entries are "
            "never deleted (a moved or renamed entry is deleted at its old path): keep the file "
            "with status: permanently_closed, or a directory maintainer (@admin, "
            "@acme/stewards) must approve the pull request"
        ) in out
    assert approvals(capsys, root, "lea-brunner", "--approved-by", "admin")[0] == 0


def test_a_moved_entry_is_deleted_at_its_old_path(pr, capsys) -> None:
    moved = "entries/ch/lorraine/velowerk-lorraine.yaml"
    root = pr({VELOWERK: None, moved: BASE[VELOWERK]})
    code, out, _ = approvals(capsys, root, "lea-brunner")
    assert code == 1
    assert f"{VELOWERK}: deleted by @lea-brunner" in out
    assert f"{moved}: allowed: each of its maintainers (@lea-brunner)" in out
    assert approvals(capsys, root, "lea-brunner", "--approved-by", "admin")[0] == 0


def test_moving_an_entry_does_not_take_it_over(pr, capsys) -> None:
    # Under a new path there is no base version: the move itself needs a directory maintainer.
    moved = "entries/ch/lorraine/velowerk-lorraine.yaml"
    taken = BASE[VELOWERK].replace("[lea-brunner]", "[mallory]")
    root = pr({VELOWERK: None, moved: taken})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1 and f"{VELOWERK}: deleted by @mallory" in out


def test_an_entry_added_on_main_meanwhile_is_not_new(pr, capsys) -> None:
    # The same file appeared on main after the branch began: its maintainers there count.
    root = pr(
        {NEW: entry("neu", "Neu", 46.957, "[mallory]")},
        later={NEW: entry("neu", "Neu", 46.957, "[owner]")},
    )
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1 and "not one of its maintainers (@owner)" in out


# --- Names as files and logins -----------------------------------------------------

HOSTILE_NAMES = [
    "velo werk.yaml",
    "velo\nwerk.yaml",
    "-velowerk.yaml",
    "$(touch PWNED).yaml",
    "`touch PWNED`.yaml",
    "[v]elowerk-lorraine.yaml",
    "*.yaml",
    "velo'werk\".yaml",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_names_are_decided_as_themselves(pr, capsys, tmp_path, name) -> None:
    path = f"entries/ch/bern/{name}"
    root = pr({path: entry("x", "X", 46.957, "[lea-brunner]")}, base={path: BASE[VELOWERK]})
    listed = [path, VELOWERK]
    for args in ((), ("--", *listed)):
        code, out, _ = approvals(capsys, root, "mallory", *args)
        assert code == 1, out
        assert out.count("changed by @mallory") == 1  # only that file, not its glob matches
        assert out.startswith(path.replace("\n", "\\n") + ": changed by @mallory")
        assert "lacks an approval (1 decided)" in out
        assert approvals(capsys, root, "lea-brunner", *args)[0] == 0
    assert not (root / "PWNED").exists() and not (tmp_path / "PWNED").exists()
    assert not Path("PWNED").exists()


def test_a_file_name_with_escapes_is_shown_escaped(pr, capsys) -> None:
    path = "entries/ch/bern/velo\x1b]0;owned\x07.yaml"
    root = pr({path: entry("x", "X", 46.957, "[lea-brunner]")})
    for form in ("text", "github", "json"):
        code, out, _ = approvals(capsys, root, "mallory", "--format", form)
        assert code == 1 and "\x1b" not in out and "\x07" not in out
        assert "velo\\x1b]0;owned\\x07.yaml" in out.replace("\\\\", "\\")


def test_a_listed_maintainer_cannot_forge_an_annotation(pr, capsys) -> None:
    hostile = '["a\\n::error file=x::all approved", b]'
    root = pr({NEW: entry("neu", "Neu", 46.957, hostile)})
    code, out, _ = approvals(capsys, root, "mallory", "--format", "github")
    assert code == 1
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert len(commands) == 2
    assert commands[0].startswith("::warning title=approvals::the team @acme/stewards")
    assert commands[1].startswith(f"::error file={NEW},line=10,col=14,title=approvals::")
    assert "it lists @a\\n::error file=x::all approved, @b as maintainers" in commands[1]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--author", "mal lory"),
            "--author needs a GitHub login, like lea-brunner, not 'mal lory'",
        ),
        (("--author=-x",), "--author needs a GitHub login, like lea-brunner, not '-x'"),
        (("--author", "a", "--approved-by", "$(id)"), "--approved-by needs a GitHub login"),
        (("--author", "a", "--head-sha", "abc"), "--head-sha goes with --reviews"),
        (("--author", "a", "--", "../outside.yaml"), "'../outside.yaml' is not a path inside"),
        (("--author", "a", "--", "/etc/passwd"), "'/etc/passwd' is not a path inside"),
        (("--author", "a", "--", "entries/nope.yaml"), "'entries/nope.yaml' is neither in main"),
    ],
)
def test_usage_mistakes_are_named(pr, capsys, args, said) -> None:
    root = pr({VELOWERK: EDITED})
    code = main(["approvals", "--root", str(root), "--base", "main", *args])
    err = capsys.readouterr().err
    assert code == 2 and said in err, err
    assert "Traceback" not in err


def test_the_repository_is_found_from_a_folder_inside_it(pr, capsys, monkeypatch) -> None:
    root = pr({VELOWERK: EDITED})
    monkeypatch.chdir(root / "entries" / "ch")
    assert main(["approvals", "--base", "main", "--author", "lea-brunner"]) == 0
    assert capsys.readouterr().out.startswith(f"{VELOWERK}: allowed")


def test_a_base_that_looks_like_an_option_is_refused(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code = main(["approvals", "--root", str(root), "--base=--output=/tmp/x", "--author", "a"])
    assert code == 2 and "needs a git revision" in capsys.readouterr().err


# --- Reviews -----------------------------------------------------------------------

HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
OLD = "0000000000000000000000000000000000000001"


def review(
    who: str | None, state: str, at: str, commit: str = HEAD, id_: int = 0
) -> dict[str, object]:
    return {
        "id": id_,
        "user": {"login": who, "type": "User"} if who else None,
        "state": state,
        "submitted_at": at,
        "commit_id": commit,
        "body": "",
    }


@pytest.mark.parametrize(
    ("reviews", "approvers"),
    [
        ([review("lea", "APPROVED", "2026-11-01T10:00:00Z")], ["lea"]),
        ([review("lea", "COMMENTED", "2026-11-01T10:00:00Z")], []),
        ([review("lea", "PENDING", "")], []),
        # an approval later dismissed (GitHub rewrites its state)
        ([review("lea", "DISMISSED", "2026-11-01T10:00:00Z")], []),
        # superseded by "changes requested"
        (
            [
                review("lea", "APPROVED", "2026-11-01T10:00:00Z", id_=1),
                review("lea", "CHANGES_REQUESTED", "2026-11-02T10:00:00Z", id_=2),
            ],
            [],
        ),
        # changes requested, then approved
        (
            [
                review("lea", "CHANGES_REQUESTED", "2026-11-01T10:00:00Z", id_=1),
                review("lea", "APPROVED", "2026-11-02T10:00:00Z", id_=2),
            ],
            ["lea"],
        ),
        # a comment after an approval leaves it standing
        (
            [
                review("lea", "APPROVED", "2026-11-01T10:00:00Z", id_=1),
                review("lea", "COMMENTED", "2026-11-02T10:00:00Z", id_=2),
            ],
            ["lea"],
        ),
        # out of order pages: the later review still wins
        (
            [
                review("LEA", "CHANGES_REQUESTED", "2026-11-03T10:00:00Z", id_=3),
                review("lea", "APPROVED", "2026-11-02T10:00:00Z", id_=2),
            ],
            [],
        ),
        # an approval of an older commit: the author pushed since
        ([review("lea", "APPROVED", "2026-11-01T10:00:00Z", commit=OLD)], []),
        # a deleted account, a login that is not one, a state that is not one
        (
            [
                review(None, "APPROVED", "2026-11-01T10:00:00Z"),
                review("a b", "APPROVED", "2026-11-01T10:00:00Z"),
                review("sam", "approved", "2026-11-01T10:00:00Z"),
                review("kim", "APPROVED", "2026-11-01T10:00:00Z"),
            ],
            ["kim"],
        ),
        # gh api --paginate --slurp: a list of pages
        (
            [
                [review("lea", "APPROVED", "2026-11-01T10:00:00Z", id_=1)],
                [review("kim", "APPROVED", "2026-11-02T10:00:00Z", id_=2)],
            ],
            ["lea", "kim"],
        ),
    ],
)
def test_current_approvers(reviews, approvers) -> None:
    assert current_approvers(reviews, HEAD) == approvers


def test_without_a_head_commit_any_standing_approval_counts() -> None:
    assert current_approvers([review("lea", "APPROVED", "2026-11-01T10:00:00Z", OLD)]) == ["lea"]


def test_reviews_from_the_api_decide(pr, capsys, tmp_path, monkeypatch) -> None:
    root = pr({VELOWERK: EDITED})
    head = git(root, "rev-parse", "HEAD")
    reviews = tmp_path / "reviews.json"

    def run(*items: dict[str, object]) -> int:
        reviews.write_text(json.dumps([list(items)]), "utf-8")
        code, _, _ = approvals(
            capsys, root, "mallory", "--reviews", str(reviews), "--head-sha", head
        )
        return code

    approved = review("lea-brunner", "APPROVED", "2026-11-01T10:00:00Z", head, 1)
    assert run(approved) == 0
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(reviews.read_bytes())))
    assert approvals(capsys, root, "mallory", "--reviews", "-", "--head-sha", head)[0] == 0
    assert run({**approved, "state": "DISMISSED"}) == 1
    assert (
        run(approved, review("lea-brunner", "CHANGES_REQUESTED", "2026-11-02T10:00:00Z", head, 2))
        == 1
    )
    assert run({**approved, "commit_id": OLD}) == 1
    assert run(review("eve", "APPROVED", "2026-11-01T10:00:00Z", head, 1)) == 1


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{", "is not JSON"),
        (b'{"message": "Not Found"}', "the reviews are not the list GitHub's API gives"),
        (b"[1, 2]", "the reviews are not the list"),
        (b"[" * 100_000 + b"]" * 100_000, "is not JSON"),
    ],
)
def test_reviews_that_are_not_reviews_are_a_usage_error(
    pr, capsys, tmp_path, content, said
) -> None:
    root = pr({VELOWERK: EDITED})
    path = tmp_path / "reviews.json"
    path.write_bytes(content)
    code, _, err = approvals(capsys, root, "mallory", "--reviews", str(path))
    assert code == 2 and said in err, err


# --- Teams, from a GitHub stand-in on loopback ---------------------------------------


class FakeGitHub:
    """Answers ``/orgs/<org>/teams/<slug>/members`` from ``pages``; records what it was sent."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.seen: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append((self.path, self.headers.get("Authorization")))
                status, body, headers = outer.pages.get(self.path, (404, b"{}", {}))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v3"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def members(self, path: str, logins: list[str], next_url: str | None = None) -> None:
        body = json.dumps([{"login": login, "type": "User"} for login in logins]).encode()
        headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
        self.pages[f"/api/v3{path}"] = (200, body, headers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.close()


MEMBERS = "/orgs/acme/teams/stewards/members?per_page=100"


def test_a_team_member_is_a_directory_maintainer(pr, capsys, github, monkeypatch) -> None:
    github.members(MEMBERS, ["x"], f"{github.url}/orgs/acme/teams/stewards/members?page=2")
    github.members("/orgs/acme/teams/stewards/members?page=2", ["Steward"])
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.setenv("QUARTIER_TEAMS_TOKEN", "secret-token")
    root = pr({VELOWERK: EDITED})
    code, out, err = approvals(capsys, root, "mallory", "--approved-by", "steward")
    assert code == 0, out + err
    assert "allowed: @steward, who approved the pull request, is a directory maintainer" in out
    assert [auth for _, auth in github.seen] == ["Bearer secret-token"] * 2
    assert "secret-token" not in out + err


def test_without_a_token_a_team_counts_for_nobody(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code, out, _ = approvals(
        capsys, root, "mallory", "--approved-by", "steward", "--format", "github"
    )
    assert code == 1
    assert out.startswith(
        "::warning title=approvals::the team @acme/stewards in directory.yaml could not be "
        "read: no QUARTIER_TEAMS_TOKEN in this run"
    )


def test_the_token_never_follows_a_redirect(github) -> None:
    elsewhere = FakeGitHub()
    try:
        target = f"{elsewhere.url}/orgs/acme/teams/stewards/members"
        github.pages[f"/api/v3{MEMBERS}"] = (302, b"", {"Location": target})
        members, unread = read_teams(["acme/stewards"], "secret-token", github.url)
        assert members == {} and "GitHub answered 302" in unread["acme/stewards"]
        assert elsewhere.seen == []
    finally:
        elsewhere.close()


def test_the_token_is_not_sent_to_a_next_page_elsewhere(github) -> None:
    github.members(MEMBERS, ["steward"], "https://evil.example/steal")
    members, unread = read_teams(["acme/stewards"], "secret-token", github.url)
    assert members == {}
    assert "next page is at another address" in unread["acme/stewards"]
    assert len(github.seen) == 1


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ((404, b'{"message": "Not Found"}', {}), "GitHub answered 404"),
        ((200, b'{"message": "hi"}', {}), "not a list of members"),
        ((200, b"[" + b" " * (3 * 2**20) + b"]", {}), "larger than 2 MiB"),
    ],
)
def test_a_team_that_cannot_be_read_is_named(github, page, said) -> None:
    github.pages[f"/api/v3{MEMBERS}"] = page
    members, unread = read_teams(["acme/stewards"], "t", github.url)
    assert members == {} and said in unread["acme/stewards"]


def test_the_token_goes_only_over_https() -> None:
    members, unread = read_teams(["acme/stewards"], "t", "http://api.example.org")
    assert members == {} and "not an https address" in unread["acme/stewards"]


def test_a_team_name_cannot_reach_another_api_path(github) -> None:
    members, unread = read_teams(["acme/../../user", "acme/a?x=1"], "t", github.url)
    assert members == {} and github.seen == []
    assert set(unread) == {"acme/../../user", "acme/a?x=1"}


# --- Formats and quartier validate ---------------------------------------------------


def test_json_says_every_verdict(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED, NEW: entry("neu", "Neu", 46.957, "[mallory]")})
    code, out, _ = approvals(capsys, root, "mallory", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["allowed"] is False
    assert [(f["path"], f["change"], f["allowed"]) for f in report["files"]] == [
        (NEW, "added", True),
        (VELOWERK, "changed", False),
    ]
    assert report["files"][1]["maintainers"] == ["lea-brunner"]
    assert report["directory_maintainers"] == ["admin", "acme/stewards"]


def test_github_annotations_point_at_maintainers(pr, capsys) -> None:
    root = pr({VELOWERK: EDITED})
    code, out, _ = approvals(capsys, root, "mallory", "--format", "github")
    assert code == 1
    assert f"::error file={VELOWERK},line=10,col=14,title=approvals::changed by @mallory" in out


def test_validate_says_what_approvals_decides(pr, capsys) -> None:
    # One decision: validate --author warns with the same words (it cannot see approvals).
    root = pr({VELOWERK: EDITED})
    code, decided, _ = approvals(capsys, root, "mallory")
    reason = decided.splitlines()[0].split(": ", 1)[1]
    code = main(["validate", "--root", str(root), "--changed-since", "main", "--author", "mallory"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{VELOWERK}:10:14: warning: maintainers: {reason} (fix: the approvals check" in out


# --- The workflow, here and in a city's repository ------------------------------------


def workflow(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def test_quartier_init_writes_the_approvals_workflow(tmp_path: Path) -> None:
    repo = tmp_path / "city"
    assert ".github/workflows/approvals.yml" in FILES
    assert init(repo) == 0
    text = (repo / ".github" / "workflows" / "approvals.yml").read_text("utf-8")
    assert "quartier approvals" in text
    assert "python -m pip install -r requirements.txt" in text


@pytest.mark.parametrize(
    "path",
    [
        ROOT / ".github" / "workflows" / "approvals.yml",
        ROOT / "src" / "quartier" / "init" / "templates" / "github" / "workflows" / "approvals.yml",
    ],
)
def test_the_workflow_gathers_and_passes_with_least_privilege(path: Path) -> None:
    flow = workflow(path)
    text = path.read_text("utf-8")
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert flow[True] == {
        # edited: a pull request moved to another base branch is decided again.
        "pull_request": {"types": ["opened", "synchronize", "reopened", "edited"]},
        "pull_request_review": {"types": ["submitted", "dismissed"]},
    }
    assert "pull_request_target" not in [*flow[True]]
    assert flow["permissions"] == {}
    (job,) = flow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert "--reviews" in text and "--head-sha" in text and "--format github" in text
    assert "${{" not in "".join(step.get("run", "") for step in job["steps"])
    for step in job["steps"]:
        if "actions/checkout@" in step.get("uses", ""):
            assert step["with"]["persist-credentials"] is False


def test_outside_a_git_repository_the_command_says_where_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["approvals", "--base", "main", "--author", "octocat"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} is not in a git repository" in err and "pass --root" in err
