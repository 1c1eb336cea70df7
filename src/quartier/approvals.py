"""The GitHub side of ``quartier approvals``: which reviews approve, and who is in a team.

The decision itself is :func:`quartier.pullrequest.decide`; this module turns
what GitHub's API says into the logins it needs.

Reviews: GitHub lists every review a pull request ever had
(``GET /repos/OWNER/REPO/pulls/N/reviews``). A person's approval counts when
their latest review that approves, requests changes or was dismissed is an
approval, and (given the head commit) it approved that commit: a dismissed
approval, one followed by "changes requested", or one of a commit the author
has since pushed over counts no more. A comment after an approval leaves it
standing, as on GitHub.

Teams: ``directory.yaml`` may name a team as ``org/team-slug``. Its members
are read from ``GET /orgs/ORG/teams/SLUG/members`` with the token in
``QUARTIER_TEAMS_TOKEN`` (the workflow's ``GITHUB_TOKEN`` cannot read an
organisation's teams): a fine-grained token or GitHub App whose only
permission is the organisation's "Members: read". The token is sent only to
``GITHUB_API_URL``'s host (https, or http on loopback for tests), never
through a redirect nor to a ``next`` page elsewhere. Without it a team
counts for nobody, and the check says so.

Example::

    approvers = current_approvers(read_reviews("reviews.json"), head_sha="6dcb09b...")
    members, unread = read_teams(["quartier-bern/maintainers"], token, "https://api.github.com")
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

from .messages import message
from .problems import QuartierError

# A GitHub login (a person, or an app's bot account: "quartier-intake[bot]").
# Stricter than nothing, looser than the entry model's handles: a login the
# API sends must not crash the check, it just never matches a maintainer.
LOGIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]){0,38}(?:\[bot\])?")
TEAM_RE = re.compile(r"([A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})/([A-Za-z0-9][A-Za-z0-9_-]{0,99})")
# Review states that decide (the latest of them is the person's verdict); COMMENTED and
# PENDING say nothing.
DECIDING = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
MAX_REVIEWS_BYTES = 32 * 1024 * 1024
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_PAGES = 100  # 10,000 members at 100 a page
TEAMS_DEADLINE = 60.0  # seconds for every team together
TOKEN_ENV = "QUARTIER_TEAMS_TOKEN"


def login(value: str, flag: str) -> str:
    """``value`` as a login (a leading ``@`` dropped), or a usage error naming ``flag``."""
    plain = value.removeprefix("@")
    if not LOGIN_RE.fullmatch(plain):
        raise QuartierError(message("approvals.login", flag=flag, value=repr(value)))
    return plain


def read_reviews(path: str) -> object:
    """The JSON in ``path`` (``-``: standard input), as ``gh api --paginate --slurp`` wrote it."""
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_REVIEWS_BYTES + 1)
        else:
            with Path(path).open("rb") as f:
                raw = f.read(MAX_REVIEWS_BYTES + 1)
    except OSError as exc:
        raise QuartierError(
            message("approvals.reviews.unreadable", path=path, reason=exc.strerror or exc)
        ) from None
    if len(raw) > MAX_REVIEWS_BYTES:
        mib = MAX_REVIEWS_BYTES // 2**20
        raise QuartierError(message("approvals.reviews.too_large", path=path, mib=mib))
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise QuartierError(message("approvals.reviews.json", path=path, reason=exc)) from None


def current_approvers(reviews: object, head_sha: str | None = None) -> list[str]:
    """The logins whose approval stands, in the order they first reviewed.

    ``reviews`` is the API's list of reviews, or a list of such pages
    (``--slurp``). ``head_sha``: only an approval of this commit counts.
    """
    verdicts: dict[str, tuple[str, str, str]] = {}
    for review in sorted(_reviews(reviews), key=_when):
        user = review.get("user")
        name = user.get("login") if isinstance(user, dict) else None
        state = review.get("state")
        if not isinstance(name, str) or not LOGIN_RE.fullmatch(name) or state not in DECIDING:
            continue
        commit = review.get("commit_id")
        verdicts[name.casefold()] = (name, str(state), commit if isinstance(commit, str) else "")
    return [
        name
        for name, state, commit in verdicts.values()
        if state == "APPROVED" and (head_sha is None or commit.casefold() == head_sha.casefold())
    ]


def _reviews(value: object) -> Iterator[dict[str, object]]:
    if not isinstance(value, list):
        raise QuartierError(message("approvals.reviews.shape"))
    for item in value:
        if isinstance(item, list):  # a page of --slurp
            yield from _reviews(item)
        elif isinstance(item, dict):
            yield item
        else:
            raise QuartierError(message("approvals.reviews.shape"))


def _when(review: dict[str, object]) -> tuple[str, int]:
    """Submission time, then id: GitHub's order, kept even if the pages came out of order."""
    submitted = review.get("submitted_at")
    number = review.get("id")
    return (
        submitted if isinstance(submitted, str) else "",
        number if isinstance(number, int) and not isinstance(number, bool) else 0,
    )


