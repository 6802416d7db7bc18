"""Alembic builds the models' schema from empty and from every earlier revision, on
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from models import db
from tests.conftest import PG_URL, _postgres_reachable

# Full-text search is made by raw DDL beside the models (models.install_search).
SEARCH_OBJECTS = {
    "chunks_fts",
    "tsv",
    "ix_chunks_tsv",
    "chunk_search",
    "ix_chunk_search_bot",
    "ix_chunk_search_tsv",
}


def revisions(app: Flask) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request, tmp_path) -> Iterator[str]:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    if not PG_URL:
        pytest.skip("DOCENT_TEST_DATABASE_URL is not set: no PostgreSQL to migrate")
    reason = _postgres_reachable(PG_URL)
    if reason:
        pytest.skip(reason)
    url = make_url(PG_URL)
    name = f"{url.database}_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def differences(app: Flask) -> list[tuple]:
    """What autogenerate would change to make the database match the models."""
    with db.engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), db.metadata)
    names = []
    for diff in found:
        item = diff[0] if isinstance(diff, list) else diff
        name = getattr(item[-1], "name", "")
        if name in SEARCH_OBJECTS or str(name).startswith("chunks_fts"):
            continue
        names.append(item[:2] if len(item) > 1 else item)
    return names


def test_upgrade_from_empty_builds_the_models_schema(empty):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty})
    with app.app_context():
        upgrade()
        assert differences(app) == []
        tables = set(db.inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        # And back down to nothing.
        downgrade(revision="base")
        assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_upgrade_from_every_earlier_revision_keeps_data(empty):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty})
    with app.app_context():
        chain = revisions(app)
        assert chain[0] == "0001" and len(chain) >= 2
        for start in chain[:-1]:
            downgrade(revision="base")
            upgrade(revision=start)
            db.session.execute(text("DELETE FROM users"))
            db.session.execute(
                text(
                    "INSERT INTO users (email, password_hash, created_at) "
                    "VALUES ('kept@example.com', 'x', CURRENT_TIMESTAMP)"
                )
            )
            db.session.commit()
            upgrade()
            assert differences(app) == [], f"upgrading from {start}"
            kept = db.session.execute(text("SELECT email FROM users")).scalars().all()
            assert kept == ["kept@example.com"], f"upgrading from {start}"
            db.session.remove()
        db.engine.dispose()


def _matches(word: str) -> list[int]:
    """The ids of bot 1's chunks that full text finds for word, best first."""
    from knowledge import fulltext

    return [row.id for row in fulltext.candidates(1, [word], 10)]


