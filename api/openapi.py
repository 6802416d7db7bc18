"""The OpenAPI 3.1 description of every API route, and its rendered reference at /api/docs."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, request

from api.blueprints import bp, developer
from api.documents import DOCUMENTS_MAX_PER_PAGE, DOCUMENTS_PER_PAGE
from api.errors import InvalidRequest
from api.openapi_integrations import SCHEMAS as INTEGRATION_SCHEMAS
from api.openapi_integrations import integration_paths
from api.openapi_sites import SCHEMAS as SITE_SCHEMAS
from api.openapi_sites import site_paths
from api.quivr import CHATS_MAX_PER_PAGE, CHATS_PER_PAGE
from api.schemas import BOOL, DAY, SCHEMAS, SID, STR, TEXT, Schema, obj, ref
from api.sessions import DEFAULT_PER_PAGE, MAX_PER_PAGE
from api.validation import MAX_ID
from services.keys import SCOPES

AUTH_SCHEMES = ("bearer", "apiKeyHeader", "widgetKeyHeader", "apiKeyQuery")


# An empty date parameter means its default, as if it were absent.
DAY_OR_EMPTY = {"anyOf": [DAY, {"type": "string", "maxLength": 0}]}
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


def security(scope: str | None) -> list[dict[str, list[str]]]:
    """Every auth form is accepted; the scope is listed as the role each requires."""
    roles = [scope] if scope else []
    return [{name: roles} for name in AUTH_SCHEMES]


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def error_responses(*statuses: int) -> dict[str, Any]:
    names = {
        400: "Invalid request",
        401: "Missing, malformed or revoked key",
        403: "Origin or scope not allowed",
        404: "Not found, or another bot's",
        413: "Body too large",
        415: "Not JSON",
        426: "Not a WebSocket handshake: upgrade to a WebSocket",
        429: "Rate limit or daily quota; see Retry-After",
        502: "Upstream model error",
        504: "Upstream model timeout",
    }
    return {
        str(s): {"description": names[s], "content": json_content(ref("Error"))} for s in statuses
    }


def op(
    summary: str,
    tag: str,
    ok: dict[str, Any],
    *,
    scope: str | None = "chat",
    public: bool = False,
    body: Schema | None = None,
    errors: tuple[int, ...] = (401, 403),
    params: list[dict[str, Any]] | None = None,
    status: str = "200",
    also: tuple[str, ...] = (),
    description: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """Build one operation; `also` lists other success statuses with the same body."""
    if errors:
        # Any route refuses NUL in its path or query with a 400.
        errors = tuple(sorted({400, *errors}))
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {status: ok, **{s: ok for s in also}, **error_responses(*errors)},
    }
    if description:
        operation["description"] = description
    if not public:
        operation["security"] = security(scope)
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {"required": True, "content": json_content(body)}
    operation.update(more)
    return operation


def websocket_frames() -> dict[str, Any]:
    """Describe the frames each side sends on the chat WebSocket."""
    return {
        "x-websocket": {
            "client-frames": [ref("WsAuthFrame"), ref("WsQuestionFrame")],
            "server-frames": ref("StreamEvent"),
        }
    }


def ok(schema: Schema, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": json_content(schema)}


def path_param(name: str, schema: Schema = SID) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


# Page numbers the routes accept (api/sessions.page_args); per_page bounds are per route.
MAX_PAGE = 1_000_000


def pages(default: int, most: int) -> list[dict[str, Any]]:
    """Return the page and per_page parameters with a route's default and maximum."""
    return [
        query(
            "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page."
        ),
        query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": most, "default": default},
            "Items a page.",
        ),
    ]


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
CURATED_DESCRIPTION = (
    "A visitor question that retrieval matches to a curated answer (paraphrases included) "
    "is answered from it first, and the answer is cited as a source whose title is the "
    "question and whose url is the answer's `url`."
)


