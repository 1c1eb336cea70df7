"""``quartier serve``: preview the whole site locally, rebuilt when an entry changes."""

from __future__ import annotations

import argparse

from . import add_root_option, resolve_root

HELP = """\
Build the site (pages, search, map and machine outputs) and serve it on
this computer, rebuilding and reloading the browser when an entry,
directory.yaml or a page in site/ changes. Owners use it to
preview their entry before opening a pull request.

examples:
  quartier serve                  # http://127.0.0.1:8000/
  quartier serve --port 8001
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="preview the site locally with live reload",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    add_root_option(p)
    p.set_defaults(run=run)


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return port


def run(args: argparse.Namespace) -> int:
    from ..problems import QuartierError
    from ..site import site_available

    root = resolve_root(args.root)
    if not site_available():
        raise QuartierError("the site needs its extra: pip install 'quartier[site]'")
    import tempfile
    from pathlib import Path

    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort

    from ..site.defaults import config_file

    print(f"serving on http://{args.host}:{args.port}/ (Ctrl-C to stop)")
    try:
        with tempfile.TemporaryDirectory(prefix="quartier-serve-") as tmp:
            serve(str(config_file(root.resolve(), Path(tmp))), dev_addr=f"{args.host}:{args.port}")
    except Abort as exc:
        raise QuartierError(str(exc)) from None
    except OSError as exc:  # the port is taken, or the address is not ours
        raise QuartierError(
            f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}; try --port 8001"
        ) from None
    return 0
