"""Releasing: the tag is the version that is built, and the wheel carries every package file.

``scripts/release.py check-version`` is what the release workflow runs on a
tag; these tests give it repositories whose versions disagree in each way it
must catch. The last test builds the real sdist and wheel (a few seconds).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import quartier

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import release

PYPROJECT = """\
[project]
name = "quartier"
dynamic = ["version"]

[tool.setuptools.dynamic]
version = { attr = "quartier.__version__" }
"""


def _repo(tmp_path: Path, version: str = "1.2.0", pyproject: str = PYPROJECT) -> Path:
    (tmp_path / "src" / "quartier").mkdir(parents=True)
    (tmp_path / "src" / "quartier" / "__init__.py").write_text(
        f'"""Doc."""\n\nimport os\n\n__version__ = "{version}"\n', "utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(pyproject, "utf-8")
    return tmp_path


def test_this_repository_has_one_version_and_its_tag_passes() -> None:
    assert release.source_version() == quartier.__version__
    assert release.pyproject_problems() == []
    assert release.check_version(f"v{quartier.__version__}") == []


def test_the_command_names_the_version_a_wrong_tag_should_have(
    capsys: pytest.CaptureFixture[str],
) -> None:
    version = quartier.__version__
    assert release.main(["check-version", f"v{version}"]) == 0
    assert capsys.readouterr().out == (
        f"v{version}: the version of src/quartier/__init__.py, which pyproject.toml reads\n"
    )
    assert release.main(["check-version", "v99.0.0"]) == 1
    assert capsys.readouterr().err == (
        f"error: tag 'v99.0.0' is not the package's version '{version}' "
        "(src/quartier/__init__.py) (fix: set __version__ = '99.0.0' in a commit and tag "
        "that commit, or delete the tag with git push --delete origin v99.0.0 and tag "
        f"v{version})\n"
    )
    with pytest.raises(SystemExit) as usage:
        release.main(["check-version"])
    assert usage.value.code == 2


def test_a_tag_must_be_v_and_the_exact_version(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert release.check_version("v1.2.0", root) == []
    for tag in ("v1.2", "v1.2.0.0", "v1.2.1", "v1.2.0rc1", "v1.2.0 "):
        (problem,) = release.check_version(tag, root)
        assert problem.startswith(f"tag {tag!r} is not the package's version '1.2.0' ")
    for tag in ("V1.2.0", "1.2.0", "release-1.2.0"):
        assert release.check_version(tag, root) == [
            f"tag {tag!r} does not start with 'v' (fix: tag the release v1.2.0)"
        ]


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        (
            '[project]\nname = "quartier"\nversion = "1.2.0"\n',
            ["sets version itself", "is not read from quartier.__version__"],
        ),
        (
            PYPROJECT.replace("quartier.__version__", "quartier.version.VERSION"),
            ["is not read from quartier.__version__"],
        ),
        (
            PYPROJECT.replace('dynamic = ["version"]', "dynamic = []"),
            ["is not read from quartier.__version__"],
        ),
    ],
)
def test_pyproject_must_read_the_version_from_the_package(
    tmp_path: Path, pyproject: str, expected: list[str]
) -> None:
    problems = release.check_version("v1.2.0", _repo(tmp_path, pyproject=pyproject))
    assert len(problems) == len(expected)
    for problem, words in zip(problems, expected, strict=True):
        assert problem.startswith("pyproject.toml: ") and words in problem


@pytest.mark.parametrize("version", ["1.0.0-rc1", "01.0.0", "1.0.0.RC1", "1.0.0 ", "1.0.0+local"])
def test_a_version_not_spelt_as_pypi_spells_it_is_refused(tmp_path: Path, version: str) -> None:
    problems = release.check_version(f"v{version}", _repo(tmp_path, version=version))
    assert problems == [
        f"src/quartier/__init__.py: __version__ = {version!r} is not a canonical PEP 440 "
        "version (fix: write it like 1.2.0, 1.2.0rc1 or 1.2.0.post1)"
    ]


def test_the_built_files_must_carry_the_tagged_version(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "quartier-1.2.0-py3-none-any.whl").write_bytes(b"")
    assert release.check_version("v1.2.0", root, dist) == [
        f"{dist}: no sdist (fix: python -m build --outdir {dist})"
    ]
    (dist / "quartier-1.2.0.tar.gz").write_bytes(b"")
    assert release.check_version("v1.2.0", root, dist) == []
    (dist / "quartier-1.1.0-py3-none-any.whl").write_bytes(b"")
    (dist / "notes.txt").write_bytes(b"")
    assert release.check_version("v1.2.0", root, dist) == [
        f"{dist / 'notes.txt'}: not a quartier sdist or wheel (fix: remove it from {dist})",
        f"{dist / 'quartier-1.1.0-py3-none-any.whl'}: built for version '1.1.0', not '1.2.0' "
        f"(fix: remove {dist} and build again from the tagged commit)",
    ]
    assert release.check_version("v1.2.0", root, tmp_path / "none") == [
        f"{tmp_path / 'none'}: no such folder (fix: build first: python -m build --outdir "
        f"{tmp_path / 'none'})"
    ]


def _tracked(prefix: str) -> list[str]:
    """Files git tracks under ``prefix`` that are in the working tree, as posix paths."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", prefix], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [p for p in listed.split("\0") if p and (ROOT / p).is_file()]


def test_the_wheel_carries_every_file_of_the_package(tmp_path: Path) -> None:
    """Slow (3 s here): builds the sdist, then the wheel from it, as the release does.

    From a copy holding only the files git tracks (a clean checkout, as in
    CI), without build isolation so that it needs no network: ``build`` and
    ``setuptools>=77`` come with the dev extra.
    """
    pytest.importorskip("build", reason="pip install -e '.[dev]' installs build")
    checkout = tmp_path / "checkout"
    for rel in _tracked("."):
        (checkout / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, checkout / rel)
    dist = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(checkout)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    version = quartier.__version__
    assert release.check_version(f"v{version}", ROOT, dist) == []
    package = _tracked("src/quartier")
    assert "src/quartier/py.typed" in package and any(p.endswith(".yaml") for p in package)
    with zipfile.ZipFile(dist / f"quartier-{version}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"quartier-{version}.dist-info/METADATA").decode("utf-8")
    missing = sorted(p for p in package if p.removeprefix("src/") not in names)
    assert missing == [], f"not in the wheel: {missing}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert f"\nVersion: {version}\n" in metadata
    with tarfile.open(dist / f"quartier-{version}.tar.gz") as sdist:
        in_sdist = {n.removeprefix(f"quartier-{version}/") for n in sdist.getnames()}
    assert sorted(set(package) - in_sdist) == []
