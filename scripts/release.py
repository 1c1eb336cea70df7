"""Checks for a release: the pushed tag must be the version that is built and published.

The release workflow (``.github/workflows/release.yml``) runs this on a tag
``vX.Y.Z``, before building and again on the built files, so a tag that names
another version than the code stops the release before anything reaches
PyPI. The version has one source, ``__version__`` in
``src/quartier/__init__.py``: ``pyproject.toml`` reads it from there
(``dynamic = ["version"]``), which this checks too. See RELEASING.md.

usage:
  python scripts/release.py check-version v0.2.0              # tag vs the source
  python scripts/release.py check-version v0.2.0 --dist dist  # ... and the built files

Exit status: 0 when everything names the tag's version, 1 when something
differs (each difference on its own line, with how to fix it), 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "quartier"
INIT = Path("src") / PACKAGE / "__init__.py"
VERSION_ATTR = f"{PACKAGE}.__version__"

# PEP 440's canonical form of a public version: a wheel's file name and PyPI use
# this spelling, so a version written otherwise ("1.0.0-rc1") would not match its tag.
CANONICAL = re.compile(
    r"([1-9][0-9]*!)?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*"
    r"((a|b|rc)(0|[1-9][0-9]*))?(\.post(0|[1-9][0-9]*))?(\.dev(0|[1-9][0-9]*))?"
)


def source_version(root: Path = ROOT) -> str:
    """``__version__`` of ``src/quartier/__init__.py``, read without importing the package.

    The release job has not installed quartier when it checks the tag, e.g.
    ``source_version()`` -> ``"0.1.0"``.
    """
    path = root / INIT
    for node in ast.parse(path.read_text("utf-8"), str(path)).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise SystemExit(f"{INIT.as_posix()}: no __version__ = '...' line")


def pyproject_problems(root: Path = ROOT) -> list[str]:
    """What keeps ``pyproject.toml`` from taking its version from ``quartier.__version__``.

    A static ``version = "..."`` there is a second copy that a release can
    forget to bump, so it is refused even when it agrees today.
    """
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    problems = []
    if "version" in project.get("project", {}):
        problems.append(
            "pyproject.toml: [project] sets version itself, a second copy of the version "
            '(fix: write dynamic = ["version"] instead, and keep the version in '
            f"{INIT.as_posix()})"
        )
    dynamic = project.get("tool", {}).get("setuptools", {}).get("dynamic", {})
    attr = dynamic.get("version", {}).get("attr")
    if "version" not in project.get("project", {}).get("dynamic", []) or attr != VERSION_ATTR:
        problems.append(
            f"pyproject.toml: the version is not read from {VERSION_ATTR} "
            f'(fix: dynamic = ["version"] under [project] and version = {{ attr = '
            f'"{VERSION_ATTR}" }} under [tool.setuptools.dynamic])'
        )
    return problems


def dist_versions(dist: Path) -> dict[str, str | None]:
    """The version in each built file's name; None for a file that is not one of ours.

    ``quartier-0.2.0-py3-none-any.whl`` and ``quartier-0.2.0.tar.gz`` ->
    ``"0.2.0"`` (the names PEP 427 and the sdist specification give them).
    """
    found: dict[str, str | None] = {}
    for path in sorted(dist.iterdir()):
        match = re.fullmatch(rf"{PACKAGE}-([^-]+)(-[^-]+-[^-]+-[^-]+\.whl|\.tar\.gz)", path.name)
        found[path.name] = match.group(1) if match else None
    return found


def check_version(tag: str, root: Path = ROOT, dist: Path | None = None) -> list[str]:
    """Every way in which ``tag`` is not the version that would be published; empty if none.

    ``check_version("v0.1.0")`` -> ``[]`` while ``__version__ = "0.1.0"``;
    ``check_version("v0.2.0")`` -> one line saying that the code says 0.1.0.
    """
    problems = pyproject_problems(root)
    version = source_version(root)
    if not CANONICAL.fullmatch(version):
        problems.append(
            f"{INIT.as_posix()}: __version__ = {version!r} is not a canonical PEP 440 version "
            "(fix: write it like 1.2.0, 1.2.0rc1 or 1.2.0.post1)"
        )
    if not tag.startswith("v"):
        problems.append(f"tag {tag!r} does not start with 'v' (fix: tag the release v{version})")
    elif tag[1:] != version:
        problems.append(
            f"tag {tag!r} is not the package's version {version!r} ({INIT.as_posix()}) "
            f"(fix: set __version__ = {tag[1:]!r} in a commit and tag that commit, or "
            f"delete the tag with git push --delete origin {tag} and tag v{version})"
        )
    if dist is not None:
        problems += _dist_problems(tag[1:] if tag.startswith("v") else tag, dist)
    return problems


def _dist_problems(version: str, dist: Path) -> list[str]:
    if not dist.is_dir():
        return [f"{dist}: no such folder (fix: build first: python -m build --outdir {dist})"]
    found = dist_versions(dist)
    problems = [
        f"{dist / name}: built for version {got!r}, not {version!r} (fix: remove {dist} "
        "and build again from the tagged commit)"
        if got is not None
        else f"{dist / name}: not a {PACKAGE} sdist or wheel (fix: remove it from {dist})"
        for name, got in found.items()
        if got != version
    ]
    for kind, suffix in (("wheel", ".whl"), ("sdist", ".tar.gz")):
        if not any(name.endswith(suffix) for name in found):
            problems.append(f"{dist}: no {kind} (fix: python -m build --outdir {dist})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check-version",
        help="the tag must equal the package's version (and the built files' version)",
    )
    check.add_argument("tag", help="the pushed tag, e.g. v0.2.0 ($GITHUB_REF_NAME)")
    check.add_argument("--dist", type=Path, help="also check the files built into this folder")
    args = parser.parse_args(argv)
    problems = check_version(args.tag, ROOT, args.dist)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    built = f", and of every file in {args.dist}" if args.dist else ""
    print(f"{args.tag}: the version of {INIT.as_posix()}, which pyproject.toml reads{built}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
