"""Widget routes: public settings, a visitor's transcript and feedback."""

from __future__ import annotations

from flask import Response, jsonify

from api.auth import authenticate, key_from_request, request_origin
from api.blueprints import headless
from api.errors import InvalidRequest, NotFound
from api.validation import json_body, session_id
from contract import FEEDBACK_COMMENT_MAX, MESSAGE_MAX
from models import Conversation, Feedback, Message, db
from services.conversations import message_dict
from services.webhooks import emit_event
from services.widgets import widget_settings


@headless.get("/widget/config")
def widget_config() -> Response:
    """Return the settings the widget renders with."""
    caller = authenticate(key_from_request(), "chat", request_origin())
    return jsonify({**widget_settings(caller.bot), "message_max": MESSAGE_MAX})


@headless.get("/sessions/<sid>/messages")
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


@headless.post("/messages/<message_id>/feedback")
def message_feedback(message_id: str) -> Response:
    """Record, or change, the one rating a message can have."""
    body = json_body("FeedbackRequest")
    caller = authenticate(key_from_request(body), "chat", request_origin())
    rating = body.get("rating")
    comment = body.get("comment") or ""
    if rating not in ("up", "down"):
        raise InvalidRequest('\'rating\' must be "up" or "down".')
    if not isinstance(comment, str) or len(comment) > FEEDBACK_COMMENT_MAX:
        raise InvalidRequest(
            f"'comment' must be text of at most {FEEDBACK_COMMENT_MAX} characters."
        )
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
