"""Where a federated business comes from, in the compact form every answer about it carries.

An aggregate directory (one with ``members:``) publishes its members'
businesses among its own. Whoever reads an answer about one (``quartier
search``, ``quartier partners``, an assistant over MCP, a crawler of
``data/entries.ndjson``) should see that it is a member's, and where its
original page is, so it can be credited and checked at the source. That is
the *origin*: a list of the member records the business was published from,
the one whose content is shown first (a business two members list is one
record with both, see :func:`quartier.publish.members.merge_duplicates`)::

    [{"member": "thun", "directory": "Thun lokal",
      "directory_url": "https://thun.example.org/",
      "id": "baeckerei-mueller",
      "page_url": "https://thun.example.org/businesses/baeckerei-mueller/"}]

``page_url`` of the first item is the business's canonical page. A local
business has no origin, and its answers stay as they were; so has a local
entry that a member lists too, whose content (the published one) is the
directory's own. The full provenance
(license, source commit, fetch time) is in the published record
``api/v1/entries/<id>.json``; this is the part an answer needs.

The same list is a key of the published NDJSON line (``{"entry", "url",
"origin"}``), so a published aggregate read with ``--source`` answers with it
too. Read from a published build it is somebody else's data:
:func:`checked` refuses anything but this exact shape within limits, with a
message for the search index's report of left-out records.

Example::

    origin = origin_of(merged.sources)          # at build time, from the mirror's Sources
    checked(orjson.loads(line)["origin"])       # a published line: the same list, or ValueError
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from ..messages import message
from .described import Described

if TYPE_CHECKING:
    from ..federation.mirror import Source

KEYS = ("member", "directory", "directory_url", "id", "page_url")
# More than any real business has: one per member that lists it.
MAX_SOURCES = 32
MAX_NAME = 200
MAX_URL = 2000
MAX_ID = 200
# The id rules of quartier.fields (not imported here: reading an index must stay light).
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_RECORD_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)*$")
# Characters that would drive a terminal or reorder text: never in what an answer relays.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Origin:
    """One member directory a federated business comes from."""

    # Also the MCP server's output: the descriptions are what an assistant reads.
    member: Annotated[str, Described("The member's id in this directory's settings.")]
    directory: Annotated[str, Described("The member directory's name.")]
    # Its base URL: a file URL for a member read from a local folder.
    directory_url: Annotated[str, Described("The member directory's address.")]
    id: Annotated[str, Described("The business's id at the member.")]
    page_url: Annotated[
        str,
        Described(
            "The business's page at the member; the first source's is the original "
            "(canonical) page."
        ),
    ]


def origin_of(sources: Iterable[Source]) -> list[dict[str, str]]:
    """The compact origin of a business published from ``sources`` (primary first)."""
    return [
        {
            "member": s.member,
            "directory": s.name,
            "directory_url": s.directory_url,
            "id": s.original_id,
            "page_url": s.page_url,
        }
        for s in sources
    ]


def as_origins(value: list[dict[str, str]] | None) -> list[Origin] | None:
    """The items of a checked origin as :class:`Origin`, None for a local business."""
    if not value:
        return None
    return [Origin(**item) for item in value]


def checked(value: Any) -> list[dict[str, str]]:
    """``value`` if it is an origin as :func:`origin_of` makes it; else ValueError saying why.

    Each item has exactly :data:`KEYS`: a member id (a slug), the id at the
    member (an id, ``--`` allowed for an aggregate of aggregates), a name and
    two addresses, all within limits and free of control characters; the
    page an http(s) address, the directory's also a file URL.
    """
    from ..fields import check_url

    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SOURCES:
        raise ValueError(message("record.origin.list", most=MAX_SOURCES))
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != set(KEYS):
            raise ValueError(message("record.origin.keys", index=i, keys=", ".join(KEYS)))
        if not all(isinstance(item[k], str) for k in KEYS):
            raise ValueError(message("record.origin.text", index=i))
        member, name, directory_url, oid, page = (item[k] for k in KEYS)
        if not (2 <= len(member) <= 32 and _SLUG.fullmatch(member)):
            raise ValueError(message("record.origin.member", index=i))
        if not (len(oid) <= MAX_ID and _RECORD_ID.fullmatch(oid)):
            raise ValueError(message("record.origin.id", index=i))
        if not name.strip() or len(name) > MAX_NAME or _CONTROL.search(name):
            raise ValueError(message("record.origin.name", index=i, most=MAX_NAME))
        for key, url in (("directory_url", directory_url), ("page_url", page)):
            if len(url) > MAX_URL or _CONTROL.search(url) or url != url.strip():
                raise ValueError(message("record.origin.url", index=i, key=key))
            if key == "directory_url" and url.startswith("file:///"):
                continue
            try:
                check_url(url)
            except ValueError:
                raise ValueError(message("record.origin.url", index=i, key=key)) from None
        out.append({k: item[k] for k in KEYS})
    return out
