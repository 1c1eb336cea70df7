"""What the package brings to every directory's site: pages, theme files, navigation, MkDocs setup.

A directory repository holds only what is the city's (``directory.yaml``,
``entries/`` and, optionally, ``site/`` and ``mkdocs.yml``); everything else
comes from the installed ``quartier``, so upgrading the tool upgrades the
site without a merge:

- the hand-written pages (home, "add your business", "for AI assistants")
  in every interface language, under ``pages/<language>/``. They are Jinja
  templates filled from the directory's own settings (its name, base URL,
  license, an example business of its own), so no page of a city's site
  points at the sample directory;
- the field reference, generated from the models;
- theme files (``theme/``: template overrides, styles, scripts), placed
  before Material's own templates.

A city replaces any of these by putting a file at the same path in its
``site/`` folder (``site/add.md`` replaces the "add your business" page,
``site/assets/quartier.css`` the styles), adds pages the same way, and
overrides templates in ``site/overrides/``. A ``mkdocs.yml`` is optional:
without one, :func:`config_file` writes a minimal one.

Example::

    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(str(config_file(root, Path(tmp))))
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..publish.context import BuildContext
from .entry_form import context as entry_form_context

HERE = Path(__file__).parent
THEME_DIR = HERE / "theme"
PAGES_DIR = HERE / "pages"
DEFAULT_LANGUAGE = "en"
REFERENCE_PAGE = "reference/entry.md"
# The tabs, in order; a directory's own mkdocs.yml may set its own nav instead. The entry
# fields' reference (REFERENCE_PAGE) is for developers: linked from the footer with the
# repository (theme/partials/copyright.html), not a tab.
NAV = (
    "index.md",
    "categories/index.md",
    "places/index.md",
    "map/index.md",
    "add.md",
    "for-ai.md",
)
MARKDOWN_EXTENSIONS: dict[str, dict[str, Any]] = {
    "attr_list": {},
    "md_in_html": {},
    "admonition": {},
    "tables": {},
    "toc": {"permalink": False},
}
EXTRA_CSS = "assets/quartier.css"
EXTRA_JS = "assets/quartier.js"


def page_names() -> list[str]:
    """The hand-written pages the package provides (in English, which has them all)."""
    return sorted(p.name for p in (PAGES_DIR / DEFAULT_LANGUAGE).glob("*.md"))


def page_source(name: str, language: str) -> Path:
    """The template of page ``name`` in ``language``, or in English if it has no translation."""
    path = PAGES_DIR / language / name
    return path if path.is_file() else PAGES_DIR / DEFAULT_LANGUAGE / name


@cache
def _environment() -> Any:
    import jinja2

    # Undefined names are errors: a page that mentions a setting that does not exist
    # must fail the build, not publish an empty sentence.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PAGES_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: values are escaped with |e where inserted
        keep_trailing_newline=True,
    )


def page_context(ctx: BuildContext) -> dict[str, Any]:
    """What the package's pages may use: the directory's settings and an example of its own."""
    settings = ctx.config
    open_entries = [e for e in ctx.entries() if e.status == "open"]
    example = min(open_entries, key=lambda e: e.id, default=None)
    return {
        "directory": settings,
        "count": len(open_entries),
        "example": example,
        "example_category": example.category if example else "bakery",
        "api": settings.base_url + "api/v1/",
        "data": settings.base_url + "data/",
        # The "Add your business" form (pages/entry-form.html): categories, areas, ways to send.
        "form": entry_form_context(ctx),
    }


def render_page(name: str, ctx: BuildContext) -> str:
    """Page ``name`` of the package in the site's language, filled from the directory."""
    language = ctx.config.site.language
    rel = page_source(name, language).relative_to(PAGES_DIR).as_posix()
    return str(_environment().get_template(rel).render(page_context(ctx)))


def links_in(folder: Path) -> list[str]:
    """Symbolic links anywhere under ``folder`` (without following them), as relative paths.

    A pull request can add a link to ``site/``; MkDocs would follow it and
    publish what it points to (``site/key.txt -> ~/.ssh/id_ed25519``), or walk
    the whole disk (``site/all -> /``). So a directory's own site files must
    be plain files, checked before MkDocs looks at them.
    """
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in (*dirs, *files):
            path = Path(top) / name
            if path.is_symlink():
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def config_file(root: Path, tmp: Path) -> Path:
    """The directory's ``mkdocs.yml``, or a minimal one written into ``tmp``.

    The plugin fills in everything else (theme, navigation, pages), so a
    directory needs no MkDocs settings of its own; a directory that has a
    ``mkdocs.yml`` keeps its own additions (extra pages, extensions, nav).
    """
    own = root / "mkdocs.yml"
    if own.is_file():
        return own
    site = root / "site"
    # A linked site/ is used as it is, so that the plugin refuses it by name.
    docs = site if site.is_dir() else tmp / "docs"
    docs.mkdir(exist_ok=True)
    theme: dict[str, Any] = {"name": "material"}
    if (site / "overrides").is_dir():
        theme["custom_dir"] = str(site / "overrides")
    config = {
        "site_name": "Quartier",  # replaced by directory.yaml's name
        "docs_dir": str(docs),
        "site_dir": str(tmp / "site"),
        "exclude_docs": "overrides/\n",
        "theme": theme,
        "plugins": [{"quartier": {"root": str(root)}}],
        "validation": {
            "omitted_files": "info",
            "absolute_links": "info",
            "unrecognized_links": "warn",
            "anchors": "warn",
        },
    }
    path = tmp / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), "utf-8")
    return path
