"""What an owner reads and manages.

Feedback, transcripts, sessions, usage, documents, questions, curated answers and chats.
"""

from __future__ import annotations

from api.schemas.base import (
    ANSWERED,
    BOOL,
    COUNTS,
    DAY,
    INT,
    KEY_IN_BODY,
    META,
    NONBLANK,
    NULLABLE_ANSWERED,
    NULLABLE_STR,
    NUM,
    QUESTION,
    SID,
    STR,
    TEXT,
    TIME,
    Schema,
    arr,
    obj,
    ref,
)
from contract import CHAT_NAME_MAX, FEEDBACK_COMMENT_MAX

SCHEMAS: dict[str, Schema] = {
    "Feedback": obj({"rating": {"enum": ["up", "down"]}, "comment": STR}),
    "FeedbackRequest": obj(
        {"rating": {"enum": ["up", "down"]}},
        {"comment": {**TEXT, "maxLength": FEEDBACK_COMMENT_MAX}},
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
            "title": {**NONBLANK, "maxLength": 500},
            "text": {**NONBLANK, "maxLength": 5_000_000},
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
                "pattern": "^[^\u0000]*$",
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
    "ChatCreate": obj({}, {"name": {**NONBLANK, "maxLength": CHAT_NAME_MAX}}),
    "ChatRename": obj({"chat_name": {**NONBLANK, "maxLength": CHAT_NAME_MAX}}),
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
