"""Full-text search beside the chunks table: FTS5 on SQLite, a tsvector table on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError

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
POSTGRES_TSV_COLUMN_DDL = [
    # The layout of migrations 0001-0004r: a tsvector stored in the chunks rows themselves.
    "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(heading, '') "
    "|| ' ' || content)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_chunks_tsv ON chunks USING GIN (tsv)",
]
# What the index holds of a chunk (of the chunks row r): English stems of its text.
POSTGRES_TSV = (
    "to_tsvector('english', coalesce(r.title, '') || ' ' || coalesce(r.heading, '') "
    "|| ' ' || r.content)"
)
# Each chunk's tsvector lives in a narrow table of its own, with the chunk's bot: a chunks
# row holds the text and the vector too (about 2.7 kB with the tsvector), so matching and
# ranking there read three times the bytes and fetched most tsvectors out of line.
# Triggers on chunks keep it in step; statement-level, so a statement that writes many
# chunks (moving a document's staged chunks to their bot, deleting a document) is one
# statement on the search table too.
POSTGRES_SEARCH_DDL = [
    "CREATE TABLE IF NOT EXISTS chunk_search ("
    "chunk_id integer PRIMARY KEY, bot_id integer NOT NULL, tsv tsvector NOT NULL)",
    # A bot's chunks in id order: the sample that estimates common words' counts.
    "CREATE INDEX IF NOT EXISTS ix_chunk_search_bot ON chunk_search (bot_id, chunk_id)",
    "CREATE OR REPLACE FUNCTION chunk_search_added() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO chunk_search (chunk_id, bot_id, tsv) "
    f"SELECT r.id, r.bot_id, {POSTGRES_TSV} FROM added r; RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION chunk_search_removed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM chunk_search s USING removed r WHERE s.chunk_id = r.id; "
    "RETURN NULL; END $$",
    # Moving staged chunks to their bot changes bot_id only: the tsvector is kept.
    "CREATE OR REPLACE FUNCTION chunk_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE chunk_search s SET bot_id = r.bot_id, tsv = CASE WHEN "
    "(o.title, o.heading, o.content) IS DISTINCT FROM (r.title, r.heading, r.content) "
    f"THEN {POSTGRES_TSV} ELSE s.tsv END "
    "FROM changed r JOIN previous o ON o.id = r.id WHERE s.chunk_id = r.id AND "
    "(o.bot_id, o.title, o.heading, o.content) IS DISTINCT FROM "
    "(r.bot_id, r.title, r.heading, r.content); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS chunks_search_ai ON chunks",
    "CREATE TRIGGER chunks_search_ai AFTER INSERT ON chunks REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_search_added()",
    "DROP TRIGGER IF EXISTS chunks_search_ad ON chunks",
    "CREATE TRIGGER chunks_search_ad AFTER DELETE ON chunks REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_search_removed()",
    "CREATE OR REPLACE FUNCTION chunk_search_emptied() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN TRUNCATE chunk_search; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS chunks_search_at ON chunks",
    "CREATE TRIGGER chunks_search_at AFTER TRUNCATE ON chunks "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_search_emptied()",
    "DROP TRIGGER IF EXISTS chunks_search_au ON chunks",
    "CREATE TRIGGER chunks_search_au AFTER UPDATE ON chunks "
    "REFERENCING OLD TABLE AS previous NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_search_changed()",
]
# New GIN entries wait in the index's unsorted pending list until it passes this many kB,
# and every search reads that list whole. PostgreSQL's default, 4 MB, is about 2,000
# chunks: a bot's every word count then scanned it, about 8 ms each at 100,000 chunks
# against 0.3 ms for an emptied list. 256 kB keeps inserts batched.
GIN_PENDING_KB = 256
# The GIN index holds each entry's bot too (btree_gin), so the index narrows a word's matches
# to one bot's chunks before any row is read; without the extension, the tsvector only.
POSTGRES_SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_chunk_search_tsv ON chunk_search USING GIN (bot_id, tsv) "
    f"WITH (gin_pending_list_limit = {GIN_PENDING_KB})"
)
POSTGRES_SEARCH_INDEX_PLAIN = (
    "CREATE INDEX IF NOT EXISTS ix_chunk_search_tsv ON chunk_search USING GIN (tsv) "
    f"WITH (gin_pending_list_limit = {GIN_PENDING_KB})"
)
POSTGRES_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS chunks_search_ai ON chunks",
    "DROP TRIGGER IF EXISTS chunks_search_ad ON chunks",
    "DROP TRIGGER IF EXISTS chunks_search_au ON chunks",
    "DROP TRIGGER IF EXISTS chunks_search_at ON chunks",
    "DROP TABLE IF EXISTS chunk_search",
    "DROP FUNCTION IF EXISTS chunk_search_added()",
    "DROP FUNCTION IF EXISTS chunk_search_removed()",
    "DROP FUNCTION IF EXISTS chunk_search_changed()",
    "DROP FUNCTION IF EXISTS chunk_search_emptied()",
]


def _btree_gin(connection: Any) -> bool:
    """Create the btree_gin extension if it is available and allowed; return whether it is."""
    available = connection.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin'"
    ).first()
    if not available:
        return False
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gin")
    except DBAPIError:  # not allowed to (not the owner, not trusted): the plain index
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def install_postgres_search(connection: Any, fill: str | None = None) -> None:
    """Create the search table and its triggers, run fill (SQL that fills the table from
    existing chunks), then make the GIN index (PostgreSQL)."""
    # A search table already there outlived its chunks table (dropped without drop_search):
    # its rows describe chunks that are gone and its ids would collide with new ones.
    connection.exec_driver_sql("DROP TABLE IF EXISTS chunk_search")
    for statement in POSTGRES_SEARCH_DDL:
        connection.exec_driver_sql(statement)
    if fill:
        connection.exec_driver_sql(fill)
    gin = POSTGRES_SEARCH_INDEX if _btree_gin(connection) else POSTGRES_SEARCH_INDEX_PLAIN
    connection.exec_driver_sql(gin)


def install_search(connection: Any) -> None:
    """Create the full-text index that matches the connection's database."""
    name = connection.dialect.name
    if name == "sqlite":
        for statement in SQLITE_SEARCH_DDL:
            connection.exec_driver_sql(statement)
    elif name == "postgresql":
        install_postgres_search(connection)


def drop_search(connection: Any) -> None:
    """Drop what install_search made outside the chunks table (before chunks goes)."""
    if connection.dialect.name == "postgresql":
        for statement in POSTGRES_SEARCH_DROP:
            connection.exec_driver_sql(statement)
