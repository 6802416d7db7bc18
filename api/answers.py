"""Curated answers: the site owner's own answers, retrieved first and cited as a source."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, jsonify

from api.auth import Caller, authenticate, key_from_request, request_origin
from api.blueprints import developer
from api.errors import InvalidRequest, NotFound
from api.sessions import page_of
from api.validation import json_body
from models import Document
from services.answers import (
    ANSWER_MAX,
    QUESTION_MAX,
    URL_MAX,
    answer_dict,
    answers_query,
    delete_answer,
    find_answer,
    save_answer,
)


def writer(body: dict[str, Any] | None = None) -> Caller:
    """Authenticate a key with the documents:write scope."""
    return authenticate(key_from_request(body), "documents:write", request_origin())


def required_text(body: dict[str, Any], name: str, limit: int) -> str:
    """Return a required text field, trimmed: 1 to limit characters."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise InvalidRequest(f"'{name}' must be 1–{limit} characters of text.")
    return value.strip()


def link(body: dict[str, Any]) -> str | None:
    """Return the optional `url`: an absolute http(s) URL, or None."""
    value = body.get("url")
    if value is None or value == "":
        return None
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(value.strip()) > URL_MAX
    ):
        raise InvalidRequest(f"'url' must be an http(s) URL of at most {URL_MAX} characters.")
    return value.strip()


def fields(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """Validate a curated answer's body: question, answer and optional url."""
    return (
        required_text(body, "question", QUESTION_MAX),
        required_text(body, "answer", ANSWER_MAX),
        link(body),
    )


def owned(caller: Caller, answer_id: int) -> Document:
    """Return the caller's bot's curated answer, or 404."""
    document = find_answer(caller.bot.id, answer_id)
    if document is None:
        raise NotFound("No curated answer with that id.")
    return document


@developer.get("/answers")
def list_answers() -> Response:
    """List the bot's curated answers, newest first."""
    caller = writer()
    rows, meta = page_of(answers_query(caller.bot.id))
    return jsonify({"success": True, "answers": [answer_dict(d) for d in rows], "meta": meta})


@developer.post("/answers")
def create_answer() -> tuple[Response, int]:
    """Add a curated answer; retrieval finds it for paraphrases of its question."""
    body = json_body("CuratedAnswerRequest")
    caller = writer(body)
    question, answer, url = fields(body)
    document = save_answer(caller.bot.id, question, answer, url)
    return jsonify({"success": True, "answer": answer_dict(document)}), 201


@developer.put("/answers/<int:answer_id>")
def update_answer(answer_id: int) -> Response:
    """Replace a curated answer's question, answer and url (its chunk is rebuilt)."""
    body = json_body("CuratedAnswerRequest")
    caller = writer(body)
    document = owned(caller, answer_id)
    question, answer, url = fields(body)
    save_answer(caller.bot.id, question, answer, url, document)
    return jsonify({"success": True, "answer": answer_dict(document)})


@developer.delete("/answers/<int:answer_id>")
def remove_answer(answer_id: int) -> Response:
    """Delete a curated answer and its chunk."""
    caller = writer()
    delete_answer(owned(caller, answer_id))
    return jsonify({"success": True, "answer_id": answer_id, "deleted": True})
