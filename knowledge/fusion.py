"""Fuse the signals of each candidate passage into one ranking score.

A linear model over six signals, its weights fitted on the tuning half of
bench/quality.py (`--calibrate`): the database's BM25 (as a reciprocal rank and as a
share of the best score), the cosine similarity of the passage's vector and of its
title and headings alone, and the weighted share of the question's words that the
passage, and its title and headings alone, hold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from knowledge.passages import coverage, label_stems

RRF_K = 60
NAMES = ["rrf", "bm25", "cosine", "coverage", "label_cosine", "label_coverage"]
# Fitted by `bench/quality.py --calibrate` on the tuning questions.
COEF = np.array([0.0, 0.625, 0.5, 0.6, 0.5, 0.3])


def label_coverage(row: Any, weights: dict[str, float], language: str) -> float:
    """Return the weighted share of query stems in a chunk's title and headings."""
    label = label_stems(row.title or "", row.heading or "", language)
    total = sum(weights.values())
    return sum(w for s, w in weights.items() if s in label) / total if total else 0.0


def features(
    rows: dict[int, Any],
    lexical_rank: dict[int, int],
    similarity: dict[int, float],
    label_similarity: dict[int, float],
    weights: dict[str, float],
    language: str,
) -> tuple[list[int], np.ndarray]:
    """Return candidate ids and their signals (one row each, columns as NAMES)."""
    ids = list(rows)
    best = max((float(rows[c].rank) for c in lexical_rank), default=0.0) or 1.0
    floor = min(similarity.values(), default=0.0)
    table = np.zeros((len(ids), len(NAMES)), np.float64)
    for i, cid in enumerate(ids):
        row = rows[cid]
        rank = lexical_rank.get(cid)
        table[i] = (
            1 / (RRF_K + rank + 1) if rank is not None else 0.0,
            float(row.rank) / best if rank is not None else 0.0,
            similarity.get(cid, floor),
            coverage(row, weights, language),
            label_similarity.get(cid, 0.0),
            label_coverage(row, weights, language),
        )
    return ids, table


def scores(table: np.ndarray) -> np.ndarray:
    """Return each candidate's fused score."""
    return table @ COEF
