"""The MkDocs plugin ``quartier``: the directory's pages inside a Material for MkDocs site.

``mkdocs.yml`` lists ``plugins: [quartier]`` (``quartier build`` writes a
minimal one when a directory has none, see :mod:`.defaults`). The plugin
reads the directory (refusing to build when it has errors), takes the site's
name, address, colors, logo and interface language from ``directory.yaml``,
puts the package's theme files before Material's, adds the package's pages
(those the directory's ``site/`` does not replace) and the generated ones
(categories, places, map, the business shell) and fills the home page's
``<!-- quartier:home -->``. Run by plain ``mkdocs build`` or
``mkdocs serve`` (and so ``quartier serve``), it reads the directory
through the build's stages (:func:`quartier.publish.pipeline.read`) and,
after MkDocs is done, publishes the machine outputs
(:func:`quartier.publish.pipeline.publish`), the business pages and the
search index; run inside ``quartier build``, the pipeline does those steps.
"""

from __future__ import annotations

import logging
import tempfile
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from ..publish.context import BuildContext, git_commit
from . import defaults
from .i18n import strings
from .pages import LIST_SLOT, generated_pages, home_sections, reference_page

HOME_MARKER = "<!-- quartier:home -->"
log = logging.getLogger("mkdocs.plugins.quartier")


class _Options(Config):  # type: ignore[no-untyped-call]  # mkdocs is untyped here
    # The directory's folder, for a mkdocs.yml written outside it (quartier build, serve).
    root = config_options.Type(str, default="")


