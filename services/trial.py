"""The "test a question" box: the real retrieval and model, no stored conversation."""

from __future__ import annotations

import time
from typing import Any

from engine.calls import Reply, effective_model, record_usage, usage_object
from engine.providers import ProviderError
from models import Bot, db


def trial_answer(bot: Bot, question: str) -> dict[str, Any]:
    """Answer as the widget would; record the model call's usage (it costs the same)."""
    reply = Reply(bot, question, effective_model(bot))
    reply.prepare([])
    reply.started = time.monotonic()  # latency counts the model call, not retrieval
    error = None
    try:
        for _ in reply.deltas(reply.open()):
            pass
    except ProviderError as exc:
        error = exc.message
    model, input_tokens, output_tokens, cost = reply.meter(bool(reply.parts))
    latency = reply.latency_ms()
    record_usage(bot.id, None, model, input_tokens, output_tokens, cost, latency)
    db.session.commit()
    return {
        "question": question,
        "answer": reply.text,
        "error": error,
        "model": model,
        "passages": reply.passages,
        "usage": usage_object(input_tokens, output_tokens, cost),
        "latency_ms": latency,
    }
