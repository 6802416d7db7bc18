"""Nearest chunks by embedding: stored vectors, searched with numpy, in a bounded cache.

Each bot's vectors are read from the chunks table into one matrix, kept while the bot's
documents are unchanged, and evicted least-recently-used beyond VECTOR_CACHE_MB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
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

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.matrix.nbytes)


_indexes: OrderedDict[tuple, _Index] = OrderedDict()
_lock = threading.Lock()


def version(bot_id: int) -> tuple:
    """Return a stamp that changes whenever the bot's chunks do."""
    # Every ingest and delete touches a document row; reading them is cheap at any size.
    row = db.session.execute(
        text("SELECT count(*), max(id), max(updated_at) FROM documents WHERE bot_id = :b"),
        {"b": bot_id},
    ).one()
    return stamp_of(row)


def stamp_of(row: Sequence[object]) -> tuple:
    """Return the version stamp for (document count, max id, max updated_at)."""
    return tuple(str(v) for v in row)


def _load(
    bot_id: int, stamp: tuple, width: int, fill: Callable[[list[str]], np.ndarray] | None
) -> _Index:
    rows = db.session.execute(
        text("SELECT id, embedding FROM chunks WHERE bot_id = :b ORDER BY id"), {"b": bot_id}
    ).all()
    matrix = np.zeros((len(rows), width), np.float32)
    keep = np.zeros(len(rows), bool)
    missing: list[int] = []
    for i, row in enumerate(rows):
        vector = unpack(bytes(row.embedding)) if row.embedding is not None else None
        if vector is not None and len(vector) == width:
            matrix[i] = vector
            keep[i] = True
        else:
            missing.append(i)
    if missing and fill is not None:
        # Chunks stored before vectors existed, or by another model: embed them here.
        for start in range(0, len(missing), 500):
            batch = missing[start : start + 500]
            marks = ", ".join(str(int(rows[i].id)) for i in batch)
            texts = {
                r.id: f"{r.title}\n{r.heading}\n{r.content}"
                for r in db.session.execute(
                    text(f"SELECT id, title, heading, content FROM chunks WHERE id IN ({marks})")
                )
            }
            matrix[batch] = fill([texts.get(rows[i].id, "") for i in batch])
            keep[batch] = True
    ids = np.array([r.id for r in rows], dtype=np.int64)[keep]
    return _Index(version=stamp, ids=ids, matrix=np.ascontiguousarray(matrix[keep]))


def _evict(budget: int) -> None:
    total = sum(index.nbytes for index in _indexes.values())
    while total > budget and len(_indexes) > 1:
        _, index = _indexes.popitem(last=False)
        total -= index.nbytes


def nearest(
    bot_id: int,
    query: np.ndarray,
    limit: int,
    model: str,
    fill: Callable[[list[str]], np.ndarray] | None,
    cache_mb: int,
    stamp: tuple | None = None,
) -> list[tuple[int, float]]:
    """Return (chunk_id, cosine similarity) of the bot's nearest chunks, best first."""
    key = (str(db.engine.url), bot_id, model)
    stamp = stamp if stamp is not None else version(bot_id)
    with _lock:
        index = _indexes.get(key)
        if index is not None:
            _indexes.move_to_end(key)
    if index is None or index.version != stamp:
        index = _load(bot_id, stamp, int(query.shape[0]), fill)
        with _lock:
            _indexes[key] = index
            _indexes.move_to_end(key)
            _evict(cache_mb * 1_000_000)
    if not len(index.ids) or limit <= 0:
        return []
    sims = index.matrix @ query
    k = min(limit, len(sims))
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top])]
    return [(int(index.ids[i]), float(sims[i])) for i in top]


def cached_bytes() -> int:
    """Return how many bytes the cache holds now."""
    with _lock:
        return sum(index.nbytes for index in _indexes.values())
