"""What an aggregate says about its members' licenses: who to credit, and share-alike.

The settings already refuse a member whose license this directory's cannot
include (config.ACCEPTS: CC0 takes CC0; CC BY takes CC0 and CC BY; ODbL
takes all three). What remains is to say it in the published settings
(``api/v1/directory.json``) and on the site:

- ``members``: every member, with its name, public address and license, and
  its copy's age: ``fetched_at`` (when the records in use were fetched),
  ``checked_at`` (when ``quartier federate`` last asked the member) and
  ``error`` (the last update's failure, else null); all null before a
  first fetch. No age in days: a build never reads the clock;
- ``attribution``: the members whose license (CC BY 4.0) requires credit;
  ODbL requires it too, so ODbL members are listed as well;
- ``share_alike``: true when this directory is ODbL-licensed (what is made
  from it must be shared under the ODbL too).

Example::

    attribution(config, root)
    # {"members": [{"id": "thun", "name": "Thun lokal", "url": "https://thun.example.org/",
    #               "license": "CC-BY-4.0", "license_url": "https://creativecommons.org/...",
    #               "fetched_at": "2026-11-24T08:00:00Z", "checked_at": "2026-11-25T08:00:00Z",
    #               "error": None}],
    #  "attribution": [...the same thun...], "share_alike": False}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import LICENSES, DirectoryConfig, Member
from . import mirror
from .mirror import MirrorError

# Licenses whose data must be credited where it is used.
CREDIT = ("CC-BY-4.0", "ODbL-1.0")


def attribution(config: DirectoryConfig, root: Path) -> dict[str, Any]:
    """Members, the ones to credit, and whether share-alike applies, for directory.json."""
    members = []
    for member in config.members:
        try:
            state = mirror.read_state(root, member.id)
        except MirrorError:
            state = None
        public = member.url if member.is_remote else None
        if state is not None and state.base_url:
            public = state.base_url
        members.append(
            {
                "id": member.id,
                "name": member.name or (state.name if state else member.id),
                "url": public,
                "license": member.license,
                "license_url": LICENSES[member.license],
                # How old the copy is: a reader judges it against its own clock
                # (the build stays clock-free; these come from the mirror).
                "fetched_at": state.fetched_at if state else None,
                "checked_at": state.checked_at if state else None,
                "error": _public_error(state.error, member, root) if state else None,
            }
        )
    return {
        "members": members,
        "attribution": [m for m in members if m["license"] in CREDIT],
        "share_alike": config.license == "ODbL-1.0",
    }


def _public_error(error: str | None, member: Member, root: Path) -> str | None:
    """The last update's failure as published: a local folder's path is not told.

    Example: ``"no manifest in /home/ana/thun/api/v1/index.json"`` becomes
    ``"no manifest in <folder>/api/v1/index.json"``.
    """
    if error is None or member.is_remote:
        return error
    for path in sorted({member.url, str(member.folder(root))}, key=len, reverse=True):
        error = error.replace(path.rstrip("/"), "<folder>")
    return error
