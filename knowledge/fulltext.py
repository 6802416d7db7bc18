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
# Beyond this many chunks a word's count for one bot is estimated (see doc_freq).
COUNT_CAP = 500
# BM25 column weights: a word in the title or a heading says more than one in the body.
TITLE_WEIGHT, HEADING_WEIGHT = 4.0, 2.0
_stats: dict[tuple, tuple[float, int]] = {}
_totals: dict[str, tuple[float, int]] = {}
_TOTAL_TTL = 10.0  # only scales estimates for very common words


def dialect() -> str:
    """Return the current database's dialect name."""
    return db.engine.dialect.name


def _key() -> str:
    return str(db.engine.url)


def total_chunks() -> int:
    """Return about how many chunks exist (all bots), refreshed every few seconds."""
    key = _key()
    cached = _totals.get(key)
    if cached and time.monotonic() - cached[0] < _TOTAL_TTL:
        return cached[1]
    total = db.session.scalar(text("SELECT count(*) FROM chunks")) or 0
    _totals[key] = (time.monotonic(), total)
    return total


def bot_chunks(bot_id: int) -> int:
    """Return how many chunks a bot has, from its documents' counts."""
    sql = "SELECT coalesce(sum(chunk_count), 0) FROM documents WHERE bot_id = :b"
    return int(db.session.scalar(text(sql), {"b": bot_id}) or 0)


def _match(i: int) -> tuple[str, str]:
    """Return SQL counting word :w{i} among one bot's chunks (capped) and among all."""
    if dialect() == "postgresql":
        match = f"{PG_VECTOR} @@ plainto_tsquery('english', :w{i})"
        return (
            f"SELECT 1 FROM chunks c WHERE {match} AND c.bot_id = :b",
            f"SELECT count(*) FROM chunks c WHERE {match}",
        )
    # CROSS JOIN keeps SQLite from scanning the bot's chunks and matching each one.
    return (
        "SELECT 1 FROM chunks_fts CROSS JOIN chunks c ON c.id = chunks_fts.rowid "
        f"WHERE chunks_fts MATCH :w{i} AND c.bot_id = :b",
        f"SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH :w{i}",
    )


def _global_counts(words: list[str], which: list[int], params: dict[str, Any]) -> list[int]:
    """Return how many chunks of all bots hold each chosen word (cached a few minutes)."""
    now = time.monotonic()
    known = {i: _stats.get((_key(), words[i], None, ())) for i in which}
    fresh = [i for i, hit in known.items() if not hit or now - hit[0] >= _STATS_TTL]
    if fresh:
        sql = " UNION ALL ".join(_match(i)[1] for i in fresh)
        for i, (count,) in zip(fresh, db.session.execute(text(sql), params), strict=True):
            known[i] = (now, count)
            _stats[(_key(), words[i], None, ())] = known[i]
    return [known[i][1] for i in which]  # type: ignore[index]


def doc_freqs(words: list[str], bot_id: int, stamp: tuple, bot_total: int) -> dict[str, int]:
    """Return how many of a bot's chunks contain each word, after the database's stemming.

    Counts are cached under the bot's version stamp, so a change of its documents makes
    the next count fresh. Uncached words are counted in one round trip; a word in more
    than COUNT_CAP chunks is estimated from the index's own count and the bot's share.
    """
    now = time.monotonic()
    found: dict[str, int] = {}
    for word in words:
        cached = _stats.get((_key(), word, bot_id, stamp))
        if cached and now - cached[0] < _STATS_TTL:
            found[word] = cached[1]
    missing = [w for w in dict.fromkeys(words) if w not in found]
    if not missing:
        return found
    params: dict[str, Any] = {"b": bot_id, "cap": COUNT_CAP}
    for i, word in enumerate(missing):
        params[f"w{i}"] = word if dialect() == "postgresql" else f'"{word}"'
    parts = [f"SELECT count(*) FROM ({_match(i)[0]} LIMIT :cap) t{i}" for i in range(len(missing))]
    counts = [r[0] for r in db.session.execute(text(" UNION ALL ".join(parts)), params)]
    common = [i for i, n in enumerate(counts) if n >= COUNT_CAP]
    if common:
        share = min(bot_total / max(total_chunks(), 1), 1.0)
        for i, everywhere in zip(common, _global_counts(missing, common, params), strict=True):
            counts[i] = max(COUNT_CAP, round(everywhere * share))
    if len(_stats) > 50_000:
        _stats.clear()
    for word, count in zip(missing, counts, strict=True):
        _stats[(_key(), word, bot_id, stamp)] = (now, count)
        found[word] = count
    return found


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
            "FROM chunks_fts CROSS JOIN chunks c ON c.id = chunks_fts.rowid "
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
