"""One model call: the prompt from retrieval and history, the one loop over its output,
and its metering (tokens, cost, the day's usage row).

The streamed answer (engine/answer.py) and the dashboard's test box (services/trial.py)
both run a call through `Reply`, so they retrieve, prompt, loop and count alike.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select

import logs
from engine.curated import promote, stream_curated
from engine.prices import cost_micros, dollars
from engine.prompt import build_messages
from engine.providers import Item, stream_offline, stream_openai
from engine.refusal import fallback_text
from engine.tokens import count_messages, count_tokens
from knowledge.retrieval import Passage, search
from models import Bot, Message, UsageDaily, db, table_of, upsert_for, utcnow


def effective_model(bot: Bot) -> str:
    """Return the model that answers for a bot: "offline" when no provider key is set."""
    if bot.model == "offline" or not current_app.config.get("OPENAI_API_KEY"):
        return "offline"
    return bot.model


def stored_history(conversation_id: int, before_seq: int | None = None) -> list[dict[str, str]]:
    """Return the conversation's earlier exchanges as chat messages (newest last)."""
    rows = db.session.execute(_HISTORY, {"conversation_id": conversation_id}).all()
    rows = list(reversed(rows))[:-1]  # the last row is the question being answered
    return [
        {"role": role, "content": content}
        for role, content, status in rows
        if content and (role == "user" or status == "complete")
    ]


# Built once: building the statement cost about as much as running it.
_HISTORY = (
    select(Message.role, Message.content, Message.status)
    .where(Message.conversation_id == bindparam("conversation_id"))
    .order_by(Message.seq.desc())
    .limit(60)
)


@dataclass
class Reply:
    """One model call's course: what it was asked, and what it has said so far."""

    bot: Bot
    question: str
    model: str
    started: float = field(default_factory=time.monotonic)
    passages: list[Passage] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    curated: Passage | None = None
    parts: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Return the answer so far."""
        return "".join(self.parts)

    def prepare(self, history: list[dict[str, str]]) -> None:
        """Retrieve the passages and build the prompt (the curated answer first, if any)."""
        config = current_app.config
        bot = self.bot
        self.passages = search(bot.id, self.question, int(config["CONTEXT_PASSAGES"]))
        self.curated = promote(bot.id, self.passages)
        self.messages = build_messages(
            bot.prompt,
            self.passages,
            history,
            self.question,
            int(config["HISTORY_TOKENS"]),
            fallback_text(bot.fallback_message),
        )

    def open(self) -> Generator[Item, None, None]:
        """Open the model call: the offline engine, or the OpenAI-compatible server."""
        bot = self.bot
        if self.model == "offline" and self.curated is not None:
            return stream_curated(self.messages, self.curated.content)
        if self.model == "offline":
            return stream_offline(self.messages, self.question, self.passages, bot.fallback_message)
        return stream_openai(
            current_app.config, self.messages, self.model, bot.temperature, bot.max_tokens
        )

    def deltas(self, items: Generator[Item, None, None]) -> Generator[str, None, None]:
        """The one loop over a call: yield each piece of text, keeping it and the usage.

        The caller opened `items` and closes it (a client may leave mid-answer).
        """
        for kind, value in items:
            if kind == "delta":
                self.parts.append(value)
                yield value
            else:
                self.usage = value

    def meter(self, generated: bool) -> tuple[str, int, int, int]:
        """Return the call's model, input and output tokens and cost in micro-dollars."""
        return meter(self.messages, self.text, self.usage, self.model, generated)

    def latency_ms(self) -> int:
        """Return the milliseconds since the call was prepared."""
        return int((time.monotonic() - self.started) * 1000)


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
    db.session.execute(_usage_upsert(db.engine.dialect.name), values)


# The columns an upsert adds to the day's row.
_SUMMED = ("requests", "input_tokens", "output_tokens", "cost_micros", "latency_ms_total")


@functools.cache
def _usage_upsert(dialect: str) -> Any:
    """Return the day's usage upsert for a dialect, built once; values come with each call.

    Building it (the `excluded` alias, a cache key) cost more than running it.
    """
    table = table_of(UsageDaily)
    statement = upsert_for(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=["bot_id", "key_id", "model", "day"],
        set_={name: table.c[name] + statement.excluded[name] for name in _SUMMED},
    )
