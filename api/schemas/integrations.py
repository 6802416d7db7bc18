"""Schemas of the OpenAI-compatible, MCP and webhook routes."""

from __future__ import annotations

from api.schemas.base import (
    BOOL,
    INT,
    KEY_IN_BODY,
    NULLABLE_BOOL,
    SID,
    STR,
    TEXT,
    TIME,
    Schema,
    arr,
    obj,
    ref,
)

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
            "model": {**TEXT, "description": "bot-<id>, as GET /v1/models lists it."},
            "messages": {
                **arr(
                    obj(
                        {"role": {"enum": ["system", "developer", "user", "assistant", "tool"]}},
                        {"content": {"oneOf": [TEXT, arr({"type": "object"}), {"type": "null"}]}},
                        extra=True,
                    )
                ),
                "minItems": 1,
                "description": "The last user message is the question; earlier user and "
                "assistant messages are the history. System messages are ignored.",
            },
        },
        {
            "stream": {**NULLABLE_BOOL, "description": "null is false, as in OpenAI's API."},
            "stream_options": {
                **obj({}, {"include_usage": NULLABLE_BOOL}, extra=True),
                "type": ["object", "null"],
            },
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
