"""The "test a question" box: the real retrieval and model, no stored conversation."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

from engine.answer import call_model, effective_model, meter, record_usage, usage_object
from engine.curated import promote
from engine.prompt import build_messages
from engine.providers import ProviderError
from engine.refusal import fallback_text
from knowledge.retrieval import search
from models import Bot, db


def trial_answer(bot: Bot, question: str) -> dict[str, Any]:
    """Answer as the widget would; record the model call's usage (it costs the same)."""
    config = current_app.config
    passages = search(bot.id, question, int(config["CONTEXT_PASSAGES"]))
    curated = promote(bot.id, passages)
    budget = int(config["HISTORY_TOKENS"])
    messages = build_messages(
        bot.prompt, passages, [], question, budget, fallback_text(bot.fallback_message)
    )
    model = effective_model(bot)
    started = time.monotonic()
    parts: list[str] = []
    usage: dict[str, Any] = {}
    error = None
    try:
        for kind, value in call_model(bot, model, messages, question, passages, curated):
            if kind == "delta":
                parts.append(value)
            else:
                usage = value
    except ProviderError as exc:
        error = exc.message
    answer = "".join(parts)
    model, input_tokens, output_tokens, cost = meter(messages, answer, usage, model, bool(parts))
    latency = int((time.monotonic() - started) * 1000)
    record_usage(bot.id, None, model, input_tokens, output_tokens, cost, latency)
    db.session.commit()
    return {
        "question": question,
        "answer": answer,
        "error": error,
        "model": model,
        "passages": passages,
        "usage": usage_object(input_tokens, output_tokens, cost),
        "latency_ms": latency,
    }
