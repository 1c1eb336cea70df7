"""The strict loader: traps that need bytes rather than a case file."""

from __future__ import annotations

import random

import pytest
import yaml

from quartier import load
from quartier.load import MAX_BYTES, MAX_NODES, load_bytes


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


# --- Hostile YAML: every line break libyaml knows, times every refused construct.

BREAKS = {
    "lf": "\n",
    "crlf": "\r\n",
    "cr": "\r",
    "nel": "\x85",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
}

# Each construct: the file's lines, and the problems it must give, exactly.
CONSTRUCTS: dict[str, tuple[list[str], list[tuple[int, int, str]]]] = {
    "anchor-own-line": (
        ["id: x", "summary:", "  &s", "  de: Text"],
        [(3, 3, "YAML anchor '&s' is not allowed")],
    ),
    "anchor-behind-allowed-tag": (
        ["id: x", "summary: !!map &s", "  de: Text"],
        [(2, 10, "YAML anchor '&s' is not allowed")],  # the node starts at its tag
    ),
    "anchor-in-flow": (
        ["id: x", "tags: [a,&s b]"],
        [(2, 10, "YAML anchor '&s' is not allowed")],
    ),
    "alias-own-line": (
        ["id: x", "a:", "  &s x", "b:", "  *s"],
        [(3, 3, "YAML anchor '&s' is not allowed"), (5, 3, "YAML alias '*s' is not allowed")],
    ),
    "alias-as-key": (
        ["id: x", "a:", "  &s k", "b:", "  *s : v"],
        [(3, 3, "YAML anchor '&s' is not allowed"), (5, 3, "YAML alias '*s' is not allowed")],
    ),
    "tag-python": (
        ["id: x", "name:", "  !!python/object/apply:os.system", "  - echo pwned"],
        [(3, 3, "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed")],
    ),
    "tag-local": (
        ["id: x", "name:", "  !foo bar"],
        [(3, 3, "YAML tag '!foo' is not allowed")],
    ),
    "merge-key-with-alias": (
        ["id: x", "base:", "  &b {de: Text}", "summary:", "  <<:", "    *b"],
        [(3, 3, "YAML anchor '&b' is not allowed"), (6, 5, "YAML alias '*b' is not allowed")],
    ),
    "merge-key": (
        ["id: x", "summary:", "  <<: {de: Text}"],
        [(3, 3, "YAML merge key '<<' is not allowed")],
    ),
}


@pytest.mark.parametrize("construct", CONSTRUCTS)
@pytest.mark.parametrize("br", BREAKS.values(), ids=BREAKS)
def test_refused_construct_with_every_line_break(br: str, construct: str) -> None:
    lines, expected = CONSTRUCTS[construct]
    doc = load_bytes((br.join(lines) + br).encode(), "x.yaml")
    assert _shown(doc) == expected
    assert doc.data is None


def _bomb(levels: int, br: str, width: int = 9) -> bytes:
    """Nested aliases, each level ``width`` times the one before, laid out so
    that before the fix only a '\\n' file was caught: anchors and aliases each
    on a line of their own."""
    lines = ["a0:", "  &a0", "  - lol"]
    for i in range(1, levels):
        lines += [f"a{i}:", f"  &a{i}"]
        for _ in range(width):
            lines += ["  -", f"    *a{i - 1}"]
    return (br.join(lines) + br).encode()


@pytest.mark.parametrize("br", BREAKS.values(), ids=BREAKS)
def test_alias_bomb_is_refused_with_every_line_break(br: str) -> None:
    """9 ** 9 values once expanded; the loader before the fix accepted it with
    '\\r' breaks (checked with 5 levels, which took 10 ms and gave 68 KB)."""
    doc = load_bytes(_bomb(10, br), "x.yaml")
    shown = _shown(doc)
    assert shown[:3] == [
        (2, 3, "YAML anchor '&a0' is not allowed"),
        (5, 3, "YAML anchor '&a1' is not allowed"),
        (7, 5, "YAML alias '*a0' is not allowed"),
    ]
    assert len(shown) == 10 + 9 * 9  # every anchor and every alias, each at its place
    assert doc.data is None and doc.root is None


def test_the_walk_refuses_aliases_the_text_scan_does_not_see(monkeypatch) -> None:
    """The pre-scan is a shortcut for good messages, not the defence."""
    monkeypatch.setattr(load, "_may_hold_anchors", lambda text: False)
    doc = load_bytes(_bomb(10, "\r"), "x.yaml")
    assert _shown(doc)[:3] == [
        (2, 3, "YAML anchor '&a0' is not allowed"),
        (5, 3, "YAML anchor '&a1' is not allowed"),
        (7, 5, "YAML alias '*a0' is not allowed"),
    ]
    assert doc.data is None and doc.root is None
    scalar = load_bytes(b"a: &s x\nb: [1, 2]\nc: *s\n", "x.yaml")
    assert _shown(scalar) == [
        (1, 4, "YAML anchor '&s' is not allowed"),
        (3, 4, "YAML alias '*s' is not allowed"),
    ]


