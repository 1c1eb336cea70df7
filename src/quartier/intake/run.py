"""From an issue body to an entry file, or to the corrections the owner must make.

The stages, each a plain function of its own module::

    body --parse_body--> answers --read (form)--> entry values, corrections, notes
         --new_entry_text / update_text--> YAML --check_text--> problems --> Outcome

A new entry gets a fresh id from its name, the path
``entries/<country>/<area>/<id>.yaml``, the issue's author as its maintainer
and today as ``last_verified``. An update (the answer "entry id" names an
entry) starts from that entry's file and changes only what the answers
change. Whatever is missing or wrong is still filled with a neutral stand-in
so the rest can be checked against the directory: every correction comes
at once.

Example::

    outcome = intake(Path("."), body, author="octocat", issue=12)
    outcome.valid, outcome.path, outcome.corrections
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..checks import Context
from ..directory import entry_paths, load_context, relative_path
from ..explain import validate
from ..fields import GITHUB_RE
from ..load import load_path
from ..model import Entry, address_country
from ..problems import Problem, QuartierError
from . import form
from .body import parse_body
from .check import add_problems, check_text
from .ids import entry_id, slug
from .location import centre
from .results import Correction, Note, Reading, code
from .texts import text, text_language
from .yamltext import new_entry_text, update_text


@dataclass
class Outcome:
    """What the intake made of one issue: the entry file, or what the owner must correct."""

    language: str
    corrections: list[Correction] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    entry_id: str | None = None
    path: str | None = None
    text: str | None = None
    update: bool = False
    changed: list[str] = field(default_factory=list)
    name: str | None = None
    maintainers: list[str] = field(default_factory=list)
    author: str | None = None
    issue: int | None = None
    directory_language: str = "en"

    @property
    def valid(self) -> bool:
        return self.text is not None and not self.corrections

    @property
    def problem_fields(self) -> list[str]:
        return list(dict.fromkeys(c.field for c in self.corrections))

    @property
    def proposals(self) -> dict[str, str]:
        """Exact values proposed per form field: corrections' and how answers were read."""
        found = {n.field: n.proposal for n in self.notes if n.proposal}
        found.update({c.field: c.proposal for c in self.corrections if c.proposal})
        return found


def intake(
    root: Path, body: str, author: str, issue: int | None = None, today: date | None = None
) -> Outcome:
    """Read ``body`` against the directory at ``root`` (see the module docstring)."""
    if not re.fullmatch(GITHUB_RE, author):
        raise QuartierError(f"'{author}' is not a GitHub login (letters, digits and hyphens)")
    answers = parse_body(body)
    ctx, _ = load_context(root, today)
    if ctx is None:
        raise QuartierError("directory.yaml has errors: run quartier validate and fix them first")
    language = text_language(answers.language)
    outcome = Outcome(
        language, author=author, issue=issue, directory_language=ctx.config.languages[0]
    )
    if not answers.from_form:
        outcome.corrections.append(
            Correction("form", "not_form", {"form": text(language, "form.name")})
        )
        return outcome
    ids = {Path(p).stem: relative_path(p, root) for p in entry_paths(root)}
    asked = answers.values.get("entry_id", "").strip()
    existing = _existing(root, asked, ids, ctx, outcome)
    answering = form.Answering(
        ctx.config,
        ctx.taxonomy,
        language,
        form.examples(ctx.config, language, form.home_area(ctx.config, answers.values)),
        # An update (even of an entry not found) needs no answer the entry already has.
        update=existing[1] if existing else ({} if asked else None),
    )
    reading = form.read(answering, answers.values)
    outcome.notes = reading.notes
    if asked and existing is None:
        outcome.corrections = [*outcome.corrections, *reading.corrections]
        return outcome  # the owner meant another entry: nothing to check it against
    if existing:
        _update(outcome, reading, existing, ctx.today)
    else:
        _new(outcome, reading, answering, ids, author, ctx)
    assert outcome.text is not None and outcome.path is not None
    problems = check_text(root, outcome.path, outcome.text, ctx)
    outcome.warnings = add_problems(
        reading, problems, root, text(language, "form.fields.entry_id.label")
    )
    outcome.corrections = [*outcome.corrections, *reading.corrections]
    if outcome.corrections:
        outcome.text = None
    return outcome


