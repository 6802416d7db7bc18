"""Optional embeddings from any OpenAI-compatible /embeddings endpoint."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
from flask import current_app

log = logging.getLogger(__name__)
BATCH = 64


def enabled() -> bool:
    """Return True when an embeddings model and an API key are configured."""
    return bool(current_app.config.get("EMBEDDINGS_MODEL")) and bool(_api_key())


def _api_key() -> str | None:
    return current_app.config.get("OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")


def _client() -> Any:
    import openai

    base_url = current_app.config.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
    timeout = float(current_app.config.get("EMBEDDINGS_TIMEOUT", 30))
    return openai.OpenAI(
        api_key=_api_key(), base_url=base_url or None, timeout=timeout, max_retries=1
    )


def embed(texts: list[str]) -> np.ndarray:
    """Return unit-length float32 vectors for texts, one row each."""
    model = current_app.config["EMBEDDINGS_MODEL"]
    dimensions = current_app.config.get("EMBEDDINGS_DIMENSIONS")
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


def pack(vector: np.ndarray) -> bytes:
    """Serialise a vector for the chunks.embedding column (little-endian float32)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(data: bytes) -> np.ndarray:
    """Read a vector written by pack()."""
    return np.frombuffer(data, dtype="<f4")


def embed_or_none(texts: list[str]) -> list[bytes | None]:
    """Embed texts for storage; without a model, or when the endpoint fails, store none."""
    if not texts or not enabled():
        return [None] * len(texts)
    try:
        return [pack(v) for v in embed(texts)]
    except Exception as exc:  # noqa: BLE001 - full-text search still works without vectors
        log.warning("embeddings unavailable, storing chunks without vectors: %s", exc)
        return [None] * len(texts)
