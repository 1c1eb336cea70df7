"""Shared fixtures: the sample directory, and throw-away repositories built from its settings."""

from __future__ import annotations

import os
import re
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
PHOTO_RE = re.compile(r"(?m)^\s*-?\s*file:\s*([a-z0-9][a-z0-9_.-]*)\s*$")


def photos_named(text: str) -> list[str]:
    """The photo file names an entry's text lists under ``images`` (``file: x-shop.jpg``)."""
    return PHOTO_RE.findall(text)


def copy_entry(path: Path, folder: Path) -> None:
    """Copy a sample entry into ``folder`` with the photo files it names, as an owner adds them."""
    shutil.copy(path, folder / path.name)
    for name in photos_named(path.read_text("utf-8")):
        if (path.parent / name).is_file():
            shutil.copy(path.parent / name, folder / name)


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
        # A sample entry's text comes with the photos it names, unless the test gives them.
        for rel, content in files.items():
            if not rel.startswith("entries/") or not rel.endswith(".yaml"):
                continue
            text = content if isinstance(content, str) else content.decode("utf-8", "replace")
            for name in photos_named(text):
                source, target = (SAMPLE / rel).parent / name, (root / rel).parent / name
                if source.is_file() and not os.path.lexists(target):
                    shutil.copy(source, target)
        return root

    return build
