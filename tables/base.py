"""The declarative base, the Flask-SQLAlchemy handle, column helpers and SQLite's pragmas."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from tables.writers import BUSY_TIMEOUT_MS


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# Type checkers see the declarative base; at run time models use Flask-SQLAlchemy's
# db.Model, which is a subclass of it with the same metadata.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def table_of(model: type[Any]) -> Table:
    """Return a model's Table, for statements built once with Core."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def upsert_for(dialect: str) -> Any:
    """Return the dialect's INSERT constructor, the one with ON CONFLICT (PostgreSQL or SQLite)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def utcnow() -> datetime:
    """Return the current time in UTC without tzinfo (stored as naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    """Return a random 32-character hex identifier."""
    return uuid.uuid4().hex


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Give SQLite write-ahead logging, a busy timeout and enforced foreign keys."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
