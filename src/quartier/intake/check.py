"""Check an entry the intake wrote against the whole directory, as ``quartier validate`` would.

The file is not on disk yet: its text is loaded with quartier's loader,
validated by the contract's models, checked against the directory's
settings (region, country, languages) and, through the keys every other
entry leaves, for duplicates (the same phone, website, or name nearby). An
update replaces its entry, which is then left out of the others.

Each error becomes a :class:`~quartier.intake.results.Correction` on the form
field whose answer fills the entry field (:func:`~quartier.intake.form.field_of`);
warnings go to the reviewers.

Example::

    problems = check_text(root, "entries/ch/bern/velo-flick.yaml", text, ctx)
"""

from __future__ import annotations

import re
from pathlib import Path

from ..checks import Context, check_entry, check_tree, keys_of
from ..directory import entry_paths, read_entries, relative_path
from ..explain import validate
from ..load import load_bytes, load_path
from ..model import Entry, address_country
from ..parallel import long_lived
from ..problems import Problem
from .form import field_of
from .results import Reading, code

# The path of the other entry that a duplicate problem names ("entries/ch/bern/x.yaml:12").
_OTHER = re.compile(r"(entries/[^\s:'\"]+?\.ya?ml)")
_DUPLICATES = {"phone": "duplicate_phone", "website": "duplicate_website", "name": "duplicate_name"}


def check_text(root: Path, rel: str, text: str, ctx: Context) -> list[Problem]:
    """Every problem ``quartier validate`` would report in ``text`` saved at ``rel``."""
    doc = load_bytes(text.encode("utf-8"), rel)
    entry = validate(doc, Entry, context={"country": address_country(doc.data)})
    if entry is None:
        return doc.problems
    stem = Path(rel).stem
    problems = doc.problems + check_entry(entry, doc, stem, ctx)
    others = [p for p in entry_paths(root) if relative_path(p, root) != rel]
    with long_lived():  # as quartier validate reads them: on every core, no cycle collector
        keys = [k for _, _, _, k in read_entries(others, root, ctx, keep_entries=False) if k]
    problems += check_tree([*keys, keys_of(entry, doc)], blame={rel})
    return problems


def add_problems(
    reading: Reading, problems: list[Problem], root: Path, entry_id_label: str
) -> list[Problem]:
    """Turn the errors into corrections of ``reading``; return the warnings.

    Errors on a field the owner did not fill (a stand-in) or already must
    correct are left out: the owner has one thing to do per answer.
    """
    warnings: list[Problem] = []
    named = set(reading.fields_to_correct())
    stand_in_fields = {field_of(".".join(p)) for p in reading.stand_ins}
    for problem in problems:
        if not problem.is_error:
            warnings.append(problem)
            continue
        form_field = field_of(problem.field) or "form"
        if form_field in named or form_field in stand_in_fields:
            continue
        if form_field in ("name", "country") and "location" in stand_in_fields | named:
            continue  # checked against a point the owner did not give: means nothing
        other = _OTHER.search(problem.message)
        if form_field in _DUPLICATES and other:
            other_id = Path(other.group(1)).stem
            reading.correct(
                form_field,
                _DUPLICATES[form_field],
                other=code(other_id),
                other_name=code(_name_of(root, other.group(1))),
                entry_id=entry_id_label,
            )
        else:
            # The validator's own words (English), quoted: they may repeat the answer.
            detail = problem.message + (f" ({problem.hint})" if problem.hint else "")
            reading.correct(form_field, "other", detail=code(detail, limit=400))
        named.add(form_field)
    return warnings


def _name_of(root: Path, rel: str) -> str:
    doc = load_path(root / rel, display=rel)
    name = doc.data.get("name") if doc.data else None
    return name if isinstance(name, str) else Path(rel).stem
