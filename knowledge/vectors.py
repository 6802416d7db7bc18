"""Nearest chunks by embedding: stored vectors, searched in a bounded cache.

Each bot's vectors are read from the chunks table into one matrix, kept while the bot's
documents are unchanged, and evicted least-recently-used beyond VECTOR_CACHE_MB. A
small bot is searched exactly (one numpy product). From HNSW_MIN vectors a thread
builds an approximate index (usearch's HNSW graph, half-precision vectors) beside it;
until it is ready the exact product answers, and once it is the matrix is dropped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text

from knowledge.embeddings import unpack
from models import db

# From this many vectors the graph is built: on a busy machine the exact product of
# 10,000 vectors cost 30 ms of CPU per search (numpy's threads), the graph under 1 ms.
HNSW_MIN = 5_000
# Graph degree and search breadth: at 100,000 chunks a search takes well under 1 ms.
CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH = 16, 64, 64


@dataclass
class _Index:
    version: tuple
    ids: np.ndarray
    matrix: np.ndarray | None  # None once the graph has replaced it
    graph: Any = None  # usearch.index.Index, when built

    @property
    def nbytes(self) -> int:
        matrix = self.matrix.nbytes if self.matrix is not None else 0
        graph = int(self.graph.memory_usage) if self.graph is not None else 0
        return int(self.ids.nbytes + matrix + graph)


_indexes: OrderedDict[tuple, _Index] = OrderedDict()
_lock = threading.Lock()
_builds: list[threading.Thread] = []
# One load at a time per bot and model: the questions that arrive while a bot's vectors
# are read (a cold worker, a changed bot) wait for that load instead of each reading
# every vector and building a graph of its own.
_loading: dict[tuple, threading.Lock] = {}


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
    size = width * 4
    blobs = [bytes(r.embedding) if r.embedding is not None else b"" for r in rows]
    keep = np.array([len(b) == size for b in blobs], bool)
    matrix = np.zeros((len(rows), width), np.float32)
    if keep.any():
        matrix[keep] = unpack(b"".join(b for b in blobs if len(b) == size)).reshape(-1, width)
    missing = [int(i) for i in np.flatnonzero(~keep)]
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


def _build(index: _Index) -> None:
    """Build the HNSW graph for index, then let it replace the matrix."""
    # usearch loads only when a bot is large enough for a graph, not with every process.
    from usearch.index import Index

    matrix = index.matrix
    if matrix is None:
        return
    graph = Index(
        ndim=matrix.shape[1],
        metric="ip",  # the vectors are unit length: inner product is the cosine
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )
    graph.add(index.ids, matrix, threads=1)
    with _lock:
        index.graph, index.matrix = graph, None


def _start_build(index: _Index) -> None:
    thread = threading.Thread(target=_build, args=(index,), name="vector-index", daemon=True)
    with _lock:
        _builds[:] = [t for t in _builds if t.is_alive()]
        _builds.append(thread)
    thread.start()


def wait_for_builds(timeout: float | None = None) -> None:
    """Wait until the approximate indexes being built are ready (benchmarks, tests)."""
    with _lock:
        building = list(_builds)
    for thread in building:
        thread.join(timeout)


def _evict(budget: int) -> None:
    total = sum(index.nbytes for index in _indexes.values())
    while total > budget and len(_indexes) > 1:
        _, index = _indexes.popitem(last=False)
        total -= index.nbytes


def _cached(key: tuple, stamp: tuple) -> _Index | None:
    """Return the cached index for key if it is of this version (marked recently used)."""
    with _lock:
        index = _indexes.get(key)
        if index is None or index.version != stamp:
            return None
        _indexes.move_to_end(key)
        return index


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
    index = _cached(key, stamp)
    if index is None:
        with _lock:
            gate = _loading.setdefault(key, threading.Lock())
        with gate:
            index = _cached(key, stamp)  # loaded while this question waited
            if index is None:
                index = _load(bot_id, stamp, int(query.shape[0]), fill)
                with _lock:
                    _indexes[key] = index
                    _indexes.move_to_end(key)
                    _evict(cache_mb * 1_000_000)
                if len(index.ids) >= HNSW_MIN:
                    _start_build(index)
    if not len(index.ids) or limit <= 0:
        return []
    with _lock:
        graph, matrix = index.graph, index.matrix
    if graph is not None:
        found = graph.search(np.asarray(query, np.float32), min(limit, len(index.ids)))
        return [(int(k), float(1.0 - d)) for k, d in zip(found.keys, found.distances, strict=True)]
    assert matrix is not None
    sims = matrix @ query
    k = min(limit, len(sims))
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top])]
    return [(int(index.ids[i]), float(sims[i])) for i in top]


def similarities(
    bot_id: int, query: np.ndarray, chunk_ids: Sequence[int], model: str
) -> dict[int, float]:
    """Return the cosine of query to each chunk that the bot's cached index holds.

    For the candidates that full text found beyond the nearest ones; call after nearest().
    """
    with _lock:
        index = _indexes.get((str(db.engine.url), bot_id, model))
        graph, matrix = (index.graph, index.matrix) if index is not None else (None, None)
    if index is None or not len(chunk_ids) or not len(index.ids):
        return {}
    wanted = np.asarray(chunk_ids, dtype=np.int64)
    if graph is not None:
        found = graph.get(wanted, dtype=np.float32)
        rows = found if isinstance(found, tuple | list) else list(found)
        return {
            int(c): float(np.asarray(v) @ query)
            for c, v in zip(wanted, rows, strict=True)
            if v is not None
        }
    assert matrix is not None
    # The index's ids are in ascending order (read ORDER BY id).
    at = np.minimum(np.searchsorted(index.ids, wanted), len(index.ids) - 1)
    held = index.ids[at] == wanted
    sims = matrix[at[held]] @ query
    return {int(c): float(v) for c, v in zip(wanted[held], sims, strict=True)}


def cached_bytes() -> int:
    """Return how many bytes the cache holds now."""
    with _lock:
        return sum(index.nbytes for index in _indexes.values())
