"""Small things a visitor meets: the main navigation is for visitors, the 404 page has its styles.

The entry fields' reference and the repository are for developers: a footer
link, not a tab or a header link. The 404 page's links are absolute (it
answers for any missing path); under ``quartier serve``, which serves the
site at the root whatever ``base_url``'s path, they must still load: a real
server is started and the styles it references are fetched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from .conftest import sample_repo
from .site_support import BASE_URL, build_into


class _Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tabs: list[str] = []
        self.stylesheets: list[str] = []
        self.links: list[tuple[str, str]] = []  # (class of the enclosing div, href)
        self.header_source = False
        self._div: list[str] = []
        self._tab = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "div":
            self._div.append(a.get("class", ""))
        if tag == "a" and "md-tabs__link" in classes:
            self._tab = True
            self.tabs.append("")
        if tag == "a" and "md-source" in classes:
            self.header_source = True
        if tag == "a" and self._div:
            self.links.append((self._div[-1], a.get("href", "")))
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._div:
            self._div.pop()
        if tag == "a":
            self._tab = False

    def handle_data(self, data: str) -> None:
        if self._tab:
            self.tabs[-1] += data.strip()


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(sample_root, tmp_path_factory.mktemp("details") / "_site")


def test_entry_fields_and_the_repository_are_footer_links_not_navigation(site: Path) -> None:
    for rel in ("index.html", "map/index.html", "businesses/velowerk-lorraine/index.html"):
        page = _Page((site / rel).read_text("utf-8"))
        assert page.tabs[:3] == ["Home", "Categories", "Places"], (rel, page.tabs)
        assert "Entry fields" not in page.tabs and not page.header_source, rel
        footer = [href for div, href in page.links if div == "quartier-for-developers"]
        assert footer[1] == "https://github.com/quartier-dev/quartier", rel
        reference = urljoin(BASE_URL + rel, footer[0]).removeprefix(BASE_URL)
        assert reference == "reference/entry/" and (site / reference / "index.html").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _fetch(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"quartier serve did not answer {url}")


def test_the_404_page_under_quartier_serve_loads_its_styles(tmp_path: Path) -> None:
    root = sample_repo(tmp_path / "repo")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "quartier", "serve", "--root", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(base, 180)
        missing = base + "businesses/no-such-business/"
        status, media, body = _fetch(missing)
        assert status == 404 and media == "text/html"
        page = _Page(body.decode("utf-8"))
        assert len(page.stylesheets) >= 2  # Material's and the site's own
        for href in page.stylesheets:
            css = urljoin(missing, href)
            assert _fetch(css)[:2] == (200, "text/css"), css
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode("utf-8", "replace")


def test_the_published_404_page_keeps_the_base_urls_path(site: Path) -> None:
    """On the published site (GitHub Pages under /quartier/) the same links start there."""
    page = _Page((site / "404.html").read_text("utf-8"))
    assert page.stylesheets and all(h.startswith("/quartier/") for h in page.stylesheets)
