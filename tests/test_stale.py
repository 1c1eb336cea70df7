"""Freshness: ``quartier stale``, the reminder issues' plan, the weekly workflow, the site's mark.

Selection is tested at its boundaries against ``quartier validate``'s own
warning (one definition of stale); the plan with every case of issue the
GitHub API can return, hostile names included (the bodies are parsed with a
CommonMark parser, as GitHub renders them); the workflow by running its
shell steps with a stand-in ``gh`` that records each API call.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from quartier.cli import main
from quartier.directory import read_directory
from quartier.problems import Problem, QuartierError, Severity
from quartier.stale import (
    BOT,
    DECISION_LABEL,
    MAX_NEW,
    Due,
    Reminders,
    Report,
    form_language,
    inert,
    inert_title,
    is_stale,
    load_issues,
    mentions,
    ours,
    plan,
    repository_url,
    select,
    warned_stale,
)

from .conftest import ROOT, SAMPLE, TODAY
from .test_workflows import actionlint, zizmor

DAYS = 365
REPO = "https://github.com/quartier-dev/quartier"
WORKFLOW = ROOT / ".github" / "workflows" / "stale.yml"
TEMPLATE = ROOT / "src" / "quartier" / "init" / "templates" / "github" / "workflows" / "stale.yml"
MakeRoot = Callable[[dict[str, bytes | str]], Path]


def entry(
    entry_id: str,
    verified: date,
    n: int,
    *,
    name: str | None = None,
    status: str = "open",
    maintainers: tuple[str, ...] = ("lea-brunner",),
) -> str:
    """A small valid entry in Bern; ``n`` places it apart from the others."""
    return (
        f"id: {entry_id}\n"
        f"name: {json.dumps(name or entry_id.replace('-', ' ').title())}\n"
        f"status: {status}\n"
        "category: bakery\n"
        f"summary: {{en: A small neighbourhood shop number {n}.}}\n"
        "location:\n"
        f"  address: {{street: Gasse {n}, postal_code: '3000', locality: Bern, country: CH}}\n"
        f"  geo: {{lat: {46.92 + 0.006 * n:.3f}, lon: 7.44}}\n"
        f"contact: {{website: https://{entry_id}.example}}\n"
        f"maintainers: [{', '.join(maintainers)}]\n"
        f"last_verified: {verified.isoformat()}\n"
    )


def ago(days: int, today: date = TODAY) -> date:
    return today - timedelta(days=days)


def tree(make_root: MakeRoot, entries: dict[str, str]) -> Path:
    return make_root({f"entries/ch/bern/{k}.yaml": v for k, v in entries.items()})


# The boundaries, with TODAY and 365 days: id -> (days since last_verified, status).
BOUNDARY = {
    "fresh": (10, "open"),
    "due-in-31-days": (DAYS - 30, "open"),  # stale on day 366, in 31 days: beyond --soon 30
    "due-in-30-days": (DAYS - 29, "open"),
    "exactly-n-minus-1": (DAYS - 1, "open"),
    "exactly-n": (DAYS, "open"),  # the last fresh day
    "exactly-n-plus-1": (DAYS + 1, "open"),
    "very-old": (DAYS * 3, "open"),
    "old-and-paused": (DAYS * 2, "temporarily_closed"),
    "old-and-closed": (DAYS * 2, "permanently_closed"),
}


@pytest.fixture
def boundary(make_root: MakeRoot) -> Path:
    return tree(
        make_root,
        {
            k: entry(k, ago(age), n, status=status)
            for n, (k, (age, status)) in enumerate(BOUNDARY.items())
        },
    )


# --- Selection ----------------------------------------------------------------


def test_is_stale_counts_more_than_n_days() -> None:
    assert not is_stale(ago(DAYS), TODAY, DAYS)
    assert is_stale(ago(DAYS + 1), TODAY, DAYS)
    assert not is_stale(ago(DAYS - 1), TODAY, DAYS)
    assert not is_stale(TODAY, TODAY, 1)


def test_selection_at_the_boundaries(boundary: Path) -> None:
    report = select(read_directory(boundary, today=TODAY), TODAY)
    assert [d.id for d in report.stale] == ["very-old", "old-and-paused", "exactly-n-plus-1"]
    assert [d.id for d in report.soon] == ["exactly-n", "exactly-n-minus-1", "due-in-30-days"]
    first = report.stale[-1]
    assert (first.age, first.stale_on, first.status) == (DAYS + 1, TODAY, "open")
    assert report.soon[-1].stale_on == TODAY + timedelta(days=30)
    assert report.stale[1].status == "temporarily_closed"
    assert "old-and-closed" in report.known  # known, but never reminded
    assert len(report.known) == len(BOUNDARY)


def test_the_same_entries_as_validate_warns_about(boundary: Path) -> None:
    """One definition: the stale list is exactly what ``quartier validate`` warns about."""
    directory = read_directory(boundary, today=TODAY)
    warned = {p.path for p in directory.problems if p.field == "last_verified" and not p.is_error}
    report = select(directory, TODAY)
    assert warned == {d.path for d in report.stale}
    assert set(warned_stale(directory)) == {d.id for d in report.stale}
    for days in (DAYS - 1, DAYS, DAYS + 1):
        again = select(directory, TODAY, days=days)
        moved = read_directory(boundary, today=TODAY + timedelta(days=DAYS - days))
        assert {d.id for d in again.stale} == set(warned_stale(moved)), days


def test_days_and_soon_override_the_settings(boundary: Path) -> None:
    directory = read_directory(boundary, today=TODAY)
    report = select(directory, TODAY, days=DAYS - 30, soon=0)
    assert report.soon == ()
    assert {d.id for d in report.stale} == {
        "very-old",
        "old-and-paused",
        "exactly-n-plus-1",
        "exactly-n",
        "exactly-n-minus-1",
        "due-in-30-days",
    }


def test_a_future_date_is_refused_and_a_past_today_lists_nothing_ahead_of_it(
    make_root: MakeRoot,
) -> None:
    tomorrow = date.today() + timedelta(days=1)
    root = tree(
        make_root,
        {"tomorrow": entry("tomorrow", tomorrow, 1), "today": entry("today", date.today(), 2)},
    )
    directory = read_directory(root, today=date.today())
    report = select(directory, date.today() - timedelta(days=400), soon=DAYS * 2)
    assert report.invalid == ("entries/ch/bern/tomorrow.yaml",)
    assert report.stale == report.soon == ()  # "today" lies after the day asked about


def test_text_report(boundary: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stale", "--root", str(boundary), "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out.splitlines()
    url = "https://quartier-dev.github.io/quartier/businesses/exactly-n-plus-1/"
    assert out[2] == (
        "entries/ch/bern/exactly-n-plus-1.yaml:11: stale: Exactly N Plus 1 (exactly-n-plus-1) "
        f"last verified {ago(DAYS + 1)}, 366 days ago (stale after 365 days, since {TODAY}); "
        f"maintainers @lea-brunner; {url}"
    )
    assert out[3].startswith("entries/ch/bern/exactly-n.yaml:11: soon: Exactly N (exactly-n) ")
    assert f"(stale after 365 days, from {TODAY + timedelta(days=1)})" in out[3]
    assert out[-1] == "9 entries: 3 stale, 3 more within 30 days"
    assert len(out) == 7


def test_json_report(boundary: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["stale", "--root", str(boundary), "--today", TODAY.isoformat(), "--format", "json"]
    assert main([*args, "--days", "400", "--soon", "700"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["stale_after_days"], data["soon_days"], data["entries"]) == (400, 700, 9)
    assert [d["id"] for d in data["stale"]] == ["very-old", "old-and-paused"]
    paused = data["stale"][1]
    assert paused == {
        "id": "old-and-paused",
        "name": "Old And Paused",
        "status": "temporarily_closed",
        "path": "entries/ch/bern/old-and-paused.yaml",
        "line": 11,
        "last_verified": ago(DAYS * 2).isoformat(),
        "age_days": 730,
        "stale_on": (ago(DAYS * 2) + timedelta(days=401)).isoformat(),
        "maintainers": ["lea-brunner"],
        "url": "https://quartier-dev.github.io/quartier/businesses/old-and-paused/",
    }
    assert len(data["soon"]) == 6 and data["invalid_files"] == []


def test_github_report_annotates_the_last_verified_line(
    boundary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["stale", "--root", str(boundary), "--today", TODAY.isoformat(), "--format", "github"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "::warning file=entries/ch/bern/very-old.yaml,line=11,title=stale entry::stale: Very Old"
    )
    assert sum(line.startswith("::warning ") for line in lines) == 3
    assert sum(line.startswith("::notice ") for line in lines) == 3
    assert lines[-1] == "9 entries: 3 stale, 3 more within 30 days"


def test_a_name_cannot_forge_a_workflow_command_or_escape_the_terminal(
    make_root: MakeRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(make_root, {"odd": entry("odd", ago(400), 1, name="Odd%0A::error::x, 50%")})
    args = ["stale", "--root", str(root), "--today", TODAY.isoformat(), "--format", "github"]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("::warning ")
    assert "Odd%250A::error::x, 50%25" in out[0]


def test_files_with_errors_are_named_and_the_rest_listed(
    make_root: MakeRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = entry("broken", ago(400), 2).replace("category: bakery", "category: 12")
    root = tree(make_root, {"old": entry("old", ago(400), 1), "broken": broken})
    assert main(["stale", "--root", str(root), "--today", TODAY.isoformat()]) == 0
    captured = capsys.readouterr()
    assert "1 file has errors and is not listed: run quartier validate" in captured.err
    assert "stale: Old (old)" in captured.out


def test_settings_with_errors_exit_1(
    make_root: MakeRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(make_root, {"old": entry("old", ago(400), 1)})
    config = root / "directory.yaml"
    config.write_text(config.read_text("utf-8").replace("365", "3"), "utf-8")
    assert main(["stale", "--root", str(root)]) == 1
    assert "stale_after_days" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args", [["--days", "0"], ["--soon", "-1"], ["--today", "24.11.2026"], ["--max-new", "x"]]
)
def test_bad_arguments_are_usage_errors(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["stale", *args])
    assert exc.value.code == 2
    assert "usage: quartier stale" in capsys.readouterr().err


# --- The plan ------------------------------------------------------------------


def due(entry_id: str, age: int = 400, name: str | None = None, **kw: Any) -> Due:
    verified = ago(age)
    values: dict[str, Any] = {
        "id": entry_id,
        "name": name or entry_id.title(),
        "status": "open",
        "path": f"entries/ch/bern/{entry_id}.yaml",
        "line": 11,
        "last_verified": verified,
        "age": age,
        "stale_on": verified + timedelta(days=DAYS + 1),
        "maintainers": ("lea-brunner", "sina-graf"),
        "url": f"https://quartier-dev.github.io/quartier/businesses/{entry_id}/",
    }
    return Due(**{**values, **kw})


def report(stale: list[Due], known: dict[str, tuple[str, date]] | None = None) -> Report:
    everyone = {d.id: (d.status, d.last_verified) for d in stale}
    return Report(TODAY, DAYS, 30, tuple(stale), (), {**everyone, **(known or {})})


SETTINGS = Reminders(repository=REPO, maintainers=("dir-anna", "dir-ben"), grace_days=90)


def issue(
    number: int,
    entry_id: str | None,
    *,
    by: str = BOT,
    opened: date = TODAY - timedelta(days=7),
    labels: tuple[str, ...] = ("stale",),
    body: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An issue as GitHub's REST API lists it (the fields the plan reads, and some it does not)."""
    text = body if body is not None else f"<!-- quartier-stale:{entry_id} -->\n\nHello @someone"
    return {
        "url": f"https://api.github.com/repos/quartier-dev/quartier/issues/{number}",
        "number": number,
        "title": f"Please confirm: {entry_id}",
        "state": "open",
        "user": {"login": by, "type": "Bot" if by == BOT else "User"},
        "labels": [{"id": i, "name": name, "color": "ededed"} for i, name in enumerate(labels)],
        "created_at": f"{opened.isoformat()}T06:17:03Z",
        "body": text,
        **extra,
    }


