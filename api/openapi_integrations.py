"""OpenAPI paths and schemas of the OpenAI-compatible, MCP and webhook routes."""

from __future__ import annotations

from typing import Any

from api.schemas import BOOL, INT, KEY_IN_BODY, SID, STR, TIME, Schema, arr, obj, ref

EVENT_NAMES = [
    "conversation.created",
    "message.unanswered",
    "message.rated",
    "lead.created",
    "handoff.requested",
]
OPENAI_STREAM = (
    "`text/event-stream` of OpenAI `chat.completion.chunk` objects as `data:` lines: the "
    "first carries the assistant role, then one per piece of text, then one with "
    '`finish_reason: "stop"`, `sources` and `usage` (or, with '
    "`stream_options.include_usage`, a last chunk with empty `choices`, `usage` and "
    "`sources`), then `data: [DONE]`. A failure is a last `data:` line holding the error."
)

WEBHOOK_FIELDS: dict[str, Schema] = {
    "id": INT,
    "url": STR,
    "events": arr({"enum": EVENT_NAMES}),
    "created_at": TIME,
    "enabled": BOOL,
    "disabled_at": {"type": ["string", "null"], "format": "date-time"},
    "disabled_reason": {"type": ["string", "null"]},
}
SCHEMAS: dict[str, Schema] = {
    "OpenAIError": obj(
        {
            "success": {"const": False},
            "error": obj(
                {
                    "code": STR,
                    "message": STR,
                    "type": STR,
                    "param": {"type": ["string", "null"]},
                }
            ),
        }
    ),
    "Model": obj(
        {
            "id": {**STR, "pattern": "^bot-[0-9]+$"},
            "object": {"const": "model"},
            "created": INT,
            "owned_by": STR,
            "name": STR,
        }
    ),
    "ModelList": obj({"object": {"const": "list"}, "data": arr(ref("Model"))}),
    "ChatCompletionRequest": obj(
        {
            "model": {**STR, "description": "bot-<id>, as GET /v1/models lists it."},
            "messages": {
                **arr(
                    obj(
                        {"role": {"enum": ["system", "developer", "user", "assistant", "tool"]}},
                        {"content": {"oneOf": [STR, arr({"type": "object"}), {"type": "null"}]}},
                        extra=True,
                    )
                ),
                "minItems": 1,
                "description": "The last user message is the question; earlier user and "
                "assistant messages are the history. System messages are ignored.",
            },
        },
        {
            "stream": BOOL,
            "stream_options": obj({}, {"include_usage": BOOL}, extra=True),
            "session_id": {**SID, "description": "Store the exchange under this session."},
        },
        extra=True,
    ),
    "ChatCompletion": obj(
        {
            "id": STR,
            "object": {"const": "chat.completion"},
            "created": INT,
            "model": STR,
            "choices": arr(
                obj(
                    {
                        "index": INT,
                        "message": obj(
                            {
                                "role": {"const": "assistant"},
                                "content": STR,
                                "refusal": {"type": "null"},
                            }
                        ),
                        "logprobs": {"type": "null"},
                        "finish_reason": STR,
                    }
                )
            ),
            "usage": obj({"prompt_tokens": INT, "completion_tokens": INT, "total_tokens": INT}),
            "system_fingerprint": {"type": "null"},
            "sources": arr(ref("Source")),
            "session_id": SID,
        }
    ),
    "JsonRpc": {
        "type": "object",
        "required": ["jsonrpc"],
        "properties": {"jsonrpc": {"const": "2.0"}},
    },
    "WebhookCreate": obj(
        {
            "url": {**STR, "maxLength": 2000, "format": "uri"},
            "events": {**arr({"enum": EVENT_NAMES}), "minItems": 1},
        },
        {"api_key": KEY_IN_BODY},
    ),
    "Webhook": obj(WEBHOOK_FIELDS),
    "WebhookCreated": obj(
        {
            "success": {"const": True},
            "webhook": obj(
                {**WEBHOOK_FIELDS, "secret": {**STR, "description": "whsec_…, shown only here."}}
            ),
        }
    ),
    "WebhookList": obj({"success": {"const": True}, "webhooks": arr(ref("Webhook"))}),
    "WebhookDeleted": obj(
        {"success": {"const": True}, "webhook_id": INT, "deleted": {"const": True}}
    ),
    "WebhookDelivery": obj(
        {
            "id": INT,
            "event_id": STR,
            "type": {"enum": EVENT_NAMES},
            "status": {"enum": ["pending", "delivered", "failed"]},
            "attempts": INT,
            "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
            "last_status": {"type": ["integer", "null"]},
            "last_error": {"type": ["string", "null"]},
            "delivered_at": {"type": ["string", "null"], "format": "date-time"},
            "created_at": TIME,
        }
    ),
    "WebhookDeliveries": obj(
        {"success": {"const": True}, "deliveries": arr(ref("WebhookDelivery"))}
    ),
}


def integration_paths(op: Any, ok: Any, path_param: Any) -> dict[str, Any]:
    """Return the paths of this module's routes, built with openapi.py's helpers."""
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
