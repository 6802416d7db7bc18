"""The /mcp endpoint: a Model Context Protocol server (streamable HTTP) with tools ask and search.

Flask authenticates the secret key, applies the IP limit and reads the body; the
official `mcp` package then answers the JSON-RPC message. It is an ASGI app, so each
process runs it on one event-loop thread and a2wsgi hands it the request. The server
is stateless with JSON replies: every POST stands alone, so any worker or host can
answer it and nothing lives in process memory between requests.
"""

from __future__ import annotations

import asyncio
import io
import threading
from typing import Any

import anyio
from a2wsgi import ASGIMiddleware
from flask import Flask, current_app, request
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings

from api.auth import Caller
from api.blueprints import bp
from api.chat import turn_from_body
from api.errors import ApiError
from api.openai_compat import secret_caller
from api.streams import collect
from api.validation import message, session_id
from engine.answer import stream_answer
from extensions import limiter
from knowledge.retrieval import search as search_passages
from models import ApiKey, db
from services.limits import ip_limit

ENVIRON_KEY = "docent.mcp"
_lock = threading.Lock()


def build_server() -> MCPServer:
    """Declare the tools; each runs on a worker thread inside the Flask app's context."""
    server = MCPServer(
        "Docent",
        instructions="Answers questions from this bot's documents, citing its sources.",
    )

    @server.tool()
    def ask(question: str, ctx: Context, session_id: str | None = None) -> str:
        """Ask the bot a question; pass session_id to continue a conversation."""
        return in_app(ctx, lambda caller: answer(caller, question, session_id))

    @server.tool()
    def search(query: str, ctx: Context, limit: int = 5) -> str:
        """Find the passages of the bot's documents that best match a query."""
        return in_app(ctx, lambda caller: passages(caller, query, limit))

    return server


def in_app(ctx: Context, work: Any) -> str:
    """Run a tool in the Flask app that authenticated its request; API errors become tool errors."""
    request = ctx.request_context.request
    assert request is not None, "MCP tools run inside an HTTP request"
    state = request.scope["wsgi_environ"][ENVIRON_KEY]
    with state["app"].app_context():
        key = db.session.get(ApiKey, state["key_id"])
        if key is None or key.revoked_at is not None:
            raise ToolError("invalid_api_key: The API key is not valid or has been revoked.")
        try:
            return work(Caller(key=key, bot=key.bot, origin=None))
        except ApiError as exc:
            raise ToolError(f"{exc.code}: {exc.message}") from None


def answer(caller: Caller, question: str, sid: str | None) -> str:
    """Answer through the same turn as every chat route: limits, storage, usage."""
    sid = session_id(sid, "session_id")
    _, turn = turn_from_body({"message": question}, sid, caller=caller)
    result = collect(stream_answer(turn))
    lines = [result["answer"]]
    if result["sources"]:
        lines.append("\nSources:")
        lines += [
            f"[{n}] {s['title']}" + (f" <{s['url']}>" if s["url"] else "")
            for n, s in enumerate(result["sources"], 1)
        ]
    lines.append(f"\nsession_id: {turn.session_id}")
    return "\n".join(lines)


def passages(caller: Caller, query: str, limit: int) -> str:
    """List the best passages for a query with their titles and links."""
    text = message(query, "query")
    found = search_passages(caller.bot.id, text, max(1, min(int(limit), 20)))
    if not found:
        return "No passage of the bot's documents matches that query."
    blocks = []
    for n, passage in enumerate(found, 1):
        source = passage.source()
        link = f"\n{source['url']}" if source["url"] else ""
        blocks.append(f"[{n}] {source['title']}{link}\n{passage.content.strip()}")
    return "\n\n".join(blocks)


class Bridge:
    """The MCP server on its own event loop, presented as a WSGI application."""

    def __init__(self) -> None:
        self.server = build_server()
        asgi = self.server.streamable_http_app(
            streamable_http_path="/mcp",
            json_response=True,
            stateless_http=True,
            # Origins are checked against the key's list before the request gets here.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="mcp-loop", daemon=True).start()
        started = threading.Event()
        asyncio.run_coroutine_threadsafe(self._serve(started), self.loop)
        if not started.wait(10):
            raise RuntimeError("The MCP session manager did not start.")
        self.wsgi = ASGIMiddleware(asgi, loop=self.loop)  # type: ignore[arg-type]

    async def _serve(self, started: threading.Event) -> None:
        async with self.server.session_manager.run():
            started.set()
            await anyio.sleep_forever()


def bridge(app: Flask) -> Bridge:
    """Return this process's bridge, starting it on first use (after any fork)."""
    with _lock:
        if "docent_mcp" not in app.extensions:
            app.extensions["docent_mcp"] = Bridge()
        return app.extensions["docent_mcp"]


@bp.post("/mcp")
@limiter.limit(ip_limit)
def mcp_endpoint() -> Any:
    """Authenticate the secret key, then let the MCP server answer the request."""
    caller = secret_caller()
    body = request.get_data()
    environ = request.environ
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    environ[ENVIRON_KEY] = {"app": app, "key_id": caller.key.id}
    return bridge(app).wsgi
