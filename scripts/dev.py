"""Set up a local virtual environment when needed, then run one project task.

Needs only Python 3.11+ and git: it creates ``.venv``, installs the project
with its development extras (again only when ``pyproject.toml`` changed), and
runs the task inside it.

usage:
  python3 scripts/dev.py site       # validate, then build the site and every feed into _site/
  python3 scripts/dev.py validate   # only check the entries under entries/
  python3 scripts/dev.py test       # drift check, ruff, mypy and pytest
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
EXTRAS = "dev,parquet,site,mcp"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - says so clearly on an older python3
        raise SystemExit("Quartier needs Python 3.11 or newer")
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing quartier and its tools into .venv ...", flush=True)
    run([str(BIN / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([str(BIN / "python"), "-m", "pip", "install", "-q", "-e", f".[{EXTRAS}]"])
    stamp.write_text(wanted)


def run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


TASKS: dict[str, list[list[str]]] = {
    "site": [["quartier", "build"]],
    "validate": [["quartier", "validate"]],
    "test": [
        ["python", "scripts/generate.py", "--check"],
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
        ["python", "-m", "pytest"],
    ],
}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in TASKS:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_venv()
    for cmd in TASKS[argv[0]]:
        print("$ " + " ".join(cmd), flush=True)
        run([str(BIN / cmd[0]), *cmd[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