def paths() -> dict[str, Any]:
    """Every route of the API."""
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
        "/api/v1/sessions": {
            "get": op(
                "List sessions, most recent first",
                "Sessions",
                ok(ref("SessionList")),
                scope="sessions:read",
                errors=(400, 401, 403),
                params=[
                    *pages(DEFAULT_PER_PAGE, MAX_PER_PAGE),
                    query("include_all", BOOL, "Add each session's messages."),
                ],
            )
        },
        "/api/v1/sessions/{sid}": {
            "get": op(
                "A session with its messages and feedback",
                "Sessions",
                ok(ref("SessionDetail")),
                scope="sessions:read",
                params=[path_param("sid")],
                errors=(400, 401, 403, 404),
            ),
            "delete": op(
                "Delete a session and its messages (usage is kept)",
                "Sessions",
                ok(ref("SessionDeleted")),
                scope="sessions:write",
                params=[path_param("sid")],
                errors=(400, 401, 403, 404),
            ),
        },
        "/api/v1/usage": {
            "get": op(
                "Tokens and cost over a date range",
                "Usage",
                ok(ref("UsageReport")),
                scope="usage:read",
                errors=(400, 401, 403),
                params=[
                    query("start_date", DAY_OR_EMPTY, "First day (UTC); default end - 29 days."),
                    query("end_date", DAY_OR_EMPTY, "Last day (UTC), included; default today."),
                ],
                description="At most 366 days a report, between 1970-01-01 and 9999-01-01: "
                "a longer range, a start_date after the end_date or a day outside those "
                "is a 400.",
            )
        },
        "/api/v1/documents": {
            "get": op(
                "List documents, newest first",
                "Documents",
                ok(ref("DocumentList")),
                scope=None,
                errors=(400, 401, 403),
                params=pages(DOCUMENTS_PER_PAGE, DOCUMENTS_MAX_PER_PAGE),
                description="Any secret key of the bot.",
            ),
            "post": op(
                "Add a document: a file, text, or a URL to import",
                "Documents",
                ok(ref("DocumentResponse"), "Created"),
                status="201",
                scope="documents:write",
                errors=(400, 401, 403, 413, 415, 502),
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [ref("DocumentText"), ref("DocumentUrl")]}
                        },
                        "multipart/form-data": {"schema": ref("DocumentUpload")},
                    },
                },
                description="201 for a new document, 200 when an existing one (same title, "
                "file name or URL) was replaced or unchanged, 202 while a large "
                "upload is processed in the background. An empty document is a 400 and a "
                "file in a format Docent does not read a 415.",
                also=("200", "202"),
            ),
        },
        "/api/v1/documents/{document_id}": {
            "get": op(
                "A document and its processing progress",
                "Documents",
                ok(ref("DocumentResponse")),
                scope=None,
                errors=(401, 403, 404),
                params=[
                    path_param("document_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
                ],
            ),
            "delete": op(
                "Delete a document and its chunks",
                "Documents",
                ok(ref("DocumentDeleted")),
                scope="documents:write",
                errors=(401, 403, 404),
                params=[
                    path_param("document_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
                ],
            ),
        },
        "/api/v1/questions": {
            "get": op(
                "What visitors asked, with the answers they got, newest first",
                "Owner's loop",
                ok(ref("QuestionList")),
                scope="sessions:read",
                errors=(400, 401, 403),
                params=[
                    *pages(DEFAULT_PER_PAGE, MAX_PER_PAGE),
                    query("answered", BOOL, "Only answered (true) or unanswered (false)."),
                    query("rating", {"enum": ["up", "down"]}, "Only answers rated so."),
                ],
                description="`answered` and `rating` each narrow the list; given together, "
                "a question matching either is listed, so `answered=false&rating=down` is "
                "everything that went unanswered or was rated down.",
            )
        },
        "/api/v1/answers": {
            "get": op(
                "List curated answers, newest first",
                "Owner's loop",
                ok(ref("CuratedAnswerList")),
                scope="documents:write",
                errors=(400, 401, 403),
                params=pages(DEFAULT_PER_PAGE, MAX_PER_PAGE),
            ),
            "post": op(
                "Add a curated answer",
                "Owner's loop",
                ok(ref("CuratedAnswerResponse"), "Created"),
                status="201",
                scope="documents:write",
                body=ref("CuratedAnswerRequest"),
                errors=(400, 401, 403, 415),
                description=CURATED_DESCRIPTION,
            ),
        },
        "/api/v1/answers/{answer_id}": {
            "put": op(
                "Replace a curated answer's question, answer and url",
                "Owner's loop",
                ok(ref("CuratedAnswerResponse")),
                scope="documents:write",
                body=ref("CuratedAnswerRequest"),
                params=[path_param("answer_id", {"type": "integer"})],
                errors=(400, 401, 403, 404, 415),
            ),
            "delete": op(
                "Delete a curated answer",
                "Owner's loop",
                ok(ref("CuratedAnswerDeleted")),
                scope="documents:write",
                params=[path_param("answer_id", {"type": "integer"})],
                errors=(401, 403, 404),
            ),
        },
        "/api/v1/openapi.json": {
            "get": op("This document", "Reference", ok({"type": "object"}), public=True, errors=())
        },
        "/api/docs": {
            "get": op(
                "The rendered API reference",
                "Reference",
                {"description": "HTML", "content": {"text/html": {"schema": STR}}},
                public=True,
                errors=(),
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
        **integration_paths(op, ok, path_param),
        **site_paths(op, ok, path_param),
        **health_paths(),
    }


def health_paths() -> dict[str, Any]:
    """The process and readiness checks a load balancer polls (no key, no limits)."""
    state = {"type": "string", "enum": ["ok", "unavailable"]}
    ready = {
        "type": "object",
        "properties": {
            "status": state,
            "checks": {
                "type": "object",
                "properties": {"database": state, "limiter": state},
            },
        },
    }
    return {
        "/healthz": {
            "get": op(
                "The process is up",
                "Operations",
                ok({"type": "object", "properties": {"status": {"const": "ok"}}}),
                public=True,
                errors=(),
            )
        },
        "/readyz": {
            "get": op(
                "The database and the limiter storage answer (503 when either does not)",
                "Operations",
                ok(ready),
                public=True,
                errors=(),
            )
            | {"responses": {"200": ok(ready), "503": ok(ready, "Not ready")}},
        },
    }


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI document (without servers, which depend on the request)."""
    schemas = {
        **SCHEMAS,
        **INTEGRATION_SCHEMAS,
        **SITE_SCHEMAS,
        "WsAuthFrame": obj({"type": {"const": "auth"}, "api_key": STR}),
        "WsQuestionFrame": obj(
            {"message": {**STR, "minLength": 1, "maxLength": 4000}},
            {"type": {"enum": ["message", "question"]}, "session_id": SID, "sessionId": SID},
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Docent API",
            "version": "1.0.0",
            "description": "Ask a bot questions answered from its documents, over JSON, "
            "NDJSON, Server-Sent Events, a WebSocket, the OpenAI chat completions API or MCP; "
            "read sessions and usage; manage documents and webhooks. Every error is "
            '`{"success": false, "error": {"code", "message"}}`. '
            f"Scopes: {', '.join(SCOPES)}. A guide: docs/api.md.",
        },
        "tags": [
            {"name": n}
            for n in (
                "Headless",
                "Developer",
                "Sessions",
                "Usage",
                "Documents",
                "Owner's loop",
                "Chat sessions",
                "OpenAI-compatible",
                "MCP",
                "Webhooks",
                "Reference",
                "Operations",
            )
        ],
        "paths": paths(),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "pk_… (widget, chat only, allowed origins) or "
                    "sk_… (server side, any scope of its bot).",
                },
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "widgetKeyHeader": {"type": "apiKey", "in": "header", "name": "x-widget-api-key"},
                "apiKeyQuery": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "api_key",
                    "description": "Only on /api/v1 routes (also accepted as "
                    "`api_key` in a JSON body).",
                },
            },
        },
    }


def documented_path(rule: str) -> str:
    """Return a werkzeug rule as the document's path: `<int:id>` becomes `{id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@bp.before_request
def refuse_unknown_query() -> None:
    """Refuse query parameters the operation does not document, like unknown body fields."""
    if request.url_rule is None or not request.args:
        return
    operation = document()["paths"].get(documented_path(request.url_rule.rule), {})
    spec = operation.get(request.method.lower())
    if spec is None:
        return
    # Every operation accepts the key as ?api_key= (the apiKeyQuery security scheme).
    allowed = {p["name"] for p in spec.get("parameters", []) if p["in"] == "query"}
    unknown = sorted(set(request.args) - allowed - {"api_key"})
    if unknown:
        raise InvalidRequest(f"Unknown query parameter '{unknown[0][:60]}'.")


@developer.get("/openapi.json")
def openapi_json() -> Response:
    """Serve the OpenAPI document, with this server as its base URL."""
    return jsonify({**document(), "servers": [{"url": request.host_url.rstrip("/")}]})


@bp.get("/api/docs")
def api_docs() -> Response:
    """Serve the rendered reference (Swagger UI, from local files)."""
    page = Path(current_app.static_folder or "static", "apidocs", "index.html")
    response = Response(page.read_text(encoding="utf-8"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
    )
    return response
