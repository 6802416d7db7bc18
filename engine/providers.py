"""Model providers: any OpenAI-compatible server, and the offline extractive engine."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from functools import cache
from typing import Any, cast

import openai

from engine.tokens import count_messages, count_tokens
from knowledge.retrieval import Passage, Quote, best_sentences

# A provider yields ("delta", text) items and ends with one ("usage", {...}).
Item = tuple[str, Any]
NOTHING_FOUND = (
    "I couldn't find anything about that in the documents I have, so I won't guess. "
    "Try rephrasing, or ask about something the documents cover."
)


class ProviderError(Exception):
    """The model server failed; status is what a non-streaming route answers."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# The request options of the SDK's own chat.completions.create: the bearer key.
_OPTIONS: openai.RequestOptions = {"security": {"bearer_auth": True}}


@cache  # one client per distinct setting; clients are never dropped open
def _client(
    api_key: str, base_url: str | None, connect: float, idle: float, retries: int
) -> openai.OpenAI:
    timeout = openai.Timeout(connect=connect, read=idle, write=30.0, pool=10.0)
    return openai.OpenAI(
        api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=retries
    )


def stream_openai(
    config: dict[str, Any],
    messages: list[dict[str, str]],
    model: str,
    temperature: float,
    max_tokens: int,
) -> Generator[Item, None, None]:
    """Stream a chat completion from an OpenAI-compatible server.

    The request is the one `client.chat.completions.create(stream=True)` sends, through
    the same client (its retries, timeouts and errors), and its events are read by the
    SDK's own stream; each chunk is kept as the server's JSON rather than built into
    the SDK's typed objects, which cost more CPU than the rest of a streamed answer.
    """
    client = _client(
        config["OPENAI_API_KEY"],
        config.get("OPENAI_BASE_URL"),
        float(config["UPSTREAM_CONNECT_TIMEOUT"]),
        float(config["UPSTREAM_IDLE_TIMEOUT"]),
        int(config["UPSTREAM_RETRIES"]),
    )
    try:
        # The SDK retries connection failures and 5xx answers; that is always
        # before the first token, so a visitor never sees text twice.
        stream = client.post(
            "/chat/completions",
            body={
                "model": model,
                "stream": True,
                "messages": messages,
                "max_tokens": max_tokens,
                "stream_options": {"include_usage": True},
                "temperature": temperature,
            },
            options=_OPTIONS,
            cast_to=object,
            stream=True,
            stream_cls=openai.Stream[object],
        )
    except openai.APITimeoutError:
        raise ProviderError("The model server did not answer in time.", 504) from None
    except openai.APIStatusError as exc:
        raise ProviderError(f"The model server answered with HTTP {exc.status_code}.") from None
    except openai.APIError as exc:
        raise ProviderError(f"The model server could not be reached: {exc.message}") from None
    finish = None
    usage = None
    try:
        for chunk in cast("Iterator[dict[str, Any]]", stream):
            if chunk.get("usage") is not None:
                usage = chunk["usage"]
            # A usage-only chunk may carry no choices at all, not even an empty list.
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta")
                if delta is not None and delta.get("content"):
                    yield "delta", delta["content"]
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
    except Exception as exc:  # SDK and raw transport errors both surface while iterating
        if isinstance(exc, openai.APITimeoutError) or "Timeout" in type(exc).__name__:
            raise ProviderError(
                "The model server stopped sending the answer in time.", 504
            ) from None
        raise ProviderError("The connection to the model server broke mid-answer.") from None
    finally:
        stream.close()
    if finish is None:
        raise ProviderError("The model server ended the answer without finishing it.")
    yield (
        "usage",
        {
            "input_tokens": usage.get("prompt_tokens") if usage else None,
            "output_tokens": usage.get("completion_tokens") if usage else None,
            "model": model,
        },
    )


def stream_offline(
    messages: list[dict[str, str]], question: str, passages: list[Passage], fallback: str
) -> Generator[Item, None, None]:
    """Compose an extractive answer from the best sentences of the passages."""
    answer = compose(question, passages) or (fallback.strip() or NOTHING_FOUND)
    yield from stream_text(messages, answer)


def stream_text(messages: list[dict[str, str]], text: str) -> Generator[Item, None, None]:
    """Stream a text written without a model, word by word, then its token counts."""
    for piece in re.findall(r"\S+\s*", text):
        yield "delta", piece
    yield (
        "usage",
        {
            "input_tokens": count_messages(messages),
            "output_tokens": count_tokens(text),
            "model": "offline",
        },
    )


QUOTE_BUDGET = 800  # characters of quotes in an offline answer; the best is always quoted


def compose(
    question: str, passages: list[Passage], most: int = 3, budget: int = QUOTE_BUDGET
) -> str:
    """Quote the sentences that best answer the question, each cited by its passage.

    The best sentence is always quoted; the next ones while the answer stays within
    budget characters, so that a long signature does not bury the answer. A sentence
    from further into an option's or a function's entry ("This option has no effect
    if …") is preceded by the entry's first sentence, which names it.
    """
    quotes: list[Quote] = []
    used = 0
    for quote in best_sentences(question, passages, most):
        size = len(quote.text) + len(quote.opener)
        if quotes and used + size > budget:
            continue
        quotes.append(quote)
        used += size
    # Quote in reading order: by passage rank, then by where the sentence stands.
    order = {id(p): i for i, p in enumerate(passages)}
    quotes.sort(key=lambda q: (order[id(q.passage)], q.position))
    parts: list[str] = []
    said: set[str] = set()
    for q in quotes:
        text = f"{q.opener} … {q.text}" if q.opener and q.opener not in said else q.text
        said.update((q.opener, q.text))
        parts.append(f"{text} [{order[id(q.passage)] + 1}]")
    return " ".join(parts)
