"""Pick the sentences of retrieved passages that best answer a question.

Each sentence is scored on the question's weighted words it holds and on the cosine
similarity of its vector (the local model) to the question's, so that a sentence that
answers in other words still wins. A sentence keeps the option names or code that
introduce it (a definition list's term), and sentences that name an option, a command
or a code span are preferred: that is usually what the asker will type next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from knowledge.chunking import split_sentences
from knowledge.embeddings import embed_local
from knowledge.passages import Passage
from knowledge.terms import query_words, stem, stems_of

# ‘-v’, '--invert-match', `code`, name(), a $VARIABLE: spans the asker can type.
CODE_RE = re.compile(r"[‘'`\"]-{1,2}[\w-]+|(?<!\w)--?[a-zA-Z][\w-]*|`[^`]+`|\b\w+\(\)|\$[A-Z_]+")
# A line that only names options or code, like "‘-i’ ‘--ignore-case’".
TERM_RE = re.compile(r"^(?:[‘'`\"]?-{0,2}[\w.=\[\]<>/-]+[’'`\"]?[ ,]*){1,4}$")
W_WORDS, W_COSINE, CODE_BONUS = 0.6, 0.4, 0.2
SAME = 0.9  # cosine above which two sentences say the same thing


@dataclass
class Quote:
    """A sentence to quote, the passage it comes from (for the citation) and its score."""

    text: str
    passage: Passage
    score: float


def _units(content: str) -> list[str]:
    """Split a passage into sentences, each with the option or code term that introduces it."""
    units: list[str] = []
    lead = ""
    for sentence in split_sentences(content):
        clean = sentence.strip().strip("|").strip()
        if not clean:
            continue
        if TERM_RE.match(clean) and len(clean) <= 60:
            lead = f"{lead} {clean}".strip()
            continue
        units.append(f"{lead} {clean}".strip() if lead else clean)
        lead = ""
    return units


def _vectors(query: str, sentences: list[str]) -> tuple[np.ndarray | None, list[float]]:
    """Return the sentences' vectors and their cosine to the query (None, zeros offline)."""
    try:
        vectors = embed_local([query, *sentences])
    except Exception:  # noqa: BLE001 - words alone still pick a sentence
        return None, [0.0] * len(sentences)
    return vectors[1:], [float(v) for v in vectors[1:] @ vectors[0]]


def best_sentences(query: str, passages: list[Passage], n: int = 3) -> list[Quote]:
    """Return up to n sentences that best answer the query, best first."""
    language = passages[0].language if passages else "en"
    wanted = {stem(w, language) for w in query_words(query, language)}
    if not wanted or not passages:
        return []
    weights: dict[str, float] = {}
    for passage in passages:
        weights.update(passage.weights)
    total = sum(weights.get(s, 1.0) for s in wanted)
    found: list[tuple[str, Passage, float, int, int]] = []
    seen: set[str] = set()
    for rank, passage in enumerate(passages):
        label = set(stems_of(f"{passage.title} {passage.heading}", language))
        for position, sentence in enumerate(_units(passage.content)):
            key = sentence.lower()
            if key in seen:  # chunk overlap repeats sentences
                continue
            seen.add(key)
            stems = set(stems_of(sentence, language))
            hits = sum(weights.get(s, 1.0) for s in wanted & stems)
            # A word in the heading above counts for half: the sentence is about it.
            hits += 0.5 * sum(weights.get(s, 1.0) for s in (wanted & label) - stems)
            found.append((sentence, passage, hits / total, rank, position))
    if not found:
        return []
    vectors, cosines = _vectors(query, [f[0] for f in found])
    quotes = []
    for row, ((sentence, passage, share, rank, position), cosine) in enumerate(
        zip(found, cosines, strict=True)
    ):
        if share <= 0 and cosine < 0.3:
            continue
        score = W_WORDS * share + W_COSINE * max(cosine, 0.0)
        if CODE_RE.search(sentence):
            score += CODE_BONUS
        # Fragments quote badly; earlier passages and sentences are likelier answers.
        if len(sentence.split()) < 5:
            score *= 0.6
        score *= (0.5 + 0.5 * passage.score) * (
            1.0 - 0.08 * min(rank, 5) - 0.005 * min(position, 10)
        )
        quotes.append((Quote(sentence, passage, round(score, 4)), row))
    quotes.sort(key=lambda q: q[0].score, reverse=True)
    chosen: list[tuple[Quote, int]] = []
    for quote, row in quotes:
        # Two documents often say the same thing: quote it once, and say something else.
        if vectors is not None and any(
            float(vectors[row] @ vectors[other]) > SAME for _, other in chosen
        ):
            continue
        chosen.append((quote, row))
        if len(chosen) == n:
            break
    return [quote for quote, _ in chosen]