class QuartierPlugin(BasePlugin[_Options]):  # type: ignore[no-untyped-call]
    """Generate a directory's pages; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.ctx: BuildContext | None = None
        self.embedded = False
        # Where `mkdocs serve` (quartier serve) serves the site, None in a build (see on_config).
        self.serve_path: str | None = None
        self.serving = False
        self.lists: dict[str, str] = {}

    def preload(self, ctx: BuildContext) -> None:
        """Use an already validated directory (``quartier build``) and skip the final steps."""
        self.ctx = ctx
        self.embedded = True

    def root(self, config: MkDocsConfig) -> Path:
        return Path(self.config.root or Path(config.config_file_path).parent)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # A plugin with on_startup lives for the whole of `mkdocs serve`: each rebuild (an
        # entry added or changed) must read the directory again, not reuse the first reading.
        if self.ctx is None or not self.embedded:
            self.ctx = _read(self.root(config))
        settings = self.ctx.config
        _use_package_theme(config)
        config.site_name = settings.name
        if self.serving and config.site_url:
            # mkdocs serve set site_url to where it serves (http://127.0.0.1:8000/, whatever
            # base_url's path): the 404 page, whose links are absolute, is served there.
            self.serve_path = urlsplit(config.site_url).path or "/"
        config.site_url = settings.base_url
        config.site_description = settings.description
        # The repository is for developers: a footer link (partials/copyright.html), not a
        # header link beside the search (MkDocs' repo_url), which a city may still set.
        config.extra["quartier_repository"] = settings.repository
        theme = config.theme
        theme["language"] = settings.site.language
        theme["palette"] = {
            "primary": settings.site.primary_color,
            "accent": settings.site.accent_color,
        }
        if settings.site.logo:
            if not (Path(config.docs_dir) / settings.site.logo).is_file():
                raise PluginError(
                    f"directory.yaml: site.logo '{settings.site.logo}' is not a file in "
                    f"{config.docs_dir}; put the logo there or remove site.logo"
                )
            theme["logo"] = settings.site.logo
        t = strings(settings.site.language)
        config.copyright = (
            f"{escape(t.fill('footer_data', license=settings.license))} · "
            f'<a href="{escape(settings.license_url)}">{escape(t["footer_license"])}</a>'
            + _members_line(self.ctx)
        )
        return config

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        # The theme's own templates (404, footer) take their words from the same catalogue.
        assert self.ctx is not None
        env.globals["quartier_ui"] = strings(self.ctx.config.site.language)
        env.globals["quartier_serve_path"] = self.serve_path
        return env

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.ctx is not None
        pages, self.lists = generated_pages(self.ctx)
        # The package's pages, except those the directory's site/ replaces.
        for name in defaults.page_names():
            if files.get_file_from_path(name) is None:
                pages[name] = defaults.render_page(name, self.ctx)
        if files.get_file_from_path(defaults.REFERENCE_PAGE) is None:
            from ..schema import field_reference

            pages[defaults.REFERENCE_PAGE] = reference_page(self.ctx, field_reference())
        for path, content in pages.items():
            files.append(File.generated(config, path, content=content))
        return files

    def on_page_content(self, html: str, page: Page, **kwargs: Any) -> str:
        listing = self.lists.get(page.file.src_uri)
        return html.replace(LIST_SLOT, listing) if listing is not None else html

    def on_page_markdown(self, markdown: str, page: Page, **kwargs: Any) -> str:
        if page.file.src_uri == "index.md" and HOME_MARKER in markdown:
            assert self.ctx is not None
            return markdown.replace(HOME_MARKER, home_sections(self.ctx))
        return markdown

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.embedded:
            return
        assert self.ctx is not None
        from ..publish.pipeline import publish
        from ..publish.writer import Output
        from . import finish_site

        site_dir = Path(config.site_dir)
        # The publish stage, then the business pages, all into MkDocs' folder.
        with tempfile.TemporaryDirectory() as tmp:
            result = publish(self.ctx.directory, Path(tmp) / "out", commit=self.ctx.commit)
            with Output(site_dir, in_place=True) as out:
                for rel in result.files:
                    out.write_bytes(rel, (Path(tmp) / "out" / rel).read_bytes())
                finish_site(self.ctx, site_dir, out)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        root = self.root(config)
        # The members' copies too: a `quartier federate` meanwhile shows in the preview.
        from ..federation.mirror import FOLDER

        mirror = root / FOLDER
        for path in (
            root / "entries",
            root / "directory.yaml",
            root / "site",
            root / "mkdocs.yml",
            mirror,
        ):
            if path.exists():
                server.watch(str(path))
        return server


def _members_line(ctx: BuildContext) -> str:
    """For an aggregate: the members its licenses require crediting, and share-alike.

    ``" · Includes data from <a href=...>Thun lokal</a> (CC-BY-4.0) · shared
    alike under the ODbL"``; nothing for a directory without members.
    """
    settings = ctx.config
    if not settings.members:
        return ""
    from ..federation.licensing import attribution

    t = strings(settings.site.language)
    credit = attribution(settings, ctx.directory.root)
    names = []
    for m in credit["attribution"]:
        name = escape(m["name"])
        url = m["url"] or ""
        web = url.startswith(("https://", "http://"))
        linked = f'<a href="{escape(url)}">{name}</a>' if web else name
        names.append(f"{linked} ({escape(m['license'])})")
    line = ""
    if names:
        before, _, after = t["footer_members"].partition("{members}")
        line += f" · {escape(before)}{', '.join(names)}{escape(after)}"
    if credit["share_alike"]:
        line += f" · {escape(t['footer_share_alike'])}"
    return line


def _use_package_theme(config: MkDocsConfig) -> None:
    """Material with the package's templates, styles and scripts, unless the directory set its own.

    The package's theme folder goes right after a directory's own
    ``custom_dir``, so a city's overrides still win over the package's.
    """
    theme = config.theme
    if theme.name != "material":
        raise PluginError("mkdocs.yml: the quartier plugin needs theme: material")
    custom = getattr(theme, "custom_dir", None)
    for folder in (config.docs_dir, custom):
        if folder and Path(folder).is_symlink():
            raise PluginError(f"{folder} is a symbolic link; the site's folders must be plain")
        if folder and (links := defaults.links_in(Path(folder))):
            raise PluginError(
                f"{folder}: {', '.join(links[:5])} "
                f"{'is a symbolic link' if len(links) == 1 else 'are symbolic links'}; "
                "the site's files must be plain files of the repository: replace "
                "each link by the file itself"
            )
    theme.dirs.insert(1 if custom else 0, str(defaults.THEME_DIR))
    theme["font"] = False  # no web fonts: nothing is fetched from a CDN
    icon = dict(theme.get("icon") or {})
    icon.setdefault("logo", "material/storefront-outline")
    theme["icon"] = icon
    features = theme.get("features") or []
    for feature in ("navigation.tabs", "navigation.sections", "navigation.top", "toc.integrate"):
        if feature not in features:
            features.append(feature)
    theme["features"] = features
    if config.nav is None:
        config.nav = list(defaults.NAV)
    for name, options in defaults.MARKDOWN_EXTENSIONS.items():
        if name not in config.markdown_extensions:
            config.markdown_extensions.append(name)
            config.mdx_configs[name] = options
    if defaults.EXTRA_CSS not in config.extra_css:
        config.extra_css.append(defaults.EXTRA_CSS)
    if defaults.EXTRA_JS not in [str(s) for s in config.extra_javascript]:
        config.extra_javascript.append(defaults.EXTRA_JS)


def _read(root: Path) -> BuildContext:
    """The stages of a build up to the checks across all (see :mod:`quartier.publish.pipeline`)."""
    from ..publish.pipeline import read
    from ..report import summary

    directory = read(root)
    if directory.errors:
        lines = [f"{p.path}:{p.line}:{p.column}: {p.field}: {p.message}" for p in directory.errors]
        raise PluginError(
            "the directory has errors; run `quartier validate`:\n"
            + "\n".join(lines[:20])
            + f"\n{summary(directory.problems, directory.checked_files)}"
        )
    return BuildContext(directory, commit=git_commit(root))
