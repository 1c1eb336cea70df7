"""Business pages: one MkDocs-rendered shell, filled in for every business.

Material for MkDocs renders a page in tens of milliseconds and embeds the
navigation in each; at 10,000 businesses that is minutes and gigabytes. So
MkDocs renders one *shell* page (``businesses/_shell/``) with placeholders
for the title, description, JSON-LD and content, at the same depth as every
business page, and this module copies it once per business with the
placeholders replaced: the pages look exactly like the rest of the site,
relative links stay right, and the cost is a string replace per page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

from ..model import Entry
from ..parallel import fork_imap
from ..publish import urls
from ..publish.context import BuildContext
from ..publish.entry import Published, publish_entry
from ..publish.jsonld import business_jsonld, embed
from ..publish.sink import Sink
from ..publish.writer import Output, Prepared, prepare
from .business import description_of, render_business
from .pages import CONTENT_SLOT, DESCRIPTION_SLOT, JSONLD_SLOT, SHELL, SOCIAL_SLOT, TITLE_SLOT
from .photos import social_meta

SHELL_HTML = SHELL.removesuffix("index.md") + "index.html"
# Where the page's canonical link goes: its own address, or for a member's
# business in an aggregate the member's page (one original for search engines).
CANONICAL_SLOT = "QUARTIERCANONICALSLOT"
_CANONICAL = re.compile(r'<link rel="canonical" href="[^"]*">')
# Filled in one pass, so entry text that happens to name a slot is left alone.
_SLOTS = re.compile(
    "("
    + "|".join(
        (
            TITLE_SLOT,
            DESCRIPTION_SLOT,
            JSONLD_SLOT,
            CONTENT_SLOT,
            CANONICAL_SLOT,
            SOCIAL_SLOT,
            "/businesses/_shell/",
        )
    )
    + ")"
)


class ShellError(Exception):
    """The rendered shell page lacks a placeholder (a theme override removed it)."""


def load_shell(site_dir: Path) -> str:
    html = (site_dir / SHELL_HTML).read_text("utf-8")
    for slot in (TITLE_SLOT, DESCRIPTION_SLOT, JSONLD_SLOT, CONTENT_SLOT):
        if slot not in html:
            raise ShellError(f"{SHELL_HTML} has no {slot}: check site/overrides/main.html")
    # Material's templates leave hundreds of blank and indented lines, a sixth of each
    # page. Without <pre> or <textarea> in the shell, leading whitespace means nothing.
    if "<pre" not in html and "<textarea" not in html:
        html = "\n".join(line.strip() for line in html.splitlines() if line.strip()) + "\n"
    # The canonical link MkDocs wrote for the shell becomes the page's own (or
    # none, if a theme override dropped it).
    html = _CANONICAL.sub(CANONICAL_SLOT, html, count=1)
    # The content placeholder is a paragraph of its own; replace the element.
    return html.replace(f"<p>{CONTENT_SLOT}</p>", CONTENT_SLOT)


def stamp_pages(
    ctx: BuildContext,
    shell: str,
    out: Output,
    tick: Callable[[], None] | None = None,
    sink: Sink | None = None,
) -> None:
    """Write ``businesses/<id>/index.html`` for every business.

    With a ``sink`` (``quartier build``) the same pass publishes each
    business's machine outputs too, so its public view and JSON-LD are
    computed once for the page and the API (see
    :func:`quartier.publish.entry.publish_entry`).
    """
    parts = _SLOTS.split(shell)  # text at even indices, slot names at odd ones

    def stamp(entries: Sequence[Entry]) -> list[tuple[Prepared, Published | None]]:
        return [_page(ctx, parts, entry, sink is not None) for entry in entries]

    # Rendering is independent per business: forked workers render, this process writes.
    ctx.site  # noqa: B018 - computed once, before forking
    ctx.by_place  # noqa: B018 - the place names of the search filters, likewise
    for chunk in fork_imap(stamp, ctx.entries(), minimum=300):
        for page, published in chunk:
            out.put(page)
            if sink is not None and published is not None:
                sink.add(published)
            if tick:
                tick()


def _page(
    ctx: BuildContext, parts: list[str], entry: Entry, publish: bool
) -> tuple[Prepared, Published | None]:
    public = ctx.public(entry)
    doc = business_jsonld(public, ctx.site)
    published = publish_entry(ctx, entry, public, doc) if publish else None
    merged = ctx.directory.federated.get(entry.id)
    if merged is not None and not merged.local:
        canonical = merged.sources[0].page_url
    else:
        canonical = ctx.url(urls.business_page(entry.id))
    values = {
        CANONICAL_SLOT: f'<link rel="canonical" href="{escape(canonical)}">',
        TITLE_SLOT: escape(entry.name),
        DESCRIPTION_SLOT: escape(description_of(ctx, entry)),
        JSONLD_SLOT: embed(doc),
        CONTENT_SLOT: render_business(ctx, entry, public),
        SOCIAL_SLOT: social_meta(ctx, entry),
        "/businesses/_shell/": "/" + urls.business_page(entry.id),
    }
    html = "".join(values[part] if i % 2 else part for i, part in enumerate(parts))
    page = prepare(urls.business_page(entry.id) + "index.html", html.encode("utf-8"))
    return page, published
