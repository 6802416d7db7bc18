"""Answer one question as a stream of events, persisting as it goes."""

from __future__ import annotations

import functools
from collections.abc import Generator
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, update

from engine import drafts, events
from engine.calls import Reply, effective_model, record_usage, stored_history, usage_object
from engine.providers import ProviderError
from engine.refusal import answered
from models import Bot, db, upsert_for, utcnow
from services.conversations import CONVERSATIONS, MESSAGES, Turn
from services.errors import Unavailable
from services.webhooks import emit_event


def stream_answer(turn: Turn) -> Generator[events.Event, None, None]:
    """Yield start, deltas, sources, then end or error; persist the answer either way."""
    bot = turn.bot or db.session.get_one(Bot, turn.bot_id)
    yield events.start(turn.session_id, turn.assistant_id)
    reply = Reply(bot, turn.question, effective_model(bot))
    fallback = bot.fallback_message
    try:
        try:
            history = (
                turn.history if turn.history is not None else stored_history(turn.conversation_id)
            )
            reply.prepare(history)
        finally:
            turn.give_back_place()  # the next question in line may be prepared
        items = reply.open()
        draft = drafts.Draft(turn.conversation_id, turn.assistant_id)
        # Give the database connection back while the model talks: a stream can take
        # minutes, and the pool must serve many of them at once.
        db.session.close()
        try:
            for text in reply.deltas(items):
                draft.save(reply.parts)
                yield events.delta(text)
        finally:
            items.close()
        sources = [p.source() for p in reply.passages]
        verdict = answered(reply.passages, reply.text, fallback)
        record = _finish(turn, reply, "complete", sources, answered=verdict)
        yield events.sources(sources)
        yield events.end(turn.session_id, turn.assistant_id, record, verdict)
    except GeneratorExit:
        # The client went away: keep what was said so far, then let the stream close.
        _finish(
            turn,
            reply,
            "interrupted",
            [p.source() for p in reply.passages],
            # Stopped before a word: nothing was answered, nor declined.
            answered=answered(reply.passages, reply.text, fallback) if reply.parts else None,
        )
        raise
    except Exception as exc:
        busy = Unavailable.from_database(exc)
        if isinstance(exc, ProviderError):
            code, message, status = "upstream_error", exc.message, exc.status
        elif busy is not None:
            # A 503 the client may retry, as for the same error anywhere else.
            current_app.logger.exception("Answer failed for session %s", turn.session_id)
            code, message, status = busy.code, busy.message, busy.status
        else:
            current_app.logger.exception("Answer failed for session %s", turn.session_id)
            code, status = "internal_error", 500
            message = "The answer could not be completed because of a server error."
        _finish(turn, reply, "failed", [], error={"code": code, "message": message})
        yield events.error(code, message, status)


def _finish(
    turn: Turn,
    reply: Reply,
    status: str,
    sources: list[dict[str, Any]],
    error: dict[str, str] | None = None,
    answered: bool | None = None,
) -> dict[str, Any]:
    """Store the assistant message and its usage once; return the SPEC usage object.

    One transaction of Core statements: the message (unless it is stored already),
    the conversation's counters and mark, the day's usage row, then one commit.
    """
    db.session.rollback()
    content = reply.text
    model, input_tokens, output_tokens, cost = reply.meter(bool(reply.parts) or status != "failed")
    latency = reply.latency_ms()
    values = {
        "id": turn.assistant_id,
        "conversation_id": turn.conversation_id,
        "role": "assistant",
        "content": content,
        "status": status,
        "error": error,
        "sources": sources,
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_micros": cost,
        "latency_ms": latency,
        "answered": answered,
    }
    dialect = db.engine.dialect.name
    if db.session.execute(_store_answer(dialect), values).scalar_one_or_none() is None:
        # Already stored: the client left after the complete answer was saved (while
        # `sources` or `end` was being sent), so there is nothing more to record.
        db.session.rollback()
        return usage_object(input_tokens, output_tokens, cost)
    db.session.execute(
        _COUNT_ANSWER,
        {
            "w_id": turn.conversation_id,
            "v_tokens": input_tokens + output_tokens,
            "v_now": utcnow(),
            "v_answer": turn.assistant_id,
        },
    )
    if reply.messages:
        bot_id = turn.bot_id
        record_usage(bot_id, turn.key_id, model, input_tokens, output_tokens, cost, latency)
    if status == "complete" and answered is False:  # the fallback or a declined answer
        emit_event(turn.bot_id, "message.unanswered", unanswered_data(turn, content))
    db.session.commit()
    return usage_object(input_tokens, output_tokens, cost)


# Statements of every answer, built once (building one costs about as much as running it).
@functools.cache
def _store_answer(dialect: str) -> Any:
    """Return the answer's INSERT for a dialect: nothing (no row returned) if it is stored."""
    return (
        upsert_for(dialect)(MESSAGES)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(MESSAGES.c.id)
    )


_COUNT_ANSWER = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.id == bindparam("w_id"))
    .values(
        message_count=CONVERSATIONS.c.message_count + 1,
        total_tokens=CONVERSATIONS.c.total_tokens + bindparam("v_tokens"),
        last_at=bindparam("v_now"),
        # The mark's rule, with the answer's id bound at each call.
        **drafts.unmarked(bindparam("v_answer")),  # type: ignore[arg-type]
    )
)


def unanswered_data(turn: Turn, answer: str) -> dict[str, Any]:
    """Return the message.unanswered webhook payload for a turn."""
    return {
        "bot_id": turn.bot_id,
        "session_id": turn.session_id,
        "message_id": turn.assistant_id,
        "question": turn.question,
        "answer": answer,
    }
