"""Find a bot's passages for a question: BM25 and embeddings fused, with a confidence.

Full text (the database's own BM25) and the nearest vectors each propose candidates;
knowledge/fusion.py ranks them on six signals, and on the passage model's cosine once
the candidates have passage vectors, and knowledge/confidence.py decides
between answering and the fallback. Both were fitted on the tuning half of
bench/quality.py, never on its held-out half.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import text

from knowledge import confidence, embeddings, fulltext, fusion, passage_vectors, vectors
from knowledge.languages import normalise
from knowledge.passages import Passage, passage_from_row
from knowledge.quotes import Quote, best_sentences
from knowledge.terms import idf, query_words, stem
from models import db

__all__ = ["Passage", "Quote", "Retrieval", "best_sentences", "retrieve", "search"]
log = logging.getLogger(__name__)

CANDIDATES = 40
# Common words match everywhere; beyond this many matches a word stops choosing candidates.
CANDIDATE_DF_CAP = 1500
# The offline answer may quote the first sources' pages beyond the one passage shown:
# up to MORE_PASSAGES more candidates of each of the first MORE_SOURCES documents
# (on the tuning half one more passage of the first page did all the good).
MORE_SOURCES, MORE_PASSAGES = 1, 2


@dataclass
class Retrieval:
    """What retrieval found for a question, and whether it is sure enough to answer."""

    passages: list[Passage] = field(default_factory=list)
    confident: bool = False  # False: give the fallback ("I don't know")
    score: float = 0.0  # 0..1, the calibrated probability that the top passage answers
    language: str = "en"
    features: list[float] = field(default_factory=list)  # confidence.NAMES(_PASSAGE), to calibrate
    # (document id, fusion.NAMES signals) of every candidate, best first, for calibration.
    candidates: list[tuple[int, list[float]]] = field(default_factory=list)
    # "passages" when the passage model's cosine ranked the candidates too, else "fused".
    ranked_by: str = "fused"


@dataclass
class _Bot:
    language: str
    stamp: tuple  # changes whenever the bot's chunks do (vectors.version)
    chunks: int


def _bot(bot_id: int) -> _Bot:
    """Read the bot's language, version stamp and chunk count in one round trip."""
    row = db.session.execute(
        text(
            "SELECT b.language, count(d.id), max(d.id), max(d.updated_at), "
            "coalesce(sum(d.chunk_count), 0) FROM bots b LEFT JOIN documents d "
            "ON d.bot_id = b.id WHERE b.id = :b GROUP BY b.language"
        ),
        {"b": bot_id},
    ).first()
    if row is None:
        return _Bot("en", (), 0)
    return _Bot(normalise(row[0]), vectors.stamp_of(row[1:4]), int(row[4]))


def bot_language(bot_id: int) -> str:
    """Return the language code of a bot's documents."""
    return _bot(bot_id).language


def _weights(bot: _Bot, bot_id: int, words: list[str]) -> tuple[dict[str, float], dict]:
    freqs = fulltext.doc_freqs(words, bot_id, bot.stamp, bot.chunks, bot.language)
    weights: dict[str, float] = {}
    for w in words:
        if freqs[w]:
            s = stem(w, bot.language)
            weights[s] = max(weights.get(s, 0.0), idf(freqs[w], bot.chunks))
    return weights, freqs


