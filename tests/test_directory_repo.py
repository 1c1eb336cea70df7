"""A city's directory repository holds only its data; the tool brings everything else.

A directory with only ``directory.yaml`` and ``entries/`` (no ``schema/``, no
``mkdocs.yml``, no ``site/``) validates and builds the whole site from the
package; what it says comes from its own settings, never the sample's; its
own categories validate and publish with their parent; a page in its
``site/`` replaces the package's.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from quartier.cli import main
from quartier.directory import read_directory
from quartier.site import site_available

from .conftest import TODAY

pytestmark = pytest.mark.skipif(not site_available(), reason="needs quartier[site]")

SETTINGS = """\
name: Quartier Lausanne
description: Commerces indépendants de Lausanne.
base_url: https://lausanne.example.org/annuaire/
repository: https://git.example.org/lausanne/annuaire
languages: [fr, de, en]
license: CC-BY-4.0
areas:
  - id: lausanne
    name: Lausanne
    bbox: [6.55, 46.49, 6.72, 46.57]
    countries: [CH]
    timezone: Europe/Zurich
site:
  language: en
"""

LOCAL = """\
categories:
  - id: fondue_restaurant
    parent: restaurant
    labels: {fr: Restaurant à fondue, en: Fondue restaurant}
    synonyms: {fr: [fondue, caquelon]}
    osm: amenity=restaurant
"""

ENTRY = """\
id: {id}
name: {name}
status: open
category: {category}
summary:
  fr: Un commerce du quartier.
location:
  address:
    street: Rue de Bourg 1
    postal_code: "1003"
    locality: Lausanne
    country: CH
  geo: {{lat: 46.5197, lon: 6.6336}}
contact:
  phone: "+41 21 311 11 11"