def steps(result: Any) -> list[tuple[str, str, int | None]]:
    return [(a.action, a.entry, a.issue) for a in result.actions]


def test_a_new_stale_entry_gets_an_issue() -> None:
    result = plan(report([due("velowerk")]), [], SETTINGS)
    (action,) = result.actions
    assert (action.action, action.method, action.endpoint, action.issue) == (
        "open",
        "POST",
        "issues",
        None,
    )
    payload = action.payload
    assert payload["title"] == "Please confirm: Velowerk (velowerk)"
    assert payload["labels"] == ["stale"]
    body = payload["body"]
    assert body.startswith("<!-- quartier-stale:velowerk -->\n\nHello @lea-brunner @sina-graf,")
    assert f"last checked on {ago(400)}, 400 days ago" in body
    assert f"{REPO}/edit/main/entries/ch/bern/velowerk.yaml" in body
    assert f"{REPO}/issues/new?template=add-business-en.yml&entry_id=velowerk" in body
    assert "https://quartier-dev.github.io/quartier/businesses/velowerk/" in body
    assert f"`last_verified: {TODAY}`" in body
    assert ours({**issue(1, None, body=body)}) is not None  # the next run recognises it


def test_an_open_reminder_is_not_opened_again() -> None:
    assert plan(report([due("velowerk")]), [issue(5, "velowerk")], SETTINGS).actions == ()


