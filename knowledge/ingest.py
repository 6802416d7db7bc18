"""Add, replace and delete a bot's documents: parse, chunk, embed, store in one commit."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, insert, select, update

from knowledge import background as background_tasks
from knowledge.chunking import DEFAULT_BUDGET, DEFAULT_OVERLAP, Piece, chunk_sections
from knowledge.embeddings import embed_or_none
from knowledge.errors import IngestError
from knowledge.fetch import fetch
from knowledge.parsers import CONTENT_TYPES, detect_format, parse
from models import Bot, Chunk, Document, Task, db, utcnow

log = logging.getLogger(__name__)
FORMATS = ("text", "markdown", "html")
INSERT_BATCH = 500


def setting(name: str, default: int | float | bool) -> int | float | bool:
    """Return a knowledge setting from the app config, falling back to its default."""
    value = current_app.config.get(name, default)
    return type(default)(value) if not isinstance(default, bool) else bool(value)


def max_bytes() -> int:
    """Return the largest document, in bytes, that ingestion accepts."""
    return int(setting("MAX_DOCUMENT_BYTES", 25_000_000))


@dataclass
class _Job:
    """Everything needed to (re)build one document's chunks from its bytes."""

    fmt: str
    data: bytes
    title: str | None


def _size_text(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


def _check_size(data: bytes) -> None:
    if not data.strip():
        raise IngestError("The document is empty.")
    limit = max_bytes()
    if len(data) > limit:
        raise IngestError(
            f"The document is larger than the {_size_text(limit)} limit.",
            status=413,
            code="payload_too_large",
        )


def _hash(fmt: str, data: bytes) -> str:
    return hashlib.sha256(fmt.encode() + b"\0" + data).hexdigest()


def _find(
    bot_id: int,
    source: str,
    *,
    title: str | None = None,
    filename: str | None = None,
    urls: tuple[str, ...] = (),
) -> Document | None:
    query = select(Document).where(Document.bot_id == bot_id)
    if source == "file":
        query = query.where(Document.source == "file", Document.filename == filename)
    elif source == "url":
        query = query.where(Document.source == "url", Document.url.in_(urls))
    else:
        query = query.where(Document.source == "text", Document.title == title)
    return db.session.scalars(query.order_by(Document.id).limit(1)).first()


def _duplicate(bot_id: int, content_hash: str) -> Document | None:
    query = select(Document).where(
        Document.bot_id == bot_id, Document.content_hash == content_hash, Document.status == "ready"
    )
    return db.session.scalars(query.limit(1)).first()


def build(
    job: _Job, progress: Callable[[float], None] | None = None
) -> tuple[str | None, list[Piece]]:
    """Parse and chunk a job's bytes; return the title found inside and the chunks."""
    parsed = parse(job.fmt, job.data, (lambda p: progress(0.7 * p)) if progress else None)
    budget = int(setting("CHUNK_TOKENS", DEFAULT_BUDGET))
    overlap = int(setting("CHUNK_OVERLAP", DEFAULT_OVERLAP))
    pieces = chunk_sections(parsed.sections, budget, overlap)
    if not pieces:
        raise IngestError("The document has no readable text.")
    if progress:
        progress(0.75)
    return parsed.title, pieces


def store(
    document: Document, pieces: list[Piece], progress: Callable[[float], None] | None = None
) -> None:
    """Replace the document's chunks with pieces, in the caller's transaction."""
    vectors = embed_or_none([f"{document.title}\n{p.heading}\n{p.content}" for p in pieces])
    if progress:
        progress(0.9)
    db.session.execute(
        delete(Chunk).where(Chunk.document_id == document.id),
        execution_options={"synchronize_session": False},
    )
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
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(insert(Chunk), rows[start : start + INSERT_BATCH])
    document.chunk_count = len(rows)
    document.status = "ready"
    document.progress = 1.0
    document.error = None


def _ingest(
    bot_id: int,
    *,
    source: str,
    fmt: str,
    data: bytes,
    title: str | None,
    fallback_title: str,
    filename: str | None = None,
    url: str | None = None,
    identity_url: str | None = None,
    background_mode: bool = False,
) -> Document:
    if db.session.get(Bot, bot_id) is None:
        raise IngestError(f"Bot {bot_id} does not exist.", status=404, code="not_found")
    _check_size(data)
    content_hash = _hash(fmt, data)
    urls = tuple(u for u in (identity_url, url) if u)
    existing = _find(bot_id, source, title=title or fallback_title, filename=filename, urls=urls)
    if (
        existing is not None
        and existing.content_hash == content_hash
        and existing.status in ("ready", "processing")
    ):
        return existing
    duplicate = _duplicate(bot_id, content_hash)
    if duplicate is not None:
        return duplicate
    job = _Job(fmt=fmt, data=data, title=title)
    if background_mode:
        document = existing or Document(bot_id=bot_id, source=source)
        _describe(document, title or fallback_title, filename, url, content_hash, len(data))
        document.status, document.progress, document.error = "processing", 0.0, None
        db.session.add(document)
        db.session.commit()
        background_tasks.start_file(document, fmt, data, title)
        return document
    try:
        found_title, pieces = build(job)
        document = existing or Document(bot_id=bot_id, source=source)
        _describe(
            document, title or found_title or fallback_title, filename, url, content_hash, len(data)
        )
        db.session.add(document)
        db.session.flush()
        store(document, pieces)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return document


def _describe(
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


def finish_file(
    document: Document,
    fmt: str,
    data: bytes,
    title: str | None,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Build and store a queued upload's chunks into its row (a background task)."""
    found_title, pieces = build(_Job(fmt=fmt, data=data, title=title), progress)
    if title is None and found_title:
        document.title = found_title[:500]
    store(document, pieces, progress)


def add_text(
    bot_id: int, title: str, text: str, *, url: str | None = None, fmt: str = "text"
) -> Document:
    """Add (or replace, by title) a document typed or pasted as text, Markdown or HTML."""
    if fmt not in FORMATS:
        raise IngestError(f"Unknown format {fmt!r}; use text, markdown or html.")
    if not (title or "").strip():
        raise IngestError("A document needs a title.")
    return _ingest(
        bot_id,
        source="text",
        fmt=fmt,
        data=(text or "").encode("utf-8"),
        title=title.strip(),
        fallback_title=title,
        url=url,
    )


def add_file(
    bot_id: int,
    filename: str,
    data: bytes,
    *,
    title: str | None = None,
    url: str | None = None,
    background: bool = False,
) -> Document:
    """Add (or replace, by file name) an uploaded .txt, .md, .html, .pdf or .docx file."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not filename:
        raise IngestError("The upload has no file name.")
    _check_size(data)
    fmt = detect_format(filename, data)
    stem = os.path.splitext(filename)[0]
    return _ingest(
        bot_id,
        source="file",
        fmt=fmt,
        data=data,
        title=title,
        fallback_title=stem,
        filename=filename,
        url=url,
        background_mode=background,
    )


def _fetch(url: str) -> tuple[str, bytes, str]:
    """Download a page within the size and time limits; return its format, bytes and URL."""
    fetched = fetch(
        url,
        max_bytes=min(int(setting("URL_MAX_BYTES", 10_000_000)), max_bytes()),
        timeout=float(setting("URL_TIMEOUT", 15.0)),
        allow_private=bool(setting("ALLOW_PRIVATE_URLS", False)),
    )
    name = os.path.basename(urlsplit(fetched.url).path)
    fmt = CONTENT_TYPES.get(fetched.content_type) or detect_format(
        name or "page", fetched.data, fetched.content_type
    )
    return fmt, fetched.data, fetched.url


def add_url(bot_id: int, url: str, *, background: bool = False) -> Document:
    """Import one web page (HTML, text, Markdown, PDF or .docx) by its URL.

    With background=True the page is fetched by a queued task (retried when the site
    times out or fails) and the returned row says "processing" until it is done.
    """
    url = (url or "").strip()
    if db.session.get(Bot, bot_id) is None:
        raise IngestError(f"Bot {bot_id} does not exist.", status=404, code="not_found")
    if background:
        if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
            raise IngestError("Only http and https URLs can be imported.")
        document = _find(bot_id, "url", urls=(url,)) or Document(
            bot_id=bot_id, source="url", title=url[:500], url=url, size_bytes=0
        )
        document.status, document.progress, document.error = "processing", 0.0, None
        db.session.add(document)
        db.session.commit()
        background_tasks.start_url(document, url)
        return document
    fmt, data, final_url = _fetch(url)
    return _ingest(
        bot_id,
        source="url",
        fmt=fmt,
        data=data,
        title=None,
        fallback_title=final_url,
        url=final_url,
        identity_url=url,
    )


def finish_url(
    document: Document, url: str, progress: Callable[[float], None] | None = None
) -> None:
    """Fetch a page and store it into its row (a background task)."""
    fmt, data, final_url = _fetch(url)
    _check_size(data)
    found_title, pieces = build(_Job(fmt=fmt, data=data, title=None), progress)
    _describe(document, found_title or final_url, None, final_url, _hash(fmt, data), len(data))
    store(document, pieces, progress)


def delete_document(document_id: int) -> None:
    """Delete a document and its chunks (and so their full-text entries)."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise IngestError(f"Document {document_id} does not exist.", status=404, code="not_found")
    try:
        db.session.execute(
            delete(Chunk).where(Chunk.document_id == document_id),
            execution_options={"synchronize_session": False},
        )
        db.session.delete(document)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def mark_interrupted(idle_seconds: float = 600) -> int:
    """Fail documents whose processing has stopped for good; return how many.

    A row with a queued or running task is still being worked on (the queue retries
    and recovers it); one without, and quiet for a while, belongs to a stopped server.
    """
    cutoff = utcnow() - timedelta(seconds=idle_seconds)
    quiet = db.session.scalars(
        select(Document.id).where(Document.status == "processing", Document.updated_at < cutoff)
    ).all()
    if not quiet:
        return 0
    active = {
        args.get("document_id")
        for args in db.session.scalars(
            select(Task.args).where(Task.status.in_(("queued", "running")))
        )
    }
    stopped = [i for i in quiet if i not in active]
    if stopped:
        db.session.execute(
            update(Document)
            .where(Document.id.in_(stopped))
            .values(
                status="failed",
                progress=0.0,
                error="Processing was interrupted; upload the file again.",
            )
        )
    db.session.commit()
    return len(stopped)
