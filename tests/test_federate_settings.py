"""``members:`` in directory.yaml: ids, URLs and the license rule, each error at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from quartier.directory import load_context
from quartier.fields import RECORD_ID_RE
from quartier.model import CONTRACT_VERSION, Entry

from .conftest import SAMPLE


def _settings(tmp_path: Path, license: str, members: str) -> list[str]:
    text = (SAMPLE / "directory.yaml").read_text(encoding="utf-8")
    text = text.replace("license: CC0-1.0", f"license: {license}")
    (tmp_path / "directory.yaml").write_text(text + "members:\n" + members, encoding="utf-8")
    base = text.count("\n") + 1  # line of "members:"
    _ctx, problems = load_context(tmp_path)
    return [f"{p.line - base}:{p.column} {p.field}: {p.message} (fix: {p.hint})" for p in problems]


def _member(mid: str, license: str, url: str = "https://m.example.org/") -> str:
    return f"  - id: {mid}\n    url: {url}\n    license: {license}\n"


@pytest.mark.parametrize(
    ("own", "member", "ok"),
    [
        ("CC0-1.0", "CC0-1.0", True),
        ("CC0-1.0", "CC-BY-4.0", False),
        ("CC0-1.0", "ODbL-1.0", False),
        ("CC-BY-4.0", "CC0-1.0", True),
        ("CC-BY-4.0", "CC-BY-4.0", True),
        ("CC-BY-4.0", "ODbL-1.0", False),
        ("ODbL-1.0", "CC0-1.0", True),
        ("ODbL-1.0", "CC-BY-4.0", True),
        ("ODbL-1.0", "ODbL-1.0", True),
    ],
)
def test_license_compatibility(tmp_path: Path, own: str, member: str, ok: bool) -> None:
    problems = _settings(tmp_path, own, _member("aa", "CC0-1.0") + _member("thun", member))
    if ok:
        assert problems == []
    else:
        needed = "ODbL-1.0" if member == "ODbL-1.0" else "CC-BY-4.0"
        # At the second member's license: line (members: + 3 lines of the first + 3).
        assert problems == [
            f"6:14 members[1].license: member 'thun' is published under {member}, which a "
            f"directory licensed {own} cannot include (fix: {own} accepts members under "
            f"{', '.join(_accepted(own))}; change this directory's license: to {needed}, "
            "or remove member thun)"
        ]


def _accepted(own: str) -> list[str]:
    return {
        "CC0-1.0": ["CC0-1.0"],
        "CC-BY-4.0": ["CC0-1.0", "CC-BY-4.0"],
        "ODbL-1.0": ["CC0-1.0", "CC-BY-4.0", "ODbL-1.0"],
    }[own]


def test_member_ids_are_unique_slugs(tmp_path: Path) -> None:
    twice = _settings(tmp_path, "CC0-1.0", _member("thun", "CC0-1.0") * 2)
    assert twice == [
        "1:3 members: member ids must be unique: thun appears more than once (fix: give each "
        "member its own short id, e.g. thun and thun-land)"
    ]
    for bad in ("thun--land", "Thun", "t", "a" * 33):
        (problem,) = _settings(tmp_path, "CC0-1.0", _member(bad, "CC0-1.0"))
        assert problem.startswith("1:9 members[0].id: "), problem


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://thun.example.org", "the member URL 'https://thun.example.org' must end in '/'"),
        ("ftp://thun.example.org/", "'ftp://thun.example.org/' is neither an http(s) URL"),
        ("javascript:alert(1)", "'javascript:alert(1)' is neither an http(s) URL"),
        ("https://user:pw@thun.example.org/", ""),
    ],
)
def test_member_urls(tmp_path: Path, url: str, problem: str) -> None:
    (got,) = _settings(tmp_path, "CC0-1.0", _member("thun", "CC0-1.0", url))
    assert got.startswith("2:10 members[0].url: " + problem), got


def test_local_folders_and_filters_are_accepted(tmp_path: Path) -> None:
    members = _member("thun", "CC0-1.0", "../thun/_site/") + (
        "    name: Thun lokal\n    areas: [thun]\n    categories: [bakery]\n"
    )
    assert _settings(tmp_path, "CC0-1.0", members) == []
    ctx, _ = load_context(tmp_path)
    assert ctx is not None
    (member,) = ctx.config.members
    assert not member.is_remote
    assert member.folder(tmp_path) == (tmp_path.parent / "thun" / "_site").resolve()


def test_contract_accepts_federated_ids() -> None:
    assert CONTRACT_VERSION >= "1.2"
    import re

    for good in ("velowerk", "thun--baeckerei-mueller", "canton--thun--x-1"):
        assert re.fullmatch(RECORD_ID_RE, good)
    for bad in ("thun---x", "-thun", "thun--", "thun--X", "a--b-"):
        assert not re.fullmatch(RECORD_ID_RE, bad)
    assert Entry.model_json_schema()["properties"]["id"]["pattern"] == RECORD_ID_RE