def test_verified_again_thanks_and_closes() -> None:
    known = {"velowerk": ("open", TODAY - timedelta(days=2))}
    result = plan(report([], known), [issue(5, "velowerk")], SETTINGS)
    assert steps(result) == [("comment", "velowerk", 5), ("close", "velowerk", 5)]
    comment, close = result.actions
    assert comment.endpoint == "issues/5/comments"
    assert comment.payload == {
        "body": f"Thank you! `velowerk` was verified on {TODAY - timedelta(days=2)}, "
        "so this reminder is done."
    }
    assert (close.method, close.endpoint) == ("PATCH", "issues/5")
    assert close.payload == {"state": "closed", "state_reason": "completed"}


def test_a_permanently_closed_entry_closes_its_reminder() -> None:
    known = {"velowerk": ("permanently_closed", ago(400))}
    result = plan(report([], known), [issue(5, "velowerk")], SETTINGS)
    assert steps(result) == [("comment", "velowerk", 5), ("close", "velowerk", 5)]
    assert "permanently closed" in result.actions[0].payload["body"]
    assert result.actions[1].payload["state_reason"] == "completed"


def test_a_deleted_entry_closes_its_reminder_with_a_note() -> None:
    result = plan(report([]), [issue(5, "gone-shop")], SETTINGS)
    assert steps(result) == [("comment", "gone-shop", 5), ("close", "gone-shop", 5)]
    assert result.actions[0].payload["body"] == (
        "`gone-shop` is no longer in the directory (its file was removed or renamed), "
        "so this reminder is closed."
    )
    assert result.actions[1].payload["state_reason"] == "not_planned"


@pytest.mark.parametrize(("days_open", "labelled"), [(90, False), (91, True), (400, True)])
def test_after_the_grace_period_the_directory_maintainers_decide(
    days_open: int, labelled: bool
) -> None:
    old = issue(5, "velowerk", opened=TODAY - timedelta(days=days_open))
    result = plan(report([due("velowerk")]), [old], SETTINGS)
    if not labelled:
        assert result.actions == ()
        return
    assert steps(result) == [("label", "velowerk", 5), ("comment", "velowerk", 5)]
    label, comment = result.actions
    assert (label.method, label.endpoint, label.payload) == (
        "POST",
        "issues/5/labels",
        {"labels": [DECISION_LABEL]},
    )
    assert comment.payload["body"].startswith(
        "@dir-anna @dir-ben: nobody has answered this reminder in 90 days"
    )
    assert "Nothing changes in the entry by itself." in comment.payload["body"]
    # Once labelled, it is left to them: no second label, no second comment.
    again = issue(5, "velowerk", opened=TODAY - timedelta(days=days_open), labels=(DECISION_LABEL,))
    assert plan(report([due("velowerk")]), [again], SETTINGS).actions == ()


