"""Render the limited Markdown people write in descriptions, safely.

Owners may use emphasis, links and lists. HTML in their text is shown as
text (markdown-it with ``html`` off), links must be http, https or mailto
(no ``javascript:``), and the result passes through nh3 (the Ammonia
sanitizer) with a short allow-list as a second line of defence.

Example::

    render("**Neu:** <script>x</script> [web](javascript:alert(1))")
    # '<p><strong>Neu:</strong> &lt;script&gt;x&lt;/script&gt; [web](javascript:alert(1))</p>\\n'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "blockquote"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "heading", "lheading", "code", "fence", "hr", "table"], ignoreInvalid=True)
    # markdown-it-py documents replacing validateLink to restrict link schemes.
    md.validateLink = lambda url: url.strip().lower().startswith(SAFE_SCHEMES)  # type: ignore[method-assign]
    return md


# Text with none of these is plain paragraphs: no emphasis, link, code, entity,
# escape, HTML or character that either step would escape.
_SPECIAL = re.compile(r"[\\`*_\[\]<>&\"~|#\t\r\xa0]")
_ORDERED = re.compile(r"\d{1,9}[.)](?: |$)")


def _plain(text: str) -> str | None:
    """The HTML of text that is only paragraphs, or None if Markdown must look at it.

    Most descriptions are plain sentences; rendering them without the parser
    halves the cost of a business page. tests/test_markup.py checks that the
    result is what the parser and sanitizer give.
    """
    if _SPECIAL.search(text):
        return None
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if not line:
            if current:
                paragraphs.append("\n".join(current))
                current = []
            continue
        if line[0].isspace() or line[-1].isspace() or line[0] in "-+" or _ORDERED.match(line):
            return None  # indentation, hard breaks and list items are Markdown's
        current.append(line)
    if current:
        paragraphs.append("\n".join(current))
    return "".join(f"<p>{p}</p>\n" for p in paragraphs)


def render(text: str) -> str:
    """HTML for one description, safe to put inside any page."""
    plain = _plain(text)
    return plain if plain is not None else _render_markdown(text)


def _render_markdown(text: str) -> str:
    import nh3

    html = _parser().render(text)
    return str(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener ugc",
        )
    )
