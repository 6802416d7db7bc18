"""Token counting with an offline BPE table (o200k_base, shipped in bpe-openai)."""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _encoding() -> Any:
    # bpe-openai reads its bundled tables with a deprecated importlib call.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        return bpe_openai.get_encoding("o200k_base")


def count_tokens(text: str) -> int:
    """Return the number of tokens in text."""
    if not text:
        return 0
    return len(_encoding().encode(text))


def count_messages(messages: list[dict[str, str]]) -> int:
    """Return the prompt tokens of chat messages, with the per-message framing."""
    # Each chat message costs a few framing tokens beyond its content.
    return sum(count_tokens(m["content"]) + 4 for m in messages) + 3
