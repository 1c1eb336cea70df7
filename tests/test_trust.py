"""What a pull request author or a damaged checkout must not get past ``quartier validate``.

Each test carries an attack: a business impersonated by a look-alike or a
"closed" copy, files from outside the repository brought in by links, names
Windows cannot check out, a tree deep enough to crash a recursive walk, and
a damaged cache of keys. See also the trees ``impersonation``, ``lookalikes``
and ``moved-twice`` and the invalid cases ``url-userinfo`` and ``reserved-id``
under ``tests/cases``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from quartier.checks import name_keys, website_host
from quartier.cli import main
from quartier.confusables import _ASCII, _mapping, skeleton
from quartier.directory import CACHE_FILE, ROW, cache_bytes

from .conftest import CASES

GOOD = (CASES / "valid" / "minimal.yaml").read_text("utf-8")
SECRET = "SECRET-OUTSIDE-THE-REPOSITORY"
# Read as an entry, this reports its first key in the message ("unknown key ...").
OUTSIDE = f"{SECRET}: 1\n" + GOOD


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def entry(id_: str, **changes: str) -> str:
    """The minimal entry with another id and some values replaced."""
    text = GOOD.replace("id: minimal", f"id: {id_}")
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


# --------------------------------------------------------------------------- look-alikes


def test_the_skeleton_maps_look_alikes_to_one_form() -> None:
    assert skeleton("Vеlowerk") == skeleton("Velowerk") == "Velowerk"  # Cyrillic е
    assert skeleton("раураl") == skeleton("paypal")  # all Cyrillic but the l
    assert skeleton("paypa1") == skeleton("paypaI") == skeleton("paypal")
    assert skeleton("Velo\u200bwerk") == "Velowerk"  # invisible characters are dropped
    assert skeleton("Zürich") != skeleton("Zurich")  # an accent is not a look-alike


def test_the_ascii_fast_path_agrees_with_unicodes_data() -> None:
    table = _mapping()
    assert {c: t for c, t in table.items() if c < 128} == _ASCII


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Velowerk", "Vеlowerk"),  # Cyrillic е
        ("Velowerk", "VELOWERK"),
        ("MILANO", "Milano"),
        ("MILANO", "MlLANO"),  # a small L for the capital i
        ("Velowerk", "Ve1owerk"),  # the digit one
        ("Velowerk", "ＶＥＬＯＷＥＲＫ"),  # full width
        ("Velowerk", "VЕLОWЕRK"),  # Cyrillic capitals
        ("Bäckerei Müller GmbH", "Backerei Muller"),
        ("Velowerk", "Velo\u200bwerk"),
    ],
)
def test_names_that_look_alike_share_a_key(a: str, b: str) -> None:
    assert set(name_keys(a)) & set(name_keys(b))


@pytest.mark.parametrize(("a", "b"), [("Velowerk", "Velowerkstatt"), ("Beck I", "Beck A")])
def test_different_names_do_not(a: str, b: str) -> None:
    assert not set(name_keys(a)) & set(name_keys(b))


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bäckerei-muster.ch/",
        "https://xn--bckerei-muster-5hb.ch",
        "https://BÄCKEREI-MUSTER.ch/laden",
    ],
)
def test_unicode_and_punycode_spellings_of_a_host_are_one_host(url: str) -> None:
    one = website_host("https://bäckerei-muster.ch")
    assert one is not None and one[1] == "xn--bckerei-muster-5hb.ch"
    assert website_host(url) == one


def test_look_alike_hosts_compare_equal_and_show_apart() -> None:
    plain = website_host("https://velowerk.ch")
    cyrillic = website_host("https://vеlowerk.ch")
    digit = website_host("https://ve1owerk.ch")
    assert plain and cyrillic and digit
    assert plain[0] == cyrillic[0] == digit[0]
    assert (plain[1], cyrillic[1], digit[1]) == ("velowerk.ch", "xn--vlowerk-7gg.ch", "ve1owerk.ch")
    assert website_host("https://xn--zz-broken.ch") is not None  # not valid IDNA: kept as it is


def test_a_closed_copy_is_reported_when_it_is_the_file_checked(make_root, capsys) -> None:
    """One-file mode (the pre-commit hook): the copy is blamed, not exempt."""
    victim = entry(
        "aare-velo",
        **{
            "name: Testbeck": "name: Aare Velo",
            "}\nmaintainers": ", phone: 031 331 20 20}\nmaintainers",
        },
    )
    own = entry("rival", **{"name: Testbeck": "name: Rival", "testbeck.ch": "rival.ch"})
    copy = victim.replace("id: aare-velo", "id: velo-aare").replace(
        "status: open", "status: permanently_closed\nsuperseded_by: rival"
    )
    root = make_root(
        {
            "entries/ch/bern/aare-velo.yaml": victim,
            "entries/ch/bern/rival.yaml": own,
            "entries/ch/bern/velo-aare.yaml": copy,
        }
    )
    for _ in range(2):  # cold, then from the cache
        code, out = run(
            capsys, "validate", "--root", str(root), str(root / "entries/ch/bern/velo-aare.yaml")
        )
        assert code == 1
        assert [line.split(": is this")[0] for line in out.splitlines()] == [
            "entries/ch/bern/velo-aare.yaml:3:7: error: name: same name as "
            "entries/ch/bern/aare-velo.yaml:3, less than 50 m away",
            "entries/ch/bern/velo-aare.yaml:13:20: error: contact.website: same website "
            "(testbeck.ch) as entries/ch/bern/aare-velo.yaml:12",
            "entries/ch/bern/velo-aare.yaml:13:48: error: contact.phone: same phone number as "
            "entries/ch/bern/aare-velo.yaml:12",
            "1 file checked: 3 errors",
        ]


def test_a_chain_of_moves_is_followed_through_entries_not_checked(make_root, capsys) -> None:
    """a -> b -> c -> d: a and d are one business; b and c share nothing with them.

    Checking a or d alone reads b (a names it) but not c: only the cache's
    superseded_by of every entry tells that the chain leads from a to d.
    """

    def moved(id_: str, to: str, n: int) -> str:
        return entry(
            id_,
            **{
                "status: open": f"status: permanently_closed\nsuperseded_by: {to}",
                "name: Testbeck": f"name: Zwischenhalt {n}",
                "testbeck.ch": f"zwischenhalt-{n}.ch",
                "lat: 46.95": f"lat: 46.9{n}",
            },
        )

    first = entry(
        "a-first", **{"status: open": "status: permanently_closed\nsuperseded_by: b-second"}
    )
    root = make_root(
        {
            "entries/ch/bern/a-first.yaml": first,
            "entries/ch/bern/b-second.yaml": moved("b-second", "c-third", 7),
            "entries/ch/bern/c-third.yaml": moved("c-third", "d-last", 8),
            "entries/ch/bern/d-last.yaml": entry("d-last"),
        }
    )
    for name in ("a-first", "d-last", "a-first"):  # the last one from the cache
        path = str(root / f"entries/ch/bern/{name}.yaml")
        code, out = run(capsys, "validate", "--root", str(root), path)
        assert (code, out) == (0, "1 file checked: all valid\n"), name
    # Without the chain, a and d are the same business in two files.
    (root / "entries/ch/bern/c-third.yaml").write_text(moved("c-third", "b-second", 8), "utf-8")
    path = str(root / "entries/ch/bern/a-first.yaml")
    code, out = run(capsys, "validate", "--root", str(root), path)
    assert code == 1 and out.endswith("1 file checked: 2 errors\n"), out


# --------------------------------------------------------------------------- files outside


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository with an entry-like file whose text must never show."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "stolen.yaml").write_text(OUTSIDE, "utf-8")
    return folder


def _assert_refused(out: str, path: str, what: str) -> None:
    assert SECRET not in out
    assert f"{path}:1:1: error: file: {what}" in out, out


def test_a_symlinked_entry_is_refused_unread(make_root, outside, capsys) -> None:
    root = make_root({"entries/ch/bern/minimal.yaml": GOOD})
    (root / "entries/ch/bern/stolen.yaml").symlink_to(outside / "stolen.yaml")
    code, out = run(capsys, "validate", "--root", str(root))
    assert code == 1
    _assert_refused(out, "entries/ch/bern/stolen.yaml", "this is a symbolic link")
    assert out.endswith("2 files checked: 1 error\n")


def test_a_symlinked_folder_is_refused_unread(make_root, outside, capsys) -> None:
    root = make_root({"entries/ch/bern/minimal.yaml": GOOD})
    (root / "entries/ch/thun").symlink_to(outside, target_is_directory=True)
    code, out = run(capsys, "validate", "--root", str(root))
    assert code == 1
    _assert_refused(out, "entries/ch/thun", "this is a symbolic link")


def test_entries_itself_a_symlink_is_refused(make_root, outside, capsys) -> None:
    root = make_root({})
    (root / "entries").symlink_to(outside, target_is_directory=True)
    code, out = run(capsys, "validate", "--root", str(root))
    assert code == 1
    _assert_refused(out, "entries", "this is a symbolic link")


def test_a_hard_linked_entry_is_refused_unread(make_root, outside, capsys) -> None:
    root = make_root({"entries/ch/bern/minimal.yaml": GOOD})
    os.link(outside / "stolen.yaml", root / "entries/ch/bern/stolen.yaml")
    code, out = run(capsys, "validate", "--root", str(root))
    assert code == 1
    _assert_refused(out, "entries/ch/bern/stolen.yaml", "this file is a hard link (2 names")
    # Named on the command line, too.
    code, out = run(
        capsys, "validate", "--root", str(root), str(root / "entries/ch/bern/stolen.yaml")
    )
    assert code == 1
    _assert_refused(out, "entries/ch/bern/stolen.yaml", "this file is a hard link")


def test_a_named_file_outside_the_repository_is_refused(
    make_root, outside, capsys, monkeypatch
) -> None:
    root = make_root({"entries/minimal.yaml": GOOD})
    monkeypatch.chdir(root)
    code, out = run(capsys, "validate", "--root", ".", "../outside/stolen.yaml")
    assert code == 1
    _assert_refused(out, "../outside/stolen.yaml", "this file is outside the repository")
    assert out.endswith("1 file checked: 1 error\n")


def test_a_named_file_through_a_symlink_is_refused(make_root, outside, capsys, monkeypatch) -> None:
    root = make_root({"entries/ch/bern/minimal.yaml": GOOD})
    (root / "entries/ch/thun").symlink_to(outside, target_is_directory=True)
    (root / "entries/ch/bern/link.yaml").symlink_to(root / "entries/ch/bern/minimal.yaml")
    monkeypatch.chdir(root)
    code, out = run(capsys, "validate", "--root", ".", "entries/ch/thun/stolen.yaml")
    assert code == 1
    _assert_refused(out, "entries/ch/thun/stolen.yaml", "this file is outside the repository")
    # A link to an entry inside the repository is refused too: it is not a plain file.
    code, out = run(capsys, "validate", "entries/ch/bern/link.yaml")
    assert code == 1
    _assert_refused(out, "entries/ch/bern/link.yaml", "this path goes through a symbolic link")


def test_a_root_reached_through_a_symlink_is_fine(make_root, tmp_path, capsys) -> None:
    root = make_root({"entries/minimal.yaml": GOOD})
    alias = tmp_path / "alias"
    alias.symlink_to(root, target_is_directory=True)
    code, out = run(capsys, "validate", "--root", str(alias), str(alias / "entries/minimal.yaml"))
    assert (code, out) == (0, "1 file checked: all valid\n")


# --------------------------------------------------------------------------- names and depth


def test_a_tree_1100_folders_deep_is_refused_not_a_crash(make_root, capsys, monkeypatch) -> None:
    root = make_root({"entries/ch/bern/minimal.yaml": GOOD})
    # One level at a time, by relative names: os.makedirs and shutil.rmtree recurse
    # too, and full paths would make this quadratic.
    monkeypatch.chdir(root / "entries/ch/bern")
    for _ in range(1100):
        Path("d").mkdir()
        os.chdir("d")
    try:
        code, out = run(capsys, "validate", "--root", str(root))
    finally:
        for _ in range(1100):
            os.chdir("..")
            Path("d").rmdir()
    assert code == 1
    assert out.splitlines() == [
        "entries/ch/bern/d:1:1: error: file: this folder is nested too deeply: entries live in "
        "entries/<country>/<place>/<id>.yaml, and deeper folders are not read (fix: move its "
        "entries up to entries/<country>/<place>/ and remove the folder)",
        "2 files checked: 1 error",
    ]


def test_a_folder_windows_reserves_is_refused(make_root, capsys) -> None:
    root = make_root({"entries/ch/aux/velo.yaml": entry("velo")})
    code, out = run(capsys, "validate", "--root", str(root))
    assert code == 1
    assert out.splitlines()[0].startswith(
        "entries/ch/aux:1:1: error: file: the folder name 'aux' is reserved on Windows"
    )


def test_a_file_named_like_a_device_is_refused(make_root, capsys) -> None:
    root = make_root({"entries/ch/bern/nul.yaml": entry("nul")})
    code, out = run(capsys, "validate", "--root", str(root))
    assert code == 1
    assert "entries/ch/bern/nul.yaml:2:5: error: id: 'nul' is a name Windows reserves" in out


# --------------------------------------------------------------------------- the keys cache


def _value(field: str, value: Any) -> Callable[[list[Any]], list[Any]]:
    """Replace one value of a cached row."""

    def damage(hit: list[Any]) -> list[Any]:
        row = list(hit[2])
        row[ROW.index(field)] = value
        return [*hit[:2], row]

    return damage


# Damage to the value cached for entries/minimal.yaml, the entry the checked one
# shares its website with.
CACHE_DAMAGE: dict[str, Callable[[Any], Any]] = {
    "a list": lambda hit: [],
    "null": lambda hit: None,
    "a number": lambda hit: 5,
    "no row": lambda hit: hit[:2],
    "a text for the row": lambda hit: [*hit[:2], "row"],
    "too few values": lambda hit: [*hit[:2], hit[2][:3]],
    "too many values": lambda hit: [*hit[:2], [*hit[2], 1]],
    "a stamp of another type": lambda hit: [str(hit[0]), *hit[1:]],
    "another file's id": _value("id", "twin"),
    "a list for the id": _value("id", ["minimal"]),
    "a mapping for the host": _value("host", {"testbeck.ch": 1}),
    "another host": _value("host", "elsewhere.ch"),
    "a list for the phone": _value("phone", ["+41"]),
    "a number for the names": _value("names", 7),
    "lists among the names": _value("names", [["testbeck"]]),
    "a list for superseded_by": _value("superseded_by", ["x"]),
    "a text for a latitude": _value("lat", "46.95"),
}


def _damaged(damage: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(cache: Any) -> Any:
        cache["entries/minimal.yaml"] = damage(cache["entries/minimal.yaml"])
        return cache

    return apply


WHOLE_DAMAGE: dict[str, Callable[[Any], Any]] = {
    "a list": lambda cache: [],
    "null": lambda cache: None,
    "a number": lambda cache: 42,
    "a text": lambda cache: "keys",
} | {f"a row with {k}": _damaged(v) for k, v in CACHE_DAMAGE.items()}


def _twins(make_root: Callable[[dict[str, bytes | str]], Path]) -> tuple[Path, str]:
    twin = entry("twin", Testbeck="Anderer Beck")  # shares the website with minimal
    root = make_root({"entries/minimal.yaml": GOOD, "entries/sub/twin.yaml": twin})
    return root, str(root / "entries/sub/twin.yaml")


def _cache(root: Path) -> Any:
    return orjson.loads((root / CACHE_FILE).read_bytes().partition(b"\n")[2])


@pytest.mark.parametrize("damage", WHOLE_DAMAGE.values(), ids=WHOLE_DAMAGE.keys())
def test_a_damaged_cache_is_rebuilt_never_trusted(make_root, capsys, damage) -> None:
    """Through the one-file path, which uses the cache: exit 1 and the same report."""
    root, target = _twins(make_root)
    expected = run(capsys, "validate", "--root", str(root), target)
    assert expected[0] == 1 and "same website (testbeck.ch)" in expected[1]
    clean = _cache(root)
    (root / CACHE_FILE).write_bytes(orjson.dumps(damage(_cache(root))))
    assert run(capsys, "validate", "--root", str(root), target) == expected
    assert _cache(root) == clean  # rebuilt


@pytest.mark.parametrize(
    "damage",
    [v for k, v in CACHE_DAMAGE.items() if k != "another host"],
    ids=[k for k in CACHE_DAMAGE if k != "another host"],
)
def test_a_forged_cache_with_a_right_checksum_is_not_trusted_either(
    make_root, capsys, damage
) -> None:
    """Rows of the wrong shape or type are read again from their files, never a crash."""
    root, target = _twins(make_root)
    expected = run(capsys, "validate", "--root", str(root), target)
    forged = _damaged(damage)(_cache(root))
    (root / CACHE_FILE).write_bytes(cache_bytes(forged))
    assert run(capsys, "validate", "--root", str(root), target) == expected


def test_a_forged_row_cannot_make_a_duplicate(make_root, capsys) -> None:
    """What is reported comes from the files: a row is only a reason to read one."""
    other = entry("other", Testbeck="Anders", **{"testbeck.ch": "anders.ch"})
    root = make_root({"entries/minimal.yaml": GOOD, "entries/other.yaml": other})
    target = str(root / "entries/minimal.yaml")
    assert run(capsys, "validate", "--root", str(root), target) == (
        0,
        "1 file checked: all valid\n",
    )
    forged = _cache(root)
    forged["entries/other.yaml"][2][ROW.index("host")] = "testbeck.ch"
    forged["entries/other.yaml"][2][ROW.index("id")] = "minimal"
    (root / CACHE_FILE).write_bytes(cache_bytes(forged))
    assert run(capsys, "validate", "--root", str(root), target) == (
        0,
        "1 file checked: all valid\n",
    )


def test_a_cache_that_is_not_json_is_rebuilt(make_root, capsys) -> None:
    other = entry("other", Testbeck="Anders", **{"testbeck.ch": "anders.ch"})
    root = make_root({"entries/minimal.yaml": GOOD, "entries/other.yaml": other})
    (root / CACHE_FILE).parent.mkdir()
    for junk in (b"[{\x00", cache_bytes({})[:-1] + b"x", b"\n" * 3):
        (root / CACHE_FILE).write_bytes(junk)
        code, out = run(capsys, "validate", "--root", str(root), str(root / "entries/minimal.yaml"))
        assert (code, out) == (0, "1 file checked: all valid\n")
        assert set(_cache(root)) == {"entries/other.yaml"}


def test_a_cache_planted_as_links_is_neither_read_nor_written_through(
    make_root, outside, capsys
) -> None:
    """A pull request can commit .quartier-cache/: its links must lead nowhere."""
    root = make_root({"entries/minimal.yaml": GOOD, "entries/other.yaml": entry("other")})
    cache = root / CACHE_FILE
    cache.parent.mkdir()
    bait = outside / "bait.json"
    bait.write_text("{}", "utf-8")
    cache.symlink_to(bait)
    cache.with_suffix(".tmp").symlink_to(outside / "stolen.yaml")  # the old fixed temporary name
    code, out = run(capsys, "validate", "--root", str(root), str(root / "entries/minimal.yaml"))
    assert code == 1 and "same website (testbeck.ch) as entries/other.yaml" in out
    assert bait.read_text("utf-8") == "{}"
    assert (outside / "stolen.yaml").read_text("utf-8") == OUTSIDE
    assert not cache.is_symlink() and set(_cache(root)) == {"entries/other.yaml"}


def test_a_cache_folder_that_is_a_link_is_not_used(make_root, outside, capsys) -> None:
    root = make_root({"entries/minimal.yaml": GOOD, "entries/other.yaml": entry("other")})
    (root / CACHE_FILE.parent).symlink_to(outside, target_is_directory=True)
    code, out = run(capsys, "validate", "--root", str(root), str(root / "entries/minimal.yaml"))
    assert code == 1 and "same website (testbeck.ch) as entries/other.yaml" in out
    assert sorted(p.name for p in outside.iterdir()) == ["stolen.yaml"]
