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
SEARCH_OBJECTS = {"chunks_fts", "tsv", "ix_chunks_tsv"}


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
