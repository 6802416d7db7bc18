"""Large ingests commit in batches: chat and reads answer meanwhile; failures leave nothing."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event, func, select

from knowledge import add_file, background, storing
from knowledge.retrieval import search
from models import Chunk, Document, db

SECTIONS = 120


def big_markdown() -> bytes:
    """Return a document of SECTIONS sections, each its own chunk with a unique word."""
    return "\n\n".join(
        f"# Part {i}\n\nThe zorblax{i} gauge is calibrated by procedure {i}."
        for i in range(SECTIONS)
    ).encode()


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(storing, "BATCH", 25)
    monkeypatch.setattr(background, "PROGRESS_EVERY", 0.0)


def test_chat_and_reads_answer_while_a_big_ingest_is_stored(
    app, client, bot, make_key, small_batches, monkeypatch
):
    key = make_key(bot)
    paused, release = threading.Event(), threading.Event()
    original = background._Progress.__call__

    def pause_while_staging(self, fraction):
        original(self, fraction)
        if 0.9 < fraction < 0.99 and not paused.is_set():
            paused.set()  # one batch is committed; the ingest waits for the checks below
            release.wait(30)

    monkeypatch.setattr(background._Progress, "__call__", pause_while_staging)
    with app.app_context():
        document = add_file(bot, "gauges.md", big_markdown(), background=True)
        document_id = document.id
    try:
        assert paused.wait(30)
        headers = {"Authorization": f"Bearer {key}"}
        chat = client.post(
            "/v1/chat", json={"sessionId": "s1", "message": "zorblax3?"}, headers=headers
        )
        assert chat.status_code == 200
        assert all("gauges" not in (s["title"] or "") for s in chat.json["sources"])
        listing = client.get("/api/v1/documents", headers=headers)
        assert listing.status_code == 200
        statuses = {d["id"]: d["status"] for d in listing.json["documents"]}
        assert statuses[document_id] == "processing"
        with app.app_context():
            staged = db.session.scalar(
                select(func.count()).where(Chunk.bot_id == storing.staged_bot(document_id))
            )
            assert 0 < staged < SECTIONS  # committed, and not yet all there
            assert search(bot, "zorblax3 gauge") == []
    finally:
        release.set()
    with app.app_context():
        assert background.wait_idle(60)
        document = db.session.get(Document, document_id)
        assert (document.status, document.chunk_count) == ("ready", SECTIONS)
        assert (
            db.session.scalar(select(func.count()).where(Chunk.document_id == document_id))
            == SECTIONS
        )
        assert db.session.scalar(select(func.count()).where(Chunk.bot_id < 0)) == 0
        assert "zorblax3" in search(bot, "zorblax3 gauge")[0].content


def test_a_failure_midway_leaves_the_document_failed_with_no_chunks(
    app, bot, small_batches, monkeypatch
):
    calls = {"n": 0}
    original = storing.insert

    def failing_insert(table):
        calls["n"] += 1
        if calls["n"] >= 3:  # from the third batch on, every attempt the queue makes fails
            raise RuntimeError("disk full")
        return original(table)

    monkeypatch.setattr(storing, "insert", failing_insert)
    with app.app_context():
        document = add_file(bot, "gauges.md", big_markdown(), background=True)
        assert background.wait_idle(60)
        db.session.expire_all()
        document = db.session.get(Document, document.id)
        assert (document.status, document.chunk_count) == ("failed", 0)
        assert db.session.scalar(select(func.count()).where(Chunk.document_id == document.id)) == 0


def test_replacing_a_big_document_swaps_without_duplicates(app, bot, small_batches):
    with app.app_context():
        first = add_file(bot, "gauges.md", big_markdown(), background=True)
        assert background.wait_idle(60)
        again = add_file(
            bot, "gauges.md", big_markdown() + b"\n\n# Extra\n\nOne more part.", background=True
        )
        assert again.id == first.id
        assert background.wait_idle(60)
        db.session.expire_all()
        count = db.session.scalar(select(func.count()).where(Chunk.document_id == first.id))
        assert count == SECTIONS + 1 == db.session.get(Document, first.id).chunk_count


def test_a_locked_database_is_503_with_cors_headers_not_a_second_error(app, client, bot, make_key):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite's database-wide write lock")
    origin = "https://dev.example"
    key = make_key(bot, "public", origins=[origin])
    with app.app_context():
        engine = db.engine
        path = engine.url.database

        @event.listens_for(engine, "connect")
        def short_wait(dbapi_connection, record):
            dbapi_connection.execute("PRAGMA busy_timeout=100")

        engine.dispose()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock, as a big ingest did
    try:
        response = client.post(
            "/v1/chat",
            json={"sessionId": "s1", "message": "Hello?"},
            headers={"Authorization": f"Bearer {key}", "Origin": origin},
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Retry-After" in response.headers
    again = client.post(
        "/v1/chat",
        json={"sessionId": "s1", "message": "Hello?"},
        headers={"Authorization": f"Bearer {key}", "Origin": origin},
    )
    assert again.status_code == 200
