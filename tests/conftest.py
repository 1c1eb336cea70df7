"""Shared fixtures: a throw-away directory repository built from the real settings."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
# Fixed so that "stale" and "expired" cases do not change with the calendar.
TODAY = date(2026, 11, 24)


@pytest.fixture
def make_root(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    """Build a repository with the project's directory.yaml and taxonomy plus ``files``."""

    def build(files: dict[str, bytes | str]) -> Path:
        root = tmp_path / "repo"
        (root / "schema").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "directory.yaml", root / "directory.yaml")
        shutil.copy(ROOT / "schema" / "taxonomy.yaml", root / "schema" / "taxonomy.yaml")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode("utf-8")
            path.write_bytes(content)
        return root

    return build
