"""Generated pages that go through MkDocs: category and place lists, the map, home sections.

There are only a few hundred of these whatever the directory's size, so
MkDocs renders them normally. The thousands of business pages do not go
through MkDocs: one *shell* page is rendered with placeholders and
:mod:`.stamp` fills it for each business (see there for why).

All text is escaped here: MkDocs' templates insert page metadata raw. Text
from entries never goes through Markdown either: headings are HTML, since a
Markdown heading reads ``{: onfocus=... }`` as attributes and ``[x](...)``
as a link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from html import escape
from typing import Any

from ..model import Entry
from ..publish import urls
from ..publish.context import BuildContext
from ..publish.jsonld import embed
from ..stale import warned_stale
from .i18n import Strings, first_of, strings
from .mapdata import CLUSTER_DIR, POINTS_PATH
from .photos import photos_of, picture

SHELL = "businesses/_shell/index.md"
TITLE_SLOT = "QUARTIERTITLESLOT"
DESCRIPTION_SLOT = "QUARTIERDESCRIPTIONSLOT"
JSONLD_SLOT = "QUARTIERJSONLDSLOT"
CONTENT_SLOT = "QUARTIERCONTENTSLOT"
# PA: the page's social preview (Open Graph, Twitter card) of a business page.
SOCIAL_SLOT = "QUARTIERSOCIALSLOT"
NEWEST = 12


def _front(title: str, description: str, jsonld: dict[str, Any] | None = None) -> str:
    """Front matter of a generated page; ``title`` and ``description`` are plain text.

    Material writes the title into ``<title>`` and the header unescaped, so
    both go in as HTML.
    """
    # The tabs are the navigation; a sidebar would only repeat the current section.
    lines = [
        "---",
        f"title: {_yaml_str(escape(title))}",
        f"description: {_yaml_str(escape(description))}",
        "hide: [navigation, toc]",
    ]
    if jsonld is not None:
        lines.append(f"jsonld: {_yaml_str(embed(jsonld))}")
    return "\n".join([*lines, "---", ""])


# Characters YAML does not allow in a document even inside quotes (C1 controls,
# noncharacters): a page whose front matter has one loses its title and shows the
# front matter as text. JSON leaves them raw; YAML reads them back from \u escapes.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_str(text: str) -> str:
    """A double-quoted YAML scalar of one line (JSON strings are valid YAML)."""
    quoted = json.dumps(" ".join(text.split()), ensure_ascii=False)
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _business_item(ctx: BuildContext, entry: Entry, prefix: str, stale: Mapping[str, date]) -> str:
    ui = ctx.config.site.language
    t = strings(ui)
    # The summary in the interface's language where the business wrote one, marked with its own.
    lang, text = first_of(entry.summary, [ui, *ctx.config.languages])
    summary = f'<span class="q-small" lang="{escape(lang)}">{escape(str(text))}</span>'
    status = ""
    if entry.status != "open":
        status = (
            f' <span class="q-status q-status--{entry.status}">{t["status_" + entry.status]}</span>'
        )
    text = (
        f'<a href="{prefix}{urls.business_page(entry.id)}">{escape(entry.name)}</a>{status}'
        f' <span class="q-small">{escape(entry.location.address.locality)}</span>'
        f"{_stale_mark(t, stale.get(entry.id))}<br>{summary}"
    )
    # PA: the first photo file as a small picture beside the name (decorative: the name says it).
    thumb = next(iter(photos_of(ctx, entry)), None)
    if thumb is None:
        return f"<li>{text}</li>"
    image = picture(thumb, prefix, "", "", "4.5rem")
    return f'<li class="q-has-thumb"><span class="q-thumb">{image}</span><div>{text}</div></li>'


def _stale_mark(t: Strings, verified: date | None) -> str:
    """ "not checked since May 2025" after an entry ``quartier validate`` warns is stale.

    ``verified`` is its ``last_verified`` (None: not stale, no mark); see
    :func:`quartier.stale.warned_stale` for which entries those are.
    """
    if verified is None:
        return ""
    month = t.partial_date(f"{verified:%Y-%m}")
    note = t.fill("stale_title", date=t.date(verified))
    return (
        f' <span class="q-small q-stale" title="{escape(note)}">'
        f"{escape(t.fill('stale_since', month=month))}</span>"
    )


def _item_list(ctx: BuildContext, name: str, page: str, ids: list[str]) -> dict[str, Any]:
    """schema.org ItemList of a category or place page, matching its list."""
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": name,
        "url": ctx.url(page),
        "numberOfItems": len(ids),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": i,
                "url": ctx.url(urls.business_page(entry_id)),
                "name": ctx.directory.entries[entry_id].name,
            }
            for i, entry_id in enumerate(ids, start=1)
        ],
    }


def _list_page(
    ctx: BuildContext, title: str, intro: str, page: str, ids: list[str], stale: Mapping[str, date]
) -> tuple[str, str]:
    t = strings(ctx.config.site.language)
    entries = ctx.directory.entries
    # Open businesses first, closed ones after: they stay listed, marked.
    ordered = sorted(
        ids, key=lambda i: (entries[i].status != "open", entries[i].name.casefold(), i)
    )
    items = "\n".join(_business_item(ctx, entries[i], "../../", stale) for i in ordered)
    markdown = (
        _front(title, intro, _item_list(ctx, title, page, ordered))
        + f"<h1>{escape(title)}</h1>\n\n<p>{escape(intro)}</p>\n\n"
        + f'<p class="q-small">{escape(t.plural("businesses", len(ids)))}</p>\n\n{LIST_SLOT}\n'
    )
    return markdown, f'<ul class="q-list">\n{items}\n</ul>\n'


def _list_intro(ctx: BuildContext, title: str, count: int) -> str:
    """The line under a list's heading, also its description: "Bakery: 2 businesses · Quartier"."""
    t = strings(ctx.config.site.language)
    return f"{title}{t['colon']} {t.plural('businesses', count)} · {ctx.config.name}"


