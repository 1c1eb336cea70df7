"""``quartier`` from the outside: exit codes, exact output of each reporter, one-file mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from quartier.cli import main
from quartier.directory import CACHE_FILE

from .conftest import CASES, ROOT, SAMPLE, TODAY

GOOD = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
BAD = GOOD.replace("id: minimal", "id: minimal\nopenning_hours: Mo-Fr 08:00-18:00")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# The sample's base_url: only the upstream repository, whose entries/ is the sample
# that tests/fixtures/sample copies, has it.
SAMPLE_BASE_URL = "https://quartier-dev.github.io/quartier/"


def test_sample_entries_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """The repository's own directory.yaml and entries/: the sample upstream, a city's in a fork."""
    if not (ROOT / "entries").is_dir():
        pytest.skip("this repository has no entries/ folder (a city that removed the sample)")
    code, out, _ = run(capsys, "validate", "--root", str(ROOT), "--strict")
    count = len(list((ROOT / "entries").rglob("*.yaml")))
    # One entry is a fine start for a city: the sample's size is checked on its copy below.
    files = "1 file" if count == 1 else f"{count} files"
    assert (code, out) == (0, f"{files} checked: all valid\n")


def test_fixture_entries_are_valid(sample_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--root", str(sample_root), "--strict")
    count = len(list((SAMPLE / "entries").rglob("*.yaml")))
    assert count >= 12
    assert (code, out) == (0, f"{count} files checked: all valid\n")


def test_fixture_is_a_copy_of_the_sample() -> None:
    """tests/fixtures/sample stays byte-for-byte the sample: fix one, copy it to the other."""
    settings = ROOT / "directory.yaml"
    if not settings.is_file() or not (ROOT / "entries").is_dir():
        pytest.skip("this repository has no sample directory to compare with")
    base_url = (yaml.safe_load(settings.read_text("utf-8")) or {}).get("base_url")
    if base_url != SAMPLE_BASE_URL:
        pytest.skip(f"a city's own directory ({base_url}): the fixture copies the upstream sample")

    def files(top: Path) -> dict[str, bytes]:
        return {
            p.relative_to(top).as_posix(): p.read_bytes() for p in top.rglob("*") if p.is_file()
        }

    assert settings.read_bytes() == (SAMPLE / "directory.yaml").read_bytes()
    for folder in ("entries", "site"):
        ours, copy = files(ROOT / folder), files(SAMPLE / folder)
        assert sorted(ours) == sorted(copy)
        assert [rel for rel in ours if ours[rel] != copy[rel]] == []


def test_text_report_exact(make_root, capsys) -> None:
    root = make_root({"entries/minimal.yaml": BAD})
    code, out, _ = run(capsys, "validate", "--root", str(root))
    assert code == 1
    assert out == (
        "entries/minimal.yaml:3:1: error: openning_hours: unknown key 'openning_hours' "
        "(fix: did you mean 'opening_hours'?)\n"
        "1 file checked: 1 error\n"
    )


def test_github_report_exact(make_root, capsys) -> None:
    root = make_root({"entries/minimal.yaml": BAD})
    code, out, _ = run(capsys, "validate", "--root", str(root), "--format", "github")
    assert code == 1
    assert out == (
        "::error file=entries/minimal.yaml,line=3,col=1,title=openning_hours::"
        "unknown key 'openning_hours'. Fix: did you mean 'opening_hours'?\n"
        "1 file checked: 1 error\n"
    )


def test_json_report(make_root, capsys) -> None:
    root = make_root({"entries/minimal.yaml": BAD})
    code, out, _ = run(capsys, "validate", "--root", str(root), "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["valid"] is False and payload["errors"] == 1
    assert payload["problems"][0] == {
        "path": "entries/minimal.yaml",
        "line": 3,
        "column": 1,
        "field": "openning_hours",
        "message": "unknown key 'openning_hours'",
        "hint": "did you mean 'opening_hours'?",
        "severity": "error",
    }


def test_warnings_fail_only_when_strict(make_root, capsys) -> None:
    stale = GOOD.replace("last_verified: 2026-10-01", "last_verified: 2020-01-01")
    root = make_root({"entries/minimal.yaml": stale})
    code, out, _ = run(capsys, "validate", "--root", str(root))
    assert code == 0 and "warning: last_verified" in out
    code, _, _ = run(capsys, "validate", "--root", str(root), "--strict")
    assert code == 1


def test_one_file_mode_checks_against_the_rest(make_root, capsys) -> None:
    twin = GOOD.replace("id: minimal", "id: twin").replace("Testbeck", "Anderer Beck")
    root = make_root({"entries/minimal.yaml": GOOD, "entries/sub/twin.yaml": twin})
    target = str(root / "entries/sub/twin.yaml")
    for _ in range(2):  # cold, then from the cache
        code, out, _ = run(capsys, "validate", "--root", str(root), target)
        assert code == 1
        assert out.splitlines() == [
            "entries/sub/twin.yaml:12:20: error: contact.website: same website (testbeck.ch) "
            "as entries/minimal.yaml:12: is this the same business? (fix: keep one file per "
            "business; if it moved or merged, set status: permanently_closed and superseded_by "
            "on the old entry)",
            "1 file checked: 1 error",
        ]
    assert (root / CACHE_FILE).is_file()
    # Only the named file is blamed: the other file of the pair is not reported.
    code, out, _ = run(capsys, "validate", "--root", str(root), str(root / "entries/minimal.yaml"))
    assert "entries/minimal.yaml:12" in out and "twin.yaml:" not in out.split(" as ")[0]


def test_cache_notices_a_changed_file(make_root, capsys) -> None:
    other = GOOD.replace("id: minimal", "id: other").replace("testbeck.ch", "other.ch")
    other = other.replace("name: Testbeck", "name: Anderer Beck")
    root = make_root({"entries/minimal.yaml": GOOD, "entries/other.yaml": other})
    target = str(root / "entries/minimal.yaml")
    assert run(capsys, "validate", "--root", str(root), target)[0] == 0
    (root / "entries/other.yaml").write_text(other.replace("other.ch", "testbeck.ch"), "utf-8")
    code, out, _ = run(capsys, "validate", "--root", str(root), target)
    assert code == 1 and "same website" in out


def test_usage_errors_exit_2(sample_root: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "validate", "--root", str(tmp_path))
    assert code == 2 and "no directory.yaml" in err
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.yaml"), "--root", str(sample_root))
    assert code == 2 and "no such file" in err
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "xml"])
    assert exc.value.code == 2


def test_config_errors_are_reported_like_entries(make_root, capsys) -> None:
    root = make_root({})
    cfg = root / "directory.yaml"
    cfg.write_text(
        cfg.read_text("utf-8").replace("timezone: Europe/Zurich", "timezone: Europe/Bern"), "utf-8"
    )
    code, out, _ = run(capsys, "validate", "--root", str(root))
    line = next(
        i for i, t in enumerate(cfg.read_text("utf-8").splitlines(), 1) if "Europe/Bern" in t
    )
    assert code == 1
    assert out.startswith(
        f"directory.yaml:{line}:15: error: areas[0].timezone: 'Europe/Bern' is not an IANA timezone"
    )


def test_every_command_has_help_with_an_example(capsys) -> None:
    from quartier.cli import COMMANDS

    for name in COMMANDS:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        out = capsys.readouterr().out
        assert "example" in out, name


def test_parallel_reading_matches_sequential(
    sample_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked workers must give the same entries and problems, in the same order."""
    from quartier import directory as stage
    from quartier import parallel

    sequential = stage.read_directory(sample_root, today=TODAY, use_cache=False)
    monkeypatch.setattr(parallel, "FORCE", True)
    parallel = stage.read_directory(sample_root, today=TODAY, use_cache=False)
    assert parallel.entries == sequential.entries
    assert list(parallel.entries) == list(sequential.entries)
    assert parallel.paths == sequential.paths and parallel.problems == sequential.problems


