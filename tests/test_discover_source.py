"""Where the index comes from: a repository, a build folder, a URL; and when it is rebuilt."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from quartier.directory import read_directory
from quartier.discover import SearchQuery, open_index, search
from quartier.discover.source import base_url, published_base
from quartier.model import CONTRACT_VERSION
from quartier.problems import QuartierError
from quartier.publish import build

from .conftest import SAMPLE


class _Quiet(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - shared log of paths, reset per server

    def log_message(self, format: str, *args: object) -> None:
        type(self).requests.append(self.path)


@contextlib.contextmanager
def published_site(root: Path, tmp_path: Path) -> Iterator[str]:
    """The directory at ``root`` built and served on 127.0.0.1 (a random port); yields its URL."""
    out = tmp_path / "site"
    build(read_directory(root), out)
    handler = functools.partial(_Quiet, directory=str(out))
    _Quiet.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUARTIER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_base_url_from_any_published_address() -> None:
    for url in (
        "https://x.org/city/feed.json",
        "https://x.org/city/api/v1/index.json",
        "https://x.org/city/api/v1/entries/velowerk.json",
        "https://x.org/city/data/entries.ndjson",
        "https://x.org/city",
        "https://x.org/city/?utm=1",
    ):
        assert base_url(url) == "https://x.org/city/", url


def test_a_url_is_fetched_once_then_revalidated(
    sample_root: Path, tmp_path: Path, cache: Path
) -> None:
    with published_site(sample_root, tmp_path) as url:
        index = open_index(url + "feed.json")
        assert index.n == 15
        top = search(index, SearchQuery("Velo")).results[0]
        assert top.id == "velowerk-lorraine"
        assert top.url == "https://quartier-dev.github.io/quartier/businesses/velowerk-lorraine/"
        fetched = list(_Quiet.requests)
        assert sorted(fetched) == [
            "/api/v1/directory.json",
            "/api/v1/taxonomy.json",
            "/data/entries.ndjson",
        ]
        again = open_index(url)
        assert again.path == index.path  # unchanged files (304): the same cached index


def test_a_build_folder_feed_and_api_paths(sample_root: Path, tmp_path: Path, cache: Path) -> None:
    out = tmp_path / "site"
    build(read_directory(sample_root), out)
    assert published_base(out) == out
    assert published_base(out / "api" / "v1" / "directory.json") == out
    index = open_index(out / "api" / "v1" / "taxonomy.json")
    assert index.n == 15 and str(cache) in str(index.path)
    with pytest.raises(QuartierError, match="not a Quartier directory"):
        open_index(tmp_path)


def test_a_repository_index_is_cached_and_follows_changes(make_root, tmp_path: Path) -> None:
    files = {
        f"entries/{p.relative_to(SAMPLE / 'entries')}": p.read_text("utf-8")
        for p in (SAMPLE / "entries").rglob("*.yaml")
    }
    root = make_root(files)
    stale = root / ".quartier-cache" / "search-index-v1-0123456789abcdef01234567.bin"
    stale.parent.mkdir()
    stale.write_bytes(b"an index of an earlier format version")
    first = open_index(root)
    assert first.path.parent == root / ".quartier-cache"
    assert not stale.exists()  # earlier versions are cleaned up too
    assert open_index(root).path == first.path
    path = root / "entries" / "ch" / "bern" / "velowerk-lorraine.yaml"
    path.write_text(path.read_text("utf-8").replace("status: open", "status: temporarily_closed"))
    second = open_index(root)
    assert second.path != first.path and not first.path.exists()  # old index removed
    assert search(second, SearchQuery("Velo")).results == []
    closed = search(second, SearchQuery("Velo", include_temporarily_closed=True)).results
    assert closed[0].status == "temporarily_closed"
    second.path.write_bytes(b"garbage")  # a damaged cache is rebuilt, never trusted
    assert open_index(root).n == 15


def test_a_read_only_checkout_still_searches(make_root, tmp_path: Path) -> None:
    root = make_root({})
    shutil.copytree(SAMPLE / "entries", root / "entries")
    (root / ".quartier-cache").write_text("a file where the cache folder should be")
    index = open_index(root)
    assert index.n == 15 and not index.path.exists()  # a temporary index, already unlinked


def test_broken_settings_are_a_clear_error(make_root) -> None:
    root = make_root({})
    (root / "directory.yaml").write_text("name: [unclosed\n")
    with pytest.raises(QuartierError, match=r"directory\.yaml:\d+"):
        open_index(root)


@pytest.mark.parametrize(
    ("published", "message"),
    [
        (
            "2.0",
            "publishes entry contract 2.0; this quartier .* reads 1.x up to 1.3 .*pip install -U",
        ),
        ("1.99", "publishes entry contract 1.99; .*pip install -U quartier"),
        ("0.9", "publishes entry contract 0.9; this quartier .* reads 1.x up to 1.3$"),
        ("1.0; rm -rf /", "contract_version: .* is not MAJOR.MINOR"),
        (["1", "0"], "contract_version: .* is not MAJOR.MINOR"),
    ],
)
def test_a_directory_of_an_unknown_contract_is_refused_before_its_records(
    sample_root: Path, tmp_path: Path, cache: Path, published: object, message: str
) -> None:
    """A federated or --source directory says which entry contract its records follow."""
    import json

    out = tmp_path / "site"
    build(read_directory(sample_root), out)
    settings = out / "api" / "v1" / "directory.json"
    data = json.loads(settings.read_text("utf-8"))
    assert data["contract_version"] == CONTRACT_VERSION
    data["contract_version"] = published
    settings.write_text(json.dumps(data), "utf-8")
    with pytest.raises(QuartierError, match=message):
        open_index(out)


def test_a_directory_published_before_the_contract_version_is_read_as_1_0(
    sample_root: Path, tmp_path: Path, cache: Path
) -> None:
    import json

    out = tmp_path / "site"
    build(read_directory(sample_root), out)
    settings = out / "api" / "v1" / "directory.json"
    data = json.loads(settings.read_text("utf-8"))
    del data["contract_version"]
    settings.write_text(json.dumps(data), "utf-8")
    assert open_index(out).n == 15