def test_without_directory_maintainers_the_decision_is_asked_in_words() -> None:
    old = issue(5, "velowerk", opened=TODAY - timedelta(days=200))
    result = plan(report([due("velowerk")]), [old], replace(SETTINGS, maintainers=()))
    assert result.actions[1].payload["body"].startswith("Maintainers of this directory: ")
    assert "@" not in result.actions[1].payload["body"]


def test_a_second_reminder_for_one_entry_is_closed_as_a_copy() -> None:
    result = plan(report([due("velowerk")]), [issue(9, "velowerk"), issue(5, "velowerk")], SETTINGS)
    assert steps(result) == [("comment", "velowerk", 9), ("close", "velowerk", 9)]
    assert result.actions[0].payload["body"] == (
        "A reminder for this entry is already open in #5; closing this copy."
    )
    assert result.actions[1].payload["state_reason"] == "not_planned"


@pytest.mark.parametrize(
    "lookalike",
    [
        issue(5, "velowerk", by="mallory"),  # a person copied the marker
        issue(5, "velowerk", by="github-actions"),  # a user named like the bot, without [bot]
        issue(5, None, body="Hello\n<!-- quartier-stale:velowerk -->"),  # not on the first line
        issue(5, None, body="<!-- quartier-stale:velowerk --> and more"),
        issue(5, None, body="<!-- quartier-stale:Velowerk -->"),  # not an id
        issue(5, None, body="<!--quartier-stale:velowerk-->"),
        issue(5, None, body="Please confirm velowerk"),  # another bot issue, e.g. intake
        issue(5, None, body=""),
        issue(5, "velowerk", pull_request={"url": "https://api.github.com/..."}),
        issue(5, "velowerk", state="closed"),
        {**issue(5, "velowerk"), "number": "5"},
        {**issue(5, "velowerk"), "body": None},
        {**issue(5, "velowerk"), "user": None},
        "velowerk",
        None,
    ],
)
def test_issues_not_made_by_us_are_ignored(lookalike: Any) -> None:
    """Nothing is closed or labelled, and the entry still gets its own reminder."""
    assert ours(lookalike) is None
    result = plan(report([due("velowerk")]), [lookalike], SETTINGS)
    assert steps(result) == [("open", "velowerk", None)]
    fresh = plan(report([], {"velowerk": ("open", TODAY)}), [lookalike], SETTINGS)
    assert fresh.actions == ()


def test_a_body_with_windows_line_breaks_is_still_ours() -> None:
    found = ours(issue(5, None, body="<!-- quartier-stale:velowerk -->\r\n\r\nHello"))
    assert found is not None and found.entry == "velowerk"


def test_labels_may_come_as_names_and_a_bad_date_never_labels() -> None:
    raw = {**issue(5, "velowerk"), "labels": ["stale", DECISION_LABEL], "created_at": "soon"}
    found = ours(raw)
    assert found is not None
    assert found.labels == {"stale", DECISION_LABEL} and found.opened is None
    undated = {**issue(5, "velowerk"), "created_at": None}
    assert plan(report([due("velowerk")]), [undated], SETTINGS).actions == ()


def test_at_most_max_new_issues_a_run_oldest_first() -> None:
    stale = [due(f"shop-{i:02d}", age=400 + i) for i in range(MAX_NEW + 5)]
    result = plan(report(sorted(stale, key=lambda d: d.last_verified)), [], SETTINGS)
    opened = [a.entry for a in result.actions]
    assert len(opened) == MAX_NEW and result.waiting == 5
    assert opened[0] == f"shop-{MAX_NEW + 4:02d}"  # the longest unverified first
    assert result.counts == {"open": MAX_NEW}


def test_every_case_in_one_run_in_a_stable_order() -> None:
    stale = [due("new-one", age=500), due("waiting", age=420), due("overdue", age=700)]
    known = {"verified": ("open", TODAY), "closed-now": ("permanently_closed", ago(800))}
    issues = [
        issue(12, "waiting"),
        issue(3, "overdue", opened=TODAY - timedelta(days=120)),
        issue(8, "verified"),
        issue(4, "closed-now"),
        issue(7, "deleted"),
        issue(2, "new-one", by="mallory"),
    ]
    result = plan(report(stale, known), issues, SETTINGS)
    assert steps(result) == [
        ("label", "overdue", 3),
        ("comment", "overdue", 3),
        ("comment", "closed-now", 4),
        ("close", "closed-now", 4),
        ("comment", "deleted", 7),
        ("close", "deleted", 7),
        ("comment", "verified", 8),
        ("close", "verified", 8),
        ("open", "new-one", None),
    ]
    assert result.counts == {"label": 1, "comment": 4, "close": 3, "open": 1}


# --- Pagination and the issues file --------------------------------------------


def pages_of(issues: list[dict[str, Any]], size: int = 100) -> list[list[dict[str, Any]]]:
    return [issues[i : i + size] for i in range(0, len(issues), size)]


