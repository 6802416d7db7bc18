"""Full-text candidates and term statistics: FTS5 on SQLite, a tsvector table on PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text

from knowledge.terms import stem
from models import db

# The index on chunks.bot_id (models.Chunk, migration 0001): it holds (bot_id, id).
BOT_INDEX = "ix_chunks_bot_id"
# PostgreSQL's narrow table of (chunk_id, bot_id, tsv), GIN-indexed on (bot_id, tsv)
# (models.POSTGRES_SEARCH_DDL), kept in step with chunks by triggers.
PG_TABLE = "chunk_search"
PG_VECTOR = "tsv"
# A bot id parameter as the GIN index's integer: psycopg sends a small int as smallint,
# and btree_gin's integer operator class has no integer = smallint, so the index would
# not hold the bot condition.
PG_BOT = "CAST(:{} AS integer)"
COLUMNS = "c.id, c.document_id, c.title, c.heading, c.content, c.url, c.page, c.anchor"
_STATS_TTL = 300.0
# Beyond this many chunks a word's count for one bot is estimated (see doc_freq).
COUNT_CAP = 500
# On PostgreSQL a word in more than COUNT_CAP chunks is counted among this many of them.
SAMPLE = 2000
# BM25 column weights: a word in the title or a heading says more than one in the body.
TITLE_WEIGHT, HEADING_WEIGHT = 4.0, 2.0
# Term counts and chunk totals, shared by every thread of the process: read and written
# only under _lock (never held across a query); _stats is emptied beyond STATS_MAX entries.
_stats: dict[tuple, tuple[float, int]] = {}
_totals: dict[str, tuple[float, int]] = {}
_exact: dict[tuple, bool] = {}  # doc_freqs' words the index holds as they are
_lock = threading.Lock()
_TOTAL_TTL = 10.0  # only scales estimates for very common words
STATS_MAX = 50_000


def dialect() -> str:
    """Return the current database's dialect name."""
    return db.engine.dialect.name


def _key() -> str:
    return str(db.engine.url)


def total_chunks() -> int:
    """Return about how many chunks exist (all bots), refreshed every few seconds."""
    key = _key()
    with _lock:
        cached = _totals.get(key)
    if cached and time.monotonic() - cached[0] < _TOTAL_TTL:
        return cached[1]
    total = db.session.scalar(text("SELECT count(*) FROM chunks")) or 0
    with _lock:
        _totals[key] = (time.monotonic(), total)
    return total


def bot_chunks(bot_id: int) -> int:
    """Return how many chunks a bot has, from its documents' counts."""
    sql = "SELECT coalesce(sum(chunk_count), 0) FROM documents WHERE bot_id = :b"
    return int(db.session.scalar(text(sql), {"b": bot_id}) or 0)


PREFIX_MIN = 4  # shorter stems match too many words as prefixes ("art" -> "article")
# Below this many chunks every word is also matched as prefixes (see _term); above it,
# only the words the index does not hold as they are: prefixes of common words would
# double the cost of the full-text step at 100,000 chunks.
PREFIX_ALL_BELOW = 20_000


def _term(i: int, word: str, language: str, params: dict[str, Any], prefix: bool = True) -> str:
    """Return the match expression for word i, adding its parameters.

    The index stems with English Porter rules. The word itself is matched as the index
    stems it and, when prefix is true, its Snowball stem in the bot's language and the
    word as prefixes, which find the forms that Porter cut differently ("embed" is "emb"
    to Porter, "embedding" is "embed") and the words of other languages ("remboursé"
    finds "rembours", stored for "remboursements"). Prefixes are costly: on a large
    bot they are used only for words the index does not hold as they are
    (see doc_freqs).
    """
    # The word itself as a prefix too: Snowball makes "embed" "emb", too short to use.
    candidates = (stem(word, language), word) if prefix else ()
    prefixes = [p for p in dict.fromkeys(candidates) if len(p) >= PREFIX_MIN]
    if dialect() == "postgresql":
        params[f"w{i}"] = word
        english = f"plainto_tsquery('english', :w{i})"
        if not prefixes:
            return english
        params[f"p{i}"] = " | ".join(f"{p}:*" for p in prefixes)
        return f"({english} || to_tsquery('simple', :p{i}))"
    params[f"w{i}"] = " OR ".join([f'"{word}"', *(f'"{p}"*' for p in prefixes)])
    return f":w{i}"