def retrieve(bot_id: int, query: str, limit: int = 5, per_document: int = 1) -> Retrieval:
    """Return the bot's passages for query, best first, with the answer-or-fallback decision.

    At most per_document passages come from one document, so the sources show the
    different pages that may answer rather than one page several times; only when the
    candidates hold fewer documents than limit do the next best passages of the same
    documents fill the list.
    """
    bot = _bot(bot_id)
    language = bot.language
    words = query_words(query, language)
    result = Retrieval(language=language)
    if not words or limit <= 0:
        return result
    # The passage model encodes the question while full text and vectors find candidates.
    started = passage_vectors.early(bot_id, bot.stamp, query)
    weights, freqs = _weights(bot, bot_id, words)
    # A word no passage holds cannot rank passages, but it still counts against the
    # question's coverage: weigh it like the question's rarest known word.
    unknown = [stem(w, language) for w in words if not freqs[w]]
    top_idf = max(weights.values(), default=idf(0, 1))
    for s in unknown:
        weights.setdefault(s, top_idf)
    unknown_share = sum(weights[s] for s in set(unknown)) / sum(weights.values())
    chosen: list[str] = []
    budget = 0
    for w in sorted((w for w in words if freqs[w]), key=lambda w: freqs[w]):
        if chosen and budget + freqs[w] > CANDIDATE_DF_CAP:
            break
        chosen.append(w)
        budget += freqs[w]
    found = fulltext.candidates(bot_id, chosen, max(CANDIDATES, limit * 4), language, bot.stamp)
    rows = {r.id: r for r in found}
    lexical_rank = {cid: i for i, cid in enumerate(rows)}
    similarity, label_similarity = _dense(bot_id, query, rows, bot.stamp)
    if not rows:
        if started is not None:
            started.cancel()
        return result
    # PostgreSQL's ts_rank weighs no word by its rarity: its BM25 signal is computed.
    own_bm25 = words if fulltext.dialect() == "postgresql" else None
    meaning = passage_vectors.similarities(query, list(rows), bot_id, bot.stamp, started)
    ids, table = fusion.features(
        rows, lexical_rank, similarity, label_similarity, weights, language, own_bm25, meaning
    )
    fused = fusion.scores(table, meaning is not None)
    result.ranked_by = "passages" if meaning is not None else "fused"
    # Best fused score first; ties go to the older chunk.
    order = [int(i) for i in np.lexsort((np.array(ids), -fused))]
    top = table[order[0]]
    names = fusion.NAMES
    result.features = [
        float(top[names.index("coverage")]),
        float(top[names.index("cosine")]),
        float(table[:, names.index("coverage")].max()),
        float(table[:, names.index("cosine")].max()),
        unknown_share,
    ]
    if meaning is not None:
        column = table[:, names.index("passage")]
        result.features += [float(top[names.index("passage")]), float(column.max())]
    result.score = round(confidence.probability(result.features), 4)
    result.confident = result.score >= confidence.threshold(current_app.config)
    result.candidates = [(rows[ids[i]].document_id, table[i].tolist()) for i in order]
    documents = [rows[c].document_id for c in ids]

    def passage(i: int) -> Passage:
        cov = float(table[i, names.index("coverage")])
        cos = float(table[i, names.index("cosine")])
        score = round(max(0.0, min(1.0, 0.5 * cov + 0.5 * max(cos, 0.0))), 4)
        found = passage_from_row(rows[ids[i]], score, words, weights, language)
        found.similarity, found.coverage = round(cos, 4), round(cov, 4)
        return found

    picked = _choose(order, documents, limit, per_document)
    kept = set(picked)
    for rank, i in enumerate(picked):
        source = passage(i)
        if rank < MORE_SOURCES:
            same = [j for j in order if documents[j] == documents[i] and j not in kept]
            source.more = [passage(j) for j in same[:MORE_PASSAGES]]
        result.passages.append(source)
    return result


def _choose(order: list[int], documents: list[int], limit: int, per_document: int) -> list[int]:
    """Return up to limit candidates in order, at most per_document of each document
    unless fewer documents than limit are among them."""
    taken: dict[int, int] = {}
    chosen: list[int] = []
    for i in order:
        if taken.get(documents[i], 0) < per_document:
            taken[documents[i]] = taken.get(documents[i], 0) + 1
            chosen.append(i)
            if len(chosen) >= limit:
                return chosen
    kept = set(chosen)
    rest = [i for i in order if i not in kept][: limit - len(chosen)]
    position = {i: k for k, i in enumerate(order)}
    return sorted(chosen + rest, key=position.__getitem__)


def _dense(bot_id: int, query: str, rows: dict[int, Any], stamp: tuple) -> tuple[dict, dict]:
    """Add the nearest chunks to rows; return their similarities, and their labels'."""
    try:
        vector = embeddings.embed([query])[0]
        model = embeddings.model_name()
        fill = embeddings.embed_local if model == embeddings.LOCAL_MODEL else None
        cache_mb = int(current_app.config["VECTOR_CACHE_MB"])
        near = vectors.nearest(bot_id, vector, CANDIDATES, model, fill, cache_mb, stamp)
    except Exception as exc:  # noqa: BLE001 - full text alone still answers
        log.warning("dense retrieval failed, using full text only: %s", exc)
        return {}, {}
    similarity = dict(near)
    # Full text's candidates beyond the nearest ones: their own cosine, not a floor.
    others = [cid for cid in rows if cid not in similarity]
    similarity.update(vectors.similarities(bot_id, vector, others, model))
    missing = [cid for cid in similarity if cid not in rows]
    for row in fulltext.chunks_by_id(missing):
        rows[row.id] = row
    # Titles and headings are short: the local model embeds them on the fly.
    ids = list(rows)
    labels = [f"{rows[c].title or ''}\n{rows[c].heading or ''}" for c in ids]
    local_query = vector if model == embeddings.LOCAL_MODEL else embeddings.embed_local([query])[0]
    label_sims = _label_vectors(labels) @ local_query if ids else []
    return similarity, {c: float(s) for c, s in zip(ids, label_sims, strict=True)}


_labels: OrderedDict[str, np.ndarray] = OrderedDict()
_labels_lock = threading.Lock()
LABEL_CACHE = 10_000  # 1 kB each


def _label_vectors(labels: list[str]) -> np.ndarray:
    """Return local-model vectors for titles and headings, embedding only unseen ones."""
    with _labels_lock:
        known = {label: _labels[label] for label in labels if label in _labels}
    fresh = list(dict.fromkeys(label for label in labels if label not in known))
    if fresh:
        for label, vector in zip(fresh, embeddings.embed_local(fresh), strict=True):
            known[label] = vector
        with _labels_lock:
            for label in fresh:
                _labels[label] = known[label]
            while len(_labels) > LABEL_CACHE:
                _labels.popitem(last=False)
    return np.vstack([known[label] for label in labels])


def search(bot_id: int, query: str, limit: int = 5) -> list[Passage]:
    """Return the bot's passages for query, best first; empty when it should not answer."""
    found = retrieve(bot_id, query, limit)
    return found.passages if found.confident else []
