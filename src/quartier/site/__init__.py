"""The human site: Material for MkDocs pages for every business, category and place.

``build_site`` is the hook ``quartier build`` runs before the whole-directory
machine outputs: MkDocs renders the package's pages (:mod:`.defaults`), a
directory's own in ``site/``, and the generated lists (through the
``quartier`` plugin, see :mod:`.plugin`), then
every business page is stamped from one rendered shell in the same pass that
publishes the business's machine outputs (:mod:`.stamp`, into the build's
:class:`~quartier.publish.sink.Sink`), Leaflet is copied in, and Pagefind
starts indexing (:mod:`.finish`) while the build writes the feed pages,
lists and sitemap. Machine outputs are written after the site's own files,
so they win a name clash (a ``site/robots.txt`` is replaced by the
generated one). Needs the ``site``
extra: ``pip install 'quartier[site]'``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..problems import QuartierError
from ..publish.context import BuildContext
from ..publish.sink import Sink
from ..publish.writer import Output
from . import contrast, defaults
from .finish import PagefindRun, copy_leaflet, copy_tree, run_pagefind, start_pagefind
from .mapdata import write_map
from .photos import write_photos
from .stamp import SHELL_HTML, load_shell, stamp_pages

# Files MkDocs writes that Quartier replaces (its own sitemap) or consumes (the shell).
SKIP = ("sitemap.xml", "sitemap.xml.gz", SHELL_HTML.removesuffix("index.html"))


def site_available() -> bool:
    try:
        import mkdocs  # noqa: F401
        import pagefind  # noqa: F401
    except ImportError:
        return False
    return True


def build_site(
    ctx: BuildContext, out: Output, sink: Sink | None = None, tick: Callable[[], None] | None = None
) -> PagefindRun:
    """Render the site with MkDocs into ``out``, stamp business pages, start the search index.

    Pagefind runs in the background while the build writes the machine
    outputs; :func:`quartier.publish.build` waits for it before the manifest.
    """
    from mkdocs.commands.build import build as mkdocs_build

    from ..publish import steps

    steps.announce("the site's pages (MkDocs)")  # before its business pages tick (PE, issue 15)
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    # A city's colours that fail contrast: warnings beside the directory's own (not errors).
    ctx.directory.problems += contrast.warnings(ctx.config, ctx.directory.root)
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    # MkDocs logs why it stopped and raises a bare "Aborted with a BuildError!":
    # keep the reasons to say them.
    reasons = _Reasons()
    logger.addHandler(reasons)
    with tempfile.TemporaryDirectory(prefix="quartier-mkdocs-") as tmp:
        config_file = defaults.config_file(ctx.directory.root, Path(tmp))
        site_dir = Path(tmp) / "site"
        try:
            config = load_config(str(config_file), site_dir=str(site_dir), strict=True)
            config.plugins["quartier"].preload(ctx)  # type: ignore[attr-defined]
            mkdocs_build(config)
        except (Abort, ConfigurationError, PluginError) as exc:
            why = "; ".join(reasons.messages) or str(exc)
            raise QuartierError(f"the site did not build: {why}") from None
        except KeyError:
            raise QuartierError(
                "mkdocs.yml must list the quartier plugin: plugins: [quartier]"
            ) from None
        finally:
            logger.removeHandler(reasons)
        copy_tree(site_dir, out, SKIP)
        shell = load_shell(site_dir)
    copy_leaflet(out)
    write_photos(ctx, out)  # owners' photos, resized and stripped (cached by content)
    write_map(ctx, out)  # the map's clustering library and map/points.json
    stamp_pages(ctx, shell, out, tick, sink)
    return start_pagefind(out)


class _Reasons(logging.Handler):
    """The error messages MkDocs logs during a build."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def finish_site(ctx: BuildContext, site_dir: Path, out: Output) -> None:
    """For plain ``mkdocs build``: stamp, copy Leaflet and index, inside MkDocs' folder."""
    shell = load_shell(site_dir)
    shutil.rmtree(site_dir / SHELL_HTML.removesuffix("/index.html"), ignore_errors=True)
    (site_dir / "sitemap.xml.gz").unlink(missing_ok=True)
    copy_leaflet(out)
    write_photos(ctx, out)  # owners' photos, resized and stripped (cached by content)
    write_map(ctx, out)  # the map's clustering library and map/points.json
    stamp_pages(ctx, shell, out)
    run_pagefind(out)
