"""OpenAPI paths of the OpenAI-compatible, MCP and webhook routes."""

from __future__ import annotations

from typing import Any

from api.openapi.operations import ok, op, path_param
from api.schemas import STR, ref
from api.schemas.integrations import OPENAI_STREAM


def integration_paths() -> dict[str, Any]:
    """Return the paths of this module's routes."""
    openai_errors = {
        str(s): {"description": d, "content": {"application/json": {"schema": ref("OpenAIError")}}}
        for s, d in (
            (400, "Invalid request"),
            (401, "Missing, public or revoked key"),
            (403, "Origin not allowed"),
            (404, "No such model"),
            (429, "Rate limit or quota"),
            (502, "Upstream model error"),
        )
    }
    hook_id = [path_param("webhook_id", {"type": "integer"})]
    completion = op(
        "Chat completion (OpenAI-compatible)",
        "OpenAI-compatible",
        {
            "description": "A chat completion, or a stream of chunks",
            "content": {
                "application/json": {"schema": ref("ChatCompletion")},
                "text/event-stream": {"schema": {"type": "string", "description": OPENAI_STREAM}},
            },
        },
        body=ref("ChatCompletionRequest"),
        errors=(),
    )
    completion["responses"].update(openai_errors)
    models = op("List models: the key's bot", "OpenAI-compatible", ok(ref("ModelList")), errors=())
    models["responses"].update({k: openai_errors[k] for k in ("400", "401", "403")})
    model = op(
        "One model",
        "OpenAI-compatible",
        ok(ref("Model")),
        errors=(),
        params=[path_param("name", STR)],
    )
    model["responses"].update({k: openai_errors[k] for k in ("400", "401", "403", "404")})
    mcp = op(
        "Model Context Protocol (streamable HTTP, stateless, JSON replies)",
        "MCP",
        ok(ref("JsonRpc"), "A JSON-RPC response"),
        body=ref("JsonRpc"),
        errors=(400, 401, 403, 429),
        description="Tools: `ask` {question, session_id?} → the answer with its "
        "sources; `search` {query, limit?} → passages with titles and links. "
        "Send `Accept: application/json, text/event-stream`.",
    )
    # A malformed JSON-RPC message is answered by the protocol itself, as a JSON-RPC error.
    mcp["responses"]["400"]["content"] = {
        "application/json": {"schema": {"anyOf": [ref("Error"), ref("JsonRpc")]}}
    }
    return {
        "/v1/models": {"get": models},
        "/v1/models/{name}": {"get": model},
        "/v1/chat/completions": {"post": completion},
        "/mcp": {"post": mcp},
        "/api/v1/webhooks": {
            "get": op(
                "List webhooks",
                "Webhooks",
                ok(ref("WebhookList")),
                scope="sessions:read",
                errors=(401, 403),
            ),
            "post": op(
                "Create a webhook; the reply holds its signing secret, shown once",
                "Webhooks",
                ok(ref("WebhookCreated"), "Created"),
                scope="sessions:read",
                body=ref("WebhookCreate"),
                status="201",
                errors=(400, 401, 403, 415),
            ),
        },
        "/api/v1/webhooks/{webhook_id}": {
            "delete": op(
                "Delete a webhook and its delivery log",
                "Webhooks",
                ok(ref("WebhookDeleted")),
                scope="sessions:read",
                params=hook_id,
                errors=(401, 403, 404),
            )
        },
        "/api/v1/webhooks/{webhook_id}/deliveries": {
            "get": op(
                "A webhook's latest deliveries",
                "Webhooks",
                ok(ref("WebhookDeliveries")),
                scope="sessions:read",
                params=hook_id,
                errors=(401, 403, 404),
            )
        },
    }
