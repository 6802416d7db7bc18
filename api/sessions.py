"""Developer session routes: list, read and delete the conversations of a key's bot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy.orm import selectinload

from api.auth import Caller, authenticate, key_from_request, request_origin
from api.blueprints import developer
from api.errors import InvalidRequest, NotFound
from api.validation import flag, session_id
from models import Conversation, Message, db
from services.conversations import conversations_in_order, delete_conversation, message_dict

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def iso(moment: datetime | None) -> str | None:
    """Return a stored naive-UTC time as ISO 8601 with a Z."""
    return moment.isoformat() + "Z" if moment else None


def caller_for(scope: str) -> Caller:
    """Authenticate the request's key for one scope (query-string key included)."""
    return authenticate(key_from_request(), scope, request_origin())


def whole_number(name: str, default: int, low: int, high: int | None = None) -> int:
    """Read an integer query parameter within bounds, or raise 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be a whole number.") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidRequest(f"'{name}' must be {bounds}.")
    return value


def page_args(default: int = DEFAULT_PER_PAGE, most: int = MAX_PER_PAGE) -> tuple[int, int]:
    """Return (page, per_page) from the query string; pages count from 1."""
    return whole_number("page", 1, 1, 1_000_000), whole_number("per_page", default, 1, most)


def page_of(
    query: Any, default: int = DEFAULT_PER_PAGE, most: int = MAX_PER_PAGE
) -> tuple[list[Any], dict[str, Any]]:
    """Run an ordered select for the requested page; return its rows and SPEC's meta."""
    page, per_page = page_args(default, most)
    rows = list(
        db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)).scalars()
    )
    meta = {"current_page": page, "per_page": per_page, "has_more": len(rows) > per_page}
    return rows[:per_page], meta


def find_conversation(bot_id: int, sid: str, name: str = "session_id") -> Conversation:
    """Return the bot's conversation, or 404 the same way whether it is absent or not ours."""
    session_id(sid, name)
    conversation = db.session.execute(
        db.select(Conversation).where(Conversation.bot_id == bot_id, Conversation.session_id == sid)
    ).scalar_one_or_none()
    if conversation is None:
        raise NotFound("No session with that id.")
    return conversation


def session_dict(
    conversation: Conversation, messages: list[Message] | None = None
) -> dict[str, Any]:
    """Return a conversation as the sessions routes show it."""
    item: dict[str, Any] = {
        "session_id": conversation.session_id,
        "name": conversation.name,
        "created_at": iso(conversation.created_at),
        "last_at": iso(conversation.last_at),
        "total_tokens": conversation.total_tokens,
        "preview": conversation.preview,
        "message_count": conversation.message_count,
    }
    if messages is not None:
        item["messages"] = [message_dict(m) for m in messages]
    return item


def messages_of(conversation_ids: list[int]) -> dict[int, list[Message]]:
    """Load the messages (and feedback) of several conversations in one query."""
    grouped: dict[int, list[Message]] = {cid: [] for cid in conversation_ids}
    if not conversation_ids:
        return grouped
    rows = db.session.execute(
        db.select(Message)
        .options(selectinload(Message.feedback))
        .where(Message.conversation_id.in_(conversation_ids))
        .order_by(Message.seq)
    ).scalars()
    for message in rows:
        grouped[message.conversation_id].append(message)
    return grouped


@developer.get("/sessions")
def list_sessions() -> Response:
    """List the bot's sessions, most recent first; include_all adds their messages."""
    caller = caller_for("sessions:read")
    include_all = flag(request.args.get("include_all"), "include_all")
    ids, meta = page_of(
        db.select(Conversation.id)
        .where(Conversation.bot_id == caller.bot.id)
        .order_by(Conversation.last_at.desc(), Conversation.id.desc())
    )
    rows = conversations_in_order(ids)
    messages = messages_of([c.id for c in rows]) if include_all else {}
    return jsonify(
        {
            "success": True,
            "sessions": [
                session_dict(c, messages.get(c.id) if include_all else None) for c in rows
            ],
            "meta": meta,
        }
    )


@developer.get("/sessions/<sid>")
def get_session(sid: str) -> Response:
    """Return one session with its messages and their feedback."""
    caller = caller_for("sessions:read")
    conversation = find_conversation(caller.bot.id, sid)
    messages = messages_of([conversation.id])[conversation.id]
    return jsonify({"success": True, "session": session_dict(conversation, messages)})


@developer.delete("/sessions/<sid>")
def remove_session(sid: str) -> Response:
    """Delete a session and its messages for good; recorded usage is kept."""
    caller = caller_for("sessions:write")
    delete_conversation(find_conversation(caller.bot.id, sid))
    return jsonify({"success": True, "session_id": sid, "deleted": True})
