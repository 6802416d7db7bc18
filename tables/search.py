"""Full-text search beside the chunks table: FTS5 on SQLite, a stored tsvector on PostgreSQL."""

from __future__ import annotations

from typing import Any

# models.py installs it when the chunks table is created; the migration calls the same function.
SQLITE_SEARCH_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5("
    "title, heading, content, content='chunks', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN "
    "INSERT INTO chunks_fts(rowid, title, heading, content) "
    "VALUES (new.id, new.title, new.heading, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN "
    "INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, content) "
    "VALUES ('delete', old.id, old.title, old.heading, old.content); END",
    # Only a change to indexed text re-indexes: moving staged chunks to their bot stays cheap.
    "CREATE TRIGGER IF NOT EXISTS chunks_au AFTER UPDATE OF title, heading, content ON chunks "
    "BEGIN "
    "INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, content) "
    "VALUES ('delete', old.id, old.title, old.heading, old.content); "
    "INSERT INTO chunks_fts(rowid, title, heading, content) "
    "VALUES (new.id, new.title, new.heading, new.content); END",
]
POSTGRES_SEARCH_DDL = [
    # A stored tsvector: ranking reads it instead of re-parsing every candidate's text.
    "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(heading, '') "
    "|| ' ' || content)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_chunks_tsv ON chunks USING GIN (tsv)",
]


def install_search(connection: Any) -> None:
    """Create the full-text index that matches the connection's database."""
    name = connection.dialect.name
    statements = {"sqlite": SQLITE_SEARCH_DDL, "postgresql": POSTGRES_SEARCH_DDL}.get(name, [])
    for statement in statements:
        connection.exec_driver_sql(statement)
