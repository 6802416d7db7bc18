"""JSON Schemas of Docent's API payloads, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
REF = "#/components/schemas/"


def ref(name: str) -> Schema:
    return {"$ref": REF + name}


def obj(
    required: dict[str, Any],
    optional: dict[str, Any] | None = None,
    extra: bool = False,
    **more: Any,
) -> Schema:
    """An object schema: required and optional properties; closed unless extra."""
    schema: Schema = {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": extra,
    }
    return {**schema, **more}


def arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer", "minimum": 0}
NUM: Schema = {"type": "number", "minimum": 0}
BOOL: Schema = {"type": "boolean"}
TIME: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
SID: Schema = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}
# Request text: anything but NUL, which the server refuses (PostgreSQL cannot store it).
TEXT: Schema = {"type": "string", "pattern": "^[^\u0000]*$"}
# A question: 1–4000 characters with at least one that is not white space.
QUESTION: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 4000,
    "pattern": "^[^\u0000]*[^\\s\u0000][^\u0000]*$",
}
KEY_IN_BODY: Schema = {**TEXT, "description": "Seed-compatible key in the body (/api/v1 only)."}
NULLABLE_STR: Schema = {"type": ["string", "null"]}
ANSWERED: Schema = {
    "type": "boolean",
    "description": "False when the bot found nothing relevant and gave its fallback, "
    "or the model declined.",
}
NULLABLE_ANSWERED: Schema = {
    "type": ["boolean", "null"],
    "description": "Answers: false for a fallback or a refusal; null for questions and "
    "answers that failed or came before the flag existed.",
}
META = obj(
    {
        "current_page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "has_more": BOOL,
    }
)
COUNTS = {
    "requests": INT,
    "input_tokens": INT,
    "output_tokens": INT,
    "total_tokens": INT,
    "cost": {**NUM, "description": "US dollars."},
}

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
            "labels": {
                "type": "object",
                "description": "The owner's texts: `send` for every language, `fr.send` for one.",
                "additionalProperties": STR,
            },
        },
        extra=True,
    ),
    "Feedback": obj({"rating": {"enum": ["up", "down"]}, "comment": STR}),
    "FeedbackRequest": obj(
        {"rating": {"enum": ["up", "down"]}}, {"comment": {**TEXT, "maxLength": 2000}}
    ),
    "FeedbackResponse": obj(
        {"success": {"const": True}, "message_id": STR, "feedback": ref("Feedback")}
    ),
    "Message": obj(
        {
            "message_id": STR,
            "role": {"enum": ["user", "assistant"]},
            "content": STR,
            "status": {"enum": ["complete", "interrupted", "failed"]},
            "sources": arr(ref("Source")),
            "answered": NULLABLE_ANSWERED,
            "created_at": TIME,
            "feedback": {"oneOf": [ref("Feedback"), {"type": "null"}]},
        }
    ),
    "Transcript": obj({"sessionId": SID, "messages": arr(ref("Message"))}),
    "Session": obj(
        {
            "session_id": SID,
            "name": STR,
            "created_at": TIME,
            "last_at": TIME,
            "total_tokens": INT,
            "preview": STR,
            "message_count": INT,
        },
        {
            "messages": {
                **arr(ref("Message")),
                "description": "With include_all=true, and on GET by id.",
            }
        },
    ),
    "SessionList": obj({"success": {"const": True}, "sessions": arr(ref("Session")), "meta": META}),
    "SessionDetail": obj({"success": {"const": True}, "session": ref("Session")}),
    "SessionDeleted": obj(
        {"success": {"const": True}, "session_id": SID, "deleted": {"const": True}}
    ),
    "UsageCounts": obj(COUNTS),
    "UsageReport": obj(
        {
            "success": {"const": True},
            "start_date": DAY,
            "end_date": DAY,
            "usage": obj(
                {
                    "total_requests": INT,
                    "total_input_tokens": INT,
                    "total_output_tokens": INT,
                    "total_tokens": INT,
                    "total_cost": {**NUM, "description": "US dollars."},
                }
            ),
            "by_model": arr(obj({"model": STR, **COUNTS})),
            "by_day": {
                **arr(obj({"date": DAY, **COUNTS})),
                "description": "Every day of the range, oldest first, zeros included.",
            },
        }
    ),
    "Document": obj(
        {
            "id": INT,
            "title": STR,
            "url": NULLABLE_STR,
            "source": {"enum": ["text", "file", "url"]},
            "filename": NULLABLE_STR,
            "status": {"enum": ["processing", "ready", "failed"]},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "error": NULLABLE_STR,
            "chunk_count": INT,
            "size_bytes": INT,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "DocumentList": obj(
        {"success": {"const": True}, "documents": arr(ref("Document")), "meta": META}
    ),
    "DocumentResponse": obj({"success": {"const": True}, "document": ref("Document")}),
    "DocumentText": obj(
        {
            "title": {**QUESTION, "maxLength": 500},
            "text": {**QUESTION, "maxLength": 5_000_000},
        },
        {
            "url": {**TEXT, "maxLength": 2000},
            "format": {"enum": ["text", "markdown", "html"], "default": "text"},
            "api_key": KEY_IN_BODY,
        },
    ),
    "DocumentUrl": obj(
        {
            "url": {
                **TEXT,
                "minLength": 1,
                "maxLength": 2000,
                "description": "A public http(s) page to import.",
            }
        },
        {
            "api_key": KEY_IN_BODY,
            "background": {**BOOL, "description": "Import on the task queue: 202 processing."},
        },
    ),
    "DocumentUpload": obj(
        {
            "file": {
                **STR,
                "contentMediaType": "application/octet-stream",
                "description": ".txt, .md, .html, .pdf or .docx; a file name of at most "
                "255 characters",
            }
        },
        {
            "title": {**TEXT, "maxLength": 500},
            "url": {**TEXT, "maxLength": 2000},
            "background": BOOL,
        },
    ),
    "DocumentDeleted": obj(
        {"success": {"const": True}, "document_id": INT, "deleted": {"const": True}}
    ),
    "Question": obj(
        {
            "message_id": {**STR, "description": "The answer's message id (feedback uses it)."},
            "session_id": SID,
            "question": STR,
            "answer": STR,
            "answered": NULLABLE_ANSWERED,
            "rating": {"enum": ["up", "down", None]},
            "comment": {**STR, "description": "The visitor's feedback comment, or empty."},
            "asked_at": TIME,
        }
    ),
    "QuestionList": obj(
        {"success": {"const": True}, "questions": arr(ref("Question")), "meta": META}
    ),
    "CuratedAnswer": obj(
        {
            "id": INT,
            "question": STR,
            "answer": STR,
            "url": NULLABLE_STR,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "CuratedAnswerRequest": obj(
        {
            "question": {**TEXT, "minLength": 1, "maxLength": 500},
            "answer": {**TEXT, "minLength": 1, "maxLength": 10000},
        },
        {
            "url": {
                "type": ["string", "null"],
                "maxLength": 2000,
                "description": "An http(s) page the answer cites; omitted or null for none.",
            },
            "api_key": KEY_IN_BODY,
        },
    ),
    "CuratedAnswerList": obj(
        {"success": {"const": True}, "answers": arr(ref("CuratedAnswer")), "meta": META}
    ),
    "CuratedAnswerResponse": obj({"success": {"const": True}, "answer": ref("CuratedAnswer")}),
    "CuratedAnswerDeleted": obj(
        {"success": {"const": True}, "answer_id": INT, "deleted": {"const": True}}
    ),
    "Chat": obj({"chat_id": SID, "chat_name": STR, "created_at": TIME, "last_at": TIME}),
    "ChatList": obj({"chats": arr(ref("Chat"))}),
    "ChatCreate": obj({}, {"name": {**QUESTION, "maxLength": 300}}),
    "ChatRename": obj({"chat_name": {**QUESTION, "maxLength": 300}}),
    "ChatDeleted": obj({"message": STR, "chat_id": SID, "deleted": {"const": True}}),
    "ChatQuestion": obj({"question": QUESTION}),
    "ChatAnswer": obj(
        {
            "chat_id": SID,
            "message_id": STR,
            "question": STR,
            "user_message": STR,
            "assistant": STR,
            "sources": arr(ref("Source")),
            "metadata": obj({"sources": arr(ref("Source"))}),
            "usage": ref("Usage"),
            "answered": ANSWERED,
            "message_time": TIME,
        }
    ),
    "ChatHistory": arr(
        obj(
            {
                "chat_id": SID,
                "message_id": STR,
                "user_message": STR,
                "assistant": STR,
                "message_time": TIME,
            },
            {
                "status": {"enum": ["pending", "complete", "interrupted", "failed"]},
                "sources": arr(ref("Source")),
                "answered": NULLABLE_ANSWERED,
            },
        )
    ),
}