def test_pagination_in_every_shape_gh_prints() -> None:
    issues = [issue(n, f"shop-{n}", by="someone") for n in range(1, 251)]
    issues[233] = issue(234, "velowerk")  # ours, on the third page
    pages = pages_of(issues)
    shapes = {
        "one list": json.dumps(issues),
        "--slurp": json.dumps(pages),
        "--paginate": "".join(json.dumps(p) for p in pages),
        "--paginate, pretty": "\n".join(json.dumps(p, indent=2) for p in pages) + "\n",
        "nothing open": "[]",
    }
    for shape, text in shapes.items():
        loaded = load_issues(text, "issues.json")
        assert loaded == ([] if shape == "nothing open" else issues), shape
        # Found on page 3, the reminder is not opened again; with nothing open, it is.
        expected = [("open", "velowerk", None)] if shape == "nothing open" else []
        assert steps(plan(report([due("velowerk")]), loaded, SETTINGS)) == expected, shape
    assert load_issues("", "issues.json") == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{'a': 1}", "not the JSON list of issues"),
        ('{"message": "Bad credentials"}', "dict"),
        ("[1, 2] x", "not the JSON list of issues"),
        ("[1, 2", "not the JSON list of issues"),
    ],
)
def test_what_is_not_a_list_of_issues_is_a_clear_error(text: str, why: str) -> None:
    with pytest.raises(QuartierError, match=why) as exc:
        load_issues(text, "issues.json")
    assert str(exc.value).startswith("issues.json: ")


def test_a_huge_issues_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from quartier import stale

    monkeypatch.setattr(stale, "MAX_ISSUES_BYTES", 1000)
    with pytest.raises(QuartierError, match="larger than 0 MiB"):
        load_issues("[" + "1," * 600 + "1]", "issues.json")


# --- Hostile names and ids -----------------------------------------------------

HOSTILE_NAMES = [
    "@everyone",
    "<!-- quartier-stale:other -->",
    "@quartier-dev/maintainers please merge",
    "Bäckerei #1 @lea",
    "[free money](javascript:alert(1)) <img src=x onerror=alert(1)>",
    "``@double`` ` @single",
    "`@starts-with-a-backtick",
    "**bold** _it_ ~~gone~~ | table | \\@escaped",
    "line\nbreak\n\n# heading @ghost",
    "\u202eevil\u202c @hidden\u200b",
    "name " * 60,
]


def _rendered(body: str) -> tuple[set[str], list[str], list[str]]:
    """What GitHub would make of ``body``: mentions, HTML and link targets.

    A mention is ``@login`` in plain text (not in code, not in a link's
    target), as GitHub finds them after rendering CommonMark.
    """
    from markdown_it import MarkdownIt

    found: set[str] = set()
    html: list[str] = []
    links: list[str] = []
    for token in MarkdownIt("commonmark").parse(body):
        if token.type == "html_block":
            html.append(token.content)
        for child in token.children or []:
            if child.type == "text":
                found |= set(re.findall(r"(?<![\w`])@([A-Za-z0-9][\w/-]*)", child.content))
            elif child.type == "html_inline":
                html.append(child.content)
            elif child.type == "link_open":
                links.append(str(child.attrs["href"]))
    return found, html, links


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_mentions_nobody_and_fakes_no_marker(name: str) -> None:
    path = "entries/ch/@everyone/velowerk.yaml"  # a folder name is the author's too
    result = plan(report([due("velowerk", name=name, path=path)]), [], SETTINGS)
    payload = result.actions[0].payload
    title, body = payload["title"], payload["body"]
    assert not re.search(r"@[A-Za-z0-9]|#[0-9]", title), title
    assert "\n" not in title and len(title) < 160
    assert title.endswith(" (velowerk)")
    mentioned, html, links = _rendered(body)
    assert mentioned == {"lea-brunner", "sina-graf"}
    # Not even inside code: no other @name or #number anywhere in the text.
    rest = body.replace("Hello @lea-brunner @sina-graf,", "")
    assert not re.search(r"@[A-Za-z0-9]|#[0-9]", rest), rest
    assert html == ["<!-- quartier-stale:velowerk -->\n"]
    assert all(
        link.startswith((REPO + "/", "https://quartier-dev.github.io/quartier/")) for link in links
    )
    assert len(links) == 5
    found = ours(issue(1, None, body=body))
    assert found is not None and found.entry == "velowerk"


def test_only_valid_logins_are_mentioned() -> None:
    assert mentions(["lea-brunner", "Lea-Brunner", "evil team", "a/b", "@x", "-x", "ok1"]) == (
        "@lea-brunner @ok1"
    )
    hostile = due("velowerk", maintainers=("lea-brunner", "everyone here", "org/team"))
    body = plan(report([hostile]), [], SETTINGS).actions[0].payload["body"]
    assert _rendered(body)[0] == {"lea-brunner"}


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("@everyone", "`@\u200beveryone`"),
        ("#12", "`#\u200b12`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a\n\nb", "`a b`"),
        ("\u202ex", "`\\u202ex`"),
        ("", "`-`"),
    ],
)
def test_inert_text_is_a_code_span(text: str, span: str) -> None:
    assert inert(text) == span


def test_inert_title_breaks_mentions_and_links() -> None:
    assert inert_title("@everyone #1") == "@\u200beveryone #\u200b1"
    assert inert_title("\u200b@x") == "\\u200b@\u200bx"  # a zero-width space of the name shows
    assert len(inert_title("x" * 500)) == 120


def test_the_repository_must_be_an_address() -> None:
    assert repository_url("https://github.com/o/r.git/") == "https://github.com/o/r"
    for bad in ("github.com/o/r", "https://github.com/o", "https://x/o/r) [y](z", "ftp://x/o/r"):
        with pytest.raises(QuartierError, match="is not the address of a repository"):
            repository_url(bad)


