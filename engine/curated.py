"""Curated answers in retrieval: put the owner's own answer first and answer with it offline."""

from __future__ import annotations

from collections.abc import Generator

from sqlalchemy import bindparam, select

from engine.providers import Item, stream_text
from knowledge.retrieval import Passage
from models import Document, db

# Documents of this source hold one curated answer: one chunk, the question then the answer.
CURATED = "curated"
# A curated passage goes first when it scores at least this share of the best passage.
NEAR_BEST = 0.8


def chunk_text(question: str, answer: str) -> str:
    """Return the one chunk's text of a curated answer: its question, then its answer."""
    return f"{question}\n\n{answer}"


def answer_of(question: str, content: str) -> str:
    """Return the answer part of a curated chunk's text."""
    head = question + "\n\n"
    return content[len(head) :] if content.startswith(head) else content


def promote(bot_id: int, passages: list[Passage]) -> Passage | None:
    """Move the best curated passage to the front when it scores near the best; return it.

    Its source shows the question as the title and the answer as the snippet, so the
    model and the visitor both see the owner's answer first.
    """
    if not passages:
        return None
    ids = list({p.document_id for p in passages})
    curated = set(db.session.execute(_CURATED, {"bot_id": bot_id, "ids": ids}).scalars())
    best = max(p.score for p in passages)
    for p in passages:
        if p.document_id in curated and p.score >= best * NEAR_BEST:
            passages.remove(p)
            passages.insert(0, p)
            p.content = answer_of(p.title, p.content)
            p.heading = ""
            return p
    return None


# Built once: building the statement cost about as much as running it.
_CURATED = select(Document.id).where(
    Document.bot_id == bindparam("bot_id"),
    Document.source == CURATED,
    Document.id.in_(bindparam("ids", expanding=True)),
)


def stream_curated(messages: list[dict[str, str]], answer: str) -> Generator[Item, None, None]:
    """Answer offline with a curated answer's text, cited as the first source."""
    return stream_text(messages, f"{answer.strip()} [1]")