def _match(
    i: int, word: str, language: str, params: dict[str, Any], prefix: bool = True
) -> tuple[str, str]:
    """Return SQL counting word i among one bot's chunks (capped) and among all."""
    term = _term(i, word, language, params, prefix)
    if dialect() == "postgresql":
        match = f"s.{PG_VECTOR} @@ {term}"
        return (
            f"SELECT 1 FROM {PG_TABLE} s WHERE {match} AND s.bot_id = {PG_BOT.format('b')}",
            f"SELECT count(*) FROM {PG_TABLE} s WHERE {match}",
        )
    # Whether a match is the bot's is asked of the (bot_id, id) index, as in candidates():
    # reading each match's chunks row (text and vector) made this count three times slower.
    return (
        f"SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH {term} AND EXISTS (SELECT 1 "
        f"FROM chunks c INDEXED BY {BOT_INDEX} WHERE c.bot_id = :b AND c.id = chunks_fts.rowid)",
        f"SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH {term}",
    )


def _global_counts(
    words: list[str],
    which: list[int],
    params: dict[str, Any],
    language: str,
    prefix: dict[str, bool],
) -> list[int]:
    """Return how many chunks of all bots hold each chosen word (cached a few minutes)."""
    now = time.monotonic()
    key = _key()
    with _lock:
        known: dict[int, tuple[float, int] | None] = {
            i: _stats.get((key, words[i], None, (language,))) for i in which
        }
    fresh = [i for i, hit in known.items() if not hit or now - hit[0] >= _STATS_TTL]
    if fresh:
        sql = " UNION ALL ".join(
            _match(i, words[i], language, params, prefix.get(words[i], True))[1] for i in fresh
        )
        rows = db.session.execute(text(sql), params).all()
        with _lock:
            _make_room(len(fresh))
            for i, (count,) in zip(fresh, rows, strict=True):
                known[i] = _stats[(key, words[i], None, (language,))] = (now, count)
    return [known[i][1] for i in which]  # type: ignore[index]


def doc_freqs(
    words: list[str], bot_id: int, stamp: tuple, bot_total: int, language: str = "en"
) -> dict[str, int]:
    """Return how many of a bot's chunks contain each word, after the database's stemming.

    Counts are cached under the bot's version stamp, so a change of its documents makes
    the next count fresh. Uncached words are counted in one round trip; a word in more
    than COUNT_CAP chunks is estimated: on PostgreSQL from its share of the bot's first
    SAMPLE chunks (exact for a bot that small), on SQLite from the index's own count of
    it across all bots and the bot's share of all chunks.
    """
    now = time.monotonic()
    key = _key()
    found: dict[str, int] = {}
    with _lock:
        for word in words:
            cached = _stats.get((key, word, bot_id, stamp))
            if cached and now - cached[0] < _STATS_TTL:
                found[word] = cached[1]
    missing = [w for w in dict.fromkeys(words) if w not in found]
    if not missing:
        return found

    def count(which: list[str], prefix: bool) -> list[int]:
        params.update({"b": bot_id, "cap": COUNT_CAP})
        parts = [
            f"SELECT count(*) FROM ({_match(i, w, language, params, prefix)[0]} LIMIT :cap) t{i}"
            for i, w in enumerate(which)
        ]
        return [r[0] for r in db.session.execute(text(" UNION ALL ".join(parts)), params)]

    params: dict[str, Any] = {}
    if bot_total < PREFIX_ALL_BELOW:
        counts = count(missing, True)
        prefix = dict.fromkeys(missing, True)
        unfound = []
    else:
        # As the index stems them first; only the words it does not hold, also as prefixes.
        counts = count(missing, False)
        unfound = [w for w, n in zip(missing, counts, strict=True) if not n]
        prefix = {w: not n for w, n in zip(missing, counts, strict=True)}
    if unfound:
        params = {}
        by_prefix = dict(zip(unfound, count(unfound, True), strict=True))
        counts = [by_prefix.get(w, n) for w, n in zip(missing, counts, strict=True)]
    params = {"b": bot_id}
    common = [i for i, n in enumerate(counts) if n >= COUNT_CAP]
    if common and dialect() == "postgresql":
        # Counting a common word across every bot costs the server tens of milliseconds
        # at 100,000 chunks; its share among a sample of the bot's chunks costs a few.
        # One pass over the sample counts every common word.
        params["s"] = SAMPLE
        counts_sql = ", ".join(
            f"count(*) FILTER (WHERE {PG_VECTOR} @@ "
            f"{_term(i, missing[i], language, params, prefix[missing[i]])})"
            for i in common
        )
        sampled = list(
            db.session.execute(
                text(
                    f"SELECT {counts_sql} FROM (SELECT {PG_VECTOR} FROM {PG_TABLE} s "
                    f"WHERE s.bot_id = {PG_BOT.format('b')} ORDER BY s.chunk_id LIMIT :s) t"
                ),
                params,
            ).one()
        )
        scale = max(bot_total, 1) / min(max(bot_total, 1), SAMPLE)
        for i, n in zip(common, sampled, strict=True):
            counts[i] = max(COUNT_CAP, round(n * scale))
    elif common:
        share = min(bot_total / max(total_chunks(), 1), 1.0)
        everywhere_counts = _global_counts(missing, common, params, language, prefix)
        for i, everywhere in zip(common, everywhere_counts, strict=True):
            counts[i] = max(COUNT_CAP, round(everywhere * share))
    with _lock:
        _make_room(len(missing))
        for word, n in zip(missing, counts, strict=True):
            _stats[(key, word, bot_id, stamp)] = (now, n)
            _exact[(key, word, bot_id, stamp)] = not prefix[word]
            found[word] = n
    return found