def test_one_file_mode_blames_the_new_file_for_a_reused_id(make_root, capsys) -> None:
    """The copy sorts before the original, and is still the one blamed."""
    root = make_root({"entries/ch/bern/minimal.yaml": GOOD, "entries/ch/aare/minimal.yaml": GOOD})
    code, out, _ = run(
        capsys, "validate", "--root", str(root), str(root / "entries/ch/aare/minimal.yaml")
    )
    assert code == 1
    assert out.splitlines()[0].startswith(
        "entries/ch/aare/minimal.yaml:2:5: error: id: id 'minimal' is already used by "
        "entries/ch/bern/minimal.yaml"
    )


def test_the_same_file_named_twice_is_checked_once(make_root, capsys, monkeypatch) -> None:
    root = make_root({"entries/minimal.yaml": GOOD})
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, "validate", "entries/minimal.yaml", "./entries/minimal.yaml")
    assert (code, out) == (0, "1 file checked: all valid\n")


def test_missing_entries_folder_is_a_usage_error(make_root, capsys) -> None:
    root = make_root({})
    code, _, err = run(capsys, "validate", "--root", str(root))
    assert code == 2 and "no entries/ folder" in err


def test_a_fifo_among_entries_is_reported_not_read(make_root, capsys) -> None:
    import os

    root = make_root({"entries/minimal.yaml": GOOD})
    os.mkfifo(root / "entries" / "pipe.yaml")
    code, out, _ = run(capsys, "validate", "--root", str(root))
    assert code == 1
    assert out.splitlines()[0] == (
        "entries/pipe.yaml:1:1: error: yaml: this is not a regular file "
        "(fix: entries are plain YAML files)"
    )


