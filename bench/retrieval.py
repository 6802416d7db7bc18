"""Retrieval benchmark over the Python standard library's own documentation (pydoc).

Builds a corpus of one page per stdlib module (rendered by pydoc, no download), asks
labelled questions (a function's docstring summary with its name removed; the right
answer is the page of its module), and prints recall@1, recall@5, MRR, the share of
unrelated questions that correctly get nothing, ingestion MB/s, and p50/p95 search
latency at 10k and 100k chunks.

    .venv/bin/python bench/retrieval.py [--database URL] [--questions N]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import io
import pkgutil
import random
import re
import sys
import tempfile
import time
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from sqlalchemy import text  # noqa: E402

import settings  # noqa: E402
from bench.quality import grow, percentile  # noqa: E402
from knowledge import add_text  # noqa: E402
from knowledge.retrieval import search  # noqa: E402
from models import Bot, db  # noqa: E402

SKIP = re.compile(
    r"^(_|test|idlelib|tkinter|turtle|lib2to3|ensurepip|antigravity|this$|pydoc_data)"
)
UNRELATED = [
    "What is the capital of France?",
    "Who won the football world cup in 2018?",
    "How many calories are in a banana?",
    "Best recipe for chocolate cake",
    "When was the Eiffel tower built?",
    "What is the weather like in Paris tomorrow?",
    "Recommend a good science fiction novel",
    "How tall is Mount Everest?",
    "Which planet has the most moons?",
    "How do I bake sourdough bread?",
]


def build_corpus(limit: int) -> tuple[dict[str, str], list[tuple[str, set[str]]]]:
    """Return {module: pydoc page} and [(question, relevant modules)] for stdlib modules."""
    import pydoc

    pages: dict[str, str] = {}
    questions: list[tuple[str, str]] = []  # (question, the docstring it came from)
    names = sorted(
        m.name for m in pkgutil.iter_modules() if m.module_finder.path.startswith(sys.base_prefix)
    )
    # Packages' own modules are pages too (email.mime.text, json.decoder, ...).
    for top in list(names):
        spec = importlib.util.find_spec(top) if not SKIP.match(top) else None
        if spec and spec.submodule_search_locations:
            names += [
                f"{top}.{m.name}" for m in pkgutil.iter_modules(spec.submodule_search_locations)
            ]
    for name in sorted(set(names)):
        if len(pages) >= limit or SKIP.match(name) or SKIP.match(name.split(".")[-1]):
            continue
        try:
            with (
                warnings.catch_warnings(),
                redirect_stdout(io.StringIO()),
                redirect_stderr(io.StringIO()),
            ):
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
                page = pydoc.render_doc(module, renderer=pydoc.plaintext)
        except BaseException:  # noqa: BLE001 - some modules refuse to import here
            continue
        if len(page) < 500:
            continue
        pages[name] = page
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != name:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            summary = (inspect.getdoc(obj) or "").split("\n\n")[0].replace("\n", " ").strip()
            question = re.sub(rf"\b{re.escape(attr)}\b", "", summary)
            if 30 <= len(question) <= 200 and "(" not in question[:20]:
                questions.append((question, summary))
    # A package's page repeats what it re-exports: any page documenting the object counts.
    flat = {name: " ".join(page.split()) for name, page in pages.items()}
    labelled = []
    for question, summary in questions:
        relevant = {name for name, page in flat.items() if " ".join(summary.split())[:80] in page}
        if relevant:
            labelled.append((question, relevant))
    return pages, labelled


def latency(bot_id: int, queries: list[str]) -> tuple[float, float]:
    times = []
    for query in queries:
        start = time.perf_counter()
        search(bot_id, query)
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    app = Flask(__name__)
    app.config.update(settings.defaults())
    app.config["SQLALCHEMY_DATABASE_URI"] = args.database or f"sqlite:///{tmp}/bench.db"
    db.init_app(app)
    pages, questions = build_corpus(args.pages)
    random.Random(7).shuffle(questions)
    questions = questions[: args.questions]
    with app.app_context():
        db.drop_all()
        db.create_all()
        bot = Bot(name="bench", model="m")
        db.session.add(bot)
        db.session.commit()
        size = sum(len(p.encode()) for p in pages.values())
        start = time.perf_counter()
        titles = {}
        for name, page in pages.items():
            titles[add_text(bot.id, name, page).id] = name
        elapsed = time.perf_counter() - start
        chunks = db.session.scalar(text("SELECT count(*) FROM chunks"))
        print(f"database      {db.engine.dialect.name}")
        print(f"corpus        {len(pages)} pages, {size / 1e6:.1f} MB, {chunks} chunks")
        print(f"ingestion     {size / 1e6 / elapsed:.2f} MB/s ({elapsed:.1f} s)")
        ranks = []
        for question, relevant in questions:
            found = [titles.get(p.document_id) for p in search(bot.id, question, limit=5)]
            hits = [i + 1 for i, name in enumerate(found) if name in relevant]
            ranks.append(hits[0] if hits else None)
        n = len(ranks)
        print(f"questions     {n}")
        print(f"recall@1      {sum(r == 1 for r in ranks if r) / n:.3f}")
        print(f"recall@5      {sum(1 for r in ranks if r) / n:.3f}")
        print(f"MRR@5         {sum(1 / r for r in ranks if r) / n:.3f}")
        empty = sum(1 for q in UNRELATED if not search(bot.id, q))
        print(f"unrelated     {empty}/{len(UNRELATED)} answered with nothing")
        queries = [q for q, _ in questions[:200]]
        for target in [int(s) for s in args.sizes.split(",") if s]:
            count = grow(bot.id, target)
            latency(bot.id, queries[:20])  # warm caches
            p50, p95 = latency(bot.id, queries)
            print(f"latency       {count} chunks: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        # End the session's open read transaction, or PostgreSQL's DROP waits on it forever.
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
