"""Write a large document's chunks in bounded transactions, visible only once complete.

One transaction for 194k chunks holds SQLite's write lock for as long as it takes, and
every chat and key check that writes meanwhile waits and fails. Here each batch commits
on its own: new chunks are staged under a bot id no bot has (minus the document id), so
retrieval, which filters by bot, never sees them; one short final transaction moves them
to their bot and marks the document ready. A failure deletes the staged rows in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update

from models import Chunk, Document, db

# Inserting into the table, not the mapped class: a plain executemany, without the
# ORM's bulk bookkeeping per row.
CHUNKS = cast(Table, Chunk.__table__)

# Rows per transaction: a fraction of a second of SQLite's write lock each.
BATCH = 2_000


def staged_bot(document_id: int) -> int:
    """Return the bot id a document's chunks wait under until they go live."""
    return -document_id


def delete_chunks(document_id: int, bot_id: int | None = None, max_id: int | None = None) -> None:
    """Delete a document's chunks (of one bot id, up to an id) a batch per transaction."""
    while True:
        query = select(Chunk.id).where(Chunk.document_id == document_id)
        if bot_id is not None:
            query = query.where(Chunk.bot_id == bot_id)
        if max_id is not None:
            query = query.where(Chunk.id <= max_id)
        ids = db.session.scalars(query.limit(BATCH)).all()
        if not ids:
            return
        db.session.execute(
            delete(Chunk).where(Chunk.id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()


def store_in_batches(
    document: Document,
    rows: list[dict[str, Any]],
    progress: Callable[[float], None] | None = None,
) -> None:
    """Stage rows batch by batch, then swap them for the document's old chunks at once."""
    document_id, bot_id = document.id, document.bot_id
    staged = staged_bot(document_id)
    # A previous attempt that died midway may have left staged rows.
    delete_chunks(document_id, bot_id=staged)
    old_max = db.session.scalar(select(func.max(Chunk.id)).where(Chunk.document_id == document_id))
    for start in range(0, len(rows), BATCH):
        batch = [{**row, "bot_id": staged} for row in rows[start : start + BATCH]]
        db.session.execute(insert(CHUNKS), batch)
        db.session.commit()
        if progress:
            progress(0.9 + 0.09 * (start + len(batch)) / len(rows))
    if old_max is not None:
        # Leave at most one batch of old chunks for the swap, so it stays short.
        keep_from = db.session.scalar(
            select(Chunk.id)
            .where(Chunk.document_id == document_id, Chunk.bot_id == bot_id)
            .order_by(Chunk.id.desc())
            .offset(BATCH)
            .limit(1)
        )
        if keep_from is not None:
            delete_chunks(document_id, bot_id=bot_id, max_id=keep_from)
    db.session.execute(
        delete(Chunk).where(Chunk.document_id == document_id, Chunk.bot_id == bot_id),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(Chunk)
        .where(Chunk.document_id == document_id, Chunk.bot_id == staged)
        .values(bot_id=bot_id),
        execution_options={"synchronize_session": False},
    )
    document = db.session.get_one(Document, document_id)
    document.chunk_count = len(rows)
    document.status, document.progress, document.error = "ready", 1.0, None
    db.session.commit()
