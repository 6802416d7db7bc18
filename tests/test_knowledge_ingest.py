"""Ingestion: add, replace, skip and delete documents; nothing half-ingested."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from knowledge import IngestError, add_file, add_text, delete_document
from knowledge.fulltext import PG_TABLE, PG_VECTOR
from models import Bot, Chunk, Document, db


@pytest.fixture
def kb(app):
    """An app context with two bots (ids 1 and 2)."""
    with app.app_context():
        db.session.add_all([Bot(id=1, name="Demo", model="m"), Bot(id=2, name="Other", model="m")])
        db.session.commit()
        yield app


def chunk_count(document_id: int | None = None) -> int:
    query = select(func.count()).select_from(Chunk)
    if document_id is not None:
        query = query.where(Chunk.document_id == document_id)
    return db.session.scalar(query)


def fts_count(word: str) -> int:
    """Count full-text matches the way the database's own index sees them."""
    if db.engine.dialect.name == "postgresql":
        sql = f"SELECT count(*) FROM {PG_TABLE} WHERE {PG_VECTOR} @@ plainto_tsquery('english', :w)"
    else:
        sql = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH :w"
    return db.session.scalar(text(sql), {"w": word})


def test_add_text_stores_ready_document_with_chunks(kb):
    doc = add_text(1, "Refunds", "Refunds are paid within 14 days.\n\nContact billing for help.")
    assert doc.id and doc.status == "ready" and doc.progress == 1.0
    assert doc.chunk_count == chunk_count(doc.id) >= 1
    assert doc.source == "text" and doc.content_hash and doc.size_bytes > 0
    chunk = db.session.scalars(select(Chunk).where(Chunk.document_id == doc.id)).first()
    assert chunk.bot_id == 1 and chunk.title == "Refunds" and chunk.token_count > 0
    assert fts_count("refunds") == 1


def test_markdown_keeps_heading_path_and_anchor(kb):
    doc = add_text(
        1,
        "Guide",
        "# Guide\n\nIntro.\n\n## Install\n\nRun make run.\n",
        fmt="markdown",
        url="https://ex.com/guide",
    )
    chunks = db.session.scalars(
        select(Chunk).where(Chunk.document_id == doc.id).order_by(Chunk.ordinal)
    ).all()
    assert [(c.heading, c.anchor) for c in chunks] == [
        ("Guide", "guide"),
        ("Guide > Install", "install"),
    ]
    assert all(c.url == "https://ex.com/guide" for c in chunks)


def test_same_title_replaces_chunks_and_identical_content_is_skipped(kb):
    first = add_text(1, "Policy", "Old wording about shipping.")
    again = add_text(1, "Policy", "Old wording about shipping.")
    assert again.id == first.id and again.updated_at == first.updated_at
    replaced = add_text(1, "Policy", "New wording about returns.")
    assert replaced.id == first.id
    assert chunk_count() == 1
    assert fts_count("shipping") == 0 and fts_count("returns") == 1


def test_same_content_under_another_title_is_not_stored_twice(kb):
    first = add_text(1, "A", "Same words here.")
    assert add_text(1, "B", "Same words here.").id == first.id
    # Another bot has its own knowledge.
    assert add_text(2, "A", "Same words here.").id != first.id


def test_same_filename_replaces(kb):
    first = add_file(1, "faq.md", b"# FAQ\n\nOld answer.")
    second = add_file(1, "faq.md", b"# FAQ\n\nNew answer.")
    assert second.id == first.id and second.title == "FAQ"
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1
    assert fts_count("old") == 0 and fts_count("new") == 1


def test_delete_document_removes_chunks_and_index(kb):
    doc = add_text(1, "Gone", "Ephemeral knowledge.")
    delete_document(doc.id)
    assert db.session.get(Document, doc.id) is None
    assert chunk_count() == 0 and fts_count("ephemeral") == 0
    with pytest.raises(IngestError) as info:
        delete_document(doc.id)
    assert info.value.status == 404


@pytest.mark.parametrize(
    ("call", "status", "words"),
    [
        (lambda: add_text(1, "Empty", "   \n  "), 400, "empty"),
        (lambda: add_text(1, "", "text"), 400, "title"),
        (lambda: add_text(1, "X", "text", fmt="rtf"), 400, "format"),
        (lambda: add_text(99, "X", "text"), 404, "does not exist"),
        (lambda: add_file(1, "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00"), 415, "not supported"),
        (lambda: add_file(1, "old.doc", b"\xd0\xcf\x11\xe0\x00"), 415, "not supported"),
        (lambda: add_file(1, "fake.pdf", b"%PDF-1.4 garbage"), 400, "PDF"),
        (lambda: add_file(1, "fake.docx", b"PK\x03\x04word/not really a zip"), 400, "docx"),
        (lambda: add_file(1, "fake.docx", b"PK\x03\x04an ordinary zip"), 415, "does not match"),
        (lambda: add_file(1, "notes.txt", b"%PDF-1.4 garbage"), 415, "does not match"),
        (lambda: add_file(1, "binary.txt", b"abc\x00\x01\x02"), 415, "binary"),
        (lambda: add_file(1, "", b"text"), 400, "file name"),
        (
            lambda: add_file(1, "empty.html", b"<html><body><nav>Menu</nav></body></html>"),
            400,
            "no readable text",
        ),
    ],
)
def test_bad_input_raises_clear_error_and_stores_nothing(kb, call, status, words):
    with pytest.raises(IngestError) as info:
        call()
    assert info.value.status == status
    assert words.lower() in str(info.value).lower()
    assert str(info.value).endswith(".")
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert chunk_count() == 0


def test_too_large_is_refused(kb):
    kb.config["MAX_DOCUMENT_BYTES"] = 1000
    with pytest.raises(IngestError) as info:
        add_text(1, "Big", "word " * 1000)
    assert info.value.status == 413 and "1 kB" in str(info.value)


def test_failed_replacement_keeps_old_chunks(kb):
    doc = add_file(1, "manual.pdf", _tiny_pdf())
    with pytest.raises(IngestError):
        add_file(1, "manual.pdf", b"%PDF-1.4 broken")
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "ready"
    assert chunk_count(doc.id) == doc.chunk_count >= 1


def _tiny_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "The manual explains calibration of the sensor.")
    return bytes(pdf.output())
