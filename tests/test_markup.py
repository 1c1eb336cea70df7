"""Plain descriptions skip the Markdown parser: the HTML must be what the parser gives."""

from __future__ import annotations

import random

import pytest

from quartier.site.markup import _plain, _render_markdown, render

TEXTS = [
    "",
    "Eine kleine Quartierbäckerei.",
    "Erste Zeile.\nZweite Zeile.",
    "Absatz eins.\n\nAbsatz zwei.\n",
    "\n\nNach Leerzeilen.\n\n\n",
    "We're open on Sundays: 9-12.",
    "L'atelier répare vos vélos.",
    "- not a list here",
    "1. a list",
    "1) a list",
    "12345678901. not a list",
    "2024. Ein gutes Jahr.",
    "Trailing spaces  \nmake a break",
    "  indented",
    "\u2003em space start",
    "ends with em space\u2003",
    "non\u00a0breaking",
    "Quote > not at start",
    "> a quote",
    "Price: 5 * 3",
    "snake_case",
    "a & b",
    'say "hi"',
    "# not a heading",
    "---",
    "===",
    "Text\n===",
    "tab\tinside",
    "=== at start",
    "+ plus list",
    "Zeile\n+ plus",
    "日本語のテキスト。\n\n第二段落。",
    "http://example.ch is a link?",
    "a\u2028b",
]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_text_renders_as_the_parser_does(text: str) -> None:
    assert render(text) == _render_markdown(text)


def test_fuzzed_text_renders_as_the_parser_does() -> None:
    alphabet = [*"abc XYZ äé.,:;!?'()/0123456789-+=\n\n\n", "\u2003", "\u00a0", "  "]
    rng = random.Random(7)
    plain = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert render(text) == _render_markdown(text), repr(text)
        plain += _plain(text) is not None
    assert plain > 300  # the fast path is really exercised


def test_markdown_still_goes_through_the_parser() -> None:
    assert _plain("**Neu:** <b>x</b>") is None
    assert render("**Neu:**") == "<p><strong>Neu:</strong></p>\n"
