"""Chat-session routes in the Quivr layout: the same conversations under /chat."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from api.auth import authenticate, chat_ip_limit, key_from_request, request_origin
from api.blueprints import chats
from api.errors import InvalidRequest
from api.sessions import caller_for, find_conversation, iso, page_args
from api.streams import collect, sse_response
from api.validation import json_body, message
from contract import CHAT_NAME_MAX
from engine.answer import stream_answer
from models import Conversation, Message, db, utcnow
from services.admission import in_line
from services.conversations import Turn, delete_conversation, new_session_id, start_turn
from services.webhooks import emit_event

CHATS_PER_PAGE = 100
CHATS_MAX_PER_PAGE = 1000


def chat_dict(conversation: Conversation) -> dict[str, Any]:
    """Return a conversation as a Quivr chat."""
    return {
        "chat_id": conversation.session_id,
        "chat_name": conversation.name,
        "created_at": iso(conversation.created_at),
        "last_at": iso(conversation.last_at),
    }


def chat_name(body: dict[str, Any], field: str, default: str | None = None) -> str:
    """Validate a chat name: at most CHAT_NAME_MAX characters as sent, not only white space."""
    value = body.get(field, default)
    if not isinstance(value, str) or not value.strip() or len(value) > CHAT_NAME_MAX:
        raise InvalidRequest(f"'{field}' must be 1–{CHAT_NAME_MAX} characters of text.")
    return value.strip()


@chats.get("")
def list_chats() -> Response:
    """List the bot's chats, most recent first (page and per_page optional)."""
    caller = caller_for("sessions:read")
    page, per_page = page_args(CHATS_PER_PAGE, CHATS_MAX_PER_PAGE)
    rows = db.session.execute(
        db.select(Conversation)
        .where(Conversation.bot_id == caller.bot.id)
        .order_by(Conversation.last_at.desc(), Conversation.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).scalars()
    return jsonify({"chats": [chat_dict(c) for c in rows]})


@chats.post("")
def create_chat() -> Response:
    """Start an empty chat; its chat_id is a session id every other route accepts."""
    caller = caller_for("sessions:write")
    body = json_body("ChatCreate", optional=True)
    conversation = Conversation(
        bot_id=caller.bot.id,
        session_id=new_session_id(),
        name=chat_name(body, "name", "New chat"),
        key_id=caller.key.id,
        message_count=0,
        total_tokens=0,
        preview="",
    )
    db.session.add(conversation)
    data = {"bot_id": caller.bot.id, "session_id": conversation.session_id, "question": ""}
    emit_event(caller.bot.id, "conversation.created", data)
    db.session.commit()
    return jsonify(chat_dict(conversation))


@chats.delete("/<chat_id>")
def delete_chat(chat_id: str) -> Response:
    """Delete a chat and its messages for good; recorded usage is kept."""
    caller = caller_for("sessions:write")
    delete_conversation(find_conversation(caller.bot.id, chat_id, "chat_id"))
    return jsonify(
        {"message": f"Chat {chat_id} has been deleted.", "chat_id": chat_id, "deleted": True}
    )


@chats.put("/<chat_id>/metadata")
def rename_chat(chat_id: str) -> Response:
    """Rename a chat."""
    caller = caller_for("sessions:write")
    body = json_body("ChatRename")
    conversation = find_conversation(caller.bot.id, chat_id, "chat_id")
    conversation.name = chat_name(body, "chat_name")
    db.session.commit()
    return jsonify(chat_dict(conversation))


def ask(chat_id: str) -> tuple[Turn, str]:
    """Authenticate, validate and check the chat is ours; then start the turn."""
    body = json_body("ChatQuestion")
    caller = authenticate(key_from_request(), "chat", request_origin())
    find_conversation(caller.bot.id, chat_id, "chat_id")  # 404 unless the chat is ours
    question = message(body.get("question"), "question")
    return start_turn(caller.key, caller.bot, chat_id, question), question


@chats.post("/<chat_id>/question")
@chat_ip_limit
@in_line
def chat_question(chat_id: str) -> Response:
    """Answer a question in a chat, in one JSON reply."""
    turn, question = ask(chat_id)
    result = collect(stream_answer(turn))
    return jsonify(
        {
            "chat_id": chat_id,
            "message_id": result["message_id"],
            "question": question,
            "user_message": question,
            "assistant": result["answer"],
            "sources": result["sources"],
            "metadata": {"sources": result["sources"]},
            "usage": result["usage"],
            "answered": result["answered"],
            "message_time": iso(utcnow()),
        }
    )


@chats.post("/<chat_id>/question/stream")
@chat_ip_limit
@in_line
def chat_question_stream(chat_id: str) -> Response:
    """Answer a question in a chat as Server-Sent Events, like /api/v1/chat with stream."""
    turn, _ = ask(chat_id)
    return sse_response(lambda: stream_answer(turn))


@chats.get("/<chat_id>/history")
def chat_history(chat_id: str) -> Response:
    """Return a chat as question-and-answer pairs, oldest first."""
    caller = caller_for("sessions:read")
    conversation = find_conversation(caller.bot.id, chat_id, "chat_id")
    rows = db.session.execute(
        db.select(Message).where(Message.conversation_id == conversation.id).order_by(Message.seq)
    ).scalars()
    pairs: list[dict[str, Any]] = []
    answered = True
    for row in rows:
        if row.role == "user":
            # Until its answer is stored, a pair carries the question's id.
            pairs.append(
                {
                    "chat_id": chat_id,
                    "message_id": row.id,
                    "user_message": row.content,
                    "assistant": "",
                    "message_time": iso(row.created_at),
                    "status": "pending",
                    "sources": [],
                    "answered": None,
                }
            )
            answered = False
        elif not answered:
            pairs[-1].update(
                message_id=row.id,
                assistant=row.content,
                status=row.status,
                sources=row.sources or [],
                answered=row.answered,
            )
            answered = True
    return jsonify(pairs)
