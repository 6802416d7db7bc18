"""Nearest chunks by embedding: a per-bot matrix in memory, reloaded when documents change."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text

from knowledge.embeddings import unpack
from models import db


@dataclass
class _Index:
    version: tuple
    ids: np.ndarray
    matrix: np.ndarray


_indexes: dict[tuple[str, int], _Index] = {}
_lock = threading.Lock()


def _version(bot_id: int) -> tuple:
    # Every ingest touches its document row, so this changes whenever chunks do.
    row = db.session.execute(
        text("SELECT count(*), max(id), max(updated_at) FROM documents WHERE bot_id = :b"),
        {"b": bot_id},
    ).one()
    return tuple(str(v) for v in row)


def _load(bot_id: int, version: tuple) -> _Index:
    rows = db.session.execute(
        text("SELECT id, embedding FROM chunks WHERE bot_id = :b AND embedding IS NOT NULL"),
        {"b": bot_id},
    ).all()
    vectors = [unpack(bytes(r.embedding)) for r in rows]
    width = max((len(v) for v in vectors), default=0)
    keep = [i for i, v in enumerate(vectors) if len(v) == width]
    ids = np.array([rows[i].id for i in keep], dtype=np.int64)
    matrix = np.vstack([vectors[i] for i in keep]) if keep else np.zeros((0, 0), np.float32)
    return _Index(version=version, ids=ids, matrix=matrix)


def nearest(bot_id: int, query: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """Return (chunk_id, cosine similarity) of the bot's nearest chunks, best first."""
    key = (str(db.engine.url), bot_id)
    version = _version(bot_id)
    with _lock:
        index = _indexes.get(key)
    if index is None or index.version != version:
        index = _load(bot_id, version)
        with _lock:
            _indexes[key] = index
    if not len(index.ids) or index.matrix.shape[1] != query.shape[0]:
        return []
    sims = index.matrix @ query
    k = min(limit, len(sims))
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top])]
    return [(int(index.ids[i]), float(sims[i])) for i in top]
