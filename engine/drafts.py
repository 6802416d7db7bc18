"""Answers in flight: partial text kept while streaming, and reconciled if a worker dies.

A turn marks its conversation with the answer's id when the question is stored (the
same write that stores the question), the stream writes the partial text every few
seconds, and storing the answer clears the mark (the same write that counts it). A
mark that stays untouched belongs to a worker that stopped: `reconcile` stores it as
an interrupted answer with the usage that is known.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import case, select, update

from engine.calls import effective_model, record_usage, stored_history
from engine.prices import cost_micros
from engine.prompt import build_messages
from engine.tokens import count_messages, count_tokens
from knowledge.retrieval import search
from models import Bot, Conversation, Message, db, utcnow

log = logging.getLogger(__name__)
# Seconds between writes of an answer's partial text while it streams.
SAVE_EVERY = 2.0
# A mark untouched this long belongs to a stopped worker. Live streams write at least
# every SAVE_EVERY seconds while text arrives, and the upstream goes silent for at most
# UPSTREAM_IDLE_TIMEOUT (60 s by default) before the stream fails and finishes.
STALE_AFTER = 600.0
STOPPED = {
    "code": "server_stopped",
    "message": "The server stopped while answering; the partial answer was kept.",
}


class Draft:
    """Writes one streaming answer's partial text onto its conversation, now and then."""

    def __init__(self, conversation_id: int, assistant_id: str) -> None:
        self.conversation_id = conversation_id
        self.id = assistant_id
        self.last = time.monotonic()

    def save(self, parts: list[str]) -> None:
        """Store the text so far, at most every SAVE_EVERY seconds; release the connection."""
        now = time.monotonic()
        if now - self.last < SAVE_EVERY:
            return
        self.last = now
        db.session.execute(
            update(Conversation)
            .where(Conversation.id == self.conversation_id, Conversation.pending_id == self.id)
            .values(pending_text="".join(parts), pending_at=utcnow())
        )
        db.session.commit()
        db.session.close()


def marked(assistant_id: str) -> dict[str, Any]:
    """Return the columns that note on a conversation that answer assistant_id is being written."""
    return {"pending_id": assistant_id, "pending_text": "", "pending_at": utcnow()}


def unmarked(assistant_id: str) -> dict[str, Any]:
    """Return SQL values that clear the conversation's mark if it is this answer's."""
    mine = Conversation.pending_id == assistant_id
    return {
        name: case((mine, None), else_=getattr(Conversation, name))
        for name in ("pending_id", "pending_text", "pending_at")
    }


def reconcile(older_than: float | None = None) -> int:
    """Store every stale mark as an interrupted answer with its usage; return how many."""
    seconds = STALE_AFTER if older_than is None else older_than
    cutoff = utcnow() - timedelta(seconds=seconds)
    ids = db.session.scalars(
        select(Conversation.id).where(
            Conversation.pending_id.is_not(None), Conversation.pending_at <= cutoff
        )
    ).all()
    done = 0
    for conversation_id in ids:
        try:
            done += _settle(conversation_id)
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            db.session.rollback()
            log.exception("could not reconcile the answer of conversation %s", conversation_id)
    if done:
        log.warning("reconciled %d answers left unfinished by a stopped worker", done)
    return done


def prompt_tokens(conversation: Conversation, bot: Bot, question: str) -> int:
    """Count the prompt the model was sent for the conversation's last question, rebuilt."""
    config = current_app.config
    passages = search(bot.id, question, int(config["CONTEXT_PASSAGES"]))
    history = stored_history(conversation.id)
    messages = build_messages(
        bot.prompt, passages, history, question, int(config["HISTORY_TOKENS"])
    )
    return count_messages(messages)


def _settle(conversation_id: int) -> int:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.pending_id is None:
        return 0
    answer_id, text = conversation.pending_id, conversation.pending_text or ""
    started = conversation.last_at
    # Clearing the mark first, guarded by its id, lets only one reconciler settle it.
    taken = db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.pending_id == answer_id)
        .values(pending_id=None, pending_text=None, pending_at=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1 or db.session.get(Message, answer_id) is not None:
        db.session.commit()
        return 0
    bot = db.session.get_one(Bot, conversation.bot_id)
    question = db.session.scalars(
        select(Message.content)
        .where(Message.conversation_id == conversation_id, Message.role == "user")
        .order_by(Message.seq.desc())
        .limit(1)
    ).first()
    model = effective_model(bot)
    input_tokens = prompt_tokens(conversation, bot, question or "")
    output_tokens = count_tokens(text)
    cost = cost_micros(current_app.config["PRICE_TABLE"], model, input_tokens, output_tokens)
    latency = max(0, int((utcnow() - started).total_seconds() * 1000))
    db.session.add(
        Message(
            id=answer_id,
            conversation_id=conversation_id,
            role="assistant",
            content=text,
            status="interrupted",
            error=STOPPED,
            sources=[],
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_micros=cost,
            latency_ms=latency,
        )
    )
    conversation.message_count += 1
    conversation.total_tokens += input_tokens + output_tokens
    record_usage(bot.id, conversation.key_id, model, input_tokens, output_tokens, cost, latency)
    db.session.commit()
    return 1


def reconcile_forever(app: Flask, every: float = 60.0) -> threading.Thread:
    """Reconcile stale answers every `every` seconds in a daemon thread (one per worker)."""

    def run() -> None:
        while True:
            time.sleep(every)
            try:
                with app.app_context():
                    reconcile()
                    db.session.remove()
            except Exception:  # noqa: BLE001 - try again next round
                log.exception("periodic reconciliation failed")

    thread = threading.Thread(target=run, name="reconcile-answers", daemon=True)
    thread.start()
    return thread
