"""The queued ingestion tasks: parse and store an upload, import a web page.

They live apart from knowledge/background.py (which queues them and keeps their
progress) because they call into knowledge/ingest.py, which queues through background.
"""

from __future__ import annotations

from typing import Any

import tasks
from knowledge.background import Transient, _Progress, describe, failed
from knowledge.errors import IngestError
from knowledge.ingest import finish_file, finish_url
from knowledge.passage_vectors import fill_after_ingest
from models import Document, Task, db


def _document(task: Task) -> Document | None:
    return db.session.get(Document, task.args["document_id"])


@tasks.handler("ingest_document", permanent=(IngestError,), on_failure=failed, describe=describe)
def ingest_document(task: Task) -> None:
    """Parse, chunk, embed and store an uploaded file; safe to run again."""
    document = _document(task)
    args: dict[str, Any] = task.args
    if document is None or task.payload is None:
        return  # deleted while it waited
    if args.get("hash") and document.content_hash != args["hash"]:
        return  # a newer upload of the same file replaced this one while it waited
    finish_file(document, args["fmt"], task.payload, args.get("title"), _Progress(document.id))
    fill_after_ingest(document.bot_id)


@tasks.handler("import_url", permanent=(IngestError,), on_failure=failed, describe=describe)
def import_url(task: Task) -> None:
    """Fetch a web page and store it as the task's document; retried when the page fails."""
    document = _document(task)
    if document is None:
        return
    try:
        finish_url(document, task.args["url"], _Progress(document.id))
    except IngestError as exc:
        if exc.status >= 500:
            raise Transient(exc.message) from exc
        raise
    fill_after_ingest(document.bot_id)
