"""Build the chat messages for a model from the bot, history and passages."""

from __future__ import annotations

from engine.tokens import count_tokens
from knowledge.retrieval import Passage

INSTRUCTIONS = (
    "Answer the visitor's question using only the numbered passages below; they are "
    "the only source of truth, and your own knowledge must not fill gaps in them. "
    "After each statement, cite the passage it comes from like [1] or [2][3]. "
    "Keep option names, commands, code and figures exactly as the passages write them. "
    "If the passages do not answer the question, say plainly that the documents do not "
    "cover it, and do not guess. Keep answers short and use Markdown sparingly."
)


def system_message(prompt: str, passages: list[Passage], fallback: str = "") -> str:
    """Return the system message: the bot's prompt, the rules and the context."""
    context = "\n\n".join(
        f"[{i}] {p.title}{' — ' + p.heading if p.heading else ''}\n{p.content}"
        for i, p in enumerate(passages, 1)
    )
    # The exact sentence lets engine.refusal tell a declined answer from a real one.
    decline = (
        f'When the passages do not answer the question, reply with exactly: "{fallback}"'
        if fallback
        else ""
    )
    parts = [prompt.strip(), INSTRUCTIONS, decline, "Passages:\n" + (context or "(none found)")]
    return "\n\n".join(p for p in parts if p)


def window(history: list[dict[str, str]], budget: int) -> list[dict[str, str]]:
    """Keep the newest history messages that fit within a token budget."""
    kept: list[dict[str, str]] = []
    used = 0
    for message in reversed(history):
        cost = count_tokens(message["content"]) + 4
        if used + cost > budget:
            break
        kept.append(message)
        used += cost
    return list(reversed(kept))


def build_messages(
    prompt: str,
    passages: list[Passage],
    history: list[dict[str, str]],
    question: str,
    history_budget: int,
    fallback: str = "",
) -> list[dict[str, str]]:
    """Return the full message list for a chat completion."""
    return [
        {"role": "system", "content": system_message(prompt, passages, fallback)},
        *window(history, history_budget),
        {"role": "user", "content": question},
    ]
