"""The taxonomy's words a business page carries for the site's search box, and only for it.

``quartier search`` knows that "Brot", "pain", "panadería" and the Swiss
"Beck" all name a bakery, because it reads the taxonomy's labels and
synonyms (:mod:`quartier.discover.vocabulary`). Pagefind, the site's search
box, reads only the page. So each business page carries, in a block hidden
from view and from screen readers (``hidden``) but read by Pagefind, the
labels and synonyms of its categories in every language the taxonomy has,
regional words (``gsw``, ``es-US``) included: the box then finds what the
command finds. Only the business's own categories count, not their groups,
as in ``quartier search`` (a group's words are too broad).

Example::

    category_terms(taxonomy, ["bakery"])
    # 'bakery, baker, bread, … Bäckerei, Brot, … pain, boulangerie, … panadería, …'
"""

from __future__ import annotations

from collections.abc import Iterable

from ..taxonomy import Taxonomy


def category_terms(taxonomy: Taxonomy, category_ids: Iterable[str]) -> str:
    """The labels and synonyms of ``category_ids``, every language, each once, comma-separated.

    A word already listed (ignoring case) is not repeated, so "services" in
    English and French is one word; an unknown id adds nothing.
    """
    seen: set[str] = set()
    out: list[str] = []
    for cat_id in dict.fromkeys(category_ids):
        cat = taxonomy.get(cat_id)
        if cat is None:
            continue
        words = [*cat.labels.values(), *(s for syns in cat.synonyms.values() for s in syns)]
        for word in words:
            key = word.casefold()
            if key not in seen:
                seen.add(key)
                out.append(word)
    return ", ".join(out)
