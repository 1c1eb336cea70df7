"""``sitemap.xml`` (an index of numbered sitemaps past 50,000 URLs) and ``robots.txt``.

robots.txt welcomes search engines and AI assistants' crawlers by name: the
whole point of the directory is to be found.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from . import urls
from .context import BuildContext
from .listing import Listings
from .writer import Output

MAX_URLS = 50_000
STATIC_PAGES = ("", "add/", "for-ai/", "map/", "categories/", "places/", "reference/entry/")
CRAWLERS = (
    "Googlebot",
    "Bingbot",
    "DuckDuckBot",
    "Applebot",
    "Applebot-Extended",
    "Google-Extended",
    "GPTBot",
    "OAI-SearchBot",
    "ChatGPT-User",
    "ClaudeBot",
    "Claude-SearchBot",
    "Claude-User",
    "PerplexityBot",
    "Perplexity-User",
    "CCBot",
    "Amazonbot",
    "meta-externalagent",
    "MistralAI-User",
)


def page_urls(ctx: BuildContext, listings: Listings) -> list[tuple[str, str | None]]:
    """Every HTML page's URL with its last modification day, in a stable order."""
    pages: list[tuple[str, str | None]] = [(ctx.url(p), None) for p in STATIC_PAGES]
    pages += [(ctx.url(urls.category_page(c)), None) for c in listings.by_category]
    pages += [(ctx.url(urls.place_page(name)), None) for name, _ in listings.by_place.values()]
    pages += [(ctx.url(urls.business_page(r.id)), r.last_verified) for r in listings.rows]
    return pages


def _urlset(pages: list[tuple[str, str | None]]) -> str:
    rows = []
    for loc, lastmod in pages:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        rows.append(f"<url><loc>{escape(loc)}</loc>{mod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )


def write(ctx: BuildContext, out: Output, listings: Listings) -> None:
    pages = page_urls(ctx, listings)
    if len(pages) <= MAX_URLS:
        out.write_text("sitemap.xml", _urlset(pages))
    else:
        chunks = [pages[i : i + MAX_URLS] for i in range(0, len(pages), MAX_URLS)]
        names = [f"sitemap-{n}.xml" for n in range(1, len(chunks) + 1)]
        for name, chunk in zip(names, chunks, strict=True):
            out.write_text(name, _urlset(chunk))
        index = "\n".join(f"<sitemap><loc>{escape(ctx.url(n))}</loc></sitemap>" for n in names)
        out.write_text(
            "sitemap.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{index}\n</sitemapindex>\n",
        )
    welcome = "\n".join(f"User-agent: {bot}\nAllow: /\n" for bot in CRAWLERS)
    out.write_text(
        "robots.txt",
        "# Crawlers and AI assistants are welcome: this directory exists to be found.\n"
        f"{welcome}\nUser-agent: *\nAllow: /\n\nSitemap: {ctx.url('sitemap.xml')}\n",
    )
