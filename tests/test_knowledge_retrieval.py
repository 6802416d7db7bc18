"""Retrieval: the same answers on SQLite and PostgreSQL, a relevance floor, hybrid fusion."""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from knowledge import add_text, fusion, passage_vectors
from knowledge.retrieval import _choose, best_sentences, retrieve, search
from models import Bot, db

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

GUIDE = """# Shop help

## Shipping

Orders ship within two business days. International shipping takes seven to ten days.
Tracking numbers are emailed when the parcel leaves the warehouse.

## Refunds

Refunds are issued within fourteen days of receiving the returned item.
Items must be unused and in their original packaging.

## Gift cards

Gift cards never expire and can be combined with discount codes at checkout.
"""
WIDGET = """# Widget

## Colours

Set the accent colour of the chat bubble in the dashboard under Appearance.

## Installing

Paste one script tag before the closing body tag of every page.
"""


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL database, or a skip saying why there is none."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"docent_kb_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # any failure means "no PostgreSQL here"
        admin.dispose()
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {type(exc).__name__}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


# With DOCENT_TEST_DATABASE_URL set the whole suite already runs on PostgreSQL.
BACKENDS = ["default"] if os.environ.get("DOCENT_TEST_DATABASE_URL") else ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request, config):
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        config["SQLALCHEMY_DATABASE_URI"] = url
        engine = create_engine(url)
        db.metadata.drop_all(engine)
        db.metadata.create_all(engine)
        engine.dispose()
    return request.param


@pytest.fixture
def bot(backend, app):
    with app.app_context():
        bot = Bot(name="Shop", model="m")
        other = Bot(name="Other", model="m")
        db.session.add_all([bot, other])
        db.session.commit()
        add_text(bot.id, "Shop help", GUIDE, fmt="markdown", url="https://shop.test/help")
        add_text(bot.id, "Widget", WIDGET, fmt="markdown", url="https://shop.test/widget")
        add_text(other.id, "Secret", "Refunds for the other bot are handled by fax.")
        yield bot.id


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("How long does shipping take?", "Shop help > Shipping"),
        ("when do I get my refund", "Shop help > Refunds"),
        ("Do gift cards expire?", "Shop help > Gift cards"),
        ("how to change the colour of the bubble", "Widget > Colours"),
        ("install the script tag", "Widget > Installing"),
    ],
)
def test_finds_the_right_section(bot, question, heading):
    passages = search(bot, question)
    assert passages and passages[0].heading == heading
    assert 0 < passages[0].score <= 1
    assert all(p.score <= passages[0].score for p in passages)


def test_source_links_to_the_heading(bot):
    top = search(bot, "gift cards")[0]
    assert top.link == "https://shop.test/help#gift-cards"
    source = top.source()
    assert source["url"] == top.link and source["title"] == "Shop help — Shop help > Gift cards"


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "Who won the football world cup?", "hello", "?", ""],
)
def test_unrelated_questions_find_nothing(bot, question):
    assert search(bot, question) == []


def test_only_the_bots_own_documents(bot):
    assert all("fax" not in p.content for p in search(bot, "refunds fax"))


def test_limit(bot):
    assert len(search(bot, "shipping refunds gift cards colour script", limit=2)) <= 2


def test_sources_are_different_documents_first(bot):
    question = "shipping refunds gift cards colour of the bubble script tag"
    two = retrieve(bot, question, limit=2).passages
    assert len(two) == 2 and two[0].document_id != two[1].document_id
    # Two documents for four sources: the next best sections of the same documents fill in.
    four = retrieve(bot, question, limit=4).passages
    assert len(four) == 4 and len({p.document_id for p in four}) == 2
    assert len({p.chunk_id for p in four}) == 4


def test_the_first_source_brings_its_pages_next_passages_for_quoting(bot):
    question = "shipping refunds gift cards colour of the bubble script tag"
    two = retrieve(bot, question, limit=2).passages
    first, second = two
    # Further sections of the first page, for the offline answer to quote; not sources.
    assert first.more and all(p.document_id == first.document_id for p in first.more)
    shown = {p.chunk_id for p in two}
    assert not shown & {p.chunk_id for p in first.more}
    assert second.more == []


def test_choose_takes_one_passage_a_document_then_fills():
    # Candidates in fused order 3, 0, 1, 2, 4; their documents by index.
    documents = [7, 7, 8, 7, 9]
    assert _choose([3, 0, 1, 2, 4], documents, 2, 1) == [3, 2]
    assert _choose([3, 0, 1, 2, 4], documents, 3, 1) == [3, 2, 4]
    # Only three documents for four places: the best passage left over fills, in order.
    assert _choose([3, 0, 1, 2, 4], documents, 4, 1) == [3, 0, 2, 4]
    assert _choose([3, 0, 1, 2, 4], documents, 4, 2) == [3, 0, 2, 4]
    assert _choose([], [], 5, 1) == []


