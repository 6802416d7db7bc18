"""Answer one question as a stream of events, persisting as it goes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError

import logs
from engine import drafts, events
from engine.curated import promote, stream_curated
from engine.prices import cost_micros, dollars
from engine.prompt import build_messages
from engine.providers import Item, ProviderError, stream_offline, stream_openai
from engine.refusal import answered, fallback_text
from engine.tokens import count_messages, count_tokens
from knowledge.retrieval import Passage, search
from models import Bot, Conversation, Message, UsageDaily, db, utcnow
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
        # Counters move in SQL: several servers may add to one conversation at once.
        db.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(message_count=Conversation.message_count + 1, last_at=utcnow(), **mark)
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


def stored_history(conversation_id: int, before_seq: int | None = None) -> list[dict[str, str]]:
    """Return the conversation's earlier exchanges as chat messages (newest last)."""
    query = db.select(Message).where(Message.conversation_id == conversation_id)
    rows = db.session.execute(query.order_by(Message.seq.desc()).limit(60)).scalars().all()
    rows = list(reversed(rows))[:-1]  # the last row is the question being answered
    return [
        {"role": m.role, "content": m.content}
        for m in rows
        if m.content and (m.role == "user" or m.status == "complete")
    ]


def effective_model(bot: Bot) -> str:
    """Return the model that answers for a bot: "offline" when no provider key is set."""
    if bot.model == "offline" or not current_app.config.get("OPENAI_API_KEY"):
        return "offline"
    return bot.model


def stream_answer(turn: Turn) -> Generator[events.Event, None, None]:
    """Yield start, deltas, sources, then end or error; persist the answer either way."""
    config = current_app.config
    bot = db.session.get_one(Bot, turn.bot_id)
    yield events.start(turn.session_id, turn.assistant_id)
    started = time.monotonic()
    parts: list[str] = []
    passages: list[Passage] = []
    messages: list[dict[str, str]] = []
    usage: dict[str, Any] = {}
    model = effective_model(bot)
    fallback = bot.fallback_message
    try:
        passages = search(bot.id, turn.question, int(config["CONTEXT_PASSAGES"]))
        curated = promote(bot.id, passages)
        history = turn.history if turn.history is not None else stored_history(turn.conversation_id)
        messages = build_messages(
            bot.prompt,
            passages,
            history,
            turn.question,
            int(config["HISTORY_TOKENS"]),
            fallback_text(fallback),
        )
        items = call_model(bot, model, messages, turn.question, passages, curated)
        draft = drafts.Draft(turn.conversation_id, turn.assistant_id)
        # Give the database connection back while the model talks: a stream can take
        # minutes, and the pool must serve many of them at once.
        db.session.close()
        try:
            for kind, value in items:
                if kind == "delta":
                    parts.append(value)
                    draft.save(parts)
                    yield events.delta(value)
                else:
                    usage = value
        finally:
            items.close()
        sources = [p.source() for p in passages]
        verdict = answered(passages, "".join(parts), fallback)
        record = _finish(
            turn, bot, "complete", parts, sources, messages, usage, started, answered=verdict
        )
        yield events.sources(sources)
        yield events.end(turn.session_id, turn.assistant_id, record, verdict)
    except GeneratorExit:
        # The client went away: keep what was said so far, then let the stream close.
        _finish(
            turn,
            bot,
            "interrupted",
            parts,
            [p.source() for p in passages],
            messages,
            usage,
            started,
            # Stopped before a word: nothing was answered, nor declined.
            answered=answered(passages, "".join(parts), fallback) if parts else None,
        )
        raise
    except Exception as exc:
        if isinstance(exc, ProviderError):
            code, message, status = "upstream_error", exc.message, exc.status
        elif isinstance(exc, OperationalError):
            # The database is busy (SQLite's write lock held past its timeout) or out of
            # reach: a 503 the client may retry, as for the same error anywhere else.
            current_app.logger.exception("Answer failed for session %s", turn.session_id)
            code, status = "unavailable", 503
            message = "The service is busy; retry in a moment."
        else:
            current_app.logger.exception("Answer failed for session %s", turn.session_id)
            code, status = "internal_error", 500
            message = "The answer could not be completed because of a server error."
        _finish(
            turn,
            bot,
            "failed",
            parts,
            [],
            messages,
            usage,
            started,
            error={"code": code, "message": message},
        )
        yield events.error(code, message, status)


