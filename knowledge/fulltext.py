"""Full-text candidates and term statistics: FTS5 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from models import db

# The stored, GIN-indexed column that models.POSTGRES_SEARCH_DDL adds to chunks.
PG_VECTOR = "tsv"
COLUMNS = "c.id, c.document_id, c.title, c.heading, c.content, c.url, c.page, c.anchor"
_STATS_TTL = 300.0
# BM25 column weights: a word in the title or a heading says more than one in the body.
TITLE_WEIGHT, HEADING_WEIGHT = 4.0, 2.0
_stats: dict[tuple, tuple[float, int]] = {}
_totals: dict[str, tuple[float, int, int]] = {}


def dialect() -> str:
    """Return the current database's dialect name."""
    return db.engine.dialect.name


def _key() -> str:
    return str(db.engine.url)


def total_chunks() -> int:
    """Return how many chunks exist (all bots), cached until chunks change."""
    key = _key()
    stamp = db.session.execute(text("SELECT max(id), min(id) FROM chunks")).one()
    version = hash(tuple(stamp))
    cached = _totals.get(key)
    if cached and cached[1] == version and time.monotonic() - cached[0] < _STATS_TTL:
        return cached[2]
    total = db.session.scalar(text("SELECT count(*) FROM chunks")) or 0
    _totals[key] = (time.monotonic(), version, total)
    # New chunks change frequencies too: forget them with the total.
    for stale in [k for k in _stats if k[0] == key]:
        del _stats[stale]
    return total


def doc_freq(word: str, bot_id: int | None = None, stamp: tuple = ()) -> int:
    """Return how many chunks (of one bot, or all) contain word, after the database's stemming.

    Counts are cached; pass the bot's version stamp so that a change of its documents
    makes the next count fresh.
    """
    key = (_key(), word, bot_id, stamp)
    cached = _stats.get(key)
    if cached and time.monotonic() - cached[0] < _STATS_TTL:
        return cached[1]
    only = "" if bot_id is None else " AND c.bot_id = :b"
    if dialect() == "postgresql":
        sql = (
            f"SELECT count(*) FROM chunks c WHERE {PG_VECTOR} @@ plainto_tsquery('english', :w)"
            + only
        )
    else:
        sql = (
            "SELECT count(*) FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
            "WHERE chunks_fts MATCH :w" + only
        )
        word = f'"{word}"'
    count = db.session.scalar(text(sql), {"w": word, "b": bot_id}) or 0
    if len(_stats) > 50_000:
        _stats.clear()
    _stats[key] = (time.monotonic(), count)
    return count


def candidates(bot_id: int, words: list[str], limit: int) -> list[Any]:
    """Return up to limit of the bot's chunks holding any of words, best first, with a rank.

    `rank` is the database's own relevance, higher is better: FTS5's BM25 (title and
    heading weighted above the body) on SQLite, ts_rank on PostgreSQL.
    """
    if not words:
        return []
    if dialect() == "postgresql":
        query = " | ".join(words)
        sql = (
            f"SELECT {COLUMNS}, ts_rank({PG_VECTOR}, query, 1) AS rank "
            f"FROM chunks c, to_tsquery('english', :q) query "
            f"WHERE c.bot_id = :bot AND {PG_VECTOR} @@ query "
            "ORDER BY rank DESC, c.id LIMIT :n"
        )
        params = {"q": query, "bot": bot_id, "n": limit}
    else:
        match = " OR ".join(f'"{w}"' for w in words)
        sql = (
            f"SELECT {COLUMNS}, -bm25(chunks_fts, {TITLE_WEIGHT}, {HEADING_WEIGHT}, 1.0) AS rank "
            "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
            "WHERE chunks_fts MATCH :m AND c.bot_id = :bot "
            "ORDER BY rank DESC, c.id LIMIT :n"
        )
        params = {"m": match, "bot": bot_id, "n": limit}
    return list(db.session.execute(text(sql), params))


def chunks_by_id(ids: list[int]) -> list[Any]:
    """Return chunk rows for ids, in no particular order."""
    if not ids:
        return []
    marks = ", ".join(str(int(i)) for i in ids)
    return list(db.session.execute(text(f"SELECT {COLUMNS} FROM chunks c WHERE c.id IN ({marks})")))
