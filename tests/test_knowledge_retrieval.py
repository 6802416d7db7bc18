"""Retrieval: the same answers on SQLite and PostgreSQL, a relevance floor, hybrid fusion."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from knowledge import add_text
from knowledge.retrieval import best_sentences, search
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
