"""Shared fixtures: the sample directory, and throw-away repositories built from its settings."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
# The sample directory (directory.yaml, entries/ and site/, its logo) that the tests
# read: a copy of the repository's own sample, so that a city which forks the
# repository and replaces them keeps a green test suite. Everything else a
# directory needs (the taxonomy, the site's pages and theme) comes from the package.
SAMPLE = Path(__file__).parent / "fixtures" / "sample"
# Fixed so that "stale" and "expired" cases do not change with the calendar.
TODAY = date(2026, 11, 24)


def sample_repo(dest: Path) -> Path:
    """A data-only directory repository at ``dest``: the sample's settings, entries and logo."""
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample directory as a repository, shared by the tests that only read it."""
    return sample_repo(tmp_path_factory.mktemp("sample") / "repo")


@pytest.fixture
def make_root(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    """Build a repository with the sample's directory.yaml (and logo) and ``files``."""

    def build(files: dict[str, bytes | str]) -> Path:
        root = tmp_path / "repo"
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / "directory.yaml", root / "directory.yaml")
        shutil.copytree(SAMPLE / "site", root / "site", dirs_exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode("utf-8")
            path.write_bytes(content)
        return root

    return build
