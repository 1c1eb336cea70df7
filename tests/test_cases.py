"""Entry files as test data: each invalid case says, in its header, what must be reported.

Header lines look like ``# expect: 12:5 error opening_hours: not valid OpenStreetMap``:
line:column, severity, field, and a part of the message. A case passes when
the reported problems are exactly the expected ones (no more, no fewer).
Folders under ``cases/trees`` are whole ``entries/`` trees with an
``expect.txt`` of ``path:line:column severity field: text`` lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quartier.directory import read_directory
from quartier.problems import Problem

from .conftest import CASES, SAMPLE, TODAY

EXPECT = re.compile(
    r"^(?:# expect: )?(?:(?P<path>\S+?):)?(?P<line>\d+):(?P<col>\d+) "
    r"(?P<sev>error|warning) (?P<field>\S+): (?P<text>.+)$"
)


def _expected(lines: list[str]) -> list[dict[str, str]]:
    out = []
    for raw in lines:
        m = EXPECT.match(raw.strip())
        if m:
            out.append(m.groupdict())
    return out


def _matches(p: Problem, e: dict[str, str], default_path: str) -> bool:
    return (
        p.path == (e["path"] or default_path)
        and (p.line, p.column) == (int(e["line"]), int(e["col"]))
        and p.severity.value == e["sev"]
        and p.field == e["field"]
        and _contains(p, e["text"])
    )


def _contains(p: Problem, text: str) -> bool:
    """``message part`` or ``message part || hint part``."""
    message, _, hint = text.partition("||")
    return message.strip() in p.message and hint.strip() in p.hint


def _assert_exactly(problems: list[Problem], expected: list[dict[str, str]], path: str) -> None:
    shown = "\n".join(
        f"{p.path}:{p.line}:{p.column} {p.severity.value} {p.field}: {p.message}" for p in problems
    )
    assert expected, f"case {path} declares no expectation"
    for e in expected:
        assert any(_matches(p, e, path) for p in problems), f"missing {e}\nreported:\n{shown}"
    assert len(problems) == len(expected), f"unexpected extra problems:\n{shown}"


def _case_ids(folder: str) -> list[Path]:
    return sorted((CASES / folder).glob("*.yaml"))


@pytest.mark.parametrize("case", _case_ids("valid"), ids=lambda p: p.stem)
def test_valid_case(case: Path, make_root) -> None:
    rel = f"entries/{case.name}"
    root = make_root({rel: case.read_bytes()})
    directory = read_directory(root, today=TODAY)
    assert directory.problems == []
    assert list(directory.entries) == [case.stem]


@pytest.mark.parametrize("case", _case_ids("invalid"), ids=lambda p: p.stem)
def test_invalid_case(case: Path, make_root) -> None:
    rel = f"entries/{case.name}"
    text = case.read_text("utf-8")
    root = make_root({rel: text})
    directory = read_directory(root, today=TODAY)
    _assert_exactly(directory.problems, _expected(text.splitlines()), rel)
    assert directory.errors or "warning" in text, "an invalid case must fail"


@pytest.mark.parametrize(
    "tree", sorted(p for p in (CASES / "trees").iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_tree_case(tree: Path, make_root) -> None:
    files = {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*.yaml")}
    root = make_root(files)
    directory = read_directory(root, today=TODAY)
    expected = _expected((tree / "expect.txt").read_text("utf-8").splitlines())
    _assert_exactly(directory.problems, expected, "")


def test_the_template_in_entries_readme_is_a_valid_entry(make_root) -> None:
    """Owners copy it: it must pass as it is."""
    readme = (SAMPLE / "entries" / "README.md").read_text("utf-8")
    block = re.search(r"```yaml\n(.*?)```", readme, re.S)
    assert block is not None
    root = make_root({"entries/my-shop.yaml": block.group(1)})
    directory = read_directory(root, today=TODAY)
    assert directory.problems == [] and list(directory.entries) == ["my-shop"]
