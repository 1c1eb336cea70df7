"""Freshness: which entries nobody has checked for too long, and the reminder issues for them.

An entry is *stale* when more than the directory's ``stale_after_days``
(365 by default) have passed since its ``last_verified``: on day 365 it is
still fresh, on day 366 it is stale (:func:`is_stale`). ``quartier validate``
warns about exactly these, the site marks them in its lists
(:func:`warned_stale`, from validate's own warnings), and ``quartier stale``
lists them, with the entries that become stale within ``--soon`` days.
Permanently closed entries are never reminded.

A weekly workflow turns the list into one reminder issue per stale entry. It
only moves data: it lists the open issues (``gh api --paginate``), asks
:func:`plan` what to do, and performs each action as one GitHub API call.
What decides is here, tested without GitHub::

    report = select(read_directory(root), today=date(2026, 11, 24))
    actions = plan(report, load_issues(text, "issues.json"), Reminders(repository=url))
    [a.as_dict() for a in actions.actions]
    # [{"action": "open", "entry": "velowerk-lorraine", "issue": None, "method": "POST",
    #   "endpoint": "issues", "payload": {"title": ..., "body": ..., "labels": ["stale"]}}]

An issue is ours when GitHub Actions' bot opened it and the first line of
its body is the marker ``<!-- quartier-stale:<id> -->``; anything else (an
issue a person opened, even one that copies the marker) is left alone. What
an entry says (its name, its file's path) reaches a title or a body only as
inert text: in a body inside a code span, where no mention, link, HTML or
marker works; in a title with ``@`` and ``#`` broken by a zero-width space.
The only mentions are maintainers' validated GitHub logins.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from .fields import GITHUB_RE
from .messages import message
from .problems import QuartierError, printable

if TYPE_CHECKING:
    from pathlib import Path

    from .directory import Directory

DEFAULT_SOON = 30
STALE_LABEL = "stale"
DECISION_LABEL = "needs-decision"
# Who opens the issues: the workflow's GITHUB_TOKEN acts as this account.
BOT = "github-actions[bot]"
MARKER = "<!-- quartier-stale:{id} -->"
_MARKER_RE = re.compile(r"<!-- quartier-stale:([a-z0-9]+(?:-[a-z0-9]+)*) -->")
# New issues per run: GitHub limits how fast an account may create content,
# and a directory that turns on reminders with 300 stale entries should not
# wake 300 owners in one minute. The rest follow in the next weeks' runs.
MAX_NEW = 20
MAX_ISSUES_BYTES = 64 * 1024 * 1024
TITLE_LENGTH = 120
# Forms exist for these languages (quartier forms); English always.
_ZERO_WIDTH_SPACE = "\u200b"


def is_stale(last_verified: date, today: date, days: int) -> bool:
    """Whether more than ``days`` days have passed since ``last_verified``.

    ``is_stale(date(2025, 11, 24), date(2026, 11, 24), 365)`` is False (365
    days: the last fresh day); a day later it is True. The same rule as
    ``quartier validate``'s warning (tests/test_stale.py holds them equal).
    """
    return (today - last_verified).days > days


@dataclass(frozen=True)
class Due:
    """One entry that is stale, or soon will be, with what a reminder needs."""

    id: str
    name: str
    status: str
    path: str  # the entry's file, relative to the repository
    line: int  # of last_verified in the file
    last_verified: date
    age: int  # days since last_verified
    stale_on: date  # the first day it counts as stale
    maintainers: tuple[str, ...]
    url: str  # the entry's page on the site

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "path": self.path,
            "line": self.line,
            "last_verified": self.last_verified.isoformat(),
            "age_days": self.age,
            "stale_on": self.stale_on.isoformat(),
            "maintainers": list(self.maintainers),
            "url": self.url,
        }


@dataclass(frozen=True)
class Report:
    """What ``quartier stale`` found on ``today``: stale entries first, oldest first."""

    today: date
    days: int
    soon_days: int
    stale: tuple[Due, ...]
    soon: tuple[Due, ...]
    # Every valid entry: id -> (status, last_verified), to tell a verified entry from a gone one.
    known: Mapping[str, tuple[str, date]]
    invalid: tuple[str, ...] = ()  # files with errors, which are not listed

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "stale_after_days": self.days,
            "soon_days": self.soon_days,
            "entries": len(self.known),
            "stale": [d.as_dict() for d in self.stale],
            "soon": [d.as_dict() for d in self.soon],
            "invalid_files": list(self.invalid),
        }


def select(
    directory: Directory, today: date, days: int | None = None, soon: int = DEFAULT_SOON
) -> Report:
    """The stale entries of a read directory, and those that will be within ``soon`` days.

    ``days`` replaces the directory's ``stale_after_days``. An entry whose
    ``last_verified`` lies after ``today`` is neither (the contract refuses
    future dates; a ``today`` in the past can still see one).
    """
    from .publish.urls import business_page

    config = directory.config
    if config is None:
        raise QuartierError(message("stale.settings"))
    limit = config.stale_after_days if days is None else days
    stale: list[Due] = []
    coming: list[Due] = []
    known: dict[str, tuple[str, date]] = {}
    # validate's warnings give the line of most; the rest are read again (a few).
    lines = {p.path: p.line for p in directory.problems if p.field == "last_verified"}
    for entry_id, entry in sorted(directory.entries.items()):
        known[entry_id] = (entry.status, entry.last_verified)
        if entry.status == "permanently_closed":
            continue
        age = (today - entry.last_verified).days
        if age < 0:
            continue
        now = is_stale(entry.last_verified, today, limit)
        if not now and not is_stale(entry.last_verified, today + timedelta(days=soon), limit):
            continue
        path = directory.paths[entry_id]
        line = lines.get(path) or _line_of_last_verified(directory.root / path, path)
        due = Due(
            id=entry_id,
            name=entry.name,
            status=entry.status,
            path=path,
            line=line,
            last_verified=entry.last_verified,
            age=age,
            stale_on=entry.last_verified + timedelta(days=limit + 1),
            maintainers=tuple(entry.maintainers),
            url=config.base_url + business_page(entry_id),
        )
        (stale if now else coming).append(due)
    invalid = sorted({p.path for p in directory.problems if p.is_error})
    return Report(
        today, limit, soon, _oldest_first(stale), _oldest_first(coming), known, tuple(invalid)
    )


def _line_of_last_verified(file: Path, path: str) -> int:
    from .load import load_path

    return load_path(file, display=path).locate(("last_verified",))[0]


def _oldest_first(dues: list[Due]) -> tuple[Due, ...]:
    return tuple(sorted(dues, key=lambda d: (d.last_verified, d.id)))


def warned_stale(directory: Directory) -> dict[str, date]:
    """Entries ``quartier validate`` warned as stale when ``directory`` was read, by id.

    The site marks what validate found on the day the directory was read
    (``read_directory(root, today=...)``): one decision, never a second clock.
    The warning is recognised by its exact text for that entry, so another
    warning on ``last_verified`` is never taken for this one.
    """
    if directory.config is None:
        return {}
    days = directory.config.stale_after_days
    by_path = {path: entry_id for entry_id, path in directory.paths.items()}
    out: dict[str, date] = {}
    for p in directory.problems:
        entry_id = by_path.get(p.path)
        entry = directory.entries.get(entry_id) if entry_id else None
        if (
            entry is not None
            and entry_id is not None
            and p.field == "last_verified"
            and not p.is_error
            and p.message == message("checks.stale", day=entry.last_verified, days=days)
        ):
            out[entry_id] = entry.last_verified
    return out


# --- Reminder issues -------------------------------------------------------------


@dataclass(frozen=True)
class Reminders:
    """How reminders are written: where the links point and who decides after the grace period."""

    repository: str  # https://github.com/owner/name
    branch: str = "main"
    form_language: str = "en"
    maintainers: tuple[str, ...] = ()  # the directory's, asked to decide
    grace_days: int = 90
    bot: str = BOT
    max_new: int = MAX_NEW


def repository_url(text: str) -> str:
    """``https://github.com/owner/name`` from a repository's web address, or a usage error.

    A trailing ``/`` or ``.git`` is dropped; anything that is not an https
    address of an owner and a repository is refused, since issue links are
    built from it.
    """
    url = text.strip().removesuffix("/").removesuffix(".git")
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(?::\d+)?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", url):
        raise QuartierError(message("stale.repository", url=text))
    return url


def form_language(site_language: str, languages: Sequence[str]) -> str:
    """The language of the add-business form to link: the site's, when a form exists for it.

    Forms exist for the directory's languages that Quartier has texts for
    (``quartier forms``), in English only when there is none of those:
    ``form_language("de", ["de", "fr"])`` is ``"de"``,
    ``form_language("en", ["de"])`` is ``"de"`` (no English form is written),
    ``form_language("it", ["ja"])`` is ``"en"``.
    """
    from .intake.texts import written_in  # not at import: validate imports this module

    available = written_in(languages)
    return site_language if site_language in available else available[0]


@dataclass(frozen=True)
class Issue:
    """One of our open reminder issues, as far as the plan needs it."""

    number: int
    entry: str
    opened: date | None
    labels: frozenset[str]


def ours(raw: object, bot: str = BOT) -> Issue | None:
    """The reminder in one issue as the GitHub API returns it, or None when it is not ours.

    Ours: an open issue (not a pull request) that ``bot`` opened, whose body
    starts with the marker line. A person cannot open an issue as the bot,
    and the bot writes entry text only inside code spans, so a copied or
    embedded marker never counts.
    """
    if not isinstance(raw, dict) or raw.get("pull_request") is not None:
        return None
    user = raw.get("user")
    number, body = raw.get("number"), raw.get("body")
    if not isinstance(user, dict) or user.get("login") != bot or raw.get("state", "open") != "open":
        return None
    if type(number) is not int or not isinstance(body, str) or not body:
        return None
    found = _MARKER_RE.fullmatch(body.splitlines()[0].strip())
    if found is None:
        return None
    labels = frozenset(
        name
        for label in raw.get("labels") or []
        if isinstance(name := label.get("name") if isinstance(label, dict) else label, str)
    )
    return Issue(number, found.group(1), _day(raw.get("created_at")), labels)


def _day(text: object) -> date | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def load_issues(text: str, name: str) -> list[Any]:
    """The issues in what ``gh api --paginate`` printed, whatever the pagination looked like.

    One JSON list of issues, a list of pages (``--slurp``), or pages printed
    one after another (``[...][...]``, plain ``--paginate``) all give one flat
    list. ``name`` is the file, for the message when it is not such JSON.
    """
    if len(text) > MAX_ISSUES_BYTES:
        raise QuartierError(
            message("stale.issues.too_large", path=name, mib=MAX_ISSUES_BYTES >> 20)
        )
    decoder = json.JSONDecoder()
    pages: list[Any] = []
    at = 0
    try:
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            if at == len(text):
                break
            page, at = decoder.raw_decode(text, at)
            pages.append(page)
    except ValueError as exc:
        raise QuartierError(message("stale.issues.json", path=name, reason=str(exc))) from None
    issues: list[Any] = []
    for page in pages:
        if not isinstance(page, list):
            raise QuartierError(message("stale.issues.json", path=name, reason=type(page).__name__))
        for item in page:
            issues += item if isinstance(item, list) else [item]
    return issues


@dataclass(frozen=True)
class Action:
    """One GitHub API call: ``method`` to ``repos/<owner>/<name>/<endpoint>`` with ``payload``."""

    action: Literal["open", "comment", "close", "label"]
    entry: str
    issue: int | None
    method: Literal["POST", "PATCH"]
    endpoint: str
    payload: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "entry": self.entry,
            "issue": self.issue,
            "method": self.method,
            "endpoint": self.endpoint,
            "payload": self.payload,
        }


@dataclass(frozen=True)
class Plan:
    """The actions of one run, and how many stale entries wait for a later run."""

    actions: tuple[Action, ...]
    waiting: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)


def plan(report: Report, issues: Iterable[object], settings: Reminders) -> Plan:
    """What to do about each stale entry and each of our open reminders, in order.

    - a stale entry without a reminder: open one (oldest first, at most
      ``settings.max_new`` per run);
    - a reminder whose entry is verified again: thank and close; whose entry
      is now permanently closed, or gone: say so and close;
    - a reminder still unanswered after ``settings.grace_days``: label it
      ``needs-decision`` and ask the directory's maintainers, once;
    - a second reminder for the same entry (two runs at once): close it,
      pointing at the first.
    """
    stale = {d.id: d for d in report.stale}
    mine: dict[str, list[Issue]] = defaultdict(list)
    for raw in issues:
        issue = ours(raw, settings.bot)
        if issue is not None:
            mine[issue.entry].append(issue)
    actions: list[Action] = []
    for entry_id in sorted(mine, key=lambda e: min(i.number for i in mine[e])):
        first, *copies = sorted(mine[entry_id], key=lambda i: i.number)
        for copy in copies:
            actions += _closing(copy, message("stale.duplicate", issue=first.number), "not_planned")
        due = stale.get(entry_id)
        if due is not None:
            actions += _maybe_decide(first, due, report.today, settings)
            continue
        known = report.known.get(entry_id)
        if known is None:
            note = message("stale.gone", id=inert(entry_id))
            actions += _closing(first, note, "not_planned")
        elif known[0] == "permanently_closed":
            actions += _closing(first, message("stale.closed", id=inert(entry_id)), "completed")
        else:
            thanks = message("stale.thanks", id=inert(entry_id), day=known[1].isoformat())
            actions += _closing(first, thanks, "completed")
    new = [d for d in report.stale if d.id not in mine]
    for due in new[: settings.max_new]:
        actions.append(
            Action(
                "open",
                due.id,
                None,
                "POST",
                "issues",
                {"title": title(due), "body": body(due, report, settings), "labels": [STALE_LABEL]},
            )
        )
    counts: dict[str, int] = defaultdict(int)
    for a in actions:
        counts[a.action] += 1
    return Plan(tuple(actions), max(0, len(new) - settings.max_new), dict(counts))


def _closing(issue: Issue, note: str, reason: str) -> list[Action]:
    return [
        Action("comment", issue.entry, issue.number, "POST", _comments(issue), {"body": note}),
        Action(
            "close",
            issue.entry,
            issue.number,
            "PATCH",
            f"issues/{issue.number}",
            {"state": "closed", "state_reason": reason},
        ),
    ]


def _maybe_decide(issue: Issue, due: Due, today: date, settings: Reminders) -> list[Action]:
    if DECISION_LABEL in issue.labels or issue.opened is None:
        return []
    if (today - issue.opened).days <= settings.grace_days:
        return []
    note = message(
        "stale.decide",
        mentions=mentions(settings.maintainers, teams=True) or message("stale.decide.nobody"),
        id=inert(due.id),
        grace=settings.grace_days,
        day=due.last_verified.isoformat(),
    )
    return [
        Action(
            "label",
            due.id,
            issue.number,
            "POST",
            f"issues/{issue.number}/labels",
            {"labels": [DECISION_LABEL]},
        ),
        Action("comment", due.id, issue.number, "POST", _comments(issue), {"body": note}),
    ]


def _comments(issue: Issue) -> str:
    return f"issues/{issue.number}/comments"


def title(due: Due) -> str:
    """``Please confirm: Velowerk Lorraine (velowerk-lorraine)``, the name made inert."""
    return message("stale.title", name=inert_title(due.name), id=due.id)


def body(due: Due, report: Report, settings: Reminders) -> str:
    """The reminder's Markdown: the marker line, then plain words and links for the owner."""
    repo = settings.repository
    form = f"add-business-{settings.form_language}.yml"
    return (
        MARKER.format(id=due.id)
        + "\n\n"
        + message(
            "stale.body",
            mentions=mentions(due.maintainers) or message("stale.decide.nobody"),
            name=inert(due.name),
            id=inert(due.id),
            path=inert(due.path),
            day=due.last_verified.isoformat(),
            age=due.age,
            days=report.days,
            today=report.today.isoformat(),
            grace=settings.grace_days,
            page_url=_target(due.url),
            edit_url=_target(f"{repo}/edit/{quote(settings.branch)}/{quote(due.path)}"),
            form_url=_target(f"{repo}/issues/new?template={form}&entry_id={quote(due.id)}"),
        )
    )


