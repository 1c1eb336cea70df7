"""Where everything lives in a build, relative to the output folder and as public URLs.

One place for the URL scheme, so pages, feeds, the sitemap and the API never
disagree. Business ids never change, so these URLs are permanent.
"""

from __future__ import annotations

import re
import unicodedata

API = "api/v1"
BUSINESSES = "businesses/"


def slug(text: str) -> str:
    """A URL-safe slug of a place name: 'Santa Cruz' -> 'santa-cruz', 'Köniz' -> 'koniz'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "place"


def business_page(entry_id: str) -> str:
    return f"{BUSINESSES}{entry_id}/"


def category_page(category_id: str) -> str:
    return f"categories/{category_id.replace('_', '-')}/"


def place_page(locality: str) -> str:
    return f"places/{slug(locality)}/"


def entry_json(entry_id: str) -> str:
    return f"{API}/entries/{entry_id}.json"


def entry_jsonld(entry_id: str) -> str:
    return f"{API}/entries/{entry_id}.jsonld"