def _finish(
    turn: Turn,
    bot: Bot,
    status: str,
    parts: list[str],
    sources: list[dict[str, Any]],
    messages: list[dict[str, str]],
    usage: dict[str, Any],
    started: float,
    error: dict[str, str] | None = None,
    answered: bool | None = None,
) -> dict[str, Any]:
    """Store the assistant message and its usage once; return the SPEC usage object."""
    db.session.rollback()
    content = "".join(parts)
    model, input_tokens, output_tokens, cost = meter(
        messages, content, usage, effective_model(bot), bool(parts) or status != "failed"
    )
    latency = int((time.monotonic() - started) * 1000)
    if db.session.get(Message, turn.assistant_id) is not None:
        # Already stored: the client left after the complete answer was saved (while
        # `sources` or `end` was being sent), so there is nothing more to record.
        return usage_object(input_tokens, output_tokens, cost)
    db.session.add(
        Message(
            id=turn.assistant_id,
            conversation_id=turn.conversation_id,
            role="assistant",
            content=content,
            status=status,
            error=error,
            sources=sources,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_micros=cost,
            latency_ms=latency,
            answered=answered,
        )
    )
    db.session.execute(
        update(Conversation)
        .where(Conversation.id == turn.conversation_id)
        .values(
            message_count=Conversation.message_count + 1,
            total_tokens=Conversation.total_tokens + input_tokens + output_tokens,
            last_at=utcnow(),
            **drafts.unmarked(turn.assistant_id),
        )
    )
    if messages:
        record_usage(bot.id, turn.key_id, model, input_tokens, output_tokens, cost, latency)
    if status == "complete" and answered is False:  # the fallback or a declined answer
        emit_event(bot.id, "message.unanswered", unanswered_data(turn, content))
    db.session.commit()
    return usage_object(input_tokens, output_tokens, cost)


def unanswered_data(turn: Turn, answer: str) -> dict[str, Any]:
    """Return the message.unanswered webhook payload for a turn."""
    return {
        "bot_id": turn.bot_id,
        "session_id": turn.session_id,
        "message_id": turn.assistant_id,
        "question": turn.question,
        "answer": answer,
    }


def call_model(
    bot: Bot,
    model: str,
    messages: list[dict[str, str]],
    question: str,
    passages: list[Passage],
    curated: Passage | None = None,
) -> Generator[Item, None, None]:
    """Open the model call: the offline engine, or the OpenAI-compatible server."""
    if model == "offline" and curated is not None:
        return stream_curated(messages, curated.content)
    if model == "offline":
        return stream_offline(messages, question, passages, bot.fallback_message)
    return stream_openai(current_app.config, messages, model, bot.temperature, bot.max_tokens)


def meter(
    messages: list[dict[str, str]],
    content: str,
    usage: dict[str, Any],
    model: str,
    generated: bool,
) -> tuple[str, int, int, int]:
    """Return a call's model, input and output tokens and cost in micro-dollars.

    Counts the server reported win; otherwise count offline. A call that produced
    nothing before failing is recorded with no input tokens: nothing was generated.
    """
    model = usage.get("model") or model
    input_tokens = usage.get("input_tokens")
    if input_tokens is None:
        input_tokens = count_messages(messages) if messages and generated else 0
    output_tokens = usage.get("output_tokens")
    if output_tokens is None:
        output_tokens = count_tokens(content)
    cost = cost_micros(current_app.config["PRICE_TABLE"], model, input_tokens, output_tokens)
    return model, input_tokens, output_tokens, cost


def usage_object(input_tokens: int, output_tokens: int, cost: int) -> dict[str, Any]:
    """Return SPEC's usage object; cost is in dollars."""
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
        "cost": dollars(cost),
    }


def record_usage(
    bot_id: int,
    key_id: int | None,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cost: int,
    latency_ms: int,
) -> None:
    """Add one model call to the day's aggregate row (an upsert, safe under concurrency)."""
    logs.note(model=model, input_tokens=input_tokens, output_tokens=output_tokens)
    values = {
        "bot_id": bot_id,
        "key_id": key_id or 0,
        "model": model,
        "day": utcnow().date(),
        "requests": 1,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_micros": cost,
        "latency_ms_total": latency_ms,
    }
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    table = UsageDaily.__table__
    assert isinstance(table, Table)
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["bot_id", "key_id", "model", "day"],
        set_={
            name: table.c[name] + statement.excluded[name]
            for name in (
                "requests",
                "input_tokens",
                "output_tokens",
                "cost_micros",
                "latency_ms_total",
            )
        },
    )
    db.session.execute(statement)
