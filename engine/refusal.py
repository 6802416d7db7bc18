"""Decide whether an answer answered: the one place the "found nothing" verdict is made."""

from __future__ import annotations

import re

from engine.providers import NOTHING_FOUND
from knowledge.retrieval import Passage


def fallback_text(fallback: str) -> str:
    """Return the sentence a bot gives when it has no answer (the model is asked for it too)."""
    return fallback.strip() or NOTHING_FOUND


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def declined(text: str, fallback: str) -> bool:
    """Return True when an answer is the bot's fallback sentence, give or take a little.

    Conservative on purpose: only a reply that is the fallback (possibly with a short
    preamble or trailing words) counts, never one that merely mentions missing facts.
    """
    said, refusal = _words(text), _words(fallback_text(fallback))
    if not said:
        return True
    # The fallback, as whole words, must make up most of the reply.
    return f" {refusal} " in f" {said} " and len(refusal) >= 0.6 * len(said)


def answered(passages: list[Passage], text: str, fallback: str) -> bool:
    """Return whether the bot answered: retrieval found something, and the reply is no refusal."""
    return bool(passages) and not declined(text, fallback)
