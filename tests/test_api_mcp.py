"""The /mcp endpoint, driven by the official MCP client over a live socket."""

from __future__ import annotations

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from models import Conversation, Message, db
from tests.test_chat import QUESTION


async def session_run(url: str, key: str, work):
    """Open an MCP client session with the key as a Bearer token and run work(session)."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                info = await session.initialize()
                return info, await work(session)


def run(url: str, key: str, work):
    return anyio.run(session_run, url, key, work)


def test_initialise_and_list_tools(live_server, bot, make_key):
    async def tools(session):
        return await session.list_tools()

    info, listed = run(f"{live_server}/mcp", make_key(bot), tools)
    assert info.server_info.name == "Docent"
    by_name = {tool.name: tool for tool in listed.tools}
    assert set(by_name) == {"ask", "search"}
    assert by_name["ask"].input_schema["required"] == ["question"]
    assert "session_id" in by_name["ask"].input_schema["properties"]
    assert by_name["search"].input_schema["required"] == ["query"]


def test_ask_answers_with_sources_and_is_stored(app, live_server, bot, make_key):
    async def ask(session):
        first = await session.call_tool("ask", {"question": QUESTION, "session_id": "mcp-1"})
        second = await session.call_tool("ask", {"question": "And refunds?", "session_id": "mcp-1"})
        return first, second

    _, (first, second) = run(f"{live_server}/mcp", make_key(bot), ask)
    assert first.is_error is False
    text = first.content[0].text
    assert "seven to ten days" in text
    assert "Sources:\n[1] Shipping policy <https://shop.example/shipping-policy>" in text
    assert text.endswith("session_id: mcp-1")
    assert second.is_error is False
    with app.app_context():
        conversation = db.session.execute(db.select(Conversation)).scalar_one()
        assert conversation.session_id == "mcp-1" and conversation.message_count == 4
        roles = db.session.execute(db.select(Message.role).order_by(Message.seq)).scalars().all()
        assert roles == ["user", "assistant", "user", "assistant"]


def test_search_returns_passages_with_titles_and_links(live_server, bot, make_key):
    async def search(session):
        hit = await session.call_tool("search", {"query": "refund returned item"})
        miss = await session.call_tool("search", {"query": "zebra xylophone"})
        bad = await session.call_tool("search", {"query": "   "})
        return hit, miss, bad

    _, (hit, miss, bad) = run(f"{live_server}/mcp", make_key(bot), search)
    text = hit.content[0].text
    assert text.startswith("[1] Refunds\nhttps://shop.example/refunds\nRefunds are issued")
    assert "No passage" in miss.content[0].text
    assert bad.is_error is True and "invalid_request" in bad.content[0].text


def test_key_limits_reach_the_ask_tool(live_server, bot, make_key):
    async def twice(session):
        await session.call_tool("ask", {"question": QUESTION})
        return await session.call_tool("ask", {"question": QUESTION})

    _, second = run(f"{live_server}/mcp", make_key(bot, rate_limit="1/minute"), twice)
    assert second.is_error is True and "rate_limited" in second.content[0].text


def test_bad_key_is_refused_before_mcp(client):
    response = client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "initialize"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_api_key"


def test_client_sees_refusal(live_server):
    with pytest.raises(ExceptionGroup) as refused:
        run(f"{live_server}/mcp", "sk_not_a_real_key", lambda session: session.list_tools())
    assert refused.group_contains(MCPError, match="error response", depth=2)
