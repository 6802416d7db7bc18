"""Large uploads ingest in a background thread; progress and failures land on the row."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from knowledge import add_file, background
from models import Bot, Chunk, Document, db
from tests.test_knowledge_parsers import make_pdf


@pytest.fixture
def bot(app):
    with app.app_context():
        bot = Bot(name="Docs", model="m")
        db.session.add(bot)
        db.session.commit()
        yield bot.id
        assert background.wait_idle(30)


def reload(document_id: int) -> Document:
    db.session.expire_all()
    return db.session.get(Document, document_id)


def test_background_upload_returns_processing_then_becomes_ready(app, bot):
    pages = [f"Page {i} explains the maintenance step number {i} in detail." for i in range(40)]
    doc = add_file(bot, "manual.pdf", make_pdf(pages), background=True)
    assert doc.status == "processing" and doc.progress == 0.0 and doc.chunk_count == 0
    assert background.wait_idle(60)
    doc = reload(doc.id)
    assert (doc.status, doc.progress, doc.error) == ("ready", 1.0, None)
    assert doc.title == "Sensor manual"
    chunks = db.session.scalar(select(func.count()).where(Chunk.document_id == doc.id))
    assert doc.chunk_count == chunks == 40


def test_background_failure_is_reported_on_the_row(app, bot):
    doc = add_file(bot, "broken.pdf", b"%PDF-1.4 not really", background=True)
    assert background.wait_idle(30)
    doc = reload(doc.id)
    assert doc.status == "failed" and doc.chunk_count == 0
    assert doc.error == "This file is not a readable PDF."


def test_background_replacement_swaps_chunks_at_once(app, bot):
    first = add_file(bot, "notes.md", b"# Notes\n\nAlpha facts.")
    again = add_file(bot, "notes.md", b"# Notes\n\nBeta facts.", background=True)
    assert again.id == first.id
    assert background.wait_idle(30)
    contents = db.session.scalars(select(Chunk.content).where(Chunk.document_id == first.id)).all()
    assert contents == ["Beta facts."]
    assert reload(first.id).status == "ready"


def test_progress_is_written_while_processing(app, bot, monkeypatch):
    seen: list[float] = []
    monkeypatch.setattr(background, "PROGRESS_EVERY", 0.0)
    original = background._Progress.__call__

    def spy(self, fraction):
        original(self, fraction)
        seen.append(db.session.get(Document, self.document_id).progress)

    monkeypatch.setattr(background._Progress, "__call__", spy)
    add_file(bot, "pages.pdf", make_pdf([f"Page {i} text." for i in range(5)]), background=True)
    assert background.wait_idle(30)
    assert seen == sorted(seen) and 0 < seen[0] < seen[-1] < 1


def test_an_older_queued_upload_never_overwrites_a_newer_one(app, bot):
    import tasks

    document = add_file(bot, "notes.md", b"# Notes\n\nBeta facts.")
    # The task of an upload that a newer one of the same file replaced while it waited.
    stale = {"document_id": document.id, "fmt": "markdown", "title": None, "hash": "older"}
    task = tasks.enqueue("ingest_document", stale, payload=b"# Notes\n\nAlpha facts.")
    assert background.wait_idle(30)
    contents = db.session.scalars(select(Chunk.content).where(Chunk.document_id == document.id))
    assert list(contents) == ["Beta facts."]
    db.session.expire_all()
    assert db.session.get(type(task), task.id).status == "done"
