"""What the intake workflow decides and passes on, in Python: which issues, and its outputs.

The workflow only moves data: it hands the event to ``quartier intake
--json "$GITHUB_EVENT_PATH" --github-output "$GITHUB_OUTPUT"`` and reads back
``result`` (``valid``, ``correct`` or ``ignore``), the comment, and the pull
request's branch, title and body. Values are written to ``$GITHUB_OUTPUT``
with a random delimiter, so an answer cannot end one value and forge another.

Example::

    intake_issue(Issue(body="...", labels=("add-business",)))   # None: it is one
    outputs({"result": "correct", "comment": "..."})            # 'result<<ghadelimiter_…'
"""

from __future__ import annotations

import secrets

from .body import Issue

# The label the "Add or update my business" forms give their issues.
INTAKE_LABEL = "add-business"
# The label of the "Report a problem" form's issues (for maintainers; no automation).
REPORT_LABEL = "report-problem"


def intake_issue(issue: Issue) -> str | None:
    """Why ``issue`` is not one for the intake, or None when it is.

    It must carry the form's label (only the form, or someone with triage
    rights, sets it; JSON without labels, from ``gh issue view --json body``,
    is taken as the caller's choice), be open (a merged entry closes it: an edit after that
    must not propose the business again) and be an issue, not a pull request.
    """
    if issue.is_pull_request:
        return "a pull request, not an issue"
    if issue.labels is not None and INTAKE_LABEL not in issue.labels:
        return f"the issue has no label '{INTAKE_LABEL}'"
    if issue.state != "open":
        return "the issue is closed"
    return None


def outputs(values: dict[str, str]) -> str:
    """``values`` in the ``$GITHUB_OUTPUT`` format, each with its own unguessable delimiter."""
    out = []
    for key, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:  # pragma: no cover - 128 random bits
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        out.append(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)
