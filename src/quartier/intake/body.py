"""Read the answers out of an issue body, as GitHub writes it from an issue form.

GitHub writes each field of the form, in order, as ``### <label>``, an empty
line, and the answer (``_No response_`` when an optional field was left
empty; ``- [X] <option>`` for a ticked checkbox). The body is text: nothing
in it is interpreted as YAML, Markdown or HTML.

An answer may itself contain a line ``### <another label>`` (a story with
headings, or someone trying to add an answer of their own): the labels are
matched from the end, each field taking the last heading with its label that
stands before the next field's, so such a line stays inside the answer it
was typed in. The form's language is the one whose labels the headings match
best, so a body from any of the five forms is read.

Example::

    answers = parse_body(issue_body)   # "### Name of the business\\n\\nVelowerk\\n\\n..."
    answers.values["name"]              # 'Velowerk'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..problems import QuartierError
from .form import FIELDS
from .texts import LANGUAGES, text

# GitHub's own limit on an issue body: anything longer did not come from GitHub.
MAX_BODY = 65_536
# An issue's JSON (or a webhook's event around it) also carries the repository.
MAX_JSON_BYTES = 2 * 1024 * 1024
NO_RESPONSE = "_No response_"
# At least this many of the form's headings: fewer, and the body is not the form's.
MIN_HEADINGS = 4
_CHECKBOX = re.compile(r"^- \[([ xX])\] (.*)$")


@dataclass(frozen=True)
class Answers:
    """The answers by field id (``""`` when empty), the form's language, and headings found."""

    values: dict[str, str]
    language: str
    found: int

    @property
    def from_form(self) -> bool:
        return self.found >= MIN_HEADINGS and "name" in self.values


@dataclass(frozen=True)
class Issue:
    """What the intake needs of a GitHub issue."""

    body: str
    author: str | None = None
    number: int | None = None
    labels: tuple[str, ...] | None = None  # None: not known (JSON without labels)
    state: str = "open"
    is_pull_request: bool = False


def labels_in(language: str) -> dict[str, str]:
    """Field id -> the heading GitHub writes for it in the form of ``language``."""
    return {f.id: text(language, f"form.fields.{f.id}.label") for f in FIELDS}


def check_size(body: str) -> None:
    if len(body) > MAX_BODY:
        raise QuartierError(
            f"the issue body is {len(body):,} characters long; GitHub allows {MAX_BODY:,}, "
            "so this is not an issue body (nothing was read)"
        )


def parse_body(body: str) -> Answers:
    """The answers in ``body`` (see the module docstring); raises for an oversized body."""
    check_size(body)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings = [
        (i, line[4:].strip().casefold()) for i, line in enumerate(lines) if line.startswith("### ")
    ]
    heading_texts = {h for _, h in headings}
    language = max(
        LANGUAGES,
        key=lambda lang: sum(v.casefold() in heading_texts for v in labels_in(lang).values()),
    )
    labels = labels_in(language)
    at: dict[str, int] = {}
    limit = len(lines)
    for form_field in reversed(FIELDS):
        wanted = labels[form_field.id].casefold()
        index = next((i for i, h in reversed(headings) if i < limit and h == wanted), None)
        if index is not None:
            at[form_field.id] = index
            limit = index
    order = sorted(at.items(), key=lambda item: item[1])
    values: dict[str, str] = {}
    for n, (field_id, start) in enumerate(order):
        end = order[n + 1][1] if n + 1 < len(order) else len(lines)
        answer = "\n".join(lines[start + 1 : end]).strip("\n").strip()
        values[field_id] = _answer(field_id, answer, language)
    return Answers(values, language, len(at))


def _answer(field_id: str, answer: str, language: str) -> str:
    if answer == NO_RESPONSE:
        return ""
    if field_id != "consent":
        return answer
    option = text(language, "form.fields.consent.option", license="").casefold()
    for line in answer.split("\n"):
        match = _CHECKBOX.match(line.strip())
        if match and match.group(1) in "xX" and _same_option(match.group(2), option):
            return "yes"
    return ""


def _same_option(shown: str, option: str) -> bool:
    # The option names the license; compare the text before it.
    head = option.split("(", 1)[0].strip()
    return shown.casefold().startswith(head) if head else True


def read_issue_json(raw: bytes) -> Issue:
    """An issue from GitHub's JSON: the REST API's issue, ``gh issue view --json``, or an event.

    A webhook event (``$GITHUB_EVENT_PATH`` in a workflow) holds the issue
    under ``"issue"``. Raises :class:`QuartierError` for anything else.
    """
    if len(raw) > MAX_JSON_BYTES:
        raise QuartierError(
            f"the JSON is larger than {MAX_JSON_BYTES // 1024 // 1024} MiB: not an issue"
        )
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise QuartierError(f"not JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("issue"), dict):
        data = data["issue"]
    if not isinstance(data, dict) or not isinstance(data.get("body", ""), str | None):
        raise QuartierError("the JSON is not a GitHub issue (no 'body' text)")
    user = data.get("user") or data.get("author") or {}
    login = user.get("login") if isinstance(user, dict) else None
    given = data.get("labels")
    labels = (
        tuple(str(item.get("name")) if isinstance(item, dict) else str(item) for item in given)
        if isinstance(given, list)
        else None
    )
    number = data.get("number")
    return Issue(
        body=data.get("body") or "",
        author=login if isinstance(login, str) else None,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        labels=labels,
        state=str(data.get("state") or "open").lower(),
        is_pull_request="pull_request" in data,
    )