def test_serve_rejects_a_port_out_of_range(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", "99999"])
    assert exc.value.code == 2
    assert "not a port number from 1 to 65535" in capsys.readouterr().err


ESCAPES = GOOD.replace(
    "status: open",
    'status: "open\\e[2J"\n"note\\e]52;c;aGk=\\a\\u202e": x',
)


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_terminal_escapes_in_a_file_are_shown_escaped(make_root, capsys, fmt: str) -> None:
    # An OSC 52 sequence rewrites a reviewer's clipboard; CSI 2J clears the screen;
    # U+202E reverses the text after it. None of them may reach the terminal raw.
    root = make_root({"entries/minimal.yaml": ESCAPES})
    code, out, _ = run(capsys, "validate", "--root", str(root), "--format", fmt)
    assert code == 1
    assert not any(c in out for c in "\x1b\x07\u202e")
    if fmt == "json":
        out = "".join(p["message"] for p in json.loads(out)["problems"])
    assert "unknown key 'note\\x1b]52;c;aGk=\\x07\\u202e'" in out
    assert "open\\x1b[2J" in out


def test_a_usage_error_shows_escapes_escaped(make_root, capsys) -> None:
    root = make_root({"entries/minimal.yaml": GOOD})
    code, _, err = run(capsys, "validate", "--root", str(root), str(root / "no\x1b[2J.yaml"))
    assert code == 2
    assert "\x1b" not in err and "no\\x1b[2J.yaml: no such file" in err


def test_a_crash_log_is_a_fresh_private_file(capsys, monkeypatch, tmp_path: Path) -> None:
    import stat

    # A symlink planted where the log used to be written must not be followed.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "quartier-crash.log").symlink_to(victim)

    def boom(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("quartier.commands.schema.run", boom)
    code = main(["schema"])
    err = capsys.readouterr().err
    assert code == 3 and "internal error" in err
    log = Path(err.strip().rsplit(" ", 1)[-1])
    assert log.parent == tmp_path and log.name.startswith("quartier-crash-")
    assert "RuntimeError: boom" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert victim.read_text() == "keep me"


def test_settings_through_a_symlink_are_refused_unread(make_root, capsys, tmp_path) -> None:
    name = "directory.yaml"
    root = make_root({"entries/minimal.yaml": GOOD})
    secret = tmp_path / "secret.yaml"
    secret.write_text("token: hunter2-secret\n")
    (root / name).unlink()
    (root / name).symlink_to(secret)
    code, out, err = run(capsys, "validate", "--root", str(root))
    assert code == 2
    assert f"{name} is a symbolic link" in err
    assert "hunter2" not in out + err
