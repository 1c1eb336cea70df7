"""What ``quartier build`` tells a person: each step after the businesses, colour, how to view.

The progress bar counts businesses; what follows the last one (feeds, data
files, the search index) is announced beside it (quartier.publish.steps).
Colour only on a terminal and only without NO_COLOR (https://no-color.org):
a real pseudo-terminal is opened for the command, since a pipe must stay
plain. The last line says to view the site with ``quartier serve``: a page
opened from disk cannot load the map or search.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from quartier.cli import main
from quartier.commands.build import _ProgressBar
from quartier.directory import read_directory
from quartier.publish import build, steps

from .conftest import TODAY, sample_repo
from .site_support import build_into

GREEN = "\x1b[32m"


def test_each_step_after_the_businesses_is_announced_in_order(
    sample_root: Path, tmp_path: Path
) -> None:
    heard: list[str] = []
    with steps.listening(heard.append):
        build(read_directory(sample_root, today=TODAY), tmp_path / "machine")
    assert heard == [
        "the feeds (feed.json, feed.atom)",
        "the data files (Parquet)",
        "the data package (data/datapackage.json)",
        "llms.txt, the lists and the sitemap",
    ]
    heard.clear()
    with steps.listening(heard.append):
        build_into(sample_root, tmp_path / "site")
    assert heard[0] == "the site's pages (MkDocs)"
    assert heard[-1] == "the site search index (Pagefind)"
    steps.announce("nobody listens")  # outside the block: nothing to call, no error
    assert heard[-1] == "the site search index (Pagefind)"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_the_step_beside_the_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    bar = _ProgressBar(quiet=False)
    tick = bar.start(600)
    assert tick is not None
    for _ in range(600):
        tick()
    bar.step("the site search index (Pagefind)")
    bar.close()
    last = screen.getvalue().rsplit("\r", 1)[-1]
    assert "600/600" in last and "the site search index (Pagefind)" in last
    assert _ProgressBar(quiet=True).start(600) is None  # --quiet: no bar, steps go nowhere


def _in_a_terminal(args: list[str], env: dict[str, str], code: int = 0) -> str:
    """Run ``quartier`` with stdout and stderr on a pseudo-terminal of 120 columns."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "quartier", *args], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    out = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the command ended and closed its end
            break
        if not data:
            break
        out += data
    os.close(leader)
    assert process.wait(timeout=300) == code, out
    return out.decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color(
    sample_root: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    args = ["build", "--no-site", "--root", str(sample_root)]
    coloured = _in_a_terminal([*args, "--out", str(tmp_path / "a")], env)
    assert f"{GREEN}published 15 businesses" in coloured and "\x1b[0m" in coloured
    plain = _in_a_terminal([*args, "--out", str(tmp_path / "b")], {**env, "NO_COLOR": "1"})
    assert "published 15 businesses" in plain and "\x1b[" not in plain
    piped = subprocess.run(
        [sys.executable, "-m", "quartier", *args, "--out", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "published 15 businesses" in piped.stdout and "\x1b[" not in piped.stdout + piped.stderr


def test_errors_are_red_on_a_terminal(tmp_path: Path) -> None:
    root = sample_repo(tmp_path / "repo")
    entry = next((root / "entries").rglob("*.yaml"))
    entry.write_text(entry.read_text("utf-8").replace("category:", "category: nope\n#", 1))
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    out = _in_a_terminal(["validate", "--root", str(root)], env, code=1)
    assert ": \x1b[1;31merror\x1b[0m: category:" in out


def test_the_last_line_says_to_view_the_site_with_quartier_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    assert main(["build", "--quiet"]) == 0
    last = capsys.readouterr().out.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("view the site with: quartier serve, then open http://127.0.0.1:8000/")
    assert "index.html" not in last and "\x1b[" not in last
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--quiet", "--root", str(root)]) == 0
    last = capsys.readouterr().out.rstrip("\n").rsplit("\n", 1)[-1]
    assert f"quartier serve --root {root}," in last