def test_the_form_is_the_sites_language_when_it_has_one() -> None:
    assert form_language("de", ["de", "fr"]) == "de"
    assert form_language("fr", ["de"]) == "de"  # no French form in a German directory
    assert form_language("en", ["de"]) == "de"  # nor an English one: only its languages'
    assert form_language("it", ["ja"]) == "en"  # no form text in Japanese: English
    assert form_language("es", ["en", "es"]) == "es"
    body = plan(report([due("velowerk")]), [], replace(SETTINGS, form_language="de"))
    assert "template=add-business-de.yml&entry_id=velowerk" in body.actions[0].payload["body"]


# --- The command with --plan ----------------------------------------------------


def test_plan_command(
    make_root: MakeRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(
        make_root,
        {"old": entry("old", ago(400), 1), "checked": entry("checked", ago(3), 2)},
    )
    issues = tmp_path / "issues.json"
    old_issue = issue(3, "checked", opened=TODAY - timedelta(days=200))
    issues.write_text(json.dumps([[old_issue]]), "utf-8")
    args = ["stale", "--root", str(root), "--today", TODAY.isoformat(), "--plan", str(issues)]
    assert main([*args, "--repository", REPO + "/", "--branch", "live"]) == 0
    captured = capsys.readouterr()
    actions = json.loads(captured.out)
    assert [(a["action"], a["entry"], a["issue"]) for a in actions] == [
        ("comment", "checked", 3),
        ("close", "checked", 3),
        ("open", "old", None),
    ]
    assert f"{REPO}/edit/live/entries/ch/bern/old.yaml" in actions[2]["payload"]["body"]
    assert "within 90 days" in actions[2]["payload"]["body"]  # stale_grace_days' default
    assert captured.err == "plan: open 1, close 1, label 0 for a decision, comment 1\n"


def test_plan_command_takes_the_repository_from_the_settings_and_names_what_is_missing(
    make_root: MakeRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(make_root, {"old": entry("old", ago(400), 1)})
    issues = tmp_path / "issues.json"
    issues.write_text("[]", "utf-8")
    args = ["stale", "--root", str(root), "--today", TODAY.isoformat(), "--plan", str(issues)]
    assert main([*args, "--max-new", "0"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "1 more stale entry waits for the next run (--max-new)" in captured.err
    config = root / "directory.yaml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"(?m)^repository: .*\n", "", text), "utf-8")
    assert main(args) == 2
    assert "set repository in directory.yaml or pass --repository URL" in capsys.readouterr().err
    assert main([*args[:-1], str(tmp_path / "missing.json"), "--repository", REPO]) == 2
    assert "missing.json: cannot read the issues: No such file or directory" in (
        capsys.readouterr().err
    )


def test_the_grace_period_comes_from_directory_yaml(
    make_root: MakeRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(make_root, {"old": entry("old", ago(400), 1)})
    config = root / "directory.yaml"
    config.write_text(config.read_text("utf-8") + "stale_grace_days: 14\n", "utf-8")
    issues = tmp_path / "issues.json"
    issues.write_text(json.dumps([issue(3, "old", opened=TODAY - timedelta(days=15))]), "utf-8")
    args = ["stale", "--root", str(root), "--today", TODAY.isoformat(), "--plan", str(issues)]
    assert main(args) == 0
    assert [a["action"] for a in json.loads(capsys.readouterr().out)] == ["label", "comment"]
    assert main([*args, "--grace-days", "30"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    config.write_text(config.read_text("utf-8").replace("grace_days: 14", "grace_days: 2"), "utf-8")
    assert main(args) == 1  # below the minimum of 7: a settings error, with its line
    assert "directory.yaml:" in capsys.readouterr().err


# --- The workflow -----------------------------------------------------------------


def test_the_workflow_and_its_template_pass_zizmor_and_actionlint() -> None:
    result = zizmor(WORKFLOW, TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    lint = actionlint(WORKFLOW, TEMPLATE)
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stderr


@pytest.mark.parametrize("path", [WORKFLOW, TEMPLATE])
def test_the_workflow_may_read_the_repository_and_write_issues_nothing_else(path: Path) -> None:
    flow = yaml.safe_load(path.read_text("utf-8"))
    assert flow["permissions"] == {}
    assert flow[True]["schedule"] and "workflow_dispatch" in flow[True]  # YAML 1.1: on is True
    (job,) = flow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    for step in job["steps"]:
        if "checkout" in step.get("uses", ""):
            assert step["with"]["persist-credentials"] is False
        assert "${{" not in step.get("run", ""), step  # data reaches the shell through env only


def test_init_writes_the_workflow(tmp_path: Path) -> None:
    from .test_init import init

    repo = tmp_path / "quartier-lausanne"
    assert init(repo) == 0
    written = (repo / ".github" / "workflows" / "stale.yml").read_text("utf-8")
    assert written == TEMPLATE.read_text("utf-8")  # no placeholders: written as it is
    assert "python -m pip install -r requirements.txt" in written
    assert "quartier stale --plan" in written
    ours_text = WORKFLOW.read_text("utf-8")
    assert [s for s in _steps(written) if "pip install" not in str(s)] == [
        s for s in _steps(ours_text) if "pip install" not in str(s)
    ]


def _steps(text: str) -> list[dict[str, Any]]:
    flow = yaml.safe_load(text)
    return [s for job in flow["jobs"].values() for s in job["steps"]]


FAKE_GH = """#!/bin/bash
# Stands in for GitHub's CLI: lists the issues of $FAKE_ISSUES, records every other call.
if [[ " $* " == *" --paginate "* ]]; then
  printf '%s\\n' "$*" > "$FAKE_LOG/list.args"
  cat "$FAKE_ISSUES"
  exit 0
fi
n=$(find "$FAKE_LOG" -name '*.call' | wc -l)
printf '%s\\0' "$@" > "$FAKE_LOG/$n.call"
cat > "$FAKE_LOG/$n.stdin"
[ -z "$FAKE_FAIL_AT" ] || [ "$n" != "$FAKE_FAIL_AT" ] || exit 1
"""


def run_workflow(
    repo: Path, issues: list[Any], tmp: Path, dry_run: bool = False, fail_at: int | None = None
) -> tuple[subprocess.CompletedProcess[str], list[tuple[list[str], Any]]]:
    """Run the job's shell steps in order, as a runner would, with a stand-in gh and sleep."""
    if shutil.which("jq") is None or shutil.which("bash") is None:
        pytest.skip("the workflow's steps need bash and jq (both on GitHub's runners)")
    bin_dir, log, temp = tmp / "bin", tmp / "log", tmp / "runner-temp"
    for folder in (bin_dir, log, temp):
        folder.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH, "utf-8")
    (bin_dir / "sleep").write_text("#!/bin/sh\nexit 0\n", "utf-8")
    for tool in ("gh", "sleep"):
        (bin_dir / tool).chmod(0o755)
    (tmp / "issues.json").write_text(json.dumps(pages_of(issues)), "utf-8")
    env = {
        "PATH": os.pathsep.join(
            [str(bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"]
        ),
        "HOME": str(tmp),
        "RUNNER_TEMP": str(temp),
        "GITHUB_REPOSITORY": "quartier-dev/quartier",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REF_NAME": "main",
        "FAKE_ISSUES": str(tmp / "issues.json"),
        "FAKE_LOG": str(log),
        "FAKE_FAIL_AT": "" if fail_at is None else str(fail_at),
    }
    result = subprocess.CompletedProcess[str]([], 0, "", "")
    for step in _steps(WORKFLOW.read_text("utf-8")):
        if "run" not in step or "pip install" in step["run"]:
            continue
        condition = step.get("if")
        assert condition in (None, "${{ inputs.dry_run }}", "${{ !inputs.dry_run }}"), condition
        if condition and (condition == "${{ inputs.dry_run }}") != dry_run:
            continue
        step_env = {
            k: v.replace("${{ github.token }}", "fake-token")
            for k, v in step.get("env", {}).items()
        }
        shell = (
            ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
            if step.get("shell")
            else ["bash", "-e"]
        )
        result = subprocess.run(
            [*shell, "-c", step["run"]],
            cwd=repo,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode:
            break
    calls = []
    for path in sorted(log.glob("*.call"), key=lambda p: int(p.stem)):
        args = path.read_text("utf-8").split("\0")[:-1]
        calls.append((args, json.loads(path.with_suffix(".stdin").read_text("utf-8"))))
    return result, calls


def test_the_workflow_runs_the_plan_one_api_call_per_action(
    make_root: MakeRoot, tmp_path: Path
) -> None:
    today = date.today()
    root = tree(
        make_root,
        {
            "old": entry("old", ago(400, today), 1, name="@everyone's $(touch PWNED) `shop`"),
            "checked": entry("checked", ago(3, today), 2),
        },
    )
    issues = [issue(n, None, by="someone", body="unrelated") for n in range(1, 150)]
    issues.append(issue(150, "checked", opened=today - timedelta(days=200)))
    result, calls = run_workflow(root, issues, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = (tmp_path / "log" / "list.args").read_text("utf-8")
    assert "repos/quartier-dev/quartier/issues?state=open&creator=github-actions%5Bbot%5D" in listed
    assert [args[:4] for args, _ in calls] == [
        ["api", "--method", "POST", "repos/quartier-dev/quartier/issues/150/comments"],
        ["api", "--method", "PATCH", "repos/quartier-dev/quartier/issues/150"],
        ["api", "--method", "POST", "repos/quartier-dev/quartier/issues"],
    ]
    assert all(args[4:] == ["--input", "-"] for args, _ in calls)
    assert calls[1][1] == {"state": "closed", "state_reason": "completed"}
    opened = calls[2][1]
    assert opened["title"] == "Please confirm: @\u200beveryone's $(touch PWNED) `shop` (old)"
    assert opened["labels"] == ["stale"]
    assert "`` @\u200beveryone's $(touch PWNED) `shop` ``" in opened["body"]
    assert not (root / "PWNED").exists()
    assert (
        "https://github.com/quartier-dev/quartier/edit/main/entries/ch/bern/old.yaml"
        in (opened["body"])
    )


def test_a_dry_run_calls_nothing_and_a_failed_call_stops_the_run(
    make_root: MakeRoot, tmp_path: Path
) -> None:
    today = date.today()
    root = tree(
        make_root,
        {f"old-{i}": entry(f"old-{i}", ago(400 + i, today), i) for i in range(3)},
    )
    (tmp_path / "dry").mkdir()
    result, calls = run_workflow(root, [], tmp_path / "dry", dry_run=True)
    assert result.returncode == 0 and calls == []
    assert result.stdout.count('"action": "open"') == 3  # the plan is shown instead
    (tmp_path / "fail").mkdir()
    result, calls = run_workflow(root, [], tmp_path / "fail", fail_at=1)
    assert result.returncode != 0
    assert len(calls) == 2  # the third action was never tried


# --- The site's mark ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "since", "title"),
    [
        ("en", "not checked since June 2025", "on 1 June 2025;"),
        ("de", "seit Juni 2025 nicht geprüft", "am 1. Juni 2025 "),
        ("fr", "non vérifié depuis juin 2025", "le 1er juin 2025\u00a0;"),
        ("it", "non verificato da giugno 2025", "il 1 giugno 2025;"),
        ("es", "sin verificar desde junio de 2025", "el 1 de junio de 2025;"),
    ],
)
def test_the_mark_in_every_language(lang: str, since: str, title: str) -> None:
    pytest.importorskip("babel", reason="the site needs the site extra")
    from quartier.site.i18n import strings
    from quartier.site.pages import _stale_mark

    mark = _stale_mark(strings(lang), date(2025, 6, 1))
    assert f">{since}</span>" in mark
    assert title in mark.split('title="')[1].split('"')[0]
    assert _stale_mark(strings(lang), None) == ""


def test_the_mark_follows_validates_warning_only(make_root: MakeRoot) -> None:
    root = tree(make_root, {"old": entry("old", ago(400), 1), "new": entry("new", ago(3), 2)})
    directory = read_directory(root, today=TODAY)
    assert warned_stale(directory) == {"old": ago(400)}
    other = Problem(
        "entries/ch/bern/new.yaml", 11, 16, "last_verified", "something else", "", Severity.WARNING
    )
    directory.problems.append(other)
    assert warned_stale(directory) == {"old": ago(400)}
    assert warned_stale(read_directory(root, today=TODAY - timedelta(days=40))) == {}


@pytest.fixture(scope="module")
def stale_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip(
        "mkdocs", reason="the site needs the site extra: pip install 'quartier[site]'"
    )
    from .site_support import build_into

    root = shutil.copytree(SAMPLE, tmp_path_factory.mktemp("stale") / "repo")
    for path, day in [
        ("ch/bern/velowerk-lorraine.yaml", "2025-06-01"),  # open
        ("ch/bern/chaesegge-altstadt.yaml", "2025-03-15"),  # temporarily closed
        ("us/santa-cruz/tidepool-records.yaml", "2024-01-01"),  # permanently closed
    ]:
        file = root / "entries" / path
        text = file.read_text("utf-8")
        file.write_text(re.sub(r"(?m)^last_verified: .*$", f"last_verified: {day}", text), "utf-8")
    return build_into(root, tmp_path_factory.mktemp("stale-site") / "_site")


def _items(page: Path) -> dict[str, str]:
    """Each business in a list page: its id -> the HTML of its list item."""
    html = page.read_text("utf-8")
    return {
        m.group(1): m.group(0)
        # An item may start with the business's photo thumbnail (<span class="q-thumb">).
        for m in re.finditer(
            r'<li[^>]*>(?:<span class="q-thumb">.*?</span><div>)?'
            r'<a href="[./]*businesses/([a-z0-9-]+)/">.*?</li>',
            html,
            re.S,
        )
    }


def test_lists_mark_stale_entries(stale_site: Path) -> None:
    bern = _items(stale_site / "places" / "bern" / "index.html")
    marked = {k for k, v in bern.items() if "q-stale" in v}
    assert marked == {"velowerk-lorraine", "chaesegge-altstadt"}
    assert "not checked since June 2025</span>" in bern["velowerk-lorraine"]
    assert 'title="A person last confirmed this entry on 1 June 2025;' in bern["velowerk-lorraine"]
    assert "not checked since March 2025" in bern["chaesegge-altstadt"]
    repair = _items(stale_site / "categories" / "bicycle-repair" / "index.html")
    assert "q-stale" in repair["velowerk-lorraine"]
    records = _items(stale_site / "categories" / "record-shop" / "index.html")
    assert "q-stale" not in records["tidepool-records"]  # closed for good: nothing to check
    home = _items(stale_site / "index.html")
    assert home and not any("q-stale" in v for v in home.values())  # only recent ones there


@pytest.mark.parametrize(
    ("languages", "site"),
    [(["de"], "en"), (["de", "fr"], "fr"), (["ja"], "en"), (["en", "es"], "it"), (["it"], "it")],
)
def test_the_form_linked_is_always_one_quartier_forms_writes(
    languages: list[str], site: str
) -> None:
    """Reminders and the site's page link a form that exists (a review found an -en link
    in a German directory, which gets only add-business-de.yml)."""
    from quartier.intake.forms import form_languages

    config = SimpleNamespace(languages=languages)
    assert form_language(site, languages) in form_languages(config)  # type: ignore[arg-type]


def test_the_directory_maintainers_team_is_mentioned_but_never_from_an_entry() -> None:
    """A directory may list only a team; an entry's maintainers are people (the contract)."""
    assert mentions(["quartier-bern/stewards", "lea"], teams=True) == "@quartier-bern/stewards @lea"
    assert mentions(["quartier-bern/stewards", "lea"]) == "@lea"
    assert mentions(["a/b/c", "x/../y", "@org/team", "org/"], teams=True) == ""


@pytest.mark.parametrize(
    ("option", "value"), [("--days", "abc"), ("--days", "0"), ("--soon", "-3")]
)
def test_a_wrong_number_of_days_is_a_clear_usage_error(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["stale", f"{option}={value}"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: '{value}' is not a number" in err and "_positive" not in err