def _existing(
    root: Path, answer: str, ids: dict[str, str], ctx: Context, outcome: Outcome
) -> tuple[str, dict[str, Any], str] | None:
    """The entry an update names: its path, data and text; or None, with a correction."""
    answer = answer.strip()
    if not answer:
        return None
    wanted = answer.rstrip("/").rsplit("/", 1)[-1].removesuffix(".yaml").strip().lower()
    if wanted not in ids:
        close = difflib.get_close_matches(wanted, list(ids), n=1, cutoff=0.6)
        values = {"value": code(answer), "suggestion": code(close[0]) if close else ""}
        key = "entry_unknown_close" if close else "entry_unknown"
        outcome.corrections.append(
            Correction("entry_id", key, values, proposal=close[0] if close else None)
        )
        return None
    rel = ids[wanted]
    doc = load_path(root / rel, display=rel)
    entry = validate(doc, Entry, context={"country": address_country(doc.data)})
    if entry is None or doc.data is None:
        detail = doc.problems[0].message if doc.problems else rel
        outcome.corrections.append(
            Correction(
                "entry_id", "entry_unreadable", {"value": code(wanted), "detail": code(detail)}
            )
        )
        return None
    outcome.update, outcome.entry_id, outcome.path = True, entry.id, rel
    outcome.name, outcome.maintainers = entry.name, list(entry.maintainers)
    return rel, doc.data, (root / rel).read_text("utf-8")


def _update(
    outcome: Outcome, reading: Reading, existing: tuple[str, dict[str, Any], str], today: date
) -> None:
    _, data, old_text = existing
    changes = {
        path: value for path, value in reading.values.items() if not _same(_get(data, path), value)
    }
    outcome.changed = list(dict.fromkeys(form.field_of(".".join(p)) or p[0] for p in changes))
    changes[("last_verified",)] = today
    outcome.text = update_text(old_text, data, changes)
    # The entry as it is now names the pull request: a stranger's answers may rename it,
    # and a reviewer must see whose entry changes ("name" is then among the changes).
    current = data.get("name")
    outcome.name = current if isinstance(current, str) else outcome.name


def _new(
    outcome: Outcome,
    reading: Reading,
    answering: form.Answering,
    ids: dict[str, str],
    author: str,
    ctx: Context,
) -> None:
    values = reading.values
    config = ctx.config
    country = values.get(("location", "address", "country"))
    area = answering.area or next(
        (a for a in config.areas if country in a.countries), config.areas[0]
    )
    point = centre(area.bbox)
    stand_ins: dict[tuple[str, ...], Any] = {
        ("name",): "-",
        ("category",): ctx.taxonomy.categories[-1].id,
        ("summary", answering.language): "-",
        ("location", "geo"): {"lat": point.lat, "lon": point.lon},
        ("location", "address", "locality"): area.name,
        ("location", "address", "country"): area.countries[0],
    }
    for path, value in stand_ins.items():
        if not any(p[: len(path)] == path or path[: len(p)] == p for p in values):
            values[path] = value
            reading.stand_ins.add(path)
    locality = str(values[("location", "address", "locality")])
    name = str(values[("name",)])
    new_id = entry_id(name, answering.language, ids, locality, str(values[("category",)]))
    data: dict[str, Any] = {"id": new_id, "status": "open"}
    for path, value in values.items():
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    data["maintainers"] = [author]
    data["last_verified"] = ctx.today
    place = area.id if answering.area else slug(locality) or area.id
    country_code = str(values[("location", "address", "country")]).lower()
    outcome.entry_id, outcome.name = new_id, name if ("name",) not in reading.stand_ins else None
    outcome.path = f"entries/{country_code}/{place}/{new_id}.yaml"
    outcome.maintainers = [author]
    outcome.text = new_entry_text(data)


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _same(old: Any, new: Any) -> bool:
    """Whether a value read from a file (text) equals one the intake made."""
    if isinstance(new, dict):
        return (
            isinstance(old, dict)
            and old.keys() == new.keys()
            and all(_same(old[k], v) for k, v in new.items())
        )
    if isinstance(new, list):
        return isinstance(old, list) and len(old) == len(new) and all(map(_same, old, new))
    if isinstance(new, float):
        try:
            return math.isclose(float(old), new, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return old is not None and str(old).strip() == str(new).strip()