def test_an_alias_without_its_event_is_still_refused(monkeypatch) -> None:
    """If the event scan ever found nothing, the walk's own finding is reported."""
    monkeypatch.setattr(load, "_may_hold_anchors", lambda text: False)
    monkeypatch.setattr(load, "_refuse_anchors", lambda text, doc: True)
    doc = load_bytes(b"id: x\na: &s [x]\nb: *s\n", "x.yaml")
    assert _shown(doc) == [
        (2, 4, "YAML alias is not allowed: this value is used again further down")
    ]
    assert doc.data is None


def test_node_cap_flat_sequence() -> None:
    """The root, its key and the list are 3 nodes: 19,997 items fit, one more does not."""
    items = MAX_NODES - 3
    ok = load_bytes(b"items: [" + b"a, " * (items - 1) + b"a]\n", "x.yaml")
    assert ok.problems == [] and ok.data is not None and len(ok.data["items"]) == items
    raw = b"items: [" + b"a, " * items + b"a]\n"
    assert len(raw) < MAX_BYTES
    doc = load_bytes(raw, "x.yaml")
    assert _shown(doc) == [(1, 8, f"the file holds more than {MAX_NODES:,} keys and values")]
    assert doc.data is None and doc.root is None


@pytest.mark.parametrize("br", BREAKS.values(), ids=BREAKS)
def test_node_cap_counts_keys_and_values(br: str) -> None:
    """A mapping of n pairs is 2n + 1 nodes; duplicate keys are not all reported first."""
    pairs = MAX_NODES // 2
    raw = br.join(f"k{i}: v" for i in range(pairs - 1)) + br
    assert load_bytes(raw.encode(), "x.yaml").problems == []
    doc = load_bytes((raw + "k0: v" + br).encode(), "x.yaml")
    assert _shown(doc) == [(1, 1, f"the file holds more than {MAX_NODES:,} keys and values")]
    dup = load_bytes(b"{" + b"a, " * pairs + b"a}\n", "x.yaml")
    assert _shown(dup) == [(1, 1, f"the file holds more than {MAX_NODES:,} keys and values")]


def test_a_flood_of_aliases_is_cut_short() -> None:
    raw = b"a: &x x\nb: [" + b"*x, " * 30_000 + b"*x]\n"
    shown = _shown(load_bytes(raw, "x.yaml"))
    assert len(shown) == 101
    assert shown[1] == (2, 5, "YAML alias '*x' is not allowed")
    assert shown[-1] == (
        2,
        401,
        "YAML alias '*x' is not allowed, nor the ones after it: the first 100 anchors "
        "and aliases are listed, not the rest",
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        b"a: " + b"[" * 100_000 + b"\n",
        b"a: " + b"{" * 100_000 + b"\n",
        b"a:\n  " + b"- " * 60_000 + b"x\n",
        b"? " * 60_000 + b"x\n",
    ],
    ids=["flow-closed", "flow-open", "flow-mapping", "block-sequence", "complex-keys"],
)
def test_very_deep_nesting_gives_a_problem_not_a_traceback(raw: bytes) -> None:
    """libyaml stops at 1,000 levels, before its composer's recursion could fail."""
    doc = load_bytes(raw, "x.yaml", max_bytes=len(raw))
    assert [p.message for p in doc.problems] == ["the data is nested too deeply"]


@pytest.mark.parametrize("br", BREAKS.values(), ids=BREAKS)
def test_positions_count_every_line_break(br: str) -> None:
    text = br.join(["a: 1", "b: ééé\x07"]) + br
    assert _shown(load_bytes(text.encode(), "x.yaml")) == [
        (2, 7, "control character U+0007 is not allowed")
    ]
    raw = br.join(["a: 1", "b: é"]).encode() + b"\xff" + br.encode()
    assert _shown(load_bytes(raw, "x.yaml")) == [(2, 5, "the file is not valid UTF-8 (byte 0xff)")]


# Pieces of YAML, glued at random: the pre-scan must say yes whenever libyaml
# reads an anchor or an alias (it may say yes more often).
_PIECES = [
    *BREAKS.values(), " ", "  ", "\t", "\ufeff", "&a", "*a", "&b", "*b", "& ", "* ",
    "!!map", "!!str", "!t", "!", "!<tag:yaml.org,2002:str>", "x", "k:", ": ", ":", "- ",
    "-", "? ", "[", "]", "{", "}", ",", "#c", '"q"', "'q'", "---", "...", "|", ">",
    "%YAML 1.1", "a&b", "**b**", "Kaffee & Kuchen",
]  # fmt: skip


def _has_anchor_event(text: str) -> bool:
    try:
        return any(getattr(e, "anchor", None) for e in yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return False  # the file is refused as a syntax error anyway


def test_pre_scan_never_misses_an_anchor_libyaml_reads() -> None:
    rng = random.Random(20261001)
    seen = 0
    for _ in range(20_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 10)))
        if _has_anchor_event(text):
            seen += 1
            assert load._may_hold_anchors(text), repr(text)
    assert seen > 500  # the sample does exercise it


@pytest.mark.parametrize(
    "text",
    [
        "name: Kaffee & Kuchen\n",
        "name: AT&T\n",
        "note: '**bold**'\n",
        "note: **bold** text\n",
        "url: https://example.org/?a=1&b=2\n",
        "name: Fish &amp; Chips\n",
        "note: 5 * 3\n",
    ],
)
def test_pre_scan_lets_ordinary_text_skip_the_event_scan(text: str) -> None:
    assert not load._may_hold_anchors(text)


def _shown(doc: load.Document) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in doc.problems]
