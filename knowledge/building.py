"""A document's bytes to stored chunks: size checks, parsing and chunking, embedding and storing.

knowledge/ingest.py decides which document a file, text or URL becomes; knowledge/sources.py
reuses the same steps for a site's pages.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, delete, insert

import settings
from knowledge.chunking import Piece, chunk_sections
from knowledge.embeddings import embed_for_storage
from knowledge.errors import IngestError
from knowledge.fetch import fetch
from knowledge.parsers import CONTENT_TYPES, detect_format, parse
from knowledge.storing import store_in_batches
from models import Chunk, Document, db

# Inserting into the table, not the mapped class: a plain executemany, without the
# ORM's bulk bookkeeping per row.
CHUNKS = cast(Table, Chunk.__table__)

INSERT_BATCH = 500

# Longest upload file name kept (most file systems stop at 255).
MAX_FILENAME = 255


def max_bytes() -> int:
    """Return the largest document, in bytes, that ingestion accepts."""
    return int(settings.value("MAX_DOCUMENT_BYTES"))


@dataclass
class Job:
    """Everything needed to (re)build one document's chunks from its bytes."""

    fmt: str
    data: bytes
    title: str | None


def size_text(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


def check_size(data: bytes) -> None:
    if not data.strip():
        raise IngestError("The document is empty.")
    limit = max_bytes()
    if len(data) > limit:
        raise IngestError(
            f"The document is larger than the {size_text(limit)} limit.",
            status=413,
            code="payload_too_large",
        )


def content_hash_of(fmt: str, data: bytes) -> str:
    return hashlib.sha256(fmt.encode() + b"\0" + data).hexdigest()


def build(
    job: Job, progress: Callable[[float], None] | None = None
) -> tuple[str | None, list[Piece]]:
    """Parse and chunk a job's bytes; return the title found inside and the chunks."""
    parsed = parse(job.fmt, job.data, (lambda p: progress(0.7 * p)) if progress else None)
    budget = int(settings.value("CHUNK_TOKENS"))
    overlap = int(settings.value("CHUNK_OVERLAP"))
    pieces = chunk_sections(parsed.sections, budget, overlap)
    if not pieces:
        raise IngestError("The document has no readable text.")
    if progress:
        progress(0.75)
    return parsed.title, pieces


def store(
    document: Document,
    pieces: list[Piece],
    progress: Callable[[float], None] | None = None,
    batched: bool = False,
    new: bool = False,
) -> None:
    """Replace the document's chunks with pieces: in the caller's transaction, or batched.

    new says the document row was inserted in this transaction, so has no chunks to delete.
    """
    vectors = embed_for_storage([f"{document.title}\n{p.heading}\n{p.content}" for p in pieces])
    if progress:
        progress(0.9)
    rows = [
        {
            "document_id": document.id,
            "bot_id": document.bot_id,
            "ordinal": i,
            "title": document.title[:500],
            "heading": piece.heading[:1000],
            "content": piece.content,
            "page": piece.page,
            "anchor": piece.anchor[:300] if piece.anchor else None,
            "url": document.url,
            "token_count": piece.token_count,
            "embedding": vector,
        }
        for i, (piece, vector) in enumerate(zip(pieces, vectors, strict=True))
    ]
    if batched:
        # Background ingests can be huge: commit per batch, go live in one short swap.
        store_in_batches(document, rows, progress)
        return
    if not new:
        db.session.execute(
            delete(Chunk).where(Chunk.document_id == document.id),
            execution_options={"synchronize_session": False},
        )
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(insert(CHUNKS), rows[start : start + INSERT_BATCH])
    document.chunk_count = len(rows)
    document.status = "ready"
    document.progress = 1.0
    document.error = None


def describe(
    document: Document,
    title: str,
    filename: str | None,
    url: str | None,
    content_hash: str,
    size: int,
) -> None:
    document.title = (title.strip() or "Untitled")[:500]
    document.filename = filename
    document.url = url
    document.content_hash = content_hash
    document.size_bytes = size


def fetch_limits() -> dict[str, Any]:
    """Return the size, time and address limits of fetching one page, as fetch() takes them."""
    return {
        "max_bytes": min(int(settings.value("URL_MAX_BYTES")), max_bytes()),
        "timeout": float(settings.value("URL_TIMEOUT")),
        "allow_private": bool(settings.value("ALLOW_PRIVATE_URLS")),
    }


def fetch_page(url: str) -> tuple[str, bytes, str]:
    """Download a page within the size and time limits; return its format, bytes and URL."""
    fetched = fetch(url, **fetch_limits())
    name = os.path.basename(urlsplit(fetched.url).path)
    fmt = CONTENT_TYPES.get(fetched.content_type) or detect_format(
        name or "page", fetched.data, fetched.content_type
    )
    return fmt, fetched.data, fetched.url
