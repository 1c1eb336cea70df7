"""``feed.atom``: the directory as an Atom 1.0 feed (RFC 4287), beside ``feed.json``.

Most feed readers, and the feedparser library many crawlers use, read Atom
but not JSON Feed. Each entry is one business, newest ``last_verified``
first, in the same order and pages as the JSON Feed: past a page the feed
continues in ``feed-2.atom`` ... linked by ``<link rel="next">`` (RFC 5005,
paged feeds). The content is the owner's text rendered as safe HTML
(:func:`quartier.markup.render`) and escaped once more as XML text, so no
owner text can add an element to the feed or a tag to a reader's page::

    <entry>
      <id>https://x.org/businesses/velowerk-lorraine/</id>
      <title>Velowerk Lorraine</title>
      <link rel="alternate" type="text/html" href="https://x.org/businesses/velowerk-lorraine/"/>
      <updated>2026-10-01T00:00:00Z</updated>
      <published>2026-10-01T00:00:00Z</published>
      <summary>Bicycle repair ...</summary>
      <content type="html">&lt;p&gt;Bicycle repair ...&lt;/p&gt;</content>
      <category term="bicycle_repair" label="Bicycle repair" scheme="https://x.org/categories/"/>
    </entry>

The feed's ``updated`` is its newest ``last_verified`` (no clock: two
builds of the same input are byte-identical).
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from ..model import Entry
from . import urls
from .context import BuildContext
from .writer import Output

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
# A feed with no business at all still needs an <updated>; this says "never".
EPOCH = "1970-01-01T00:00:00Z"
# Characters XML 1.0 does not allow in a document, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def page_name(number: int) -> str:
    return "feed.atom" if number == 1 else f"feed-{number}.atom"


def _text(value: str) -> str:
    """Text content: escaped, without the characters XML cannot carry."""
    return escape(_NOT_XML.sub("", value))


def _attr(value: str) -> str:
    """A quoted attribute value (quotes included)."""
    return quoteattr(_NOT_XML.sub("", value))


def timestamp(day_iso: str) -> str:
    """``2026-10-01`` -> ``2026-10-01T00:00:00Z`` (RFC 3339, as Atom and JSON Feed want)."""
    return f"{day_iso}T00:00:00Z"


def entry(ctx: BuildContext, e: Entry, summary: str, content_html: str) -> bytes:
    """One business's ``<entry>`` element, as UTF-8 bytes."""
    page = ctx.url(urls.business_page(e.id))
    when = timestamp(e.last_verified.isoformat())
    language = ctx.config.languages[0]
    lines = [
        "<entry>",
        f"<id>{_text(page)}</id>",
        f"<title>{_text(e.name)}</title>",
        f'<link rel="alternate" type="text/html" href={_attr(page)}/>',
    ]
    if e.contact and e.contact.website:
        lines.append(f'<link rel="related" type="text/html" href={_attr(e.contact.website)}/>')
    lines += [
        f"<updated>{when}</updated>",
        f"<published>{when}</published>",
        f"<summary>{_text(summary)}</summary>",
        f'<content type="html">{_text(content_html)}</content>',
    ]
    scheme = ctx.url("categories/")
    for cat_id in dict.fromkeys(e.all_categories):
        cat = ctx.taxonomy.get(cat_id)
        label = cat.label(language) if cat else cat_id
        lines.append(
            f"<category term={_attr(cat_id)} label={_attr(label)} scheme={_attr(scheme)}/>"
        )
    lines.append("</entry>\n")
    return "\n".join(lines).encode("utf-8")


def write_page(
    ctx: BuildContext, out: Output, number: int, count: int, updated: str, entries: list[bytes]
) -> None:
    """Page ``number`` of ``count``: the head, then the entries :func:`entry` made."""
    cfg = ctx.config
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f"<feed xmlns={_attr(ATOM_NS)} xml:lang={_attr(cfg.languages[0])}>",
        f"<id>{_text(ctx.url(page_name(1)))}</id>",
        f"<title>{_text(cfg.name)}</title>",
    ]
    if cfg.description:
        head.append(f"<subtitle>{_text(cfg.description)}</subtitle>")
    head += [
        f"<updated>{updated}</updated>",
        f'<link rel="self" type="{MEDIA_TYPE}" href={_attr(ctx.url(page_name(number)))}/>',
        f'<link rel="alternate" type="text/html" href={_attr(cfg.base_url)}/>',
    ]
    if number > 1:
        head.append(f'<link rel="first" href={_attr(ctx.url(page_name(1)))}/>')
        head.append(f'<link rel="previous" href={_attr(ctx.url(page_name(number - 1)))}/>')
    if number < count:
        head.append(f'<link rel="next" href={_attr(ctx.url(page_name(number + 1)))}/>')
    head += [
        f"<author><name>{_text(cfg.name)}</name><uri>{_text(cfg.base_url)}</uri></author>",
        f"<rights>{_text(cfg.license)}</rights>",
        "<generator>Quartier</generator>",
        "",
    ]
    body = "\n".join(head).encode("utf-8") + b"".join(entries) + b"</feed>\n"
    out.write_bytes(page_name(number), body)