maintainers: [lausanne-owner]
last_verified: 2026-11-01
"""


def _repo(root: Path, settings: str = SETTINGS, entries: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True)
    (root / "directory.yaml").write_text(settings, "utf-8")
    (root / "entries").mkdir()
    (root / "entries" / "README.md").write_text("# Entries\n", "utf-8")
    for name, text in (entries or {}).items():
        path = root / "entries" / "ch" / "lausanne" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def _build(root: Path) -> Path:
    out = root / "_site"
    assert main(["build", "--root", str(root), "--quiet"]) == 0
    return out


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_data_only_directory_builds_its_site_from_the_package(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "lausanne",
        entries={
            "cafe-de-bourg": ENTRY.format(id="cafe-de-bourg", name="Café de Bourg", category="cafe")
        },
    )
    assert sorted(p.name for p in root.iterdir()) == ["directory.yaml", "entries"]
    assert not (root / "schema").exists() and not (root / "mkdocs.yml").exists()
    out = _build(root)
    for page in ("index.html", "add/index.html", "for-ai/index.html", "reference/entry/index.html"):
        assert (out / page).is_file(), page
    assert (out / "assets" / "quartier.css").is_file() and (
        out / "assets" / "quartier.js"
    ).is_file()
    assert (out / "businesses" / "cafe-de-bourg" / "index.html").is_file()
    # Every page and machine file speaks of this directory, none of the sample's. The
    # contract's documentation (the JSON Schema, whose $id is the tool's, and the field
    # reference) is the same in every directory, with generic examples.
    for path in out.rglob("*"):
        if path.suffix not in (".html", ".txt", ".json", ".xml"):
            continue
        rel = path.relative_to(out).as_posix()
        text = path.read_text("utf-8", errors="replace")
        if not rel.startswith("api/v1/schema/"):
            assert "quartier-dev" not in text, rel
        if not rel.startswith(("api/v1/schema/", "reference/")):
            assert "velowerk" not in text, rel
    for_ai = (out / "for-ai" / "index.html").read_text("utf-8")
    assert "https://lausanne.example.org/annuaire/api/v1/entries/cafe-de-bourg.json" in for_ai
    assert "https://lausanne.example.org/annuaire/data/entries.parquet" in for_ai
    assert "list_contains(categories, 'cafe')" in for_ai
    assert "Quartier Lausanne" in for_ai and "CC-BY-4.0" in for_ai
    add = (out / "add" / "index.html").read_text("utf-8")
    assert 'href="https://git.example.org/lausanne/annuaire"' in add


def test_an_empty_directory_builds_a_welcoming_site(tmp_path: Path) -> None:
    root = _repo(tmp_path / "empty")
    out = _build(root)
    home = _visible_text((out / "index.html").read_text("utf-8"))
    assert "No business is listed yet" in home and "add yours" in home
    assert 'id="q-search"' not in (out / "index.html").read_text("utf-8")
    assert not (out / "pagefind").exists()
    for_ai = (out / "for-ai" / "index.html").read_text("utf-8")
    assert "https://lausanne.example.org/annuaire/api/v1/index.json" in for_ai
    assert json.loads((out / "api" / "v1" / "index.json").read_text("utf-8"))


def test_a_page_in_site_replaces_the_package_page_and_new_pages_are_added(tmp_path: Path) -> None:
    root = _repo(tmp_path / "own-pages")
    (root / "site").mkdir()
    (root / "site" / "add.md").write_text("# Inscription\n\nÉcrivez-nous à la mairie.\n", "utf-8")
    (root / "site" / "about.md").write_text("# À propos\n\nUn annuaire de la ville.\n", "utf-8")
    out = _build(root)
    assert "Écrivez-nous à la mairie." in (out / "add" / "index.html").read_text("utf-8")
    assert "Un annuaire de la ville." in (out / "about" / "index.html").read_text("utf-8")
    # The other package pages are still there.
    assert "quartier mcp" in (out / "for-ai" / "index.html").read_text("utf-8")


@pytest.mark.parametrize("link", ["site/secret.md", "site/assets/all", "site"])
def test_a_link_in_site_is_refused_and_nothing_it_points_to_is_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    """A pull request adds a link under site/: the build names it and publishes nothing."""
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("# hunter2-secret\n", "utf-8")
    root = _repo(tmp_path / "linked")
    target = secret if link.endswith(".md") else secret.parent
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(target)
    assert main(["build", "--root", str(root), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and Path(link).name in err
    assert "hunter2" not in err
    assert not (root / "_site").exists()


@pytest.mark.parametrize(
    "logo", ["../directory.yaml", "/etc/hostname", "assets/../../x.svg", "a\\b.svg"]
)
def test_the_logo_must_be_a_path_inside_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], logo: str
) -> None:
    settings = SETTINGS.replace("  language: en\n", f"  language: en\n  logo: '{logo}'\n")
    root = _repo(tmp_path / "logo", settings=settings)
    assert main(["validate", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "directory.yaml:15:9:" in out and "site.logo" in out and "not a path inside site/" in out


def test_local_categories_validate_and_publish_with_their_parent(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "local",
        settings=SETTINGS + LOCAL,
        entries={
            "le-caquelon": ENTRY.format(
                id="le-caquelon", name="Le Caquelon", category="fondue_restaurant"
            )
        },
    )
    directory = read_directory(root, today=TODAY)
    assert not directory.errors, directory.errors
    out = _build(root)
    taxonomy = json.loads((out / "api" / "v1" / "taxonomy.json").read_text("utf-8"))
    local = [c for c in taxonomy["categories"] if c["local"]]
    assert [(c["id"], c["parent"], c["schema_org"]) for c in local] == [
        ("fondue_restaurant", "restaurant", "Restaurant")
    ]
    assert not any(c["local"] for c in taxonomy["categories"] if c["id"] == "restaurant")
    jsonld = json.loads((out / "api" / "v1" / "entries" / "le-caquelon.jsonld").read_text("utf-8"))
    assert jsonld["@type"] == "Restaurant"
    schema = json.loads((out / "api" / "v1" / "schema" / "entry.schema.json").read_text("utf-8"))
    assert "fondue_restaurant" in schema["$defs"]["CategoryId"]["enum"]
    page = (out / "categories" / "fondue-restaurant" / "index.html").read_text("utf-8")
    assert "Fondue restaurant" in page and "Le Caquelon" in page


@pytest.mark.parametrize(
    ("local", "line", "field", "message"),
    [
        ("  - {id: bakery, parent: restaurant, labels: {en: B}}\n", 16, "id", "already a shared"),
        ("  - {id: fondue, parent: restaurnt, labels: {en: F}}\n", 16, "parent", "restaurant"),
        (
            "  - {id: fondue, parent: restaurant, labels: {en: F}, complements: [nope]}\n",
            16,
            "complements",
            "'nope' is not a category",
        ),
    ],
)
def test_a_wrong_local_category_is_reported_at_its_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    local: str,
    line: int,
    field: str,
    message: str,
) -> None:
    root = _repo(tmp_path / "bad", settings=SETTINGS + "categories:\n" + local)
    assert main(["validate", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"directory.yaml:{line}:" in out and f"categories[0].{field}" in out
    assert message in out


def test_an_entry_cannot_use_a_category_of_another_directory(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "other",
        entries={"fondue-x": ENTRY.format(id="fondue-x", name="X", category="fondue_restaurant")},
    )
    directory = read_directory(root, today=TODAY)
    assert [p.field for p in directory.errors] == ["category"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, deadline: float) -> str | None:
    """The page at ``url`` once the server has it, or None at the deadline."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode("utf-8"))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    return None


def test_serve_previews_a_data_only_directory_and_rebuilds_when_an_entry_is_added(
    tmp_path: Path,
) -> None:
    """An owner previews their entry: ``quartier serve`` in a repository with no site files."""
    root = _repo(
        tmp_path / "serve",
        entries={
            "cafe-de-bourg": ENTRY.format(id="cafe-de-bourg", name="Café de Bourg", category="cafe")
        },
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "quartier", "serve", "--root", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    base = f"http://127.0.0.1:{port}/"  # served at the root, whatever base_url says
    try:
        home = _get(base, time.monotonic() + 180)
        assert home is not None and "Quartier Lausanne" in home
        page = _get(base + "businesses/cafe-de-bourg/", time.monotonic() + 30)
        assert page is not None and "Café de Bourg" in page
        added = root / "entries" / "ch" / "lausanne" / "le-caquelon.yaml"
        added.write_text(
            ENTRY.format(id="le-caquelon", name="Le Caquelon", category="restaurant")
            .replace("Rue de Bourg 1", "Rue de Bourg 9")
            .replace("+41 21 311 11 11", "+41 21 311 22 33")
            .replace("6.6336", "6.6340"),
            "utf-8",
        )
        page = _get(base + "businesses/le-caquelon/", time.monotonic() + 180)
        assert page is not None and "Le Caquelon" in page
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode("utf-8", "replace")
