"""Cut sections into chunks that fit a token budget, overlapping a little."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from knowledge.sections import Section
from knowledge.tokens import count_tokens, fits

# About a screen of text: big enough to hold an answer, small enough to rank sharply.
DEFAULT_BUDGET = 320
DEFAULT_OVERLAP = 48
_SENTENCE_RE = re.compile(r"(?<=[.!?:;])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")


@dataclass
class Piece:
    """One chunk's text and where it came from."""

    heading: str
    content: str
    page: int | None
    anchor: str | None
    token_count: int


@dataclass
class _Unit:
    text: str
    tokens: int
    starts_paragraph: bool


def split_sentences(text: str) -> list[str]:
    """Split text at sentence ends; code keeps its lines."""
    return [s.strip() for s in _SENTENCE_RE.split(text) if s and s.strip()]


def _split_words(text: str, budget: int) -> Iterator[str]:
    """Cut an over-long sentence at spaces, or a space-less run at characters."""
    current: list[str] = []
    size = 0
    for word in text.split():
        tokens = count_tokens(" " + word)
        if tokens > budget:
            if current:
                yield " ".join(current)
                current, size = [], 0
            # CJK text and long identifiers have no spaces; a character is at most a token.
            for i in range(0, len(word), budget):
                yield word[i : i + budget]
            continue
        if current and size + tokens > budget:
            yield " ".join(current)
            current, size = [], 0
        current.append(word)
        size += tokens
    if current:
        yield " ".join(current)


def _units(paragraph: str, budget: int) -> Iterator[_Unit]:
    # fits() stops counting at the budget: a long paragraph is not counted to its end.
    tokens = fits(paragraph, budget)
    if tokens is not None:
        yield _Unit(paragraph, tokens, True)
        return
    first = True
    for sentence in split_sentences(paragraph):
        tokens = fits(sentence, budget)
        if tokens is not None:
            yield _Unit(sentence, tokens, first)
            first = False
            continue
        for piece in _split_words(sentence, budget):
            yield _Unit(piece, count_tokens(piece), first)
            first = False


def _join(units: list[_Unit]) -> str:
    out: list[str] = []
    for i, unit in enumerate(units):
        if i:
            out.append("\n\n" if unit.starts_paragraph else " ")
        out.append(unit.text)
    return "".join(out)


def _tail(units: list[_Unit], overlap: int) -> list[_Unit]:
    """Return the last whole sentences of a chunk that fit in the overlap."""
    tail: list[_Unit] = []
    total = 0
    for unit in reversed(units):
        if total + unit.tokens <= overlap:
            tail.insert(0, unit)
            total += unit.tokens
            continue
        # A paragraph too big to repeat whole still lends its last sentences.
        for sentence in reversed(split_sentences(unit.text)):
            tokens = count_tokens(sentence)
            if total + tokens > overlap:
                break
            tail.insert(0, _Unit(sentence, tokens, False))
            total += tokens
        break
    if tail:
        tail[0] = _Unit(tail[0].text, tail[0].tokens, True)
    return tail


def chunk_section(
    section: Section, budget: int = DEFAULT_BUDGET, overlap: int = DEFAULT_OVERLAP
) -> list[Piece]:
    """Pack a section's paragraphs into chunks of at most budget tokens."""
    pieces: list[Piece] = []
    current: list[_Unit] = []
    size = 0
    fresh = 0  # units in current that are not overlap from the previous chunk

    def emit() -> None:
        content = _join(current)
        pieces.append(
            Piece(section.heading, content, section.page, section.anchor, count_tokens(content))
        )

    for paragraph in section.paragraphs:
        for unit in _units(paragraph, budget):
            # Joining costs a token or two; keep a small margin.
            if current and size + unit.tokens + 1 > budget:
                emit()
                current = _tail(current, overlap) if fresh else []
                size = sum(u.tokens + 1 for u in current)
                fresh = 0
                if size + unit.tokens + 1 > budget:
                    current, size = [], 0
            current.append(unit)
            size += unit.tokens + 1
            fresh += 1
    if current and fresh:
        emit()
    return pieces


def chunk_sections(
    sections: list[Section], budget: int = DEFAULT_BUDGET, overlap: int = DEFAULT_OVERLAP
) -> list[Piece]:
    """Chunk every section in order; chunks never straddle two headings or pages."""
    return [piece for section in sections for piece in chunk_section(section, budget, overlap)]
