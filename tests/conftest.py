"""Shared fixtures: a fresh app per test on SQLite or PostgreSQL, factories, a model server."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from app import create_app
from models import Bot, Chunk, Document, db
from services.keys import create_key
from tests.llm_server import LLMServer

# .ci/run sets this to run the whole suite again on PostgreSQL.
PG_URL = os.environ.get("DOCENT_TEST_DATABASE_URL")
_pg_schema_ready = False


@functools.cache
def _postgres_reachable(url: str) -> str | None:
    """Return why PostgreSQL cannot be used, or None when it can."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not here"
        return f"PostgreSQL at {url} is not reachable: {type(exc).__name__}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def llm() -> Iterator[LLMServer]:
    """An OpenAI-compatible server on loopback for the whole session."""
    server = LLMServer().start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def config(tmp_path: Any) -> dict[str, Any]:
    """The test configuration; tests may change it before asking for `app`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": PG_URL or f"sqlite:///{tmp_path / 'docent.db'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATE_LIMIT_IP": "10000/minute",
        "OPENAI_API_KEY": None,
        "WTF_CSRF_ENABLED": False,
        # Demo pages are off unless a test turns them on, as in production.
        "DEMO": False,
        # Queued tasks run on a thread of the test process; tests/test_production.py
        # runs a real `flask worker` on SQLite.
        "QUEUE_URL": "memory://",
        "TASK_RETRY_SECONDS": 0.1,
    }


@pytest.fixture
def app(config: dict[str, Any]) -> Iterator[Flask]:
    """A fresh application with empty tables."""
    global _pg_schema_ready
    if PG_URL:
        reason = _postgres_reachable(PG_URL)
        if reason:
            pytest.skip(reason)
    application = create_app(config)
    with application.app_context():
        if PG_URL:
            if not _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready = True
            names = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            db.session.commit()
        else:
            db.create_all()
    yield application
    _wait_for_workers()
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _wait_for_workers(seconds: float = 15.0) -> None:
    """Let answer and ingestion threads of the finished test store their results.

    A worker that outlives its test would hand its connection back to a pool that
    has been disposed, and the connection would then be garbage-collected open.
    """
    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if thread.name.startswith("docent-") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def llm_app(app: Flask, llm: LLMServer) -> Flask:
    """The app, with its provider pointed at the loopback model server."""
    app.config.update(
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=llm.url,
        UPSTREAM_RETRIES=0,
        UPSTREAM_IDLE_TIMEOUT=2,
        UPSTREAM_CONNECT_TIMEOUT=2,
    )
    return app


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app over real HTTP on loopback; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


DOCS = [
    (
        "Shipping policy",
        "Orders ship within two business days. International shipping takes "
        "seven to ten days. Tracking numbers are emailed when the parcel leaves the warehouse.",
    ),
    (
        "Refunds",
        "Refunds are issued within fourteen days of receiving the returned item. "
        "Items must be unused and in their original packaging.",
    ),
]


@pytest.fixture
def make_bot(app: Flask) -> Any:
    """Create a bot with documents (title, text) stored as one chunk each."""

    def make(
        name: str = "Shop bot",
        docs: list[tuple[str, str]] | None = None,
        model: str = "gpt-4.1-mini",
        **fields: Any,
    ) -> int:
        with app.app_context():
            bot = Bot(name=name, model=model, prompt="Be helpful.", widget={}, **fields)
            db.session.add(bot)
            db.session.flush()
            for title, body in DOCS if docs is None else docs:
                document = Document(
                    bot_id=bot.id,
                    title=title,
                    size_bytes=len(body),
                    chunk_count=1,
                    url=f"https://shop.example/{title.lower().replace(' ', '-')}",
                )
                db.session.add(document)
                db.session.flush()
                db.session.add(
                    Chunk(
                        document_id=document.id,
                        bot_id=bot.id,
                        title=title,
                        content=body,
                        url=document.url,
                    )
                )
            db.session.commit()
            return bot.id

    return make


@pytest.fixture
def make_key(app: Flask) -> Any:
    """Create a key for a bot and return its text."""

    def make(bot_id: int, kind: str = "secret", **options: Any) -> str:
        with app.app_context():
            _, key_text = create_key(db.session.get(Bot, bot_id), kind, **options)
            return key_text

    return make


@pytest.fixture
def bot(make_bot: Any) -> int:
    """A bot with the default shop documents."""
    return make_bot()


@pytest.fixture
def auth(bot: int, make_key: Any) -> dict[str, str]:
    """Headers carrying a full-scope secret key of `bot`."""
    return {"Authorization": f"Bearer {make_key(bot)}"}
