"""What a visitor's client sends and receives.

Questions, answers, stream events, WebSocket frames and the widget's settings.
"""

from __future__ import annotations

from api.schemas.base import (
    ANSWERED,
    BOOL,
    INT,
    KEY_IN_BODY,
    NULLABLE_STR,
    NUM,
    QUESTION,
    SID,
    STR,
    TEXT,
    Schema,
    arr,
    obj,
    ref,
)

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "success": {"const": False},
            "error": obj({"code": {**STR, "examples": ["invalid_request"]}, "message": STR}),
        }
    ),
    "Source": obj({"title": STR, "url": NULLABLE_STR, "snippet": STR, "score": {"type": "number"}}),
    "Usage": obj(
        {
            "input_tokens": INT,
            "output_tokens": INT,
            "total_tokens": INT,
            "cost": {**NUM, "description": "US dollars."},
        }
    ),
    "Turn": obj({"role": {"enum": ["user", "assistant"]}, "content": STR}),
    "TurnIn": obj(
        {"role": {"enum": ["user", "assistant"]}, "content": {**TEXT, "maxLength": 16000}}
    ),
    "HeadlessChatRequest": obj(
        {"message": QUESTION},
        {"sessionId": SID, "session_id": {**SID, "description": "Accepted for sessionId."}},
        anyOf=[{"required": ["sessionId"]}, {"required": ["session_id"]}],
    ),
    "HeadlessChatResponse": obj(
        {
            "sessionId": SID,
            "message_id": STR,
            "answer": STR,
            "sources": arr(ref("Source")),
            "usage": ref("Usage"),
            "answered": ANSWERED,
        }
    ),
    "DeveloperChatRequest": obj(
        {},
        {
            "message": QUESTION,
            "question": {**QUESTION, "description": "Accepted for `message`."},
            "session_id": SID,
            "stream": BOOL,
            "history": {
                **arr(ref("TurnIn")),
                "maxItems": 100,
                "description": "Stateless chat: used only when session_id is absent.",
            },
            "api_key": KEY_IN_BODY,
        },
        oneOf=[{"required": ["message"]}, {"required": ["question"]}],
    ),
    "DeveloperChatResponse": obj(
        {
            "success": {"const": True},
            "session_id": SID,
            "message_id": STR,
            "answer": STR,
            "sources": arr(ref("Source")),
            "usage": ref("Usage"),
            "answered": ANSWERED,
        },
        {"history": {**arr(ref("Turn")), "description": "Present in stateless mode."}},
    ),
    "StartEvent": obj({"type": {"const": "start"}, "sessionId": SID, "message_id": STR}),
    "DeltaEvent": obj({"type": {"const": "delta"}, "content": STR}),
    "SourcesEvent": obj({"type": {"const": "sources"}, "sources": arr(ref("Source"))}),
    "EndEvent": obj(
        {
            "type": {"const": "end"},
            "sessionId": SID,
            "message_id": STR,
            "usage": ref("Usage"),
            "answered": ANSWERED,
        }
    ),
    "ErrorEvent": obj(
        {"type": {"const": "error"}, "error": obj({"code": STR, "message": STR})},
        {"status": INT, "retry_after": INT},
    ),
    "StreamEvent": {
        "description": "One NDJSON line (or WebSocket frame). A stream is start, delta…, "
        "sources, end — or error as its last event.",
        "oneOf": [
            ref(n) for n in ("StartEvent", "DeltaEvent", "SourcesEvent", "EndEvent", "ErrorEvent")
        ],
    },
    "WidgetConfig": obj(
        {
            "title": STR,
            "accent_color": STR,
            "position": STR,
            "welcome_message": STR,
            "starter_questions": arr(STR),
            "avatar_url": STR,
            "bot_name": STR,
        },
        {
            "handoff": {"enum": ["off", "always", "unanswered"]},
            "lead_form": BOOL,
            "message_max": {
                **INT,
                "description": "The longest message a visitor may send, in characters.",
            },
            "labels": {
                "type": "object",
                "description": "The owner's texts: `send` for every language, `fr.send` for one.",
                "additionalProperties": STR,
            },
        },
        extra=True,
    ),
    "WsAuthFrame": obj({"type": {"const": "auth"}, "api_key": STR}),
    "WsQuestionFrame": obj(
        {"message": QUESTION},
        {"type": {"enum": ["message", "question"]}, "session_id": SID, "sessionId": SID},
    ),
}
