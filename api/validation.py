"""Request validation shared by every route: JSON bodies, text, session ids, messages."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

from api.blueprints import bp
from api.errors import ApiError, InvalidApiKey, InvalidRequest
from api.schemas import SCHEMAS
from contract import HISTORY_TURN_MAX, HISTORY_TURNS, MESSAGE_MAX, SESSION_ID_MAX

SESSION_ID_RE = re.compile(rf"^[A-Za-z0-9._:-]{{1,{SESSION_ID_MAX}}}$")
# Deepest JSON nesting any route accepts; real bodies use three or four levels.
MAX_DEPTH = 32
# NUL (which PostgreSQL text refuses) and lone UTF-16 surrogates (which cannot be stored
# as UTF-8) are never meaningful in text a client sends.
# The largest id a row can have (PostgreSQL's integer); larger ids in a URL are a 404.
MAX_ID = 2**31 - 1
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a row id, so beyond a 32-bit integer it is simply not found."""

    def to_python(self, value: str) -> int:
        # A 404 straight away: werkzeug's ValidationError would let a route with the same
        # path and another method answer 405 instead.
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
            raise NotFound("No such id.")
        return int(value)


def clean_text(value: str, name: str) -> str:
    """Return the text, or raise 400 when it holds NUL or a lone surrogate."""
    if BAD_TEXT.search(value):
        raise InvalidRequest(f"'{name[:60]}' holds a NUL character or invalid Unicode.")
    return value


def parse_json(data: bytes | str) -> Any:
    """Decode JSON with bounded nesting and clean text, or raise 400 invalid_request."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise InvalidRequest(f"JSON may be nested at most {MAX_DEPTH} levels deep.") from None
    except ValueError:
        raise InvalidRequest("The body is not valid JSON in UTF-8.") from None
    # Walk without recursion: check depth, and every key and string value.
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            clean_text(item, "text")
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise InvalidRequest(f"JSON may be nested at most {MAX_DEPTH} levels deep.")
            if isinstance(item, dict):
                for key, child in item.items():
                    clean_text(key, "key")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return value


def json_body(*schemas: str, optional: bool = False) -> dict[str, Any]:
    """Return the request's JSON object, or raise 415/400; refuse properties `schemas` lack."""
    data = request.get_data(cache=True)
    if not data and optional:
        return {}
    if not request.is_json:
        raise ApiError(
            "Send a JSON body with 'Content-Type: application/json'.",
            code="unsupported_media_type",
            status=415,
        )
    body = parse_json(data)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if not isinstance(body.get("api_key", ""), str):
        raise InvalidRequest("'api_key' must be text.")
    if schemas:
        refuse_unknown(body, schemas)
    return body


def session_id(value: Any, name: str = "sessionId", required: bool = False) -> str | None:
    """Validate a session id: 1–SESSION_ID_MAX characters of A-Za-z0-9._:-."""
    if value is None:
        if required:
            raise InvalidRequest(f"'{name}' is required.")
        return None
    if not isinstance(value, str) or not SESSION_ID_RE.match(value):
        raise InvalidRequest(
            f"'{name}' must be 1–{SESSION_ID_MAX} characters of A-Z, a-z, 0-9, "
            "'.', '_', ':' or '-'."
        )
    return value


def message(value: Any, name: str = "message") -> str:
    """Validate a visitor message: 1–MESSAGE_MAX characters after trimming."""
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' is required and must be a string.")
    text = value.strip()
    if not text:
        raise InvalidRequest(f"'{name}' must not be empty.")
    if len(text) > MESSAGE_MAX:
        raise InvalidRequest(f"'{name}' must be at most {MESSAGE_MAX} characters.")
    return text


def history(value: Any) -> list[dict[str, str]] | None:
    """Validate a stateless history: a list of {role, content} turns."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > HISTORY_TURNS:
        raise InvalidRequest(
            f"'history' must be a list of at most {HISTORY_TURNS} {{role, content}} objects."
        )
    turns = []
    for item in value:
        if (
            not isinstance(item, dict)
            or item.get("role") not in ("user", "assistant")
            or not isinstance(item.get("content"), str)
            or len(item["content"]) > HISTORY_TURN_MAX
        ):
            raise InvalidRequest(
                'Each \'history\' item must be {"role": "user"|"assistant", "content": text}.'
            )
        turns.append({"role": item["role"], "content": item["content"]})
    return turns


def flag(value: str | None, name: str) -> bool:
    """Validate a boolean flag from a query string or a form field; absent is false."""
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes", "false", "0", "no", ""):
        return value.lower() in ("true", "1", "yes")
    raise InvalidRequest(f"'{name}' must be true or false.")


def body_flag(body: dict[str, Any], name: str, *, nullable: bool = False) -> bool:
    """Return a JSON body's boolean property, false when left out.

    JSON has booleans, so only true and false are accepted, as the OpenAPI document says:
    a string such as "true" or a null is a 400, not a guess. `nullable` admits null as
    false where the route documents it (the OpenAI-compatible route, as OpenAI does).
    """
    value = body.get(name)
    if isinstance(value, bool):
        return value
    if name not in body or (value is None and nullable):
        return False
    raise InvalidRequest(f"'{name}' must be true or false.")


def properties(schema: dict[str, Any]) -> set[str]:
    """Return the property names a schema defines, in any of its oneOf alternatives too."""
    names = set(schema.get("properties", {}))
    for alternative in schema.get("oneOf", []):
        names |= set(alternative.get("properties", {}))
    return names


def refuse_unknown(body: dict[str, Any], schemas: tuple[str, ...]) -> None:
    """Raise 400 for a property none of the OpenAPI schemas defines (they are closed)."""
    known = {name for schema in schemas for name in properties(SCHEMAS[schema])}
    unknown = sorted(set(body) - known)
    if "api_key" in unknown:
        raise InvalidApiKey("A key in the JSON body is accepted only on /api/v1 routes.")
    if unknown:
        raise InvalidRequest(f"Unknown property '{unknown[0][:60]}'.")


@bp.before_app_request
def refuse_bad_text() -> None:
    """Refuse NUL and lone surrogates in the path, query, form fields and file names."""
    try:
        clean_text(request.path, "path")
        for name, value in request.args.items(multi=True):
            clean_text(name, "query")
            if name != "api_key":  # a key is never stored; a bad one is simply a 401
                clean_text(value, name)
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, value in request.form.items(multi=True):
                clean_text(name, "form")
                clean_text(value, name)
            for upload in request.files.values():
                clean_text(upload.filename or "", "filename")
    except InvalidRequest as exc:
        # A werkzeug error, so the dashboard renders its own 400 page and the API its JSON.
        raise BadRequest(exc.message) from None
