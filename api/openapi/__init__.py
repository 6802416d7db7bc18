"""The OpenAPI 3.1 description of every API route, and its rendered reference at /api/docs.

The paths are built by area (chat, owner, integrations, sites, reference) with the helpers
of operations.py; the schemas come from the one registry in api/schemas.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, request

from api.blueprints import bp, developer
from api.errors import InvalidRequest
from api.openapi.chat import chat_paths
from api.openapi.integrations import integration_paths
from api.openapi.owner import owner_paths
from api.openapi.reference import health_paths, reference_paths
from api.openapi.sites import site_paths
from api.schemas import SCHEMAS
from services.keys import SCOPES


def paths() -> dict[str, Any]:
    """Every route of the API."""
    chat = chat_paths()
    developer = ("/api/v1/chat", "/api/v1/chat/ws")
    return {
        **{p: v for p, v in chat.items() if p.startswith("/v1/") or p in developer},
        **owner_paths(),
        **reference_paths(),
        **{p: v for p, v in chat.items() if p.startswith("/chat")},
        **integration_paths(),
        **site_paths(),
        **health_paths(),
    }


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI document (without servers, which depend on the request)."""
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
            "schemas": SCHEMAS,
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
    # No documented parameter is a list: a repeated one is refused, not read by its first value.
    repeated = sorted(name for name in allowed if len(request.args.getlist(name)) > 1)
    if repeated:
        raise InvalidRequest(f"Query parameter '{repeated[0]}' is given more than once.")


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
