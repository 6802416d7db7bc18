"""Passage vectors: fill them in the background, read them for a question's candidates.

The passage model (knowledge/passage_model.py) embeds about 15 chunks a second, far too
slow for ingestion, so documents go live with their fast vectors and full text, and the
worker's `passage-vectors` job embeds every chunk that has no passage vector yet, a
batch per transaction, for up to FILL_SECONDS each minute and never while an upload
waits for the worker. `flask docs embed` does the same at once. Retrieval adds the
passage cosine to its signals for a question whose candidates all have one, and ranks as
before otherwise (knowledge/fusion.py). Once a bot's candidates have had passage
vectors, its next question is encoded on a background thread while retrieval gathers
the candidates (early()).
"""

from __future__ import annotations

import logging
import time
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from flask import current_app
from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError

import tasks
from knowledge import passage_model
from models import PassageVector, db, table_of, upsert_for

log = logging.getLogger(__name__)
BATCH = 16  # chunks per transaction: about a second of the model's time
FILL_SECONDS = 45.0  # each minute's job stops after this, leaving time before the next


def enabled() -> bool:
    """Return True when passage vectors are on (DOCENT_PASSAGE_VECTORS) and the model is here."""
    return bool(current_app.config["PASSAGE_VECTORS"]) and passage_model.available()


def pack(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


def _missing(limit: int, bot_id: int | None) -> list:
    """Return up to limit chunks (id, title, heading, content) that have no passage vector."""
    where = "AND c.bot_id = :b" if bot_id is not None else ""
    return list(
        db.session.execute(
            text(
                "SELECT c.id, c.title, c.heading, c.content FROM chunks c "
                "LEFT JOIN passage_vectors v ON v.chunk_id = c.id "
                f"WHERE v.chunk_id IS NULL {where} ORDER BY c.id LIMIT :n"
            ),
            {"n": limit, "b": bot_id},
        )
    )


def _tasks_waiting() -> bool:
    """Return True when a queued task (an upload, a URL import) waits for the worker."""
    waiting = db.session.scalar(text("SELECT 1 FROM tasks WHERE status = 'queued' LIMIT 1"))
    return waiting is not None


def fill(seconds: float | None = None, bot_id: int | None = None, give_way: bool = False) -> int:
    """Embed chunks without a passage vector (of one bot, or all) until none is left or
    the time is up; return how many were stored. give_way stops it as soon as another
    task is queued, so that the worker takes uploads first."""
    if not enabled():
        return 0
    deadline = None if seconds is None else time.monotonic() + seconds
    stored = 0
    insert = upsert_for(db.engine.dialect.name)
    while deadline is None or time.monotonic() < deadline:
        if give_way and _tasks_waiting():
            break
        rows = _missing(BATCH, bot_id)
        db.session.commit()  # no transaction held while the model works
        if not rows:
            break
        found = passage_model.encode(
            [passage_model.passage_text(r.title, r.heading, r.content) for r in rows]
        )
        values = [{"chunk_id": r.id, "vector": pack(v)} for r, v in zip(rows, found, strict=True)]
        # A chunk deleted meanwhile takes nothing with it: insert only those still there.
        ids = [r.id for r in rows]
        alive = set(
            db.session.scalars(
                text("SELECT id FROM chunks WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
        )
        values = [v for v in values if v["chunk_id"] in alive]
        try:
            if values:
                db.session.execute(
                    insert(table_of(PassageVector)).values(values).on_conflict_do_nothing()
                )
            db.session.commit()
        except IntegrityError:
            # A chunk deleted between the check and the insert: the next pass skips it.
            db.session.rollback()
            continue
        stored += len(values)
    return stored


def pending(bot_id: int) -> int:
    """Return how many of a bot's chunks have no passage vector yet."""
    return int(
        db.session.scalar(
            text(
                "SELECT count(*) FROM chunks c LEFT JOIN passage_vectors v "
                "ON v.chunk_id = c.id WHERE c.bot_id = :b AND v.chunk_id IS NULL"
            ),
            {"b": bot_id},
        )
        or 0
    )


# A widget's starter questions and FAQs come back again and again: recent questions keep
# their vector (1.5 kB each) rather than costing the model another 7-10 ms.
@lru_cache(maxsize=2048)
def _question_vector(query: str) -> np.ndarray:
    return passage_model.encode([query])[0]


def forget_questions() -> None:
    """Empty the cache of recent questions' vectors (for benchmarks that time encoding)."""
    _question_vector.cache_clear()


# The model's matrix products release the GIL, as does the database while it searches
# its full-text index: a question's vector is encoded on one of these threads while
# retrieval gathers its candidates. Two threads per process; a question that finds both
# busy encodes its own (its queued encoding is cancelled and similarities() encodes inline).
_encoders = ThreadPoolExecutor(max_workers=2, thread_name_prefix="question-vector")
# (database, bot id) -> the version stamp (vectors.version) at which the bot's candidates
# last all had passage vectors: only for such a bot is the question encoded before it is
# known that the model will rank, so a bot still waiting for its vectors costs nothing.
_ranked: dict[tuple[str, int], tuple] = {}


def _bot_key(bot_id: int) -> tuple[str, int]:
    return (str(db.engine.url), bot_id)


def early(bot_id: int, stamp: tuple, query: str) -> Future | None:
    """Start encoding the question for a bot whose candidates had passage vectors last time."""
    if _ranked.get(_bot_key(bot_id)) != stamp or not enabled():
        return None
    return _encoders.submit(_question_vector, query)


def _question(query: str, started: Future | None) -> np.ndarray:
    if started is None or started.cancel():  # not started: cheaper to encode here than wait
        return _question_vector(query)
    return started.result()


def similarities(
    query: str, ids: list[int], bot_id: int, stamp: tuple, started: Future | None = None
) -> dict[int, float] | None:
    """Return the passage cosine of each candidate, or None unless every one has a vector.

    The bot's version stamp is remembered when every candidate has a vector, so that its
    next question starts its encoding early; started is that encoding (early()).
    """
    if not ids or not enabled():
        return None
    rows = db.session.execute(
        text("SELECT chunk_id, vector FROM passage_vectors WHERE chunk_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    ).all()
    if len(rows) < len(set(ids)):
        _ranked.pop(_bot_key(bot_id), None)
        if started is not None:
            started.cancel()
        return None
    _ranked[_bot_key(bot_id)] = stamp
    matrix = np.vstack([unpack(r.vector) for r in rows])
    try:
        question = _question(query, started)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("passage model unavailable, ranking without it: %s", exc)
        return None
    return {int(r.chunk_id): float(s) for r, s in zip(rows, matrix @ question, strict=True)}


def fill_after_ingest(bot_id: int) -> None:
    """After an upload or import went live: embed its bot's new chunks while the worker
    has nothing else queued (the minute job does the rest)."""
    if not enabled():
        return
    db.session.commit()  # the document, live: nothing below may undo it
    try:
        fill(FILL_SECONDS, bot_id=bot_id, give_way=True)
    except Exception:  # the document is live; the minute job tries again
        db.session.rollback()
        log.exception("passage vectors: filling after an ingest failed")


@tasks.periodic("passage-vectors", minute="*")
def fill_job() -> None:
    """Each minute: embed chunks that have no passage vector yet, for up to FILL_SECONDS."""
    if not enabled():
        return
    stored = fill(FILL_SECONDS, give_way=True)
    if stored:
        log.info("passage vectors: %d chunks embedded", stored)
