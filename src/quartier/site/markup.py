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


def render(text: str) -> str:
    """HTML for one description, safe to put inside any page."""
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
