"""``quartier partners``: businesses that complement one business, with reasons."""

from __future__ import annotations

import argparse
import sys

from . import add_source_options

HELP = """\
Find businesses whose offers answer this one's needs (collaboration.seeks),
who seek what it provides, or whose category the taxonomy marks as
complementary; nearby first. Each partner comes with reasons in words, such
as "seeks: fresh bread before 7 a.m." <-> "provides: wholesale bread".
Matching works across languages and trade vocabularies. With the optional
embeddings extra (pip install 'quartier[embeddings]'), partners near in
meaning though they share no word are fused in, each saying "similar in
meaning" with the need and the offer quoted; --no-embeddings turns that off.
The first use embeds every business's offers once (cached beside the index).
A member's business (in a directory that gathers others) says which member
lists it, and its page there.

examples:
  quartier partners kafi-zwischenhalt
  quartier partners pleasure-point-repair-cafe --limit 10 --language es
  quartier partners velowerk-lorraine --format json
  quartier partners kafi-zwischenhalt --no-embeddings
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:

    p = sub.add_parser(
        "partners",
        help="find complementary partners for a business",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("id", metavar="ID", help="the business id, e.g. kafi-zwischenhalt")
    p.add_argument("--limit", type=int, default=5, help="how many partners (default 5)")
    p.add_argument("--language", help="language of the texts quoted, e.g. de")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text or json")
    p.add_argument(
        "--no-embeddings",
        dest="embeddings",
        action="store_false",
        default=None,
        help="match by words and the taxonomy only, even with the embeddings extra installed",
    )
    add_source_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..discover import partners
    from ..discover.partners import OUTSIDE_AREA_KM
    from . import index_from_args
    from .search import origin_line

    index = index_from_args(args)
    found = partners(index, args.id, args.limit, args.language, embeddings=args.embeddings)
    if args.format == "json":
        import orjson

        sys.stdout.write(orjson.dumps(found.as_dict(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return 0
    out = [f"note: {n}" for n in found.notes]
    out.append(f"partners of {found.name} ({found.id}):")
    if found.origin:
        out.append(f"   {origin_line(found.origin)}")
    if not found.partners:
        out.append(f"none found in the same area or within {OUTSIDE_AREA_KM:g} km")
    for i, p in enumerate(found.partners, 1):
        status = "" if p.status == "open" else f", {p.status.replace('_', ' ')}"
        out.append(f"{i}. {p.name}  [{p.category_label}]  {p.distance_km:.1f} km{status}  {p.id}")
        for r in p.reasons:
            out.append(f"   {r.kind}: {r.yours} <-> {r.theirs}")
        out.append(f"   {p.url}")
        if p.origin:
            out.append(f"   {origin_line(p.origin)}")
    print("\n".join(out))
    return 0
