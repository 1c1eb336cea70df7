"""The MCP server through the SDK's real client: over stdio, and over HTTP on loopback.

Each test starts ``python -m quartier mcp`` as a separate process, exactly as
an assistant would, and talks to it with ``mcp.Client``. Every wait is
bounded, and every process is stopped in ``finally``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

TIMEOUT_S = 60


def _stdio(*args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "quartier", "mcp", *args])


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    return await client.call_tool(tool, arguments)


def _run(coro: Any) -> Any:
    async def bounded() -> Any:
        with anyio.fail_after(TIMEOUT_S):
            return await coro()

    return anyio.run(bounded)


def test_stdio_tools_resources_and_errors(sample_root: Path, tmp_path: Path) -> None:
    env_root = str(sample_root)

    async def scenario() -> None:
        async with Client(_stdio("--root", env_root), read_timeout_seconds=30) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == {
                "search_businesses",
                "get_business",
                "find_partners",
                "list_categories",
                "list_places",
            }
            for tool in tools.values():
                assert tool.output_schema is not None, tool.name
                assert tool.annotations is not None and tool.annotations.read_only_hint
                assert len(tool.description or "") > 60

            found = await _call(
                client,
                "search_businesses",
                {"query": "Velo", "near": "Lorraine", "open_at": "saturday 10:00"},
            )
            assert not found.is_error
            data = found.structured_content
            first = data["results"][0]
            assert first["id"] == "velowerk-lorraine"
            assert first["hours"]["state"] == "open" and first["hours"]["until"].endswith("16:00")
            assert first["distance_km"] < 0.5
            assert first["last_verified"] == "2026-10-01"
            assert first["matched"][0]["field"] == "category"
            assert data["place"]["kind"] == "quarter"

            wrong = await _call(client, "search_businesses", {"query": "x", "category": "bakry"})
            assert wrong.is_error
            text = wrong.content[0].text  # type: ignore[union-attr]
            assert "did you mean 'bakery'" in text and "Traceback" not in text

            wrong = await _call(client, "search_businesses", {"limit": 500})
            assert wrong.is_error and "Traceback" not in wrong.content[0].text  # type: ignore[union-attr]

            business = await _call(client, "get_business", {"id": "redwood-bench-joinery"})
            entry = business.structured_content["entry"]
            assert "street" not in entry["location"]["address"]  # hide_address is respected
            closed = await _call(client, "get_business", {"id": "tidepool-records"})
            assert closed.structured_content["superseded_by"] == "tidepool-records-soquel"
            missing = await _call(client, "get_business", {"id": "velowerk-lorain"})
            assert missing.is_error and "velowerk-lorraine" in missing.content[0].text  # type: ignore[union-attr]

            found = await _call(client, "find_partners", {"id": "kafi-zwischenhalt"})
            ids = [p["id"] for p in found.structured_content["partners"]]
            assert {"holzofebeck-breitsch", "aare-roestwerk", "erdwerk-keramik"} <= set(ids)
            reasons = found.structured_content["partners"][ids.index("holzofebeck-breitsch")]
            assert reasons["reasons"][0]["yours"].startswith("seeks: fresh bread")
            assert reasons["reasons"][0]["theirs"].startswith("provides: wholesale bread")

            cats = await _call(client, "list_categories", {"group": "food_drink", "language": "de"})
            bakery = next(c for c in cats.structured_content["categories"] if c["id"] == "bakery")
            assert bakery["label"] == "Bäckerei" and bakery["businesses"] == 2
            places = await _call(client, "list_places", {"kind": "quarter"})
            names = {p["name"].lower() for p in places.structured_content["places"]}
            assert {"lorraine", "länggasse"} <= names

            resources = (await client.list_resources()).resources
            uris = {str(r.uri) for r in resources}
            assert "quartier://business/velowerk-lorraine" in uris
            assert "quartier://business/tidepool-records" not in uris  # permanently closed
            read = await client.read_resource("quartier://business/velowerk-lorraine")
            body = json.loads(read.contents[0].text)  # type: ignore[union-attr]
            assert body["entry"]["name"] == "Velowerk Lorraine"

    _run(scenario)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server(sample_root: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quartier",
            "mcp",
            "--root",
            str(sample_root),
            "--http",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "server.log").read_text())
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the MCP HTTP server did not start")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_streamable_http_on_loopback(http_server: str) -> None:
    async def scenario() -> None:
        async with Client(http_server, read_timeout_seconds=30) as client:
            found = await _call(client, "search_businesses", {"query": "vinyl records"})
            ids = [r["id"] for r in found.structured_content["results"]]
            assert ids[0] == "tidepool-records-soquel" and "tidepool-records" not in ids
            wrong = await _call(client, "search_businesses", {"query": "x", "near": "Lorane"})
            assert wrong.is_error and "did you mean 'lorraine'" in wrong.content[0].text  # type: ignore[union-attr]

    _run(scenario)


def test_serves_a_published_directory_by_url(
    sample_root: Path, tmp_path: Path, monkeypatch
) -> None:
    from .test_discover_source import published_site

    with published_site(sample_root, tmp_path) as url:

        async def scenario() -> None:
            params = _stdio("--source", url + "feed.json")
            params.env = {"QUARTIER_CACHE_DIR": str(tmp_path / "cache")}
            async with Client(params, read_timeout_seconds=30) as client:
                found = await _call(client, "search_businesses", {"query": "Brot"})
                assert found.structured_content["results"][0]["id"] == "holzofebeck-breitsch"

        _run(scenario)


def test_mcp_usage_errors_are_messages(sample_root: Path, capsys) -> None:
    from quartier.cli import main

    assert main(["mcp", "--root", str(sample_root), "--port", "0", "--http"]) == 2
    assert "--port" in capsys.readouterr().err


def test_output_models_are_the_answers_with_their_descriptions() -> None:
    """Each tool's output model is made from the discovery answer it carries: the same fields
    in the same order, every one required but origin, and the description and owner-written
    mark written on the dataclass."""
    from dataclasses import fields
    from typing import get_type_hints

    from quartier import assistant
    from quartier.discover import Match, Partner, PartnersResult, Result, SearchResult
    from quartier.discover.described import OwnerWritten, description_of
    from quartier.discover.origin import Origin

    pairs = [
        (Result, assistant.ResultOut),
        (Match, assistant.MatchOut),
        (SearchResult, assistant.SearchOut),
        (Partner, assistant.PartnerOut),
        (PartnersResult, assistant.PartnersOut),
        (Origin, assistant.OriginOut),
    ]
    for answer, model in pairs:
        names = [f.name for f in fields(answer)]
        assert sorted(model.model_fields) == sorted(names), answer
        schema = model.model_json_schema()
        required = set(schema.get("required", ()))
        assert required == set(names) - {"origin"}, answer
        hints = get_type_hints(answer, include_extras=True)
        for name in names:
            _, said = description_of(hints[name])
            prop = schema["properties"][name]
            if name == "origin":
                assert "member directory" in prop["description"]
            elif said is None:
                assert "description" not in prop, (answer, name)
            elif isinstance(said, OwnerWritten):
                assert prop["description"] == f"{said.text} {assistant.OWNER_WRITTEN}"
                assert prop["x-quartier-owner-written"] is True
            else:
                assert prop["description"] == said.text
                assert "x-quartier-owner-written" not in prop
    result = assistant.ResultOut.model_json_schema()
    assert result["properties"]["name"]["x-quartier-owner-written"] is True
    assert result["properties"]["hours"]["$ref"] == "#/$defs/HoursOut"
    assert result["$defs"]["HoursOut"]["properties"]["state"]["enum"] == [
        "open",
        "closed",
        "unknown",
    ]
    search = assistant.SearchOut.model_json_schema()
    assert search["description"] == "A short list: several fitting options, never a single winner."
    assert search["properties"]["results"]["items"]["$ref"] == "#/$defs/ResultOut"
