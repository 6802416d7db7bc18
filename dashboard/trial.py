"""The "test a question" box: the real retrieval and model, no stored conversation."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

from engine.answer import effective_model, record_usage
from engine.prices import cost_micros, dollars
from engine.prompt import build_messages
from engine.providers import ProviderError, stream_offline, stream_openai
from engine.tokens import count_messages, count_tokens
from knowledge.retrieval import search
from models import Bot, db


def trial_answer(bot: Bot, question: str) -> dict[str, Any]:
    """Answer as the widget would; record the model call's usage (it costs the same)."""
    config = current_app.config
    passages = search(bot.id, question, int(config["CONTEXT_PASSAGES"]))
    messages = build_messages(bot.prompt, passages, [], question, int(config["HISTORY_TOKENS"]))
    model = effective_model(bot)
    started = time.monotonic()
    parts: list[str] = []
    usage: dict[str, Any] = {}
    error = None
    try:
        if model == "offline":
            items = stream_offline(messages, question, passages, bot.fallback_message)
        else:
            items = stream_openai(config, messages, model, bot.temperature, bot.max_tokens)
        for kind, value in items:
            if kind == "delta":
                parts.append(value)
            else:
                usage = value
    except ProviderError as exc:
        error = exc.message
    answer = "".join(parts)
    input_tokens = usage.get("input_tokens")
    if input_tokens is None:
        input_tokens = count_messages(messages) if parts else 0
    output_tokens = usage.get("output_tokens")
    if output_tokens is None:
        output_tokens = count_tokens(answer)
    model = usage.get("model") or model
    cost = cost_micros(config["PRICE_TABLE"], model, input_tokens, output_tokens)
    latency = int((time.monotonic() - started) * 1000)
    record_usage(bot.id, None, model, input_tokens, output_tokens, cost, latency)
    db.session.commit()
    return {
        "question": question,
        "answer": answer,
        "error": error,
        "model": model,
        "passages": passages,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
            "cost": dollars(cost),
        },
        "latency_ms": latency,
    }
