"""Token counts with the offline o200k_base table, the budget unit for chunks."""

from __future__ import annotations

import threading
import warnings
from functools import lru_cache
from typing import Any

# bpe-openai refuses a single call above 200k tokens; stay well below it.
_PIECE_CHARS = 100_000


_loading = threading.Lock()


@lru_cache(maxsize=1)
def _encoding() -> Any:
    # bpe-openai loads its tables with a deprecated importlib call; not ours to fix.
    # catch_warnings() swaps process-wide filters, so two threads must not load at once.
    with _loading, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        return bpe_openai.get_encoding("o200k_base")


# A turn counts the same history messages and passages again and again (prompt budget,
# usage): short texts keep their count. Counting is a pure function of the text.
_CACHED_CHARS = 4000


def count_tokens(text: str) -> int:
    """Return the number of o200k tokens in text."""
    if not text:
        return 0
    if len(text) <= _CACHED_CHARS:
        return _count_cached(text)
    return _count(text)


@lru_cache(maxsize=4096)
def _count_cached(text: str) -> int:
    return _count(text)


def fits(text: str, budget: int) -> int | None:
    """Return text's token count if it is at most budget, else None (stops counting early)."""
    if not text:
        return 0
    if len(text) > _PIECE_CHARS:
        count = _count(text)
        return count if count <= budget else None
    try:
        return _encoding()._backend.count_till_limit(text, budget)  # type: ignore[no-any-return]
    except UnicodeEncodeError:  # a lone surrogate: the full encoder cleans it first
        count = _count(text)
        return count if count <= budget else None


def _count_piece(text: str) -> int:
    # Counting without building the token list is a third faster than len(encode()).
    encoding = _encoding()
    try:
        return int(encoding._backend.count(text))
    except UnicodeEncodeError:  # a lone surrogate: the full encoder cleans it first
        return len(encoding.encode_ordinary(text))


def _count(text: str) -> int:
    if len(text) <= _PIECE_CHARS:
        return _count_piece(text)
    return sum(_count_piece(text[i : i + _PIECE_CHARS]) for i in range(0, len(text), _PIECE_CHARS))