def test_best_sentences_quote_the_answer(bot):
    question = "How long does international shipping take?"
    quotes = best_sentences(question, search(bot, question), 2)
    assert quotes[0].text == "International shipping takes seven to ten days."
    assert quotes[0].passage.heading == "Shop help > Shipping"
    assert best_sentences("unrelated words", [], 3) == []


def test_hybrid_search_with_embeddings(config, llm, request):
    config.update(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=llm.url, EMBEDDINGS_MODEL="test-embed")
    app = request.getfixturevalue("app")  # after the config change, with empty tables
    with app.app_context():
        bot = Bot(name="Hybrid", model="m")
        db.session.add(bot)
        db.session.commit()
        add_text(bot.id, "Shop help", GUIDE, fmt="markdown")
        calls = sum(1 for r in llm.requests if r["path"].endswith("/embeddings"))
        assert calls >= 1
        passages = search(bot.id, "gift cards expire")
        assert passages[0].heading == "Shop help > Gift cards"
        assert passages[0].similarity is not None and 0 < passages[0].score <= 1
        assert search(bot.id, "capital of France") == []


def test_look_alike_question_is_refused(bot):
    # "ship" and "order" are in the shipping section; the Moon is nowhere.
    found = retrieve(bot, "Can you ship my order to the Moon?")
    assert found.passages and not found.confident and found.score < 0.5
    assert search(bot, "Can you ship my order to the Moon?") == []
    assert search(bot, "What is the boiling point of tungsten?") == []
    sure = retrieve(bot, "How long does shipping take?")
    assert sure.confident and sure.score >= 0.5
    assert sure.passages[0].heading == "Shop help > Shipping"


def test_paraphrase_found_by_meaning(bot):
    # No word of the question is in the answer's section except through the vectors.
    found = retrieve(bot, "when will my parcel arrive abroad")
    assert found.passages[0].heading == "Shop help > Shipping"


def test_vector_cache_is_bounded_and_follows_changes(bot, app):
    from knowledge import vectors

    app.config["VECTOR_CACHE_MB"] = 0  # keep only the index in use
    with app.app_context():
        other = Bot(name="Second", model="m")
        db.session.add(other)
        db.session.commit()
        add_text(other.id, "Cats", "Cats sleep for most of the day and purr when content.")
        search(bot, "gift cards")
        search(other.id, "Do cats purr?")
        assert len([k for k in vectors._indexes if k[0] == str(db.engine.url)]) == 1
        assert search(bot, "loyalty points") == []
        add_text(bot, "Loyalty", "Loyalty points are earned on every purchase and never expire.")
        assert search(bot, "loyalty points")[0].title == "Loyalty"


def test_questions_arriving_together_load_a_bots_vectors_once(bot, app, monkeypatch):
    import threading
    import time

    from knowledge import vectors
    from knowledge.embeddings import embed_local

    loads = []
    real_load = vectors._load

    def slow_load(*args, **kwargs):
        loads.append(args[1])
        time.sleep(0.2)  # every other question arrives while this one reads
        return real_load(*args, **kwargs)

    monkeypatch.setattr(vectors, "_load", slow_load)
    with app.app_context():
        query = embed_local(["when will my parcel arrive abroad"])[0]
    stamp, model = ("together", bot), "wordllama-l2-256"
    found: list[list[int]] = []

    def ask() -> None:
        with app.app_context():
            found.append([c for c, _ in vectors.nearest(bot, query, 3, model, None, 256, stamp)])

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [stamp]
    assert len(found) == 8 and all(f == found[0] for f in found) and found[0]
    # A changed bot is read again, once.
    with app.app_context():
        vectors.nearest(bot, query, 3, model, None, 256, ("changed", bot))
    assert loads == [stamp, ("changed", bot)]


