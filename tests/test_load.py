"""The strict loader: traps that need bytes rather than a case file."""

from __future__ import annotations

from quartier.load import MAX_BYTES, load_bytes


def _problems(raw: bytes) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in load_bytes(raw, "x.yaml").problems]


def test_scalars_stay_text() -> None:
    doc = load_bytes(
        b"country: NO\npostal_code: 01234\nh: 08:30-12:00\nw: yes\nn: 1e3\n"
        b"d: 2026-10-01\nempty:\nquoted: ''\n",
        "x.yaml",
    )
    assert doc.data == {
        "country": "NO",
        "postal_code": "01234",
        "h": "08:30-12:00",
        "w": "yes",
        "n": "1e3",
        "d": "2026-10-01",
        "empty": None,
        "quoted": "",
    }


def test_not_utf8_names_line_and_column() -> None:
    assert _problems(b"a: 1\nname: Caf\xe9\n") == [
        (2, 10, "the file is not valid UTF-8 (byte 0xe9)")
    ]


def test_byte_order_mark_is_accepted() -> None:
    assert load_bytes(b"\xef\xbb\xbfid: x\n", "x.yaml").data == {"id": "x"}


def test_oversized_file_is_refused_before_parsing() -> None:
    problems = _problems(b"a: " + b"x" * MAX_BYTES + b"\n")
    assert problems == [(1, 1, f"the file is larger than {MAX_BYTES // 1024} KiB")]


def test_empty_file() -> None:
    assert _problems(b"") == [(1, 1, "the file is empty")]
    assert _problems(b"# only a comment\n") == [(1, 1, "the file is empty")]


def test_billion_laughs_is_refused_fast() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    problems = _problems("\n".join(lines).encode())
    assert len(problems) == 10 + 81  # every anchor and every alias, each at its place
    assert problems[0] == (1, 5, "YAML anchor '&a0' is not allowed")


def test_deep_nesting_is_refused() -> None:
    problems = _problems(b"a: " + b"[" * 100 + b"]" * 100 + b"\n")
    assert problems and problems[0][2] == "the data is nested too deeply"


def test_duplicate_keys_all_reported() -> None:
    problems = _problems(b"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert [(line, col) for line, col, _ in problems] == [(4, 3), (5, 1)]


def test_control_character() -> None:
    assert _problems(b"a: b\x07\n") == [(1, 5, "control character U+0007 is not allowed")]


def test_ampersand_in_text_is_not_an_anchor() -> None:
    doc = load_bytes(b"name: Kaffee & Kuchen\nnote: '*star*'\n", "x.yaml")
    assert doc.problems == [] and doc.data == {"name": "Kaffee & Kuchen", "note": "*star*"}
