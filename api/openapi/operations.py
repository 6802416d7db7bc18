"""Helpers that build the OpenAPI document's operations, parameters and responses."""

from __future__ import annotations

from typing import Any

from api.schemas import SID, Schema, ref

AUTH_SCHEMES = ("bearer", "apiKeyHeader", "widgetKeyHeader", "apiKeyQuery")


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