def exact(word: str, bot_id: int, stamp: tuple) -> bool:
    """Return True if doc_freqs matches word without prefixes for this bot (a large one
    whose chunks hold the word as the index stems it)."""
    with _lock:
        return _exact.get((_key(), word, bot_id, stamp), False)


def _make_room(adding: int) -> None:
    """Empty the term counts when adding would pass STATS_MAX (the caller holds _lock)."""
    if len(_stats) + adding > STATS_MAX:
        _stats.clear()
        _exact.clear()


def candidates(
    bot_id: int, words: list[str], limit: int, language: str = "en", stamp: tuple | None = None
) -> list[Any]:
    """Return up to limit of the bot's chunks holding any of words, best first, with a rank.

    `rank` is the database's own relevance, higher is better: FTS5's BM25 (title and
    heading weighted above the body) on SQLite, ts_rank on PostgreSQL. With the bot's
    stamp, words that doc_freqs found as the index stems them are matched without
    prefixes.
    """
    if not words:
        return []
    params: dict[str, Any] = {"bot": bot_id, "n": limit}
    terms = [
        _term(i, word, language, params, stamp is None or not exact(word, bot_id, stamp))
        for i, word in enumerate(words)
    ]
    if dialect() == "postgresql":
        # As on SQLite: rank the matches in the narrow search table, then read the text
        # of the few kept from chunks.
        sql = (
            f"SELECT {COLUMNS}, t.rank FROM ("
            f"SELECT s.chunk_id AS id, ts_rank(s.{PG_VECTOR}, q.query, 1) AS rank "
            f"FROM {PG_TABLE} s, (SELECT {' || '.join(terms)} AS query) q "
            f"WHERE s.bot_id = {PG_BOT.format('bot')} AND s.{PG_VECTOR} @@ q.query "
            "ORDER BY rank DESC, s.chunk_id LIMIT :n"
            ") t JOIN chunks c ON c.id = t.id ORDER BY t.rank DESC, c.id"
        )
    else:
        params["m"] = " OR ".join(f"({params[t[1:]]})" for t in terms)
        # Rank every match on its id alone, then read the text of the few kept: a common
        # word matches thousands of chunks, whose content would otherwise all be read.
        # Whether a match is the bot's is asked of the (bot_id, id) index, which holds
        # both: reading each match's chunks row, text and vector, cost more than BM25.
        sql = (
            f"SELECT {COLUMNS}, t.rank FROM ("
            "SELECT chunks_fts.rowid AS id, "
            f"-bm25(chunks_fts, {TITLE_WEIGHT}, {HEADING_WEIGHT}, 1.0) AS rank "
            "FROM chunks_fts WHERE chunks_fts MATCH :m AND EXISTS (SELECT 1 FROM chunks b "
            f"INDEXED BY {BOT_INDEX} WHERE b.bot_id = :bot AND b.id = chunks_fts.rowid) "
            "ORDER BY rank DESC, id LIMIT :n"
            ") t JOIN chunks c ON c.id = t.id ORDER BY t.rank DESC, c.id"
        )
    return list(db.session.execute(text(sql), params))


def chunks_by_id(ids: list[int]) -> list[Any]:
    """Return chunk rows for ids, in no particular order."""
    if not ids:
        return []
    marks = ", ".join(str(int(i)) for i in ids)
    return list(db.session.execute(text(f"SELECT {COLUMNS} FROM chunks c WHERE c.id IN ({marks})")))
