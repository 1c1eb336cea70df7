"""``quartier search``: a short list of local businesses for a question, with reasons."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from . import add_source_options

if TYPE_CHECKING:
    from ..discover.origin import Origin

HELP = """\
Find a few fitting local businesses, each with what matched, the distance,
whether it is open at the time asked, and when a person last verified it.
Words in any of the directory's languages find entries written in another
("Velo", "vélo" and "bike" all find a bicycle workshop). There is no paid or
popularity ranking; equally good results are shuffled fairly per query.
A place the question names ("Velo in der Lorraine", "tacos cerca de
Fruitvale") is the place when --near is not given. Permanently closed
businesses never appear; asked for by name, a note says they closed. In a
directory that gathers others (members: in directory.yaml, after `quartier
federate`), a member's business says where it comes from: the member and its
page there.

examples:
  quartier search velo --near Lorraine --open-at "saturday 10:00"
  quartier search "bike repair" --lat 46.959 --lon 7.445 --radius-km 2
  quartier search "Velo flicken in der Lorraine"
  quartier search Brot --open-now --language de
  quartier search "a locally made gift with a story" --format json
  quartier search --category bakery --near 3014
  quartier search cafe --source https://quartier.example.org/feed.json
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:

    p = sub.add_parser(
        "search",
        help="find a short list of businesses for a question",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", nargs="*", metavar="QUERY", help="what you look for, any language")
    where = p.add_argument_group("where")
    where.add_argument(
        "--near", metavar="PLACE", help="a locality, postal code, quarter, business id or 'lat,lon'"
    )
    where.add_argument("--lat", type=float, help="latitude (with --lon), e.g. 46.959")
    where.add_argument("--lon", type=float, help="longitude (with --lat), e.g. 7.445")
    where.add_argument("--radius-km", type=float, help="only results this close, e.g. 2")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--open-now", action="store_true", help="only businesses open now")
    when.add_argument(
        "--open-at",
        metavar="TIME",
        help="only businesses open then, local time: 'saturday 10:00', 'tomorrow 9am', "
        "'2026-11-28T10:00'",
    )
    p.add_argument("--category", help="a category id (or label) from schema/taxonomy.yaml")
    p.add_argument("--language", help="only businesses speaking it, e.g. fr; summaries in it")
    p.add_argument("--wheelchair", action="store_true", help="only step-free businesses")
    p.add_argument(
        "--include-closed",
        action="store_true",
        help="also temporarily closed businesses (never permanently closed ones)",
    )
    p.add_argument("--limit", type=int, default=5, help="how many results (default 5)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text or json")
    add_source_options(p)
    p.set_defaults(run=run)


def origin_line(origin: list[Origin]) -> str:
    """Where a member's business comes from, in one line (its canonical page first).

    ``from Thun lokal (member thun): https://thun.example.org/businesses/x/;
    also Spiez (member spiez): ...``. Names are the members', shown printable.
    """
    from ..problems import printable

    said = [
        f"{printable(o.directory)} (member {o.member}): {printable(o.page_url)}" for o in origin
    ]
    return "from " + "; also ".join(said)


def run(args: argparse.Namespace) -> int:
    from ..discover import SearchQuery, search
    from . import index_from_args

    index = index_from_args(args)
    query = SearchQuery(
        text=" ".join(args.query),
        near=args.near,
        lat=args.lat,
        lon=args.lon,
        radius_km=args.radius_km,
        open_now=args.open_now,
        open_at=args.open_at,
        category=args.category,
        language=args.language,
        wheelchair=args.wheelchair,
        include_temporarily_closed=args.include_closed,
        limit=args.limit,
        cli=True,  # notes name --include-closed, not the tool's parameter
    )
    found = search(index, query)
    if args.format == "json":
        import orjson

        sys.stdout.write(orjson.dumps(found.as_dict(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return 0
    out = []
    if found.place is not None:
        within = "" if found.radius_km is None else f", within {found.radius_km:g} km"
        out.append(f"near {found.place.name} ({found.place.kind}){within}")
    for said in found.filters:
        out.append(f"understood: {said}")
    for note in found.notes:
        out.append(f"note: {note}")
    if not found.results:
        out.append("no business found; try fewer words, a wider --radius-km, or no time filter")
    for i, r in enumerate(found.results, 1):
        dist = f"  {r.distance_km:.1f} km" if r.distance_km is not None else ""
        out.append(f"{i}. {r.name}  [{r.category_label}]{dist}  {r.id}")
        if r.summary:
            out.append(f"   {r.summary}")
        verified = f"verified {r.last_verified}" + (" (may be out of date)" if r.stale else "")
        status = "" if r.status == "open" else f"{r.status.replace('_', ' ')}; "
        out.append(f"   {status}{r.hours.text}; {verified}")
        if r.matched:
            said = ", ".join(f"'{m.word}' -> {m.field} '{m.matched}'" for m in r.matched)
            out.append(f"   matched: {said}")
        out.append(f"   {r.url}")
        if r.origin:
            out.append(f"   {origin_line(r.origin)}")
    if found.more:
        out.append(f"(more results: --limit {min(50, 2 * len(found.results))})")
    print("\n".join(out))
    return 0
