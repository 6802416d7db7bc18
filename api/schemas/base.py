"""Building blocks of the API's JSON Schemas: references, closed objects, common types."""

from __future__ import annotations

from typing import Any

from contract import MESSAGE_MAX, SESSION_ID_MAX

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
NULLABLE_BOOL: Schema = {"type": ["boolean", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
SID: Schema = {"type": "string", "pattern": f"^[A-Za-z0-9._:-]{{1,{SESSION_ID_MAX}}}$"}
# Request text: anything but NUL, which the server refuses (PostgreSQL cannot store it).
TEXT: Schema = {"type": "string", "pattern": "^[^\u0000]*$"}
# Text with at least one character that is not white space; each use sets its maxLength.
NONBLANK: Schema = {
    "type": "string",
    "minLength": 1,
    "pattern": "^[^\u0000]*[^\\s\u0000][^\u0000]*$",
}
# A visitor's question: 1–MESSAGE_MAX characters once leading and trailing white space is
# trimmed (SPEC §4), so the limit is in the pattern rather than a maxLength.
QUESTION: Schema = {
    "type": "string",
    "minLength": 1,
    "pattern": f"^\\s*[^\\s\u0000](?:[^\u0000]{{0,{MESSAGE_MAX - 2}}}[^\\s\u0000])?\\s*$",
    "description": f"1–{MESSAGE_MAX} characters once leading and trailing space is trimmed.",
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
