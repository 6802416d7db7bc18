"""Prompt token counts, with the offline o200k_base table the knowledge base uses."""

from __future__ import annotations

from knowledge.tokens import count_tokens

__all__ = ["count_messages", "count_tokens"]


def count_messages(messages: list[dict[str, str]]) -> int:
    """Return the prompt tokens of chat messages, with the per-message framing."""
    # Each chat message costs a few framing tokens beyond its content.
    return sum(count_tokens(m["content"]) + 4 for m in messages) + 3
