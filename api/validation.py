"""Request validation shared by every route: JSON bodies, session ids, messages."""

from __future__ import annotations

import re
from typing import Any

from flask import request

from api.errors import ApiError, InvalidRequest

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MAX_MESSAGE = 4000


def json_body(optional: bool = False) -> dict[str, Any]:
    """Return the request's JSON object, or raise 415/400 with a clear message."""
    if not request.get_data(cache=True) and optional:
        return {}
    if not request.is_json:
        raise ApiError(
            "Send a JSON body with 'Content-Type: application/json'.",
            code="unsupported_media_type",
            status=415,
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def session_id(value: Any, name: str = "sessionId", required: bool = False) -> str | None:
    """Validate a session id: 1–128 characters of A-Za-z0-9._:-."""
    if value is None:
        if required:
            raise InvalidRequest(f"'{name}' is required.")
        return None
    if not isinstance(value, str) or not SESSION_ID_RE.match(value):
        raise InvalidRequest(
            f"'{name}' must be 1–128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'."
        )
    return value


def message(value: Any, name: str = "message") -> str:
    """Validate a visitor message: 1–4000 characters after trimming."""
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' is required and must be a string.")
    text = value.strip()
    if not text:
        raise InvalidRequest(f"'{name}' must not be empty.")
    if len(text) > MAX_MESSAGE:
        raise InvalidRequest(f"'{name}' must be at most {MAX_MESSAGE} characters.")
    return text


def history(value: Any) -> list[dict[str, str]] | None:
    """Validate a stateless history: a list of {role, content} turns."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 100:
        raise InvalidRequest("'history' must be a list of at most 100 {role, content} objects.")
    turns = []
    for item in value:
        if (
            not isinstance(item, dict)
            or item.get("role") not in ("user", "assistant")
            or not isinstance(item.get("content"), str)
            or len(item["content"]) > 4 * MAX_MESSAGE
        ):
            raise InvalidRequest(
                'Each \'history\' item must be {"role": "user"|"assistant", "content": text}.'
            )
        turns.append({"role": item["role"], "content": item["content"]})
    return turns


def flag(value: Any, name: str) -> bool:
    """Validate a boolean flag given as JSON or a query string."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no", ""):
        return value.lower() in ("true", "1", "yes")
    raise InvalidRequest(f"'{name}' must be true or false.")
