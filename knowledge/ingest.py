"""Add, replace and delete a bot's documents: parse, chunk, embed, store in one commit."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, delete, select, text, update

from knowledge import background as background_tasks
from knowledge.building import (
    MAX_FILENAME,
    Job,
    build,
    check_size,
    content_hash_of,
    describe,
    fetch_page,
    store,
)
from knowledge.errors import IngestError
from knowledge.limits import precheck
from knowledge.parsers import detect_format
from models import Bot, Chunk, Document, Task, db, utcnow

log = logging.getLogger(__name__)
FORMATS = ("text", "markdown", "html")


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


# Where a document is the same file, text or page (see _find), for _lookup's text SQL.
_SAME = {
    "file": "d.source = 'file' AND d.filename = :same",
    "text": "d.source = 'text' AND d.title = :same",
}


@lru_cache(maxsize=8)
def _lookup_sql(source: str, urls: int) -> TextClause:
    """Return _lookup's statement: its SQL is written once, not built for every document."""
    if source == "url":
        marks = ", ".join(f":u{i}" for i in range(urls)) or "NULL"
        same = f"d.source = 'url' AND d.url IN ({marks})"
    else:
        same = _SAME.get(source, _SAME["text"])
    return text(
        "SELECT b.id, "
        f"(SELECT d.id FROM documents d WHERE d.bot_id = b.id AND {same} ORDER BY d.id LIMIT 1), "
        "(SELECT d.id FROM documents d WHERE d.bot_id = b.id AND d.content_hash = :hash "
        "AND d.status = 'ready' ORDER BY d.id LIMIT 1) "
        "FROM bots b WHERE b.id = :bot"
    )


def _lookup(
    bot_id: int,
    source: str,
    content_hash: str,
    *,
    title: str | None,
    filename: str | None,
    urls: tuple[str, ...],
) -> tuple[Document | None, Document | None]:
    """Return the document this one replaces (as _find) and a ready one with the same
    content, if any; refuse a bot that does not exist.

    One round trip for a new document, whose statement is not built again each time:
    building the ORM's select for these lookups cost more than running them.
    """
    params: dict[str, Any] = {"bot": bot_id, "hash": content_hash}
    if source == "url":
        params.update({f"u{i}": u for i, u in enumerate(urls)})
    else:
        params["same"] = filename if source == "file" else title
    row = db.session.execute(_lookup_sql(source, len(urls)), params).first()
    if row is None:
        raise IngestError(f"Bot {bot_id} does not exist.", status=404, code="not_found")
    return (
        db.session.get(Document, row[1]) if row[1] is not None else None,
        db.session.get(Document, row[2]) if row[2] is not None else None,
    )


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
    content_hash = content_hash_of(fmt, data)
    urls = tuple(u for u in (identity_url, url) if u)
    existing, duplicate = _lookup(
        bot_id, source, content_hash, title=title or fallback_title, filename=filename, urls=urls
    )
    check_size(data)
    # Cheap bounds first, so a hostile file is refused now rather than failing in the background.
    precheck(fmt, data)
    if (
        existing is not None
        and existing.content_hash == content_hash
        and existing.status in ("ready", "processing")
    ):
        return existing
    if duplicate is not None:
        return duplicate
    job = Job(fmt=fmt, data=data, title=title)
    if background_mode:
        document = existing or Document(bot_id=bot_id, source=source)
        describe(document, title or fallback_title, filename, url, content_hash, len(data))
        document.status, document.progress, document.error = "processing", 0.0, None
        db.session.add(document)
        db.session.commit()
        background_tasks.start_file(document, fmt, data, title)
        return document
    try:
        found_title, pieces = build(job)
        document = existing or Document(bot_id=bot_id, source=source)
        describe(
            document, title or found_title or fallback_title, filename, url, content_hash, len(data)
        )
        # What store() sets too, so a new row is written once (its insert) and not updated.
        document.chunk_count, document.status = len(pieces), "ready"
        document.progress, document.error = 1.0, None
        db.session.add(document)
        db.session.flush()
        store(document, pieces, new=existing is None)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return document


def finish_file(
    document: Document,
    fmt: str,
    data: bytes,
    title: str | None,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Build and store a queued upload's chunks into its row (a background task)."""
    found_title, pieces = build(Job(fmt=fmt, data=data, title=title), progress)
    if title is None and found_title:
        document.title = found_title[:500]
    store(document, pieces, progress, batched=True)


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
    if len(filename) > MAX_FILENAME:
        raise IngestError(f"The file name must be at most {MAX_FILENAME} characters.")
    check_size(data)
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
    fmt, data, final_url = fetch_page(url)
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
    fmt, data, final_url = fetch_page(url)
    check_size(data)
    found_title, pieces = build(Job(fmt=fmt, data=data, title=None), progress)
    describe(
        document, found_title or final_url, None, final_url, content_hash_of(fmt, data), len(data)
    )
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
