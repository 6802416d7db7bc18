"""Conversations: the one turn-starter every chat channel uses, and conversation records.

A turn is one question ready to answer. `start_turn` charges the question against the
limits, finds or starts the conversation and commits the visitor's message, all before
the first byte of the answer; engine/answer.stream_answer then answers it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, update
from sqlalchemy.exc import IntegrityError

from engine import drafts
from models import ApiKey, Bot, Conversation, Lead, Message, db, utcnow
from services.limits import charge_question
from services.retention import delete_conversations
from services.webhooks import emit_event


@dataclass
class Turn:
    """One question, ready to answer: plain values so any thread can run it."""

    bot_id: int
    conversation_id: int
    session_id: str
    key_id: int | None
    question: str
    assistant_id: str
    history: list[dict[str, str]] | None = None


def new_session_id() -> str:
    """Return a fresh session id for a conversation the client did not name."""
    return uuid.uuid4().hex


def start_turn(
    key: ApiKey,
    bot: Bot,
    session_id: str | None,
    question: str,
    *,
    history: list[dict[str, str]] | None = None,
    client_ip: str | None = None,
) -> Turn:
    """Charge the question to the key (and client IP), then commit it: the one turn-starter."""
    charge_question(key, client_ip)
    return prepare_turn(bot, session_id, question, key.id, history=history)


def prepare_turn(
    bot: Bot,
    session_id: str | None,
    question: str,
    key_id: int | None = None,
    history: list[dict[str, str]] | None = None,
) -> Turn:
    """Find or start the conversation and commit the visitor's message."""
    session_id = session_id or new_session_id()
    assistant_id = uuid.uuid4().hex
    mark = drafts.marked(assistant_id)
    conversation_id, started = _conversation_id(bot.id, session_id, key_id, question, mark)
    if started:
        emit_event(
            bot.id,
            "conversation.created",
            {"bot_id": bot.id, "session_id": session_id, "question": question},
        )
    else:
        # Counters move in SQL: several servers may add to one conversation at once. A
        # chat made empty (POST /chat) takes its preview from its first question.
        db.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(
                message_count=Conversation.message_count + 1,
                last_at=utcnow(),
                preview=case(
                    (Conversation.preview == "", question[:200]), else_=Conversation.preview
                ),
                **mark,
            )
            # Nothing in this session reads the row before the commit expires it.
            .execution_options(synchronize_session=False)
        )
    db.session.add(
        Message(conversation_id=conversation_id, role="user", content=question, status="complete")
    )
    db.session.commit()
    return Turn(
        bot_id=bot.id,
        conversation_id=conversation_id,
        session_id=session_id,
        key_id=key_id,
        question=question,
        assistant_id=assistant_id,
        history=history,
    )


def _conversation_id(
    bot_id: int, session_id: str, key_id: int | None, question: str, mark: dict[str, Any]
) -> tuple[int, bool]:
    """Return the conversation's id and whether this question started it.

    Two first messages of one session may race (on one server or two): the loser of
    the insert finds the winner's row.
    """
    find = db.select(Conversation.id).where(
        Conversation.bot_id == bot_id, Conversation.session_id == session_id
    )
    found = db.session.scalar(find)
    if found is not None:
        return found, False
    conversation = Conversation(
        bot_id=bot_id,
        session_id=session_id,
        key_id=key_id,
        name=question[:80],
        preview=question[:200],
        message_count=1,
        total_tokens=0,
        last_at=utcnow(),
        **mark,
    )
    try:
        with db.session.begin_nested():
            db.session.add(conversation)
        return conversation.id, True
    except IntegrityError:
        return db.session.scalar(find), False


def conversations_in_order(ids: list[int]) -> list[Conversation]:
    """Load conversations by id, in the order given.

    Pages find their ids first, with OFFSET on the (bot_id, last_at, id) index alone,
    and read only the rows they show: a deep page then skips index entries, not rows.
    """
    if not ids:
        return []
    found = {
        c.id: c
        for c in db.session.execute(
            db.select(Conversation).where(Conversation.id.in_(ids))
        ).scalars()
    }
    return [found[i] for i in ids if i in found]


def delete_conversation(conversation: Conversation) -> None:
    """Delete everything about a visitor session: messages, feedback, leads; usage rows stay."""
    bot_id, sid = conversation.bot_id, conversation.session_id
    delete_conversations([conversation.id])
    db.session.execute(
        delete(Lead).where(Lead.bot_id == bot_id, Lead.session_id == sid),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


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