# --- Teams ----------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would resend the token to wherever a redirect points: stop instead."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def read_teams(
    teams: Iterable[str], token: str | None, api: str, timeout: float = 20.0
) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """Each team's member logins (casefolded), and why each team that could not be read was not.

    ``api`` is GitHub's API root (``GITHUB_API_URL``); ``token`` may read
    the organisation's members, nothing more.
    """
    members: dict[str, frozenset[str]] = {}
    unread: dict[str, str] = {}
    wanted = list(dict.fromkeys(teams))
    if not wanted:
        return members, unread
    if not token:
        return members, dict.fromkeys(wanted, message("approvals.team.no_token", env=TOKEN_ENV))
    root = urllib.parse.urlsplit(api.rstrip("/"))
    if not _may_send_token(root):
        return members, dict.fromkeys(wanted, message("approvals.team.api", api=repr(api)))
    opener = urllib.request.build_opener(_NoRedirects)
    deadline = time.monotonic() + TEAMS_DEADLINE
    for team in wanted:
        match = TEAM_RE.fullmatch(team)
        if match is None:
            unread[team] = message("approvals.team.name")
            continue
        org, slug = (urllib.parse.quote(part, safe="") for part in match.groups())
        url = f"{root.geturl()}/orgs/{org}/teams/{slug}/members?per_page=100"
        try:
            members[team.casefold()] = _members(opener, url, root, token, timeout, deadline)
        except _Unread as exc:
            unread[team] = str(exc)
    return members, unread


class _Unread(Exception):
    """A team's members could not be read; the text says why."""


def _may_send_token(root: urllib.parse.SplitResult) -> bool:
    loopback = root.hostname in ("127.0.0.1", "::1", "localhost")
    return bool(root.hostname) and (root.scheme == "https" or (root.scheme == "http" and loopback))


def _members(
    opener: urllib.request.OpenerDirector,
    url: str,
    root: urllib.parse.SplitResult,
    token: str,
    timeout: float,
    deadline: float,
) -> frozenset[str]:
    found: set[str] = set()
    for _ in range(MAX_PAGES):
        page, following = _page(opener, url, token, min(timeout, deadline - time.monotonic()))
        for member in page:
            name = member.get("login") if isinstance(member, dict) else None
            if isinstance(name, str) and LOGIN_RE.fullmatch(name):
                found.add(name.casefold())
        if following is None:
            return frozenset(found)
        there = urllib.parse.urlsplit(following)
        if (there.scheme, there.netloc) != (root.scheme, root.netloc) or not there.path.startswith(
            root.path + "/"
        ):
            raise _Unread(message("approvals.team.elsewhere"))
        url = following
    raise _Unread(message("approvals.team.too_many", pages=MAX_PAGES))


def _page(
    opener: urllib.request.OpenerDirector, url: str, token: str, timeout: float
) -> tuple[list[object], str | None]:
    if timeout <= 0:
        raise _Unread(message("approvals.team.slow", seconds=int(TEAMS_DEADLINE)))
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "quartier-approvals",
        },
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read(MAX_PAGE_BYTES + 1)
            link = response.headers.get("Link", "")
    except urllib.error.HTTPError as exc:
        raise _Unread(message("approvals.team.http", status=exc.code)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise _Unread(message("approvals.team.failed", reason=reason)) from None
    if len(raw) > MAX_PAGE_BYTES:
        raise _Unread(message("approvals.team.too_large", mib=MAX_PAGE_BYTES // 2**20))
    try:
        page = json.loads(raw)
    except ValueError:
        page = None
    if not isinstance(page, list):
        raise _Unread(message("approvals.team.not_members"))
    following = re.search(r'<([^<>\s]+)>\s*;\s*rel="next"', link)
    return page, following.group(1) if following else None
