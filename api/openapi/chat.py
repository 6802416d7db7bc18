"""OpenAPI paths of the routes that ask a bot questions, and how their streams look."""

from __future__ import annotations

from typing import Any

from api.openapi.operations import json_content, ok, op, pages, path_param, query, websocket_frames
from api.quivr import CHATS_MAX_PER_PAGE, CHATS_PER_PAGE
from api.schemas import STR, TEXT, ref

SSE_DESCRIPTION = (
    '`text/event-stream`. Blocks: `event: start` / `data: {"session_id","message_id"}`; '
    '`event: message` / `data: {"content"}` per piece of text; `event: sources` / '
    '`data: {"sources"}`; `event: end` / '
    '`data: {"session_id","message_id","usage","answered"}`; '
    'or `event: error` / `data: {"success": false, "error"}` as the last block. '
    "`: ping` comment lines arrive at least every 15 s while the model is silent."
)
NDJSON_DESCRIPTION = (
    "`application/x-ndjson`: one StreamEvent per line — start, delta…, sources, end; "
    "or error as the last line."
)
WS_DESCRIPTION = """WebSocket (upgrade this GET). Authenticate with `?api_key=`, a key \
header, or a first frame `{"type": "auth", "api_key": "…"}` (answered by \
`{"type": "ready"}`) within 10 s. The handshake's `Origin` is checked before the upgrade: a \
refused origin or key gets a plain HTTP 401/403 with the error body.

Then send `{"message": "…", "session_id"?: "…"}` frames, one question at a time; each is \
answered with the NDJSON events as text frames (start, delta…, sources, end, or error). \
Without a session_id, a socket keeps one conversation. `{"type": "ping"}` gets \
`{"type": "pong"}`.

Errors: a bad field gets an error frame and the socket stays open. A frame that is not a \
JSON object, a bad or revoked key, a refused origin or a limit gets an error frame, then \
a close with code 4000 + the HTTP status (4400, 4401, 4403, 4429); binary frames close \
with 1003, frames over the size limit (64 KiB by default) with 1009. The server pings \
every 25 s."""


SSE_EXAMPLE = {
    "text/event-stream": {
        # Each event as a whole, the way SSE clients (and schemathesis) read them.
        "schema": {
            "type": "object",
            "description": SSE_DESCRIPTION,
            "properties": {
                "event": {"enum": ["start", "message", "sources", "end", "error"]},
                "data": {**STR, "contentMediaType": "application/json"},
            },
            "required": ["event", "data"],
        },
        "example": 'event: start\ndata: {"session_id": "s1", "message_id": "9f…"}\n\n'
        'event: message\ndata: {"content": "Orders ship "}\n\n'
        'event: sources\ndata: {"sources": []}\n\n'
        'event: end\ndata: {"session_id": "s1", "message_id": "9f…", "usage": {}, '
        '"answered": true}\n\n',
    }
}
CHAT_ERRORS = (400, 401, 403, 413, 415, 429, 502, 504)


def chat_paths() -> dict[str, Any]:
    """The routes that ask questions: headless, developer, WebSocket and chat sessions."""
    chat_id = [path_param("chat_id")]
    return {
        "/v1/chat": {
            "post": op(
                "Ask a question (widget / headless)",
                "Headless",
                ok(ref("HeadlessChatResponse")),
                body=ref("HeadlessChatRequest"),
                errors=CHAT_ERRORS,
            )
        },
        "/v1/chat/stream": {
            "post": op(
                "Ask a question, streamed as NDJSON",
                "Headless",
                {
                    "description": NDJSON_DESCRIPTION,
                    "content": {"application/x-ndjson": {"schema": ref("StreamEvent")}},
                },
                body=ref("HeadlessChatRequest"),
                errors=CHAT_ERRORS,
            )
        },
        "/v1/widget/config": {
            "get": op("The bot's public widget settings", "Headless", ok(ref("WidgetConfig")))
        },
        "/v1/sessions/{sid}/messages": {
            "get": op(
                "A visitor's transcript (the session id is the capability)",
                "Headless",
                ok(ref("Transcript")),
                params=[path_param("sid")],
                errors=(400, 401, 403, 404),
            )
        },
        "/v1/messages/{message_id}/feedback": {
            "post": op(
                "Rate an answer (one rating a message, changeable)",
                "Headless",
                ok(ref("FeedbackResponse")),
                body=ref("FeedbackRequest"),
                params=[path_param("message_id", TEXT)],
                errors=(400, 401, 403, 404, 415),
            )
        },
        "/api/v1/chat": {
            "post": op(
                "Ask a question: JSON, or Server-Sent Events with stream=true",
                "Developer",
                {
                    "description": "JSON answer, or an SSE stream when `stream` is true.",
                    "content": {**json_content(ref("DeveloperChatResponse")), **SSE_EXAMPLE},
                },
                body=ref("DeveloperChatRequest"),
                errors=CHAT_ERRORS,
                description="With `history` and no `session_id`, nothing is read from a stored "
                "session and the reply carries the next `history`.",
            )
        },
        "/api/v1/chat/ws": {
            "get": op(
                "Chat over a WebSocket",
                "Developer",
                {"description": "Switching Protocols; then frames as described."},
                status="101",
                errors=(400, 401, 403, 426),
                description=WS_DESCRIPTION,
                params=[query("api_key", STR, "The key (query form).")],
                **websocket_frames(),
            )
        },
        "/chat": {
            "get": op(
                "List chats",
                "Chat sessions",
                ok(ref("ChatList")),
                scope="sessions:read",
                errors=(400, 401, 403),
                params=pages(CHATS_PER_PAGE, CHATS_MAX_PER_PAGE),
            ),
            "post": op(
                "Start a chat",
                "Chat sessions",
                ok(ref("Chat")),
                scope="sessions:write",
                body=ref("ChatCreate"),
                errors=(400, 401, 403, 415),
            ),
        },
        "/chat/{chat_id}": {
            "delete": op(
                "Delete a chat",
                "Chat sessions",
                ok(ref("ChatDeleted")),
                scope="sessions:write",
                params=chat_id,
                errors=(400, 401, 403, 404),
            )
        },
        "/chat/{chat_id}/metadata": {
            "put": op(
                "Rename a chat",
                "Chat sessions",
                ok(ref("Chat")),
                scope="sessions:write",
                body=ref("ChatRename"),
                params=chat_id,
                errors=(400, 401, 403, 404, 415),
            )
        },
        "/chat/{chat_id}/question": {
            "post": op(
                "Ask a question in a chat",
                "Chat sessions",
                ok(ref("ChatAnswer")),
                body=ref("ChatQuestion"),
                params=chat_id,
                errors=(*CHAT_ERRORS, 404),
            )
        },
        "/chat/{chat_id}/question/stream": {
            "post": op(
                "Ask a question in a chat, streamed as Server-Sent Events",
                "Chat sessions",
                {"description": "The same SSE stream as /api/v1/chat.", "content": SSE_EXAMPLE},
                body=ref("ChatQuestion"),
                params=chat_id,
                errors=(*CHAT_ERRORS, 404),
            )
        },
        "/chat/{chat_id}/history": {
            "get": op(
                "A chat's question-and-answer pairs",
                "Chat sessions",
                ok(ref("ChatHistory")),
                scope="sessions:read",
                params=chat_id,
                errors=(400, 401, 403, 404),
            )
        },
    }