def test_search_table_migration_moves_existing_chunks_and_back(empty):
    """0005p: chunks stored before it are found after it (their tsvectors copied to the
    search table on PostgreSQL), and after going back down again."""
    from models import Bot, Chunk, Document

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty})
    postgres = make_url(empty).get_backend_name() == "postgresql"
    with app.app_context():
        upgrade(revision="0004r")
        bot = Bot(name="Shop", model="offline", prompt="", widget={})
        db.session.add(bot)
        db.session.flush()
        document = Document(bot_id=bot.id, title="Refunds", chunk_count=2)
        db.session.add(document)
        db.session.flush()
        for body in ("Refunds are paid within 14 days.", "Shipping takes a week."):
            db.session.add(
                Chunk(document_id=document.id, bot_id=bot.id, title="Policy", content=body)
            )
        db.session.commit()
        refund_chunk = db.session.scalar(
            text("SELECT id FROM chunks WHERE content LIKE 'Refunds%'")
        )
        db.session.remove()

        upgrade()
        assert _matches("refunds") == [refund_chunk]
        assert len(_matches("policy")) == 2
        if postgres:
            assert (
                db.session.execute(
                    text("SELECT chunk_id, bot_id FROM chunk_search ORDER BY chunk_id")
                ).all()
                == db.session.execute(text("SELECT id, bot_id FROM chunks ORDER BY id")).all()
            )
            columns = {c["name"] for c in db.inspect(db.engine).get_columns("chunks")}
            assert "tsv" not in columns
            # btree_gin is available here: the GIN index holds the bot as well.
            definition = db.session.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_chunk_search_tsv'")
            )
            assert definition.endswith(
                "USING gin (bot_id, tsv) WITH (gin_pending_list_limit='256')"
            )
        # Triggers keep the table in step: a moved chunk goes with its bot, edited text
        # is indexed again, a deleted chunk goes.
        db.session.execute(
            text("UPDATE chunks SET content = 'Returns are free.' WHERE id = :i"),
            {"i": refund_chunk},
        )
        db.session.commit()
        assert _matches("refunds") == [] and _matches("returns") == [refund_chunk]
        db.session.execute(text("UPDATE chunks SET bot_id = 2 WHERE id = :i"), {"i": refund_chunk})
        db.session.commit()
        assert _matches("returns") == []
        db.session.execute(text("UPDATE chunks SET bot_id = 1 WHERE id = :i"), {"i": refund_chunk})
        db.session.commit()
        assert _matches("returns") == [refund_chunk]
        db.session.remove()

        downgrade(revision="0004r")
        if postgres:  # the code's queries are head's: ask the restored column directly
            tables = set(db.inspect(db.engine).get_table_names())
            assert "chunk_search" not in tables
            sql = "SELECT id FROM chunks WHERE tsv @@ plainto_tsquery('english', :w) ORDER BY id"
            assert db.session.scalars(text(sql), {"w": "returns"}).all() == [refund_chunk]
            assert len(db.session.scalars(text(sql), {"w": "policy"}).all()) == 2
        else:
            assert _matches("returns") == [refund_chunk]
            assert len(_matches("policy")) == 2
        db.session.execute(text("DELETE FROM chunks WHERE id = :i"), {"i": refund_chunk})
        db.session.commit()
        db.session.remove()
        upgrade()
        assert _matches("returns") == [] and len(_matches("policy")) == 1
        if postgres:
            count = db.session.scalar(text("SELECT count(*) FROM chunk_search"))
            assert count == 1
        # Deleting the document deletes its chunks by the foreign key's cascade.
        db.session.execute(text("DELETE FROM documents"))
        db.session.commit()
        assert _matches("policy") == []
        if postgres:
            assert db.session.scalar(text("SELECT count(*) FROM chunk_search")) == 0
        db.session.remove()
        db.engine.dispose()


def test_search_index_without_btree_gin(empty, monkeypatch):
    """Where btree_gin cannot be created the GIN index holds the tsvector alone, and
    search works the same."""
    if make_url(empty).get_backend_name() != "postgresql":
        pytest.skip("the search table and its index are PostgreSQL's")
    import tables.search
    from models import Bot, Chunk, Document

    monkeypatch.setattr(tables.search, "_btree_gin", lambda connection: False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty})
    with app.app_context():
        upgrade()
        definition = db.session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_chunk_search_tsv'")
        )
        assert definition.endswith("USING gin (tsv) WITH (gin_pending_list_limit='256')")
        bot = Bot(name="Shop", model="offline", prompt="", widget={})
        db.session.add(bot)
        db.session.flush()
        document = Document(bot_id=bot.id, title="Refunds", chunk_count=1)
        db.session.add(document)
        db.session.flush()
        chunk = Chunk(document_id=document.id, bot_id=bot.id, title="Policy", content="Refunds.")
        db.session.add(chunk)
        db.session.commit()
        assert _matches("refunds") == [chunk.id]
        db.session.remove()
        db.engine.dispose()


def test_search_index_pending_list_is_short(empty):
    """0006s: the GIN index of the search table flushes its pending list at 256 kB, and
    going down restores PostgreSQL's default."""
    if make_url(empty).get_backend_name() != "postgresql":
        pytest.skip("the search table and its index are PostgreSQL's")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty})
    options = text("SELECT reloptions FROM pg_class WHERE relname = 'ix_chunk_search_tsv'")
    with app.app_context():
        upgrade(revision="0005p")
        db.session.execute(text("ALTER INDEX ix_chunk_search_tsv RESET (gin_pending_list_limit)"))
        db.session.commit()
        upgrade()
        assert db.session.scalar(options) == ["gin_pending_list_limit=256"]
        db.session.commit()
        downgrade(revision="0005p")
        assert db.session.scalar(options) is None
        db.session.remove()
        db.engine.dispose()
