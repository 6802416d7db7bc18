"""What visitors asked: the questions list, filterable to the unanswered and rated down."""

from __future__ import annotations

from flask import Response, jsonify, request

from api.blueprints import developer
from api.errors import InvalidRequest
from api.sessions import caller_for, page_args
from services.questions import answers_query, asked, question_dict

BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def answered_arg() -> bool | None:
    """Read `answered` from the query string: true, false, or absent."""
    raw = request.args.get("answered")
    if raw is None or raw == "":
        return None
    if raw.lower() not in BOOLEANS:
        raise InvalidRequest("'answered' must be true or false.")
    return BOOLEANS[raw.lower()]


def rating_arg() -> str | None:
    """Read `rating` from the query string: up, down, or absent."""
    raw = request.args.get("rating")
    if raw is None or raw == "":
        return None
    if raw not in ("up", "down"):
        raise InvalidRequest('\'rating\' must be "up" or "down".')
    return raw


@developer.get("/questions")
def list_questions() -> Response:
    """List what visitors asked with the answers they got, newest first.

    `answered` and `rating` each narrow the list; given together, a question matching
    either is listed (answered=false&rating=down is everything the owner should review).
    """
    caller = caller_for("sessions:read")
    answered, rating = answered_arg(), rating_arg()
    page, per_page = page_args()
    query = answers_query(caller.bot.id, answered, rating)
    items = asked(query, (page - 1) * per_page, per_page + 1)
    meta = {"current_page": page, "per_page": per_page, "has_more": len(items) > per_page}
    return jsonify(
        {"success": True, "questions": [question_dict(i) for i in items[:per_page]], "meta": meta}
    )
