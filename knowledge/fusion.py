"""Fuse the signals of each candidate passage into one ranking score.

A linear model over seven signals, its weights fitted on the tuning half of
bench/quality.py (`--calibrate`): BM25 (as a reciprocal rank of the database's order and
as a share of the best score), the cosine similarity of the passage's vector and of its
title and headings alone, the weighted share of the question's words that the passage,
and its title and headings alone, hold, and the passage model's cosine
(knowledge/passage_vectors.py). A question whose candidates do not all have a passage
vector yet is ranked by the first six alone, with the weights fitted without it.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np

from knowledge.fulltext import HEADING_WEIGHT, PREFIX_MIN, TITLE_WEIGHT
from knowledge.passages import AVG_WORDS, K1, B, coverage, label_stems, stem_counts
from knowledge.terms import stem, stems_of

RRF_K = 60
NAMES = ["rrf", "bm25", "cosine", "coverage", "label_cosine", "label_coverage", "passage"]
# Fitted by `bench/quality.py --calibrate` on the tuning questions: without passage
# vectors, and with them.
COEF = np.array([0.0, 0.625, 0.5, 0.6, 0.5, 0.3, 0.0])
COEF_PASSAGE = np.array([0.0, 0.0, 0.5, 0.6, 0.5, 0.3, 1.0])


@lru_cache(maxsize=4096)  # a few MB: the candidates of recent questions
def _field(text: str, language: str) -> tuple[Counter[str], dict[str, list[tuple[str, int]]]]:
    """Return the stem counts of a text, and its stems grouped by their first letters."""
    counts = Counter(stems_of(text, language))
    starts: dict[str, list[tuple[str, int]]] = {}
    for s, n in counts.items():
        starts.setdefault(s[:PREFIX_MIN], []).append((s, n))
    return counts, starts


class _Terms:
    """Which query stem a passage's stem counts for: the same stem, or a stem that starts
    with one of the question word's prefixes, as the full-text index matches them
    (knowledge/fulltext.py: the word and its stem, from PREFIX_MIN letters)."""

    def __init__(self, words: list[str], language: str) -> None:
        self.exact: dict[str, str] = {}
        self.prefixes: dict[str, list[tuple[str, str]]] = {}
        for word in words:
            root = stem(word, language)
            self.exact.setdefault(root, root)
            for prefix in dict.fromkeys((root, word)):
                if len(prefix) >= PREFIX_MIN:
                    self.prefixes.setdefault(prefix[:PREFIX_MIN], []).append((prefix, root))
        self.known: dict[str, str | None] = {}

    def of(self, s: str) -> str | None:
        """Return the query stem that s counts for, if any."""
        if s in self.known:
            return self.known[s]
        found = self.exact.get(s)
        if found is None:
            found = next(
                (root for p, root in self.prefixes.get(s[:PREFIX_MIN], ()) if s.startswith(p)),
                None,
            )
        self.known[s] = found
        return found


def bm25(row: Any, weights: dict[str, float], terms: _Terms, language: str) -> float:
    """Return a chunk's BM25 score for the query stems, weighted by their idf.

    For PostgreSQL, whose ts_rank has no inverse document frequency: the weights are
    the same term counts the question's words were weighed with, words match as the
    index matches them (_Terms), and title and headings count as on SQLite's FTS5
    index (TITLE_WEIGHT, HEADING_WEIGHT).
    """
    length = stem_counts(row.content, language)[1]
    tf: dict[str, float] = {}
    for text, factor in (
        (row.content, 1.0),
        (row.title or "", TITLE_WEIGHT),
        (row.heading or "", HEADING_WEIGHT),
    ):
        counts, starts = _field(text, language)
        # Only the stems that can match: the query's own, and those sharing a prefix's start.
        found = [(root, counts[root]) for root in terms.exact if root in counts]
        for start in terms.prefixes:
            found.extend(starts.get(start, ()))
        for s, n in dict(found).items():
            root = terms.of(s)
            if root is not None:
                tf[root] = tf.get(root, 0.0) + factor * n
    norm = 1 - B + B * length / AVG_WORDS
    return sum(weights.get(root, 0.0) * n * (K1 + 1) / (n + K1 * norm) for root, n in tf.items())


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
    bm25_words: list[str] | None = None,
    passage: dict[int, float] | None = None,
) -> tuple[list[int], np.ndarray]:
    """Return candidate ids and their signals (one row each, columns as NAMES).

    passage holds the passage model's cosines (0 for all when it is None).

    Given the question's words (bm25_words), the BM25 signal is computed here (bm25())
    for every candidate rather than read from the database's rank: for PostgreSQL,
    whose ts_rank is not BM25.
    """
    ids = list(rows)
    own_bm25 = bm25_words is not None
    if bm25_words is not None:
        terms = _Terms(bm25_words, language)
        own = {c: bm25(rows[c], weights, terms, language) for c in ids}
        best = max(own.values(), default=0.0) or 1.0
    else:
        best = max((float(rows[c].rank) for c in lexical_rank), default=0.0) or 1.0
    floor = min(similarity.values(), default=0.0)
    table = np.zeros((len(ids), len(NAMES)), np.float64)
    for i, cid in enumerate(ids):
        row = rows[cid]
        rank = lexical_rank.get(cid)
        table[i] = (
            1 / (RRF_K + rank + 1) if rank is not None else 0.0,
            (own[cid] if own_bm25 else float(row.rank) if rank is not None else 0.0) / best,
            similarity.get(cid, floor),
            coverage(row, weights, language),
            label_similarity.get(cid, 0.0),
            label_coverage(row, weights, language),
            passage.get(cid, 0.0) if passage else 0.0,
        )
    return ids, table


def scores(table: np.ndarray, passage: bool = False) -> np.ndarray:
    """Return each candidate's fused score (passage: the table holds passage cosines)."""
    return table @ (COEF_PASSAGE if passage else COEF)