# Long lists skip Markdown: the plugin puts their HTML in after conversion,
# which at 10,000 businesses saves seconds of parsing raw HTML.
LIST_SLOT = "<!-- quartier:list -->"


def generated_pages(ctx: BuildContext) -> tuple[dict[str, str], dict[str, str]]:
    """Markdown of every generated page, and the list HTML that replaces its ``LIST_SLOT``.

    Both are keyed by the page's path inside the docs folder.
    """
    ui = ctx.config.site.language
    pages: dict[str, str] = {}
    lists: dict[str, str] = {}
    stale = warned_stale(ctx.directory)
    for cat_id, ids in ctx.by_category.items():
        cat = ctx.taxonomy.get(cat_id)
        label = cat.label(ui) if cat else cat_id
        page = urls.category_page(cat_id)
        pages[page + "index.md"], lists[page + "index.md"] = _list_page(
            ctx, label, _list_intro(ctx, label, len(ids)), page, ids, stale
        )
    for _slug, (name, ids) in ctx.by_place.items():
        page = urls.place_page(name)
        pages[page + "index.md"], lists[page + "index.md"] = _list_page(
            ctx, name, _list_intro(ctx, name, len(ids)), page, ids, stale
        )
    pages["categories/index.md"] = _categories_index(ctx)
    pages["places/index.md"] = _places_index(ctx)
    pages["map/index.md"] = _map_page(ctx)
    pages[SHELL] = (
        "---\n"
        "hide: [navigation, toc]\n"
        f"title: {TITLE_SLOT}\n"
        f"description: {DESCRIPTION_SLOT}\n"
        f"jsonld: {JSONLD_SLOT}\n"
        f"social: {SOCIAL_SLOT}\n"
        "---\n"
        f"# {TITLE_SLOT} {{ #business }}\n\n{CONTENT_SLOT}\n"
    )
    return pages, lists


def _category_links(ctx: BuildContext, prefix: str, level: int = 3) -> str:
    """The categories that have businesses, by group; ``level`` is the groups' heading level.

    Headings go down one level at a time (WCAG 1.3.1, axe's heading-order):
    h2 under the categories page's h1, h3 under the home page's h2.
    """
    ui = ctx.config.site.language
    blocks = []
    for group in ctx.taxonomy.groups():
        items = [
            f'<li><a href="{prefix}{urls.category_page(c.id)}">{escape(c.label(ui))}</a> '
            f'<span class="q-small">{len(ctx.by_category[c.id])}</span></li>'
            for c in [group, *ctx.taxonomy.children(group.id)]
            if c.id in ctx.by_category
        ]
        if items:
            blocks.append(
                f'<div class="q-group"><h{level}>{escape(group.label(ui))}</h{level}>'
                f"<ul>{''.join(items)}</ul></div>"
            )
    return f'<div class="q-groups">{"".join(blocks)}</div>'


def _place_links(ctx: BuildContext, prefix: str) -> str:
    items = [
        f'<li><a href="{prefix}{urls.place_page(name)}">{escape(name)}</a> '
        f'<span class="q-small">{len(ids)}</span></li>'
        for name, ids in ctx.by_place.values()
    ]
    return f'<ul class="q-places">{"".join(items)}</ul>'


def _categories_index(ctx: BuildContext) -> str:
    t = strings(ctx.config.site.language)
    return (
        _front(t["categories"], f"{t['categories']} · {ctx.config.name}")
        + f"# {t['categories']}\n\n{_category_links(ctx, '../', level=2)}\n"
    )


def _places_index(ctx: BuildContext) -> str:
    t = strings(ctx.config.site.language)
    return (
        _front(t["places"], f"{t['places']} · {ctx.config.name}")
        + f"# {t['places']}\n\n{_place_links(ctx, '../')}\n"
    )


