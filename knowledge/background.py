"""Background ingestion: one worker thread at a time, progress kept on the Document row."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import update

from knowledge.errors import IngestError
from knowledge.storing import delete_chunks
from models import Document, db

log = logging.getLogger(__name__)
Work = Callable[[Document, Callable[[float], None]], None]
# Parsing is CPU-bound; one job at a time leaves the other core for requests.
_slot = threading.BoundedSemaphore(1)
_threads: dict[int, threading.Thread] = {}
_lock = threading.Lock()
PROGRESS_EVERY = 0.5  # seconds between progress writes


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


def start(document_id: int, work: Work) -> threading.Thread:
    """Run work(document, progress) for a document in a thread with its own app context."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_run, args=(app, document_id, work), name=f"docent-ingest-{document_id}", daemon=True
    )
    with _lock:
        _threads[document_id] = thread
    thread.start()
    return thread


def _run(app: Flask, document_id: int, work: Work) -> None:
    with _slot, app.app_context():
        try:
            document = db.session.get(Document, document_id)
            if document is None:  # deleted while it waited
                return
            work(document, _Progress(document_id))
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - a failed job is reported on its row
            db.session.rollback()
            if isinstance(exc, IngestError):
                message = exc.message
            else:
                log.exception("background ingestion of document %s failed", document_id)
                message = "Processing failed unexpectedly; try again or upload another format."
            _fail(document_id, message)
        finally:
            with _lock:
                _threads.pop(document_id, None)


def _fail(document_id: int, message: str) -> None:
    delete_chunks(document_id)  # in batches: a huge failed ingest must not lock the database
    db.session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(status="failed", progress=0.0, error=message, chunk_count=0)
    )
    db.session.commit()


def wait_idle(timeout: float | None = None) -> bool:
    """Wait for every running job; return False if some are still running at the timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _lock:
            threads = list(_threads.values())
        if not threads:
            return True
        for thread in threads:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
            if deadline is not None and time.monotonic() >= deadline:
                with _lock:
                    return not _threads
