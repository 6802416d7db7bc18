"""Full-text retrieval over a bot's chunks: FTS5 bm25 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from models import db

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours please tell know docent""".split()
)


@dataclass
class Passage:
    """A chunk found for a question, with what a source needs."""

    chunk_id: int
    document_id: int
    title: str
    heading: str
    content: str
    url: str | None
    page: int | None
    anchor: str | None
    score: float
    terms: list[str] = field(default_factory=list)

    def source(self, snippet: str | None = None) -> dict[str, Any]:
        """Return the SPEC source object for this passage."""
        url = self.url
        if url and self.anchor:
            url = f"{url}#{self.anchor}"
        elif url and self.page:
            url = f"{url}#page={self.page}"
        return {
            "title": self.title + (f" — {self.heading}" if self.heading else ""),
            "url": url,
            "snippet": (snippet or self.content)[:300],
            "score": round(self.score, 4),
        }


def query_terms(question: str) -> list[str]:
    """Return the searchable words of a question, lower case, without stop words."""
    words = [w.lower() for w in WORD_RE.findall(question)]
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1))


def search(bot_id: int, question: str, limit: int = 5) -> list[Passage]:
    """Return the bot's best passages for a question, best first."""
    terms = query_terms(question)
    if not terms:
        return []
    if db.engine.dialect.name == "postgresql":
        rows = _search_postgres(bot_id, terms, limit)
    else:
        rows = _search_sqlite(bot_id, terms, limit)
    passages = [
        Passage(
            chunk_id=r.id,
            document_id=r.document_id,
            title=r.title,
            heading=r.heading or "",
            content=r.content,
            url=r.url,
            page=r.page,
            anchor=r.anchor,
            score=0.0,
            terms=terms,
        )
        for r in rows
    ]
    for passage in passages:
        passage.score = coverage(terms, passage)
    # A passage must share enough of the question's words to count as relevant.
    floor = 0.34 if len(terms) > 2 else 0.5
    return [p for p in passages if p.score >= floor]


def coverage(terms: list[str], passage: Passage) -> float:
    """Return the share of question terms (by stem prefix) present in the passage."""
    words = {
        w.lower() for w in WORD_RE.findall(f"{passage.title} {passage.heading} {passage.content}")
    }
    hits = sum(1 for t in terms if any(w.startswith(t[: max(4, len(t) - 2)]) for w in words))
    return hits / len(terms)


def _search_sqlite(bot_id: int, terms: list[str], limit: int) -> list[Any]:
    match = " OR ".join(f'"{t}"' for t in terms)
    sql = text(
        "SELECT c.id, c.document_id, c.title, c.heading, c.content, c.url, c.page, c.anchor "
        "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
        "WHERE chunks_fts MATCH :match AND c.bot_id = :bot "
        "ORDER BY bm25(chunks_fts, 2.0, 1.5, 1.0) LIMIT :limit"
    )
    return list(db.session.execute(sql, {"match": match, "bot": bot_id, "limit": limit}))


def _search_postgres(bot_id: int, terms: list[str], limit: int) -> list[Any]:
    document = (
        "to_tsvector('english', coalesce(c.title, '') || ' ' || coalesce(c.heading, '') "
        "|| ' ' || c.content)"
    )
    sql = text(
        "SELECT c.id, c.document_id, c.title, c.heading, c.content, c.url, c.page, c.anchor "
        f"FROM chunks c, to_tsquery('english', :query) q "
        f"WHERE c.bot_id = :bot AND {document} @@ q "
        f"ORDER BY ts_rank_cd({document}, q, 32) DESC LIMIT :limit"
    )
    query = " | ".join(re.sub(r"[^\w]", "", t) for t in terms)
    return list(db.session.execute(sql, {"query": query, "bot": bot_id, "limit": limit}))
