"""Pick the sentences of retrieved passages that best answer a question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.chunking import split_sentences
from knowledge.terms import query_words, stem, stems_of

if TYPE_CHECKING:
    from knowledge.passages import Passage


@dataclass
class Quote:
    """A sentence to quote, the passage it comes from (for the citation) and its score."""

    text: str
    passage: Passage
    score: float


def best_sentences(query: str, passages: list[Passage], n: int = 3) -> list[Quote]:
    """Return up to n sentences that share the most (rare) words with the query, best first."""
    language = passages[0].language if passages else "en"
    wanted = {stem(w, language) for w in query_words(query, language)}
    if not wanted or not passages:
        return []
    weights: dict[str, float] = {}
    for passage in passages:
        weights.update(passage.weights)
    total = sum(weights.get(s, 1.0) for s in wanted)
    found: list[Quote] = []
    seen: set[str] = set()
    for rank, passage in enumerate(passages):
        label = set(stems_of(f"{passage.title} {passage.heading}", language))
        for position, sentence in enumerate(split_sentences(passage.content)):
            key = sentence.strip().lower()
            if key in seen:  # chunk overlap repeats sentences
                continue
            seen.add(key)
            stems = set(stems_of(sentence, language))
            hits = sum(weights.get(s, 1.0) for s in wanted & stems)
            if not hits:
                continue
            # A word in the heading above counts for half: the sentence is about it.
            hits += 0.5 * sum(weights.get(s, 1.0) for s in (wanted & label) - stems)
            score = hits / total * (0.5 + 0.5 * passage.score)
            # Fragments quote badly; earlier passages and sentences are likelier answers.
            if len(stems) < 6:
                score *= 0.6
            score *= 1.0 - 0.05 * min(rank, 5) - 0.01 * min(position, 10)
            found.append(Quote(sentence.strip(), passage, round(score, 4)))
    found.sort(key=lambda q: q.score, reverse=True)
    return found[:n]
