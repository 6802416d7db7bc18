"""Conversations: the one turn-starter every chat channel uses, and conversation records.

A turn is one question ready to answer. `start_turn` charges the question against the
limits, finds or starts the conversation and commits the visitor's message, all before
the first byte of the answer, in a place in line that the answer gives back once it has
its passages (services/admission.py); engine/answer.stream_answer then answers it.
"""

from __future__ import annotations

import functools
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, insert, inspect

from engine import drafts
from models import ApiKey, Bot, Conversation, Lead, Message, db, table_of, upsert_for, utcnow
from services.admission import Place, claim_place
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
    # The bot's settings when the turn started (settings_of), or None to read the row.
    bot: Bot | None = None
    # The place it is prepared in, until its passages are retrieved (services/admission.py).
    place: Place | None = None

    def give_back_place(self) -> None:
        """Let the next question in line be prepared (once; later calls do nothing)."""
        if self.place is not None:
            self.place.give_back()


CONVERSATIONS = table_of(Conversation)
MESSAGES = table_of(Message)
BOT_COLUMNS = tuple(column.key for column in inspect(Bot).column_attrs)
# Values come with each call; the columns left out take their defaults (id, seq, times).
_INSERT_MESSAGE = insert(MESSAGES)


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
    place = claim_place()  # the request's place in line, now the turn's
    try:
        charge_question(key, client_ip)
        turn = prepare_turn(bot, session_id, question, key.id, history=history)
    except BaseException:
        if place is not None:
            place.give_back()
        raise
    if place is not None:
        turn.place = place
        # A turn dropped before it is answered (the client gone first) gives it back too.
        weakref.finalize(turn, place.give_back)
    return turn


def prepare_turn(
    bot: Bot,
    session_id: str | None,
    question: str,
    key_id: int | None = None,
    history: list[dict[str, str]] | None = None,
) -> Turn:
    """Find or start the conversation and commit the visitor's message.

    Core statements, one round-trip each: the conversation is counted (or started)
    and the message inserted, then one commit. The bot's settings are copied first,
    since the commit expires the row and the answer would otherwise read it again.
    """
    settings = settings_of(bot)
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
    db.session.execute(
        _INSERT_MESSAGE,
        {
            "conversation_id": conversation_id,
            "role": "user",
            "content": question,
            "status": "complete",
        },
    )
    db.session.commit()
    return Turn(
        bot_id=settings.id,
        conversation_id=conversation_id,
        session_id=session_id,
        key_id=key_id,
        question=question,
        assistant_id=assistant_id,
        history=history,
        bot=settings,
    )


def settings_of(bot: Bot) -> Bot:
    """Return a copy of the bot's columns that belongs to no session.

    A commit expires every row of the session, and the copy is what the answer reads
    (its prompt, model, fallback): settings as they were when the turn started, with
    no second read of the row. It is never added to a session.
    """
    return Bot(**{name: getattr(bot, name) for name in BOT_COLUMNS})


def _conversation_id(
    bot_id: int, session_id: str, key_id: int | None, question: str, mark: dict[str, Any]
) -> tuple[int, bool]:
    """Start the session's conversation or count the question on it; return (id, started).

    One statement: an insert that, when the session has its row already, counts the
    question on that row instead. Two first messages of one session may race (on one
    server or two): the database lets one insert and makes the other count. The row
    was started by this statement when its creation time is the one it inserted (two
    first messages of one session stamped in the same microsecond would both say so).
    """
    now = utcnow()
    values = {
        "bot_id": bot_id,
        "session_id": session_id,
        "key_id": key_id,
        "name": question[:80],
        "preview": question[:200],
        "message_count": 1,
        "total_tokens": 0,
        "created_at": now,
        "last_at": now,
        **mark,
    }
    found, created_at = db.session.execute(_start_or_count(db.engine.dialect.name), values).one()
    return found, created_at == now


@functools.cache
def _start_or_count(dialect: str) -> Any:
    """Return the turn's conversation upsert for a dialect, built once (values per call)."""
    table = CONVERSATIONS
    statement = upsert_for(dialect)(table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["bot_id", "session_id"],
        set_={
            # Counters move in SQL: several servers may add to one conversation at once.
            "message_count": table.c.message_count + 1,
            "last_at": new.last_at,
            # A chat made empty (POST /chat) takes its preview from its first question.
            "preview": case((table.c.preview == "", new.preview), else_=table.c.preview),
            "pending_id": new.pending_id,
            "pending_text": new.pending_text,
            "pending_at": new.pending_at,
        },
    ).returning(table.c.id, table.c.created_at)


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
