"""Find a bot's passages for a question: full text, optionally fused with embeddings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from knowledge import embeddings, fulltext, vectors
from knowledge.quotes import Quote, best_sentences
from knowledge.terms import idf, query_words, stem, stems_of

__all__ = ["Passage", "Quote", "best_sentences", "search"]
log = logging.getLogger(__name__)

MIN_SCORE = 0.5  # share of the question's weighted terms a passage must hold
CANDIDATES = 40
# Common words match everywhere; beyond this many matches a word stops choosing candidates.
CANDIDATE_DF_CAP = 1500
RRF_K = 60
K1, B, AVG_WORDS = 1.2, 0.75, 230.0


@dataclass
class Passage:
    """A retrieved chunk with everything a cited source needs."""

    chunk_id: int
    document_id: int
    title: str
    heading: str
    content: str
    url: str | None
    page: int | None
    anchor: str | None
    score: float  # 0..1, comparable across SQLite and PostgreSQL
    terms: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)  # stem -> idf, for quoting
    similarity: float | None = None

    @property
    def link(self) -> str | None:
        """Return the URL that opens this passage's place in its document."""
        if self.url and self.anchor:
            return f"{self.url}#{self.anchor}"
        if self.url and self.page:
            return f"{self.url}#page={self.page}"
        return self.url

    def source(self, snippet: str | None = None) -> dict[str, Any]:
        """Return the SPEC source object for this passage."""
        title = self.title + (
            f" — {self.heading}" if self.heading and self.heading != self.title else ""
        )
        if self.page and not self.url:
            title += f" (page {self.page})"
        return {
            "title": title,
            "url": self.link,
            "snippet": (snippet or self.content)[:300],
            "score": round(self.score, 4),
        }


def _passage(row: Any, score: float, terms: list[str], weights: dict[str, float]) -> Passage:
    return Passage(
        chunk_id=row.id,
        document_id=row.document_id,
        title=row.title or "",
        heading=row.heading or "",
        content=row.content,
        url=row.url,
        page=row.page,
        anchor=row.anchor,
        score=score,
        terms=terms,
        weights=weights,
    )


def lexical_score(row: Any, weights: dict[str, float]) -> float:
    """Return the weighted share of query stems in a chunk, with BM25 term saturation."""
    body = stems_of(row.content)
    label = set(stems_of(f"{row.title or ''} {row.heading or ''}"))
    counts: dict[str, int] = {}
    for s in body:
        if s in weights:
            counts[s] = counts.get(s, 0) + 1
    norm = 1 - B + B * len(body) / AVG_WORDS
    total = sum(weights.values())
    got = 0.0
    for s, weight in weights.items():
        tf = counts.get(s, 0) + (3 if s in label else 0)
        if tf:
            got += weight * (0.6 + 0.4 * tf / (tf + K1 * norm))
    return got / total if total else 0.0


def search(bot_id: int, query: str, limit: int = 5) -> list[Passage]:
    """Return the bot's passages relevant to query, best first; empty when none is."""
    words = query_words(query)
    if not words or limit <= 0:
        return []
    total = fulltext.total_chunks()
    freqs = {w: fulltext.doc_freq(w) for w in words}
    weights: dict[str, float] = {}
    for w in words:
        if freqs[w]:
            weights[stem(w)] = max(weights.get(stem(w), 0.0), idf(freqs[w], total))
    if not weights:
        return []
    # A word no document holds cannot rank passages, but it still counts against the
    # relevance floor: weigh it like a typical word of the question, not like the rarest.
    typical = sum(weights.values()) / len(weights)
    for w in words:
        weights.setdefault(stem(w), typical)
    chosen: list[str] = []
    budget = 0
    for w in sorted((w for w in words if freqs[w]), key=lambda w: freqs[w]):
        if chosen and budget + freqs[w] > CANDIDATE_DF_CAP:
            break
        chosen.append(w)
        budget += freqs[w]
    rows = fulltext.candidates(bot_id, chosen, max(CANDIDATES, limit * 4))
    scored = sorted(
        ((lexical_score(r, weights), i, r) for i, r in enumerate(rows)), key=lambda t: (-t[0], t[1])
    )
    floor = float(current_app.config.get("RETRIEVAL_MIN_SCORE", MIN_SCORE))
    lexical = [_passage(r, s, words, weights) for s, _, r in scored]
    if embeddings.enabled():
        fused = _fuse(bot_id, query, lexical, words, weights, floor, limit)
        if fused is not None:
            return fused
    return [p for p in lexical if p.score >= floor][:limit]


def _fuse(
    bot_id: int,
    query: str,
    lexical: list[Passage],
    words: list[str],
    weights: dict[str, float],
    floor: float,
    limit: int,
) -> list[Passage] | None:
    """Reciprocal-rank fusion of full-text and embedding rankings; None if embeddings fail."""
    try:
        vector = embeddings.embed([query])[0]
    except Exception as exc:  # noqa: BLE001 - fall back to full text alone
        log.warning("query embedding failed, using full text only: %s", exc)
        return None
    near = vectors.nearest(bot_id, vector, CANDIDATES)
    min_sim = float(current_app.config.get("EMBEDDINGS_MIN_SIMILARITY", 0.4))
    by_id = {p.chunk_id: p for p in lexical}
    missing = [cid for cid, _ in near if cid not in by_id]
    for row in fulltext.chunks_by_id(missing):
        by_id[row.id] = _passage(row, lexical_score(row, weights), words, weights)
    fused: dict[int, float] = {}
    for rank, p in enumerate(lexical):
        fused[p.chunk_id] = fused.get(p.chunk_id, 0.0) + 1 / (RRF_K + rank + 1)
    for rank, (cid, sim) in enumerate(near):
        if cid not in by_id:  # deleted since the index was loaded
            continue
        fused[cid] = fused.get(cid, 0.0) + 1 / (RRF_K + rank + 1)
        by_id[cid].similarity = sim
    kept = []
    for cid in sorted(fused, key=lambda c: -fused[c]):
        p = by_id[cid]
        sim = p.similarity or 0.0
        if p.score >= floor or sim >= min_sim:
            p.score = round(max(p.score, sim), 4)
            kept.append(p)
    return kept[:limit]