def _map_attrs(ctx: BuildContext) -> str:
    t = strings(ctx.config.site.language)
    tiles = ctx.config.site.tiles
    west = min(a.bbox[0] for a in ctx.config.areas)
    south = min(a.bbox[1] for a in ctx.config.areas)
    east = max(a.bbox[2] for a in ctx.config.areas)
    north = max(a.bbox[3] for a in ctx.config.areas)
    return (
        f'data-tiles="{escape(tiles.url)}" data-attribution="{escape(tiles.attribution)}" '
        f'data-attribution-url="{escape(tiles.attribution_url)}" '
        f'data-bbox="{west},{south},{east},{north}" data-zoom-in="{escape(t["zoom_in"])}" '
        f'data-zoom-out="{escape(t["zoom_out"])}" data-close="{escape(t["close_popup"])}"'
    )


def _area_buttons(ctx: BuildContext) -> str:
    """One button per area: the map opens on the first and jumps between them."""
    buttons = "".join(
        f'<button type="button" class="md-button q-area" data-bbox="{",".join(map(str, a.bbox))}">'
        f"{escape(a.name)}</button> "
        for a in ctx.config.areas
    )
    return f'<p class="q-areas">{buttons}</p>\n'


def _map_page(ctx: BuildContext) -> str:
    """The map (assets/map.js) and, under it, the businesses in view, from map/points.json.

    One small file for 10,000 businesses (:mod:`.mapdata`); the list shows
    what the map shows, so it is usable without tiles and without a mouse.
    """
    t = strings(ctx.config.site.language)
    text = {
        "status": {s: t[f"status_{s}"] for s in ("temporarily_closed", "permanently_closed")},
        "cluster": t["map_cluster"],
        "inView": t["map_in_view"],
        "noneInView": t["map_none_in_view"],
        "capped": t["map_list_capped"],
        "show": t["map_show"],
    }
    # Fetched as soon as the page is read, not one after the other as the scripts ask.
    preload = "".join(
        f'<link rel="preload" href="../{path}" as="{kind}"{cors}>'
        for path, kind, cors in (
            ("assets/map.js", "script", ""),
            ("assets/leaflet/leaflet.js", "script", ""),
            (f"{CLUSTER_DIR}/leaflet.markercluster.js", "script", ""),
            (POINTS_PATH, "fetch", ' crossorigin="anonymous"'),
        )
    )
    return (
        _front(t["map"], f"{t['map']} · {ctx.config.name}")
        + f"# {t['map']}\n\n"
        + f"<div hidden>{preload}</div>\n\n"
        + _area_buttons(ctx)
        + f'<div id="q-map" class="q-map q-map--big" data-points="../{POINTS_PATH}" '
        + f'data-prefix="../" data-text="{escape(json.dumps(text, ensure_ascii=False))}" '
        + f"{_map_attrs(ctx)}></div>\n\n"
        + f"<h2>{escape(t['map_list_heading'])}</h2>\n\n"
        + '<p id="q-map-count" class="q-small" role="status"></p>\n'
        + '<ul class="q-list" id="q-map-list"></ul>\n'
        + f'<noscript><p><a href="../places/">{escape(t["places"])}</a></p></noscript>\n'
    )


def home_sections(ctx: BuildContext) -> str:
    """HTML that replaces ``<!-- quartier:home -->`` in the home page."""
    t = strings(ctx.config.site.language)
    newest = sorted(ctx.entries(), key=lambda e: (-e.last_verified.toordinal(), e.id))
    newest = [e for e in newest if e.status == "open"][:NEWEST]
    stale = warned_stale(ctx.directory)
    items = "\n".join(_business_item(ctx, e, "", stale) for e in newest)
    if not newest:
        return ""  # a new directory: the home page says how to join instead
    return (
        f'<div id="q-search" class="q-search" data-placeholder="{escape(t["search_placeholder"])}">'
        f"</div>\n\n"
        f"<h2>{escape(t['categories'])}</h2>\n\n{_category_links(ctx, '')}\n\n"
        f"<h2>{escape(t['places'])}</h2>\n\n{_place_links(ctx, '')}\n\n"
        f'<h2>{escape(t["newest"])}</h2>\n\n<ul class="q-list">\n{items}\n</ul>\n'
    )


def reference_page(ctx: BuildContext, reference: str) -> str:
    """The field reference (Markdown from the models) under a heading in the site's language.

    The heading is the page's tab; the fields and their descriptions stay as
    the models write them (in English), which a note in the site's language says.
    Example: ``reference_page(ctx, field_reference())`` starts ``# Champs d’une fiche``
    on a French site.
    """
    t = strings(ctx.config.site.language)
    heading, _, body = reference.partition("\n")
    if not heading.startswith("# "):
        raise ValueError(f"the field reference must start with a heading, not {heading!r}")
    return f"# {t['reference']}\n\n{t['reference_note']}\n{body}"
