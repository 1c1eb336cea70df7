"""``llms.txt`` and ``llms-full.txt``: every link is a published file; each business says how to
reach it (phone, website) and in which time zone its hours are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .site_support import BASE_URL, build_into

LINK = re.compile(r"\]\((https?://[^)]+)\)")


@pytest.fixture(scope="module")
def site(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(sample_root, tmp_path_factory.mktemp("llms") / "_site")


def _published(site: Path, url: str) -> Path:
    assert url.startswith(BASE_URL), url
    rel = url.removeprefix(BASE_URL)
    return site / (rel + "index.html" if rel.endswith("/") or not rel else rel)


def test_every_link_of_llms_txt_is_a_published_file(site: Path) -> None:
    text = (site / "llms.txt").read_text("utf-8")
    links = LINK.findall(text)
    assert len(links) > 30
    missing = [url for url in links if not _published(site, url).is_file()]
    assert missing == []


def test_a_category_line_names_its_id_and_links_its_page_and_its_api_file(site: Path) -> None:
    lines = (site / "llms.txt").read_text("utf-8").splitlines()
    repair = next(line for line in lines if line.startswith("- [Bicycle repair]"))
    page, api = LINK.findall(repair)
    assert "id `bicycle_repair`" in repair
    assert page == BASE_URL + "categories/bicycle-repair/"
    assert api == BASE_URL + "api/v1/categories/bicycle_repair.json"
    # The id is the one the API's file and the entries use.
    listed = json.loads((site / "api/v1/categories/bicycle_repair.json").read_text("utf-8"))
    assert listed["category"]["id"] == "bicycle_repair"
    assert any(line.startswith("- [Atom feed]") for line in lines)


def test_llms_full_has_phone_website_and_time_zone(site: Path) -> None:
    full = (site / "llms-full.txt").read_text("utf-8")
    section = full.split("## Aare Röstwerk\n", 1)[1].split("\n## ", 1)[0]
    assert "- phone: +41313718402\n" in section  # E.164, as the API publishes it
    assert "- website: https://aare-roestwerk.ch\n" in section
    assert "- time zone: Europe/Zurich\n" in section
    santa_cruz = full.split("## Tidepool Records\n", 1)[1].split("\n## ", 1)[0]
    assert "- time zone: America/Los_Angeles\n" in santa_cruz
