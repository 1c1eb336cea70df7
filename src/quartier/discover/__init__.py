"""Discovery for people and AI assistants: short lists, partners, and the index behind them.

Stages, each a plain function with data between them::

    source (repo, build folder or URL) --open_index--> Index (cached on disk)
        --search(SearchQuery)--> SearchResult    (a short list with reasons)
        --partners(id)--> PartnersResult         (complementary businesses)

Nothing here needs a service or a model: the index is a memory-mapped file,
words are matched across languages through the taxonomy's synonyms. The
index is built by :mod:`.build` from :mod:`.records` (a published NDJSON's
lines checked one by one), with the words of :mod:`.vocabulary`, into the
file :mod:`.layout` describes, and read by :mod:`.reader`.

Example::

    from quartier.discover import SearchQuery, open_index, partners, search

    index = open_index("https://quartier.example.org/feed.json")
    for r in search(index, SearchQuery("Velo", near="Lorraine", open_now=True)).results:
        print(r.why)
    partners(index, "kafi-zwischenhalt").partners[0].reasons
"""

from .partners import Partner, PartnersResult, Reason, partners
from .reader import Index
from .search import Hours, Match, Place, Result, SearchQuery, SearchResult, search
from .source import open_index

__all__ = [
    "Hours",
    "Index",
    "Match",
    "Partner",
    "PartnersResult",
    "Place",
    "Reason",
    "Result",
    "SearchQuery",
    "SearchResult",
    "open_index",
    "partners",
    "search",
]