def test_large_bot_is_searched_with_the_approximate_index(bot, app, monkeypatch):
    from knowledge import vectors
    from knowledge.embeddings import embed_local

    monkeypatch.setattr(vectors, "HNSW_MIN", 1)  # every bot counts as large here
    with app.app_context():
        query = embed_local(["when will my parcel arrive abroad"])[0]
        model, stamp = "wordllama-l2-256", ("hnsw", bot)
        exact = vectors._load(bot, stamp, 256, None)
        assert exact.matrix is not None
        sims = exact.matrix @ query
        expected = [int(exact.ids[i]) for i in (-sims).argsort()[:3]]
        vectors.nearest(bot, query, 3, model, None, 256, stamp)
        vectors.wait_for_builds()
        index = vectors._indexes[(str(db.engine.url), bot, model)]
        assert index.graph is not None and index.matrix is None
        found = vectors.nearest(bot, query, 3, model, None, 256, stamp)
        assert [chunk for chunk, _ in found] == expected
        # Half-precision vectors: the similarities are the exact ones to a few thousandths.
        assert abs(found[0][1] - float(sims.max())) < 0.01
        assert vectors.cached_bytes() >= index.graph.memory_usage
        # Full text's candidates beyond the nearest get their own cosine from the index.
        last = int(exact.ids[int(sims.argmin())])
        got = vectors.similarities(bot, query, [last, -1], model)
        assert list(got) == [last] and abs(got[last] - float(sims.min())) < 0.01


FRENCH = """# Aide

## Livraison

Les commandes sont expédiées sous deux jours ouvrés. La livraison internationale prend
de sept à dix jours.

## Remboursements

Les remboursements sont effectués dans les quatorze jours suivant la réception de
l'article retourné.
"""


def test_a_french_bot_answers_a_french_question(app, client, make_bot, make_key):
    with app.app_context():
        bot = Bot(name="Boutique", model="offline", language="fr")
        db.session.add(bot)
        db.session.commit()
        add_text(bot.id, "Aide", FRENCH, fmt="markdown")
        bot_id = bot.id
        found = retrieve(bot_id, "Combien de jours pour les livraisons internationales ?")
        assert found.language == "fr" and found.confident
        assert found.passages[0].heading == "Aide > Livraison"
        assert search(bot_id, "Quelle est la capitale de l'Australie ?") == []
    key = make_key(bot_id)
    reply = client.post(
        "/api/v1/chat",
        json={"message": "Quand suis-je remboursé ?"},
        headers={"Authorization": f"Bearer {key}"},
    ).json
    assert "quatorze jours" in reply["answer"]
    assert reply["sources"][0]["title"] == "Aide — Aide > Remboursements"


def _passage_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(text("SELECT count(*) FROM passage_vectors"))


def _chunks(app, bot_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            text("SELECT count(*) FROM chunks WHERE bot_id = :b"), {"b": bot_id}
        )


def test_passage_vectors_are_filled_once_and_then_rank(bot, app):
    before = retrieve(bot, "when will my parcel arrive abroad")
    assert before.ranked_by == "fused" and len(before.features) == 5
    chunks = _chunks(app, bot)
    assert chunks >= 4 and passage_vectors.pending(bot) == chunks
    assert passage_vectors.fill(bot_id=bot) == chunks
    assert passage_vectors.fill(bot_id=bot) == 0
    assert passage_vectors.pending(bot) == 0
    assert _passage_rows(app) == chunks  # the other bot's chunk waits for the minute job
    found = retrieve(bot, "when will my parcel arrive abroad")
    assert found.ranked_by == "passages" and len(found.features) == 7
    assert found.passages[0].heading == "Shop help > Shipping"
    assert found.candidates and len(found.candidates[0][1]) == len(fusion.NAMES)


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("how long until my money comes back after I send something back", "Shop help > Refunds"),
        ("is there a date after which a voucher stops working", "Shop help > Gift cards"),
    ],
)
def test_passage_vectors_rank_questions_in_other_words(bot, question, heading):
    # Not one word of these questions is in any document: only the passage model links them.
    passage_vectors.fill(bot_id=bot)
    found = retrieve(bot, question)
    assert found.ranked_by == "passages"
    assert found.passages[0].heading == heading


def test_with_passage_vectors_a_paraphrase_is_answered(bot):
    passage_vectors.fill(bot_id=bot)
    found = retrieve(bot, "when will my parcel arrive abroad")
    assert found.confident and found.passages[0].heading == "Shop help > Shipping"


def test_with_passage_vectors_look_alikes_and_unrelated_questions_are_refused(bot):
    passage_vectors.fill(bot_id=bot)
    moon = retrieve(bot, "Can you ship my order to the Moon?")
    assert moon.ranked_by == "passages" and not moon.confident
    assert search(bot, "What is the boiling point of tungsten?") == []
    sure = retrieve(bot, "How long does shipping take?")
    assert sure.confident and sure.passages[0].heading == "Shop help > Shipping"


def test_a_question_ranks_without_passage_vectors_until_its_candidates_have_them(bot, app):
    passage_vectors.fill(bot_id=bot)
    with app.app_context():
        add_text(bot, "Returns", "Parcels can be returned by post within thirty days.")
    # The new chunk is a candidate and has no vector yet: rank as before, not half and half.
    assert retrieve(bot, "return a parcel by post").ranked_by == "fused"
    assert passage_vectors.fill(bot_id=bot) == 1
    assert retrieve(bot, "return a parcel by post").ranked_by == "passages"


