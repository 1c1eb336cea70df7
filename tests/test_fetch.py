"""quartier.fetch: the limits every read of somebody else's published files keeps."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from quartier.fetch import Deadline, FetchError, get, opener, read_local, same_origin

from .fed_support import Site, body, hang, oversized, redirect, status


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "a.json").write_bytes(b'{"a": 1}')
    with Site(tmp_path) as s:
        yield s


def _get(url: str, seconds: float = 30, **kw: object) -> object:
    with Deadline(seconds) as deadline:
        return get(opener(deadline), url, deadline, limit=kw.pop("limit", 1000), **kw)  # type: ignore[arg-type]


def test_a_body_then_a_conditional_request_answered_304(site: Site) -> None:
    got = _get(site.url + "a.json")
    assert got is not None and got.data == b'{"a": 1}' and got.etag  # type: ignore[attr-defined]
    assert _get(site.url + "a.json", etag=got.etag) is None  # type: ignore[attr-defined]
    assert site.conditional == ["a.json"]


def test_into_a_file_and_nothing_left_on_failure(site: Site, tmp_path: Path) -> None:
    part = tmp_path / "out" / "a.part"
    got = _get(site.url + "a.json", into=part)
    assert got.data is None and part.read_bytes() == b'{"a": 1}'  # type: ignore[attr-defined]
    site.fault["b.json"] = oversized(5000)
    with pytest.raises(FetchError):
        _get(site.url + "b.json", into=tmp_path / "b.part")
    assert not (tmp_path / "b.part").exists()


@pytest.mark.parametrize(
    ("route", "kind", "text"),
    [
        (status(500), "http", "HTTP 500 Internal Server Error"),
        (status(404), "http", "HTTP 404 Not Found"),
        (
            body(b"x" * 2000),
            "oversized",
            "its size (1.953 KiB) is more than the limit of 1000 bytes",
        ),
        (oversized(1 << 20), "oversized", "more than 1000 bytes, the limit for this file"),
        (body(b'{"a"', 100), "truncated", "the connection ended after 4 of 100 bytes"),
    ],
)
def test_faults_are_named(site: Site, route, kind: str, text: str) -> None:  # type: ignore[no-untyped-def]
    site.fault["b.json"] = route
    with pytest.raises(FetchError) as info:
        _get(site.url + "b.json")
    assert info.value.kind == kind and text in str(info.value), str(info.value)


def test_a_server_that_is_down(tmp_path: Path) -> None:
    with Site(tmp_path) as s:
        url = s.url
    with pytest.raises(FetchError, match=r"cannot fetch it: .*refused") as info:
        _get(url + "a.json")
    assert info.value.kind == "down"


def test_redirects_within_the_site_only_and_at_most_five(site: Site) -> None:
    site.fault["r.json"] = redirect("/a.json")
    assert _get(site.url + "r.json").data == b'{"a": 1}'  # type: ignore[attr-defined]
    with Site(site.folder) as other:
        site.fault["away.json"] = redirect(other.url + "a.json")
        with pytest.raises(FetchError, match="another site") as info:
            _get(site.url + "away.json")
        assert info.value.kind == "redirect" and other.log == []
    site.fault["ftp.json"] = redirect("ftp://127.0.0.1/a.json")
    with pytest.raises(FetchError, match="only http and https"):
        _get(site.url + "ftp.json")
    for i in range(6):  # c0 -> c1 ... c6 -> a.json: seven redirects; from c2, five
        site.fault[f"c{i}.json"] = redirect(f"/c{i + 1}.json")
    site.fault["c6.json"] = redirect("/a.json")
    with pytest.raises(FetchError, match="more than 5 times"):
        _get(site.url + "c0.json")
    assert _get(site.url + "c2.json").data == b'{"a": 1}'  # type: ignore[attr-defined]
    site.fault["loop.json"] = redirect("/loop.json")
    site.requests()
    with pytest.raises(FetchError, match="redirect loop"):
        _get(site.url + "loop.json")
    assert site.requests() == ["loop.json"] * 6


def test_same_origin() -> None:
    assert same_origin("https://x.org/a", "https://X.org:443/b")
    assert same_origin("http://x.org/a", "https://x.org/b")  # an upgrade
    assert not same_origin("https://x.org/a", "http://x.org/b")  # a downgrade
    assert not same_origin("https://x.org/a", "https://y.x.org/b")
    assert not same_origin("http://x.org:8080/a", "http://x.org/b")


def test_the_deadline_ends_a_server_that_trickles(site: Site) -> None:
    site.fault["slow.json"] = hang(30)
    with pytest.raises(FetchError, match=r"slow\.json: not fetched within 0\.5 s") as info:
        _get(site.url + "slow.json", seconds=0.5)
    assert info.value.kind == "deadline"


def test_local_files_keep_the_same_limits(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"x" * 10)
    assert read_local(tmp_path, "a.json", limit=10) == b"x" * 10
    with pytest.raises(FetchError, match="more than the limit of 9 bytes") as info:
        read_local(tmp_path, "a.json", limit=9)
    assert info.value.kind == "oversized"
    with pytest.raises(FetchError, match="cannot read it") as info:
        read_local(tmp_path, "missing.json", limit=9)
    assert info.value.kind == "unreadable"
    os.mkfifo(tmp_path / "fifo.json")  # would block a plain open() for ever
    with pytest.raises(FetchError, match="not a regular file"):
        read_local(tmp_path, "fifo.json", limit=9)


def test_a_local_file_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("private")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "index.json").symlink_to(secret)
    with pytest.raises(FetchError, match="cannot read it") as info:
        read_local(tmp_path / "build", "index.json", limit=100)
    assert info.value.kind == "unreadable"


def test_a_local_folder_whose_api_is_a_link_is_not_read(tmp_path: Path) -> None:
    # O_NOFOLLOW covers the last component only: a member folder whose api/ (or api/v1/)
    # is a link to another tree must be refused too, though every file there is regular.
    elsewhere = tmp_path / "elsewhere" / "v1"
    elsewhere.mkdir(parents=True)
    (elsewhere / "index.json").write_text("{}")
    build = tmp_path / "build"
    build.mkdir()
    (build / "api").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FetchError, match="cannot read it") as info:
        read_local(build, "api/v1/index.json", limit=100)
    assert info.value.kind == "unreadable"
    (build / "api").unlink()
    (build / "api").mkdir()
    (build / "api" / "v1").symlink_to(elsewhere)
    with pytest.raises(FetchError, match="cannot read it"):
        read_local(build, "api/v1/index.json", limit=100)
    for name in ("api/../api/v1/index.json", "/etc/passwd", "api//v1/index.json"):
        with pytest.raises(FetchError, match="cannot read it"):
            read_local(build, name, limit=100)
    # The same tree as real folders is read; the member folder itself may be a link.
    (build / "api" / "v1").unlink()
    shutil.copytree(elsewhere, build / "api" / "v1")
    (tmp_path / "linked").symlink_to(build)
    assert read_local(tmp_path / "linked", "api/v1/index.json", limit=100) == b"{}"
