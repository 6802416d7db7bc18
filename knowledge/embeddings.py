"""Embeddings: a local static model by default, any OpenAI-compatible endpoint as the upgrade."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import openai
from flask import current_app

log = logging.getLogger(__name__)
BATCH = 64
LOCAL_MODEL = "wordllama-l2-256"
_loading = threading.Lock()


@cache
def local_model() -> Any:
    """Load WordLlama from the weights inside its wheel; never download anything."""
    with _loading:
        # The package would look for its tokenizer in ~/.cache and fetch it from a hub;
        # its own folder already holds both files, so point it there and forbid downloads.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        # Its import calls logging.basicConfig(): kept off the root logger (logs.root_kept).
        from logs import root_kept

        with root_kept():
            import wordllama

        folder = Path(wordllama.__file__).parent
        return wordllama.WordLlama.load(cache_dir=folder, disable_download=True)


@cache
def _unpadded_tokenizer() -> Any:
    """Return a copy of the model's tokenizer that does not pad a batch to its longest text."""
    # Loaded with the model it copies (WordLlama's dependency), not with every process.
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(local_model().tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def _embed_unpadded(texts: list[str]) -> np.ndarray:
    """Return the model's unit-length vectors for texts: the mean of their tokens' rows.

    The same vectors as WordLlama's embed(), without its padding: it pads every batch of
    64 to the longest text and multiplies the padding by a zero mask, which costs more
    than the rest of embedding a page of chunks.
    """
    table = local_model().embedding
    top = table.shape[0] - 1
    out = np.empty((len(texts), table.shape[1]), np.float32)
    tokenizer = _unpadded_tokenizer()
    # The fast batch encode skips the character offsets, which only the ids do not need.
    encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
    encodings = encode(texts, add_special_tokens=False)
    for i, encoding in enumerate(encodings):
        ids = np.clip(np.asarray(encoding.ids, np.int64), 0, top)
        out[i] = table[ids].sum(axis=0, dtype=np.float32) / np.float32(max(len(ids), 1))
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


# Every answer embeds its question and the sentences of the passages it quotes, and the
# same passages come back for similar questions: recent short texts keep their vector
# (1 KB each). A text's vector does not depend on the others in its batch.
_RECENT = 4096
_recent: OrderedDict[str, np.ndarray] = OrderedDict()
_recent_lock = threading.Lock()


def embed_local(texts: list[str]) -> np.ndarray:
    """Return unit-length float32 vectors from the local model, one row each."""
    if not texts:
        return np.zeros((0, 256), np.float32)
    clean = [t[:4000] or " " for t in texts]
    found: dict[str, np.ndarray] = {}
    with _recent_lock:
        for text in clean:
            vector = _recent.get(text)
            if vector is not None:
                _recent.move_to_end(text)
                found[text] = vector
    missing = list(dict.fromkeys(t for t in clean if t not in found))
    if missing:
        fresh = _embed_unpadded(missing)
        with _recent_lock:
            for text, vector in zip(missing, fresh, strict=True):
                found[text] = _recent[text] = vector.copy()
            while len(_recent) > _RECENT:
                _recent.popitem(last=False)
    return np.ascontiguousarray(np.stack([found[t] for t in clean]), dtype=np.float32)


def remote_enabled() -> bool:
    """Return True when an embeddings model on an OpenAI-compatible server is configured."""
    return bool(current_app.config["EMBEDDINGS_MODEL"]) and bool(_api_key())


def model_name() -> str:
    """Return the name of the model that embeds chunks and questions now."""
    return str(current_app.config["EMBEDDINGS_MODEL"]) if remote_enabled() else LOCAL_MODEL


def _api_key() -> str | None:
    return current_app.config["OPENAI_API_KEY"]


def _client() -> Any:
    base_url = current_app.config["OPENAI_BASE_URL"]
    timeout = float(current_app.config["EMBEDDINGS_TIMEOUT"])
    return openai.OpenAI(
        api_key=_api_key(), base_url=base_url or None, timeout=timeout, max_retries=1
    )


def embed_remote(texts: list[str]) -> np.ndarray:
    """Return unit-length float32 vectors from the configured endpoint, one row each."""
    model = current_app.config["EMBEDDINGS_MODEL"]
    dimensions = current_app.config["EMBEDDINGS_DIMENSIONS"]
    extra = {"dimensions": int(dimensions)} if dimensions else {}
    client = _client()
    rows: list[list[float]] = []
    for start in range(0, len(texts), BATCH):
        batch = [t[:8000] or " " for t in texts[start : start + BATCH]]
        response = client.embeddings.create(model=model, input=batch, **extra)
        rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def embed(texts: list[str]) -> np.ndarray:
    """Return unit-length vectors from the current model (see model_name)."""
    return embed_remote(texts) if remote_enabled() else embed_local(texts)


def pack(vector: np.ndarray) -> bytes:
    """Serialise a vector for the chunks.embedding column (little-endian float32)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(data: bytes) -> np.ndarray:
    """Read a vector written by pack()."""
    return np.frombuffer(data, dtype="<f4")


def embed_for_storage(texts: list[str]) -> list[bytes | None]:
    """Embed texts for storage; if the endpoint fails, fall back to the local model."""
    if not texts:
        return []
    try:
        return [pack(v) for v in embed(texts)]
    except Exception as exc:  # noqa: BLE001 - the local model still gives every chunk a vector
        log.warning("embeddings endpoint unavailable, using the local model: %s", exc)
        return [pack(v) for v in embed_local(texts)]
