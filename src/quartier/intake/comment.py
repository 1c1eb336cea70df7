"""The texts GitHub shows: the comment asking an owner to correct, and the pull request.

Both are Markdown written by quartier around the owner's answers, which only
ever appear as code spans (:func:`~quartier.intake.results.code`): a name
like ``@everyone``, ``Closes #1`` or ``<img onerror=...>`` is shown, never
run, linked or obeyed. The comment is in the form's language, the pull
request in the directory's first language, both falling back to English.

Example::

    comment(outcome)          # '<!-- quartier-intake -->\\nThank you! Before your entry ...'
    pull_request(outcome).title   # 'Add Velo Flick', in the directory's language
"""

from __future__ import annotations

from dataclasses import dataclass

from ..problems import printable
from .form import label
from .results import code
from .run import Outcome
from .texts import text, text_language

MARKER = "<!-- quartier-intake -->"
# A pull request's title is plain text (no Markdown): the name is shown as written, but short.
TITLE_LENGTH = 80


def comment(outcome: Outcome) -> str:
    """The comment for an issue whose answers need correcting: numbered, with an example each."""
    lang = outcome.language
    intro = "comment.intro_update" if outcome.update else "comment.intro"
    lines = [MARKER, text(lang, intro), ""]
    told: set[str] = set()  # each other entry's "write its id to update it" once
    for number, correction in enumerate(outcome.corrections, 1):
        what = (
            text(lang, "form.name") if correction.field == "form" else label(correction.field, lang)
        )
        say = text(lang, f"problems.{correction.key}", **correction.values)
        if correction.key.startswith("duplicate_") and correction.values["other"] not in told:
            told.add(correction.values["other"])
            say += " " + text(lang, "problems.duplicate_fix", **correction.values)
        if correction.example:
            say += " " + text(lang, "comment.example", example=code(correction.example))
        lines.append(f"{number}. **{what}**: {say}")
    if outcome.notes:
        lines += ["", text(lang, "comment.understood"), ""]
        lines += [f"- {text(lang, f'notes.{n.key}', **n.values)}" for n in outcome.notes]
    lines += ["", text(lang, "comment.footer")]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PullRequest:
    """The branch, title, body and commit message of the pull request for a valid issue."""

    branch: str
    title: str
    body: str
    commit_message: str


def branch_name(issue: int) -> str:
    """``intake/issue-12``: one branch per issue, updated when the issue is edited."""
    return f"intake/issue-{int(issue)}"


def pull_request(outcome: Outcome) -> PullRequest:
    """What to open (or update) for a valid outcome, in the directory's first language."""
    if outcome.issue is None or outcome.entry_id is None or outcome.path is None:
        raise ValueError("a pull request needs the issue's number and a valid entry")
    lang = text_language(outcome.directory_language)
    name = outcome.name or outcome.entry_id
    if outcome.update:
        name = f"{name} ({outcome.entry_id})"  # whose entry changes, whatever the answers say
    author = code(f"@{outcome.author}") if outcome.author else "?"
    kind = "update" if outcome.update else "new"
    title = text(lang, f"pull_request.title_{kind}", name=_title_text(name))
    lines = [
        text(
            lang,
            f"pull_request.intro_{kind}",
            name=inert(code(name)),
            author=author,
            issue=outcome.issue,
        ),
        "",
        f"Closes #{outcome.issue}",
        "",
    ]
    if outcome.update:
        changed = [label(f, lang) if f != "last_verified" else f for f in outcome.changed]
        if changed:
            lines += [text(lang, "pull_request.changed"), ""]
            lines += [f"- {c}" for c in changed]
        else:
            lines.append(text(lang, "pull_request.unchanged"))
        lines.append("")
        if outcome.author and outcome.author.lower() not in {
            m.lower() for m in outcome.maintainers
        }:
            maintainers = ", ".join(code(f"@{m}") for m in outcome.maintainers)
            lines += [
                text(lang, "pull_request.not_maintainer", author=author, maintainers=maintainers),
                "",
            ]
    if outcome.notes:
        lines += [text(lang, "pull_request.notes"), ""]
        lines += [f"- {text(lang, f'notes.{n.key}', **n.values)}" for n in outcome.notes]
        lines.append("")
    if outcome.warnings:
        lines += [text(lang, "pull_request.warnings"), ""]
        lines += [
            f"- {code(w.field, 60)}: {code(w.message + (f' ({w.hint})' if w.hint else ''), 400)}"
            for w in outcome.warnings
        ]
        lines.append("")
    lines.append(text(lang, "pull_request.review"))
    message = (
        f"{'Update' if outcome.update else 'Add'} {outcome.path} (intake issue #{outcome.issue})"
    )
    return PullRequest(branch_name(outcome.issue), title, "\n".join(lines) + "\n", message)


def inert(markdown: str) -> str:
    """``markdown`` with a zero-width space after every ``@`` and ``#``.

    GitHub reads closing keywords ("Closes #1") in a pull request's body and
    may read them inside code spans too; an owner's name must close no issue
    and mention no one when the pull request is merged.
    """
    return markdown.replace("@", "@\u200b").replace("#", "#\u200b")


def _title_text(name: str) -> str:
    # Control characters shown as escapes; a zero-width space after '@' mentions no one.
    shown = printable(" ".join(name.split())).replace("@", "@\u200b")
    return shown if len(shown) <= TITLE_LENGTH else shown[: TITLE_LENGTH - 1] + "…"
