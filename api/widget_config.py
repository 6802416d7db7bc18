"""Widget routes: public settings, a visitor's transcript and feedback."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from api import bp
from api.auth import authenticate, key_from_request, request_origin
from api.errors import InvalidRequest, NotFound
from api.validation import json_body, session_id
from models import Bot, Conversation, Feedback, Message, db
from services.webhooks import emit_event

WIDGET_DEFAULTS: dict[str, Any] = {
    "title": "",
    "accent_color": "#4f46e5",
    "position": "right",
    "welcome_message": "Hi! Ask me anything about this site.",
    "starter_questions": [],
    "avatar_url": "",
    "placeholder": "",  # empty: the widget says "Ask a question…" in its language
    "labels": {},
    # "Talk to a person": off, always, or once an answer went unanswered; the lead form.
    "handoff": "off",
    "lead_form": False,
}


def widget_settings(bot: Bot) -> dict[str, Any]:
    """Return the bot's public widget settings with defaults filled in."""
    settings = {
        **WIDGET_DEFAULTS,
        **{k: v for k, v in (bot.widget or {}).items() if k in WIDGET_DEFAULTS},
    }
    settings["title"] = settings["title"] or bot.name
    settings["bot_name"] = bot.name
    return settings


def message_dict(message: Message) -> dict[str, Any]:
    """Return a stored message as clients see it."""
    feedback = message.feedback
    return {
        "message_id": message.id,
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "sources": message.sources or [],
        "answered": message.answered,
        "created_at": message.created_at.isoformat() + "Z",
        "feedback": {"rating": feedback.rating, "comment": feedback.comment} if feedback else None,
    }


@bp.get("/v1/widget/config")
def widget_config() -> Response:
    """Return the settings the widget renders with."""
    caller = authenticate(key_from_request(), "chat", request_origin())
    return jsonify(widget_settings(caller.bot))


@bp.get("/v1/sessions/<sid>/messages")
def session_messages(sid: str) -> Response:
    """Return a visitor's transcript; the session id is the visitor's capability."""
    caller = authenticate(key_from_request(), "chat", request_origin())
    session_id(sid)
    conversation = db.session.execute(
        db.select(Conversation).where(
            Conversation.bot_id == caller.bot.id, Conversation.session_id == sid
        )
    ).scalar_one_or_none()
    if conversation is None:
        raise NotFound("No conversation with that session id.")
    return jsonify({"sessionId": sid, "messages": [message_dict(m) for m in conversation.messages]})


@bp.post("/v1/messages/<message_id>/feedback")
def message_feedback(message_id: str) -> Response:
    """Record, or change, the one rating a message can have."""
    body = json_body("FeedbackRequest")
    caller = authenticate(key_from_request(body), "chat", request_origin())
    rating = body.get("rating")
    comment = body.get("comment") or ""
    if rating not in ("up", "down"):
        raise InvalidRequest('\'rating\' must be "up" or "down".')
    if not isinstance(comment, str) or len(comment) > 2000:
        raise InvalidRequest("'comment' must be text of at most 2000 characters.")
    message = db.session.execute(
        db.select(Message)
        .join(Conversation)
        .where(
            Message.id == message_id,
            Message.role == "assistant",
            Conversation.bot_id == caller.bot.id,
        )
    ).scalar_one_or_none()
    if message is None:
        raise NotFound("No answer with that message id.")
    if message.feedback is None:
        message.feedback = Feedback(rating=rating, comment=comment)
    else:
        message.feedback.rating, message.feedback.comment = rating, comment
    emit_event(
        caller.bot.id,
        "message.rated",
        {
            "bot_id": caller.bot.id,
            "session_id": message.conversation.session_id,
            "message_id": message.id,
            "rating": rating,
            "comment": comment,
        },
    )
    db.session.commit()
    return jsonify(
        {
            "success": True,
            "message_id": message.id,
            "feedback": {"rating": rating, "comment": comment},
        }
    )