class CountingEncoders(ThreadPoolExecutor):
    """The question-vector threads, counting the encodings started early."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.started: list[str] = []
        self.futures: list = []

    def submit(self, fn, /, *args, **kwargs):
        self.started.append(args[0])
        self.futures.append(super().submit(fn, *args, **kwargs))
        return self.futures[-1]


@pytest.fixture
def encoders(monkeypatch):
    pool = CountingEncoders()
    monkeypatch.setattr(passage_vectors, "_encoders", pool)
    passage_vectors.forget_questions()
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def test_a_ranked_bots_next_question_is_encoded_while_candidates_are_found(bot, app, encoders):
    passage_vectors.fill(bot_id=bot)
    first = retrieve(bot, "when will my parcel arrive abroad")
    assert first.ranked_by == "passages" and encoders.started == []  # not known to rank yet
    second = retrieve(bot, "how long until my money comes back")
    assert encoders.started == ["how long until my money comes back"]
    # The thread was free: it encoded the question, and retrieval took its vector.
    assert encoders.futures[0].done() and not encoders.futures[0].cancelled()
    assert second.ranked_by == "passages" and second.passages[0].heading == "Shop help > Refunds"
    # The same figures as a question encoded inline.
    passage_vectors.forget_questions()
    passage_vectors._ranked.clear()
    inline = retrieve(bot, "how long until my money comes back")
    assert encoders.started == ["how long until my money comes back"]
    assert inline.score == second.score and inline.candidates == second.candidates
    # A new document: its chunk has no vector yet, so no question is encoded early.
    with app.app_context():
        add_text(bot, "Returns", "Parcels can be returned by post within thirty days.")
    assert retrieve(bot, "return a parcel by post").ranked_by == "fused"
    assert retrieve(bot, "return a parcel by post").ranked_by == "fused"
    assert len(encoders.started) == 1


def test_a_question_that_finds_the_encoders_busy_encodes_its_own(bot, encoders):
    passage_vectors.fill(bot_id=bot)
    retrieve(bot, "when will my parcel arrive abroad")
    busy = threading.Event()
    encoders.submit(busy.wait, 30)
    try:
        found = retrieve(bot, "how long until my money comes back")
    finally:
        busy.set()
    # Queued behind the busy thread: taken back, and the question encoded inline.
    assert encoders.started[-1] == "how long until my money comes back"
    assert encoders.futures[-1].cancelled()
    assert found.ranked_by == "passages" and found.passages[0].heading == "Shop help > Refunds"


def test_passage_vectors_go_with_their_chunks(bot, app):
    passage_vectors.fill(bot_id=bot)
    with app.app_context():
        db.session.execute(text("DELETE FROM documents WHERE bot_id = :b"), {"b": bot})
        db.session.commit()
    assert _passage_rows(app) == 0


def test_passage_vectors_can_be_turned_off(bot, app):
    passage_vectors.fill(bot_id=bot)
    app.config["PASSAGE_VECTORS"] = False
    assert retrieve(bot, "when will my parcel arrive abroad").ranked_by == "fused"
    assert passage_vectors.fill() == 0
    app.config["PASSAGE_VECTORS"] = True
    assert retrieve(bot, "when will my parcel arrive abroad").ranked_by == "passages"


def test_the_minute_job_gives_way_to_queued_uploads(bot, app):
    import tasks
    from models import Task

    assert "passage-vectors" in tasks.registry.periodics
    with app.app_context():
        db.session.add(Task(name="ingest_document", status="queued"))
        db.session.commit()
    passage_vectors.fill_job()
    assert passage_vectors.pending(bot) == _chunks(app, bot)
    with app.app_context():
        db.session.execute(text("DELETE FROM tasks"))
        db.session.commit()
    passage_vectors.fill_job()
    assert passage_vectors.pending(bot) == 0
    assert _passage_rows(app) == _chunks(app, bot) + 1  # and the other bot's


def test_a_repeated_question_is_encoded_once(bot, monkeypatch):
    from knowledge import passage_model

    passage_vectors.fill(bot_id=bot)
    encoded: list[list[str]] = []
    real = passage_model.encode

    def counting(texts):
        encoded.append(list(texts))
        return real(texts)

    monkeypatch.setattr(passage_model, "encode", counting)
    question = f"when will my parcel arrive abroad {uuid.uuid4().hex[:6]}"
    first = retrieve(bot, question)
    second = retrieve(bot, question)
    assert encoded == [[question]]
    assert first.ranked_by == second.ranked_by == "passages"
    assert first.features == second.features