_TEAM_RE = GITHUB_RE.removesuffix("$") + r"/[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"


def mentions(logins: Iterable[str], teams: bool = False) -> str:
    """``@lea-brunner @sina-graf``: each valid GitHub login once; anything else is left out.

    With ``teams``, ``org/team-slug`` (a directory's maintainers may be a
    team) is mentioned too, as GitHub notifies a team: ``@quartier-bern/stewards``.
    """
    seen: dict[str, str] = {}
    for login in logins:
        if re.fullmatch(GITHUB_RE, login) or (teams and re.fullmatch(_TEAM_RE, login)):
            seen.setdefault(login.casefold(), login)
    return " ".join(f"@{login}" for login in seen.values())


def inert(text: str) -> str:
    """``text`` as a Markdown code span: shown as it is, never a mention, link, HTML or marker.

    One line, control and direction characters shown as escapes, and a fence
    of more backticks than the text holds in a row (CommonMark's rule), so
    that no text ends the span early: ``inert("a`b")`` is ```` ``a`b`` ````.
    GitHub finds no mention or issue link inside code; ``@`` and ``#`` are
    broken as well (:func:`_broken`), in case a renderer ever does.
    """
    text = _broken(printable(" ".join(text.split())) or "-")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def inert_title(text: str) -> str:
    """``text`` for an issue title: one printable line, shortened, ``@`` and ``#`` broken."""
    text = printable(" ".join(text.split()))
    if len(text) > TITLE_LENGTH:
        text = text[: TITLE_LENGTH - 1] + "…"
    return _broken(text)


def _broken(text: str) -> str:
    """``text`` with a zero-width space after each ``@`` and ``#``.

    "@everyone" then mentions no one and "#12" links nothing, and both read
    the same. A zero-width space the text brought itself was already made
    visible by ``printable``, so it cannot undo this.
    """
    return re.sub("([@#])", "\\1" + _ZERO_WIDTH_SPACE, text)


def _target(url: str) -> str:
    """A URL safe as a Markdown link target: no space, parenthesis or angle bracket."""
    return quote(url, safe=":/?&=#%~+,;@!$*'")
