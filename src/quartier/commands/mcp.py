"""``quartier mcp``: serve the directory to AI assistants over the Model Context Protocol."""

from __future__ import annotations

import argparse
import sys

from . import add_source_options

HELP = """\
Serve the directory to AI assistants with the Model Context Protocol: tools
search_businesses, get_business, find_partners, list_categories and
list_places (all read-only), and a resource per business
(quartier://business/{id}); a member's business in a directory that
gathers others also gives its origin (the member, its page there). Over
stdio by default, which is how assistants start local servers; over
streamable HTTP with --http, bound to 127.0.0.1 unless --host says
otherwise. Needs the mcp extra: pip install 'quartier[mcp]'.

examples:
  quartier mcp --root /path/to/directory
  quartier mcp --source https://quartier.example.org/feed.json
  quartier mcp --http --port 8765          # http://127.0.0.1:8765/mcp

In an assistant's configuration (e.g. Claude Desktop's claude_desktop_config.json):
  {"mcpServers": {"quartier": {"command": "quartier",
                               "args": ["mcp", "--root", "/path/to/directory"]}}}
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:

    p = sub.add_parser(
        "mcp",
        help="serve the directory to AI assistants (MCP)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--http", action="store_true", help="streamable HTTP instead of stdio (path /mcp)"
    )
    p.add_argument("--host", default="127.0.0.1", help="HTTP address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    add_source_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..problems import QuartierError
    from . import index_from_args

    try:
        from ..assistant import serve
    except ImportError as exc:
        raise QuartierError(
            f"the MCP server needs the mcp package ({exc.name} is missing): "
            "pip install 'quartier[mcp]'"
        ) from None
    if not 0 < args.port < 65536:
        raise QuartierError(f"--port must be between 1 and 65535, not {args.port}")
    index = index_from_args(args)
    if args.http:
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"quartier: warning: serving on {args.host}: reachable from other machines",
                file=sys.stderr,
            )
        print(f"quartier: MCP at http://{args.host}:{args.port}/mcp", file=sys.stderr, flush=True)
        serve(index, "streamable-http", host=args.host, port=args.port)
    else:
        serve(index, "stdio")
    return 0
