"""Answer-quality benchmark on three corpora of real documentation (see bench/corpora.py).

Prints, on the held-out half of the questions only: recall@1, recall@5 and MRR of the
right page among the sources, the share of unrelated and look-alike questions refused,
the share of related ones answered, and the share of offline answers holding the fact
asked for; then ingestion MB/s (parse, chunk, embed, store) and search latency at 10k
and 100k chunks (`--sizes ""` skips them). Recall, the share answered and the share
holding the fact carry a 95% Wilson interval: on 76 questions chance alone moves them by
about 0.1. `--calibrate` fits the ranking weights and the answer-or-fallback model on
the tuning half, and prints both cross-validated inside it; `--dump FILE` writes the
tuning questions' signals as JSON for other fits; `--speed` skips the questions and
prints only ingestion and search latency. Each bot's vectors are loaded (and any
approximate index built) before its first question, so two runs give the same figures.
`--split tuning` prints the same figures on the tuning half instead (for work in
progress, so that the held-out half is looked at only once); `--misses` lists the
questions of that half whose offline answer lacks the fact, with the answer. Passage
vectors (knowledge/passage_vectors.py) are filled after each corpus is stored, as the
worker does, and timed apart; `--no-passages` ranks without them.

    .venv/bin/python bench/quality.py [--database URL] [--sizes 10000,100000] [--calibrate]
                                      [--speed] [--split held-out|tuning] [--misses]
                                      [--dump FILE] [--no-passages]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from sqlalchemy import text  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench import corpora, questions  # noqa: E402
from engine.providers import compose  # noqa: E402
from knowledge import add_text  # noqa: E402
from knowledge.tokens import count_tokens  # noqa: E402

try:
    from knowledge.embeddings import embed_local
    from knowledge.retrieval import retrieve
except ImportError:  # an earlier Docent, measured for the "before" figures
    from types import SimpleNamespace

    from knowledge.retrieval import search

    def embed_local(texts: list[str]) -> None:
        """Stand in for the local model that earlier versions do not have."""

    def retrieve(bot_id: int, query: str, limit: int = 5) -> SimpleNamespace:
        """Adapt search(): an empty list was its "don't know"."""
        passages = search(bot_id, query, limit)
        return SimpleNamespace(
            passages=passages, confident=bool(passages), features=[], candidates=[]
        )


import settings  # noqa: E402
from knowledge import vectors  # noqa: E402

try:
    from knowledge import passage_vectors
except ImportError:  # an earlier Docent, without the passage model
    passage_vectors = None  # type: ignore[assignment]
from models import Bot, db  # noqa: E402

SETS = {"reference": questions.REFERENCE, "guide": questions.GUIDE, "faq": questions.FAQ}


def held_out(question: str) -> bool:
    """Return True for the held-out half (a fixed split by a hash of the text)."""
    return zlib.crc32(question.encode()) % 2 == 1


def interval(hits: float, n: int) -> str:
    """Return the 95% Wilson interval of a share of n, to read a figure's noise by."""
    if not n:
        return ""
    p, z = hits / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"(95% {max(0.0, centre - half):.2f}-{min(1.0, centre + half):.2f})"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def grow(bot_id: int, target: int) -> int:
    """Copy the bot's chunks (with their vectors) until it has target chunks."""
    count = db.session.scalar(text("SELECT count(*) FROM chunks WHERE bot_id = :b"), {"b": bot_id})
    while count < target:
        db.session.execute(
            text(
                "INSERT INTO chunks (document_id, bot_id, ordinal, title, heading, content, page, "
                "anchor, url, token_count, embedding) "
                "SELECT document_id, bot_id, ordinal + 100000, "
                "title, heading, content, page, anchor, url, token_count, embedding FROM chunks "
                "WHERE bot_id = :b ORDER BY id LIMIT :n"
            ),
            {"b": bot_id, "n": target - count},
        )
        count = db.session.scalar(
            text("SELECT count(*) FROM chunks WHERE bot_id = :b"), {"b": bot_id}
        )
    if passage_vectors is not None:
        # The copies get their original's passage vector (ordinals go up by 100000 a copy).
        db.session.execute(
            text(
                "INSERT INTO passage_vectors (chunk_id, vector) SELECT c.id, v.vector "
                "FROM chunks c JOIN chunks o ON o.document_id = c.document_id "
                "AND o.ordinal = c.ordinal % 100000 AND o.ordinal < 100000 "
                "JOIN passage_vectors v ON v.chunk_id = o.id "
                "LEFT JOIN passage_vectors x ON x.chunk_id = c.id "
                "WHERE c.bot_id = :b AND x.chunk_id IS NULL"
            ),
            {"b": bot_id},
        )
    # Keep the documents' counts true (idf) and mark them changed (vector cache).
    db.session.execute(
        text(
            "UPDATE documents SET chunk_count = (SELECT count(*) FROM chunks c "
            "WHERE c.document_id = documents.id), updated_at = CURRENT_TIMESTAMP WHERE bot_id = :b"
        ),
        {"b": bot_id},
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Every table: the full-text table beside chunks (chunk_search) grew as well.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return count


def matches(label: str, title: str, kind: str) -> bool:
    return label in title if kind == "faq" else title == label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument(
        "--speed", action="store_true", help="only ingestion and search latency, no recall"
    )
    parser.add_argument(
        "--split",
        choices=["held-out", "tuning"],
        default="held-out",
        help="the half of the questions the figures are reported on",
    )
    parser.add_argument(
        "--misses", action="store_true", help="list the offline answers that lack the fact"
    )
    parser.add_argument(
        "--dump", metavar="FILE", help="write the tuning half's signals as JSON (for fitting)"
    )
    parser.add_argument(
        "--no-passages",
        action="store_true",
        help="rank without passage vectors (as before the worker has embedded a bot's chunks)",
    )
    args = parser.parse_args()

    def reported(question: str) -> bool:
        return held_out(question) == (args.split == "held-out")

    # One BLAS thread, as in the server (app.create_app): a question's CPU time is its own.
    threadpool_limits(1, user_api="blas")
    tmp = tempfile.mkdtemp()
    app = Flask(__name__)
    app.config.update(settings.defaults())
    app.config["SQLALCHEMY_DATABASE_URI"] = args.database or f"sqlite:///{tmp}/quality.db"
    app.config["PASSAGE_VECTORS"] = not args.no_passages
    passages = passage_vectors is not None and not args.no_passages
    passage_time, passage_chunks = 0.0, 0
    db.init_app(app)
    stats = {"r1": 0, "r5": 0, "mrr": 0.0, "n": 0, "answered": 0, "fact": 0, "facts": 0}
    stats.update(given=0, given_fact=0, passage_fact=0)
    refused = {"unrelated": [0, 0], "look-alike": [0, 0]}
    samples: list[tuple[list[float], int]] = []  # tuning confidence features and labels
    ranking: list[list[tuple[int, bool, list[float]]]] = []  # tuning candidates
    dump: list[dict] = []  # the same, question by question, for --dump
    per_corpus = []
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        total_bytes, total_time, total_cpu, bots = 0, 0.0, 0.0, {}
        # Load the token tables and the embedding model before timing ingestion.
        count_tokens("warm up")
        embed_local(["warm up"])
        for kind, build in corpora.CORPORA.items():
            pages = build()
            if not pages:
                print(f"{kind}: its files are not installed here; skipped")
                continue
            bot = Bot(name=kind, model="offline")
            db.session.add(bot)
            db.session.commit()
            start, start_cpu = time.perf_counter(), time.process_time()
            titles = {add_text(bot.id, title, body).id: title for title, body in pages.items()}
            total_time += time.perf_counter() - start
            total_cpu += time.process_time() - start_cpu
            total_bytes += sum(len(b.encode()) for b in pages.values())
            bots[kind] = bot.id
            if passages:
                # What the worker does in the background after an upload.
                start = time.perf_counter()
                passage_chunks += passage_vectors.fill(bot_id=bot.id)
                passage_time += time.perf_counter() - start
            if args.speed:
                continue
            # Every question is asked of the same dense step: the bot's vectors loaded and,
            # on a bot large enough for one, its approximate index built (until it is, the
            # exact product answers, so results would depend on timing).
            retrieve(bot.id, "warm up", 5)
            vectors.wait_for_builds()
            hits = [0, 0, 0.0, 0]
            for item in SETS[kind]:
                question, label = item[0], item[1]
                found = retrieve(bot.id, question, 5)
                docs = list(dict.fromkeys(titles[p.document_id] for p in found.passages))
                rank = next((i + 1 for i, t in enumerate(docs) if matches(label, t, kind)), None)
                if not held_out(question):
                    samples.append((found.features, 1))
                    ranking.append(
                        [(d, matches(label, titles[d], kind), f) for d, f in found.candidates]
                    )
                    dump.append(
                        {"bot": kind, "set": "related", "question": question}
                        | {"features": found.features, "candidates": ranking[-1]}
                    )
                if not reported(question):
                    continue
                hits[0] += rank == 1
                hits[1] += rank is not None
                hits[2] += 1 / rank if rank else 0.0
                hits[3] += 1
                stats["answered"] += found.confident
                fact = questions.FACTS.get(question)
                if fact:
                    answer = compose(question, found.passages) if found.confident else ""
                    # Case matters (-n is not -N): a fact spells a word's capitals as its
                    # page may (tests/test_bench_questions.py checks each is in its page).
                    hit = bool(re.search(fact, answer))
                    # What the offline answer could have quoted: is the fact there at all?
                    quotable = [m for p in found.passages for m in (p, *p.more)]
                    held = any(re.search(fact, m.content) for m in quotable)
                    stats["passage_fact"] += held
                    stats["facts"] += 1
                    stats["fact"] += hit
                    stats["given"] += found.confident
                    stats["given_fact"] += hit
                    if args.misses and not hit:
                        where = "in a passage" if held else "in no passage"
                        print(f"miss  [{kind}] {question}  (wants /{fact}/, rank {rank}, {where})")
                        print(f"      {answer or '(fallback)'}")
            per_corpus.append((kind, len(pages), hits))
            for name, asked in (
                ("unrelated", questions.UNRELATED),
                ("look-alike", questions.LOOKALIKE),
            ):
                for question in asked:
                    found = retrieve(bot.id, question, 5)
                    if not held_out(question):
                        samples.append((found.features, 0))
                        dump.append(
                            {"bot": kind, "set": name, "question": question}
                            | {"features": found.features, "candidates": found.candidates}
                        )
                    if not reported(question):
                        continue
                    refused[name][0] += not found.confident
                    refused[name][1] += 1
            stats["r1"] += hits[0]
            stats["r5"] += hits[1]
            stats["mrr"] += hits[2]
            stats["n"] += hits[3]
        chunks = db.session.scalar(text("SELECT count(*) FROM chunks"))
        print(f"database        {db.engine.dialect.name}")
        print(f"corpora         {total_bytes / 1e6:.1f} MB, {chunks} chunks")
        for kind, pages, (r1, r5, _mrr, n) in per_corpus:
            print(
                f"  {kind:10}    {pages} pages; {args.split} {n}: R@1 {r1 / n:.3f} R@5 {r5 / n:.3f}"
            )
        n = stats["n"]
        if n:  # none with --speed
            print(f"{args.split:15} {n} questions ({len(samples)} tuning samples)")
            print(f"recall@1        {stats['r1'] / n:.3f} {interval(stats['r1'], n)}")
            print(f"recall@5        {stats['r5'] / n:.3f} {interval(stats['r5'], n)}")
            print(f"MRR@5           {stats['mrr'] / n:.3f}")
            print(
                f"answered        {stats['answered'] / n:.3f} of related questions "
                f"{interval(stats['answered'], n)}"
            )
            for name, (ok, asked) in refused.items():
                print(f"refused         {ok}/{asked} {name} questions ({ok / max(asked, 1):.3f})")
            if stats["facts"]:
                share = stats["given_fact"] / max(stats["given"], 1)
                print(
                    f"fact in answer  {stats['fact'] / stats['facts']:.3f} of questions with a "
                    f"fact {interval(stats['fact'], stats['facts'])}; {share:.3f} of the offline "
                    "answers given"
                )
                print(
                    f"fact in passage {stats['passage_fact'] / stats['facts']:.3f} of questions "
                    "with a fact (what the answer could quote, answered or not)"
                )
        print(
            f"ingestion       {total_bytes / 1e6 / total_time:.2f} MB/s with embeddings "
            f"({total_bytes / 1e6 / total_cpu:.2f} MB per CPU second of this process)"
        )
        if passages:
            print(
                f"passage vectors {passage_chunks / max(passage_time, 1e-9):.1f} chunks/s "
                f"({total_bytes / 1e6 / max(passage_time, 1e-9):.3f} MB/s), in the background"
            )
        if args.dump:
            Path(args.dump).write_text(json.dumps(dump))
        if args.calibrate:
            from bench.calibrate import fit_confidence, fit_ranking

            related = [r["question"] for r in dump if r["set"] == "related"]
            fit_ranking(ranking, texts=related)
            fit_confidence(samples, [r["question"] for r in dump])
        queries = [q for kind in bots for q, *_ in SETS[kind]]
        bot_id = bots.get("guide") or next(iter(bots.values()))
        for target in [int(s) for s in args.sizes.split(",") if s]:
            count = grow(bot_id, target)
            start = time.perf_counter()
            retrieve(bot_id, queries[0])  # loads the bot's vectors, starts any index build
            vectors.wait_for_builds()
            ready = time.perf_counter() - start
            for q in queries[:20]:
                retrieve(bot_id, q)  # warm caches
            if passage_vectors is not None:
                # Every timed question pays for its passage-model encoding, as a new one would.
                passage_vectors.forget_questions()
            times, cpu = [], []
            for q in queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                retrieve(bot_id, q)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            print(f"latency         {count} chunks: p50 {p50:.1f} ms, p95 {p95:.1f} ms", end="")
            # CPU time of this process; the database server's share is in the wall time.
            print(f" (CPU p50 {percentile(cpu, 0.5):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms)")
            print(f"                vectors loaded and indexed in {ready:.1f} s")
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
