"""Curated answers: an owner's answer to a question, stored as a one-chunk document."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload

from engine.curated import CURATED, answer_of, chunk_text
from engine.tokens import count_tokens
from knowledge.chunking import Piece
from knowledge.ingest import delete_document, store
from models import Document, db, utcnow
from services.questions import normalise

QUESTION_MAX = 500  # a document title's length
ANSWER_MAX = 10_000
URL_MAX = 2000


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def answer_text(document: Document) -> str:
    """Return a curated answer's text from its one chunk."""
    chunk = document.chunks[0] if document.chunks else None
    return answer_of(chunk.title, chunk.content) if chunk else ""


def answer_dict(document: Document) -> dict[str, Any]:
    """Return a curated answer as API clients see it."""
    return {
        "id": document.id,
        "question": document.title,
        "answer": answer_text(document),
        "url": document.url,
        "created_at": _iso(document.created_at),
        "updated_at": _iso(document.updated_at),
    }


def answers_query(bot_id: int) -> Any:
    """Return the select of a bot's curated answers, newest first, chunks loaded."""
    return (
        db.select(Document)
        .options(selectinload(Document.chunks))
        .where(Document.bot_id == bot_id, Document.source == CURATED)
        .order_by(Document.created_at.desc(), Document.id.desc())
    )


def find_answer(bot_id: int, answer_id: int) -> Document | None:
    """Return the bot's curated answer with that id, or None."""
    document = db.session.get(Document, answer_id)
    if document is None or document.bot_id != bot_id or document.source != CURATED:
        return None
    return document


def _fill(document: Document, question: str, answer: str, url: str | None) -> None:
    text = chunk_text(question, answer)
    document.title = question
    document.url = url
    document.size_bytes = len(text.encode())
    document.content_hash = hashlib.sha256(text.encode()).hexdigest()
    document.updated_at = utcnow()  # retrieval's vector index reloads on this
    db.session.add(document)
    db.session.flush()
    piece = Piece(heading="", content=text, page=None, anchor=None, token_count=count_tokens(text))
    store(document, [piece])


def save_answer(
    bot_id: int, question: str, answer: str, url: str | None, document: Document | None = None
) -> Document:
    """Create a curated answer, or replace one's question, answer and chunk; commit."""
    document = document or Document(bot_id=bot_id, source=CURATED)
    try:
        _fill(document, question.strip(), answer.strip(), url or None)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return document


def delete_answer(document: Document) -> None:
    """Delete a curated answer and its chunk."""
    delete_document(document.id)


def curated_questions(bot_id: int) -> dict[str, int]:
    """Return the bot's curated answers as {normalised question: answer id}."""
    rows = db.session.execute(
        db.select(Document.id, Document.title).where(
            Document.bot_id == bot_id, Document.source == CURATED
        )
    )
    return {normalise(title): answer_id for answer_id, title in rows}
