"""The site's name for :mod:`quartier.markup`: owners' Markdown rendered as safe HTML.

The renderer lives outside ``quartier.site`` so that the feeds of a build
without the site extra (``quartier build --no-site``) use the same one
without importing the site's dependencies. Example::

    from quartier.site.markup import render
    render("**Neu:** <script>x</script>")
"""

from __future__ import annotations

from ..markup import ALLOWED_TAGS, SAFE_SCHEMES, _plain, _render_markdown, render

__all__ = ["ALLOWED_TAGS", "SAFE_SCHEMES", "_plain", "_render_markdown", "render"]
