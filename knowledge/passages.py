"""A retrieved passage, and how much of a question's weighted words it holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from knowledge.terms import stems_of

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
    coverage: float | None = None
    language: str = "en"
    # The same document's next best passages: quoted from (cited as this one), not sources.
    more: list[Passage] = field(default_factory=list)

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


def passage_from_row(
    row: Any, score: float, terms: list[str], weights: dict[str, float], language: str = "en"
) -> Passage:
    """Build a Passage from a chunks row."""
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
        language=language,
    )


@lru_cache(maxsize=2048)  # a few MB: the candidates of recent questions
def stem_counts(text: str, language: str) -> tuple[Counter[str], int]:
    """Return how often each stem occurs in text, and its length in words (cached)."""
    stems = stems_of(text, language)
    return Counter(stems), len(stems)


@lru_cache(maxsize=20_000)
def label_stems(title: str, heading: str, language: str) -> frozenset[str]:
    """Return the stems of a chunk's title and headings (cached)."""
    return frozenset(stems_of(f"{title} {heading}", language))


def coverage(row: Any, weights: dict[str, float], language: str = "en") -> float:
    """Return the weighted share of query stems in a chunk, with BM25 term saturation."""
    counts, length = stem_counts(row.content, language)
    label = label_stems(row.title or "", row.heading or "", language)
    norm = 1 - B + B * length / AVG_WORDS
    total = sum(weights.values())
    got = 0.0
    for s, weight in weights.items():
        tf = counts.get(s, 0) + (3 if s in label else 0)
        if tf:
            got += weight * (0.6 + 0.4 * tf / (tf + K1 * norm))
    return got / total if total else 0.0
