"""Background ingestion: uploads and URL imports run as queued tasks; progress on the row."""

from __future__ import annotations

import logging
import time

from sqlalchemy import update

import tasks
from knowledge.errors import IngestError
from knowledge.storing import delete_chunks
from models import Document, Task, db

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between progress writes
UNEXPECTED = "Processing failed unexpectedly; try again or upload another format."


class Transient(Exception):
    """A failure worth retrying (a page that timed out or answered 5xx)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Progress:
    """Write a document's progress (0..1) at most twice a second."""

    def __init__(self, document_id: int) -> None:
        self.document_id = document_id
        self.last = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        db.session.execute(
            update(Document)
            .where(Document.id == self.document_id)
            .values(progress=round(min(fraction, 0.99), 3))
        )
        db.session.commit()
        # Let request threads run between pages of a big file.
        time.sleep(0)


def start_file(document: Document, fmt: str, data: bytes, title: str | None) -> Task:
    """Queue the parsing and storing of an upload whose row says "processing"."""
    return tasks.enqueue(
        "ingest_document",
        {"document_id": document.id, "fmt": fmt, "title": title, "hash": document.content_hash},
        payload=data,
        bot_id=document.bot_id,
    )


def start_url(document: Document, url: str) -> Task:
    """Queue the import of a web page into a row that says "processing"."""
    return tasks.enqueue(
        "import_url", {"document_id": document.id, "url": url}, bot_id=document.bot_id
    )


def describe(exc: BaseException) -> str:
    """Return the message a failed ingestion task records."""
    if isinstance(exc, IngestError | Transient):
        return exc.message
    return UNEXPECTED


def failed(task: Task, message: str) -> None:
    """Mark the task's document failed with the task's last error."""
    document_id = int(task.args["document_id"])
    delete_chunks(document_id)  # in batches: a huge failed ingest must not lock the database
    db.session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(status="failed", progress=0.0, error=message, chunk_count=0)
    )


def wait_idle(timeout: float | None = None) -> bool:
    """Wait for every queued ingestion; return False if some are still running at the timeout."""
    return tasks.wait_idle(timeout)
