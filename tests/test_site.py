"""The HTML site without a browser: it builds, links resolve, pages match their JSON-LD."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from quartier import parallel
from quartier.directory import read_directory
from quartier.publish import build

from .conftest import SAMPLE, TODAY
from .site_support import BASE_URL, build_into, entry_ids, parse

pytest.importorskip("mkdocs", reason="the site needs the site extra: pip install 'quartier[site]'")

# A business page's HTML, everything included. 24 KB since each page carries its categories'
# words in every language for the site search (a hidden block, 0.5-1 KB) and its photos as
# <picture> with srcset; the largest sample page is about 21 KB.
PAGE_BUDGET = 24 * 1024
LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src"}


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(sample_root, tmp_path_factory.mktemp("site") / "_site")


def _business_page(site: Path, entry_id: str) -> Path:
    return site / "businesses" / entry_id / "index.html"


def test_mkdocs_build_strict(sample_root: Path, tmp_path: Path) -> None:
    """Plain ``mkdocs build --strict`` works too, and its plugin writes the business pages."""
    out = tmp_path / "mkdocs-site"
    repo = shutil.copytree(sample_root, tmp_path / "repo")
    config = str(repo / "mkdocs.yml")
    # A directory's own mkdocs.yml needs only the theme and the plugin.
    (repo / "mkdocs.yml").write_text(
        "site_name: x\ndocs_dir: site\ntheme: material\nplugins: [quartier]\n", "utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for entry_id in entry_ids():
        assert _business_page(out, entry_id).is_file(), entry_id
    assert not (out / "businesses" / "_shell").exists()
    assert (out / "pagefind" / "pagefind-ui.js").is_file()


def _target(site: Path, page: Path, url: str) -> Path | None:
    """The file an internal link points to, or None for links that leave the site."""
    page_url = BASE_URL + page.relative_to(site).as_posix()
    absolute = urljoin(page_url, url)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https"):
        return None
    if not absolute.startswith(BASE_URL):
        # A path like "/assets/x.css" misses the site's folder on a host like GitHub Pages.
        return None if urlsplit(url).netloc else site / ".." / "outside-the-site" / parts.path
    rel = unquote(parts.path)[len(urlsplit(BASE_URL).path) :]
    target = site / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    return target


def test_no_internal_link_is_broken(site: Path) -> None:
    broken = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > len(entry_ids())
    for page in pages:
        for tag, attrs in parse(page).tags:
            url = attrs.get(LINK_ATTRS.get(tag, ""))
            if not url or url.startswith(("#", "mailto:", "tel:")):
                continue
            target = _target(site, page, url.strip())
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(site)}: <{tag}> {url}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("entry_id", entry_ids())
def test_business_page_embeds_its_jsonld(site: Path, entry_id: str) -> None:
    page = parse(_business_page(site, entry_id))
    docs = page.jsonld()
    assert len(docs) == 1
    (doc,) = docs
    published = json.loads((site / f"api/v1/entries/{entry_id}.jsonld").read_text("utf-8"))
    assert doc == published
    # What the JSON-LD says is what a visitor sees.
    assert page.h1.strip() == doc["name"]
    address = " ".join(page.address.split())
    entry = json.loads((site / f"api/v1/entries/{entry_id}.json").read_text("utf-8"))
    if entry["entry"]["location"].get("hide_address"):
        assert "streetAddress" not in doc.get("address", {})
    else:
        street = doc["address"].get("streetAddress")
        assert street and street in address, (street, address)
    assert doc["address"]["addressLocality"] in address
    html = _business_page(site, entry_id).read_text("utf-8")
    if "telephone" in doc:
        assert f'href="tel:{doc["telephone"]}"' in html


@pytest.mark.parametrize("entry_id", entry_ids())
def test_business_page_is_small(site: Path, entry_id: str) -> None:
    size = _business_page(site, entry_id).stat().st_size
    assert size < PAGE_BUDGET, f"{entry_id}: {size} bytes, budget {PAGE_BUDGET}"


def test_sitemap_lists_every_business_and_no_shell(site: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    tree = ET.parse(site / "sitemap.xml")
    locs = {loc.text for loc in tree.getroot().iterfind("s:url/s:loc", ns)}
    for entry_id in entry_ids():
        assert f"{BASE_URL}businesses/{entry_id}/" in locs
    assert not any("_shell" in (loc or "") for loc in locs)
    assert not [p for p in site.rglob("*") if "_shell" in p.as_posix()]


def test_site_rebuild_on_forked_workers_is_byte_identical(
    site: Path, sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Business pages stamped by forked workers equal those stamped in one process.

    Everything is byte-identical except Pagefind's bundle, whose filter and
    metadata files upstream writes in a varying order (Pagefind issue #638);
    it stays out of the manifest for that reason.
    """
    monkeypatch.setattr(parallel, "FORCE", True)
    again = build_into(sample_root, tmp_path / "again")

    def files(top: Path) -> list[Path]:
        return sorted(
            p.relative_to(top)
            for p in top.rglob("*")
            if p.is_file() and p.relative_to(top).parts[0] != "pagefind"
        )

    first, second = files(site), files(again)
    assert first == second
    assert (again / "pagefind" / "pagefind-ui.js").is_file()
    for rel in first:
        assert (site / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_site_build_writes_the_same_machine_outputs(
    site: Path, sample_root: Path, tmp_path: Path
) -> None:
    """With the site, business API files are written in the pages' pass: same bytes."""
    machine = tmp_path / "machine"
    build(read_directory(sample_root, today=TODAY), machine, commit="0" * 40)
    written = sorted(p.relative_to(machine) for p in machine.rglob("*") if p.is_file())
    assert any(rel.suffix == ".jsonld" for rel in written)
    for rel in written:
        if rel.as_posix() not in ("api/v1/index.json", "sitemap.xml"):
            assert (site / rel).read_bytes() == (machine / rel).read_bytes(), rel


def test_interface_language_and_colors_come_from_directory_yaml(
    sample_root: Path, tmp_path: Path
) -> None:
    """A city sets language, colors and name in directory.yaml; the pages follow."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(sample_root / "site", repo / "site")
    shutil.copytree(SAMPLE / "entries" / "ch", repo / "entries" / "ch")
    settings = (SAMPLE / "directory.yaml").read_text("utf-8")
    settings = settings.replace("  language: en", "  language: de")
    settings = settings.replace("primary_color: teal", "primary_color: indigo")
    settings = settings.replace("name: Quartier Sample Directory", "name: Quartier Bern")
    (repo / "directory.yaml").write_text(settings, "utf-8")
    out = build_into(repo, tmp_path / "out")
    page = (out / "businesses" / "velowerk-lorraine" / "index.html").read_text("utf-8")
    assert '<html lang="de"' in page
    assert "Öffnungszeiten" in page and "Dienstag" in page and "Opening hours" not in page
    assert 'data-md-color-primary="indigo"' in page
    assert "<title>Velowerk Lorraine - Quartier Bern</title>" in page
    home = (out / "index.html").read_text("utf-8")
    assert "Kategorien" in home and "Kürzlich geprüft" in home


def test_site_build_ticks_once_per_business_page(sample_root: Path, tmp_path: Path) -> None:
    from quartier.site import build_site

    ticks: list[None] = []
    directory = read_directory(sample_root, today=TODAY)
    build(
        directory,
        tmp_path / "out",
        extras=(
            lambda ctx, out, sink: build_site(ctx, out, sink, tick=lambda: ticks.append(None)),
        ),
    )
    assert len(ticks) == len(directory.entries)
