"""Reads at scale: usage, sessions and the dashboard's pages over a million stored messages.

    .venv/bin/python bench/reads.py                      # SQLite, temporary file, 1M messages
    .venv/bin/python bench/reads.py --messages 50000     # a quick run
    .venv/bin/python bench/reads.py --database postgresql+psycopg://postgres@127.0.0.1:5432/docent_x

Fills an empty database (its tables are dropped and created from the models) with 1,000
owners and bots, one secret key each, and conversations of one to four turns spread
over the last 90 days, until the stored messages reach --messages. Bots get traffic in
a Zipf share (bot n gets 1/n of the weight), so the measured bot, the busiest, holds
about 13% of everything; 10% of its conversations come from the dashboard preview (no
key). Usage rows are the daily aggregates the app writes (one per bot, key, model and
day), summed from the stored answers. Rows go in with bulk inserts (executemany on
SQLite, COPY on PostgreSQL), not through the API.

Then it times requests in process through the Flask test client (the whole app: key
check, routing, queries, JSON or templates; no HTTP server and no network), one at a
time after a few warm-up requests: GET /api/v1/usage (default 30 days and 90 days),
GET /api/v1/sessions (first page and a deep page), and the signed-in owner's
conversations and usage pages. Prints a table of p50/p99; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from app import create_app  # noqa: E402
from dashboard.access import password_stamp  # noqa: E402
from models import ApiKey, Bot, User, db, new_id, utcnow  # noqa: E402
from services.keys import SCOPES, generate_key, hash_key  # noqa: E402

QUESTIONS = [
    "How long does shipping take to {place}?",
    "Can I return an item I bought {when}?",
    "Do you ship to {place}?",
    "What is your refund policy for orders from {when}?",
    "How do I change the address on my order from {when}?",
    "Is there a warranty on products shipped to {place}?",
]
PLACES = ["Canada", "France", "Japan", "Brazil", "Kenya", "Norway", "Chile", "India"]
WHENS = ["last week", "yesterday", "in March", "two months ago", "on sale"]
ANSWER = (
    "Orders ship within two business days. International shipping takes seven to ten "
    "days, and you can return any unused item within 30 days of delivery for a full "
    "refund. {extra}"
)
MODELS = [("gpt-4.1-mini", 0.9), ("gpt-4o", 0.1)]
CONVERSATION_COLUMNS = [
    "id",
    "bot_id",
    "session_id",
    "name",
    "key_id",
    "created_at",
    "last_at",
    "message_count",
    "total_tokens",
    "preview",
]
MESSAGE_COLUMNS = [
    "id",
    "conversation_id",
    "seq",
    "role",
    "content",
    "status",
    "sources",
    "model",
    "input_tokens",
    "output_tokens",
    "cost_micros",
    "latency_ms",
    "answered",
    "created_at",
]
USAGE_COLUMNS = [
    "bot_id",
    "key_id",
    "model",
    "day",
    "requests",
    "input_tokens",
    "output_tokens",
    "cost_micros",
    "latency_ms_total",
]


def zipf_shares(total: int, bots: int) -> list[int]:
    """Split `total` messages over bots with weights 1/n, each bot at least one turn."""
    weights = [1 / n for n in range(1, bots + 1)]
    scale = total / sum(weights)
    return [max(2, int(w * scale)) for w in weights]


def conversations_for(
    rng: random.Random,
    bot_id: int,
    key_id: int,
    quota: int,
    now: datetime,
    days: int,
    next_id: list[int],
    usage: dict[tuple[int, int, str, date], list[int]],
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Yield (conversation row, message rows) for one bot until `quota` messages exist."""
    stored = 0
    span = days * 86400
    while stored < quota:
        turns = min(rng.randint(1, 4), max(1, (quota - stored) // 2))
        started = now - timedelta(seconds=rng.random() * span)
        moment = started
        conversation_id = next_id[0]
        next_id[0] += 1
        preview_only = rng.random() < 0.1
        messages = []
        tokens = 0
        first_question = ""
        for _ in range(turns):
            question = rng.choice(QUESTIONS).format(
                place=rng.choice(PLACES), when=rng.choice(WHENS)
            )
            first_question = first_question or question
            seq = int(moment.timestamp() * 1e9)
            messages.append(
                (new_id(), conversation_id, seq, "user", question, "complete", "[]")
                + (None, 0, 0, 0, None, None, moment)
            )
            moment += timedelta(seconds=rng.uniform(1, 4))
            model = "gpt-4.1-mini" if rng.random() < MODELS[0][1] else "gpt-4o"
            input_tokens, output_tokens = rng.randint(300, 1500), rng.randint(40, 300)
            cost = input_tokens * (2 if model == "gpt-4o" else 0.4) + output_tokens * (
                8 if model == "gpt-4o" else 1.6
            )
            latency = rng.randint(400, 3000)
            answered = rng.random() < 0.9
            sources = json.dumps(
                [{"title": "Shipping policy", "url": None, "document_id": 1, "snippet": "..."}]
            )
            messages.append(
                (
                    new_id(),
                    conversation_id,
                    seq + 1,
                    "assistant",
                    ANSWER.format(extra=question),
                    "complete",
                    sources,
                    model,
                    input_tokens,
                    output_tokens,
                    int(cost),
                    latency,
                    answered,
                    moment,
                )
            )
            tokens += input_tokens + output_tokens
            row = usage[(bot_id, 0 if preview_only else key_id, model, moment.date())]
            row[0] += 1
            row[1] += input_tokens
            row[2] += output_tokens
            row[3] += int(cost)
            row[4] += latency
            moment += timedelta(seconds=rng.uniform(10, 120))
        stored += len(messages)
        last_at = messages[-1][-1]
        conversation = (
            conversation_id,
            bot_id,
            f"visitor-{conversation_id}",
            "",
            None if preview_only else key_id,
            started,
            last_at,
            len(messages),
            tokens,
            first_question[:300],
        )
        yield conversation, messages


class Writer:
    """Bulk inserts through the driver: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw, self.dialect = raw, dialect

    def write(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(sqlite_value(v) for v in row) for row in rows],
            )
        cursor.close()


def sqlite_value(value: Any) -> Any:
    """Store datetimes and dates as SQLAlchemy's SQLite dialect does."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def fill(app: Any, messages: int, bots: int, days: int, seed: int) -> tuple[str, int, int]:
    """Create the schema and rows; return the measured bot's key text, bot id and owner id."""
    rng = random.Random(seed)
    now = utcnow()
    with app.app_context():
        db.drop_all()
        db.create_all()
        password = generate_password_hash("bench password")
        users = [User(email=f"owner{n}@example.com", password_hash=password) for n in range(bots)]
        db.session.add_all(users)
        db.session.flush()
        bot_rows = [
            Bot(name=f"Bot {n}", owner_id=u.id, model="gpt-4.1-mini", widget={})
            for n, u in enumerate(users)
        ]
        db.session.add_all(bot_rows)
        db.session.flush()
        texts = [generate_key("secret") for _ in bot_rows]
        keys = [
            ApiKey(
                bot_id=b.id,
                kind="secret",
                key_hash=hash_key(t),
                display=t[:10],
                scopes=list(SCOPES),
                origins=[],
            )
            for b, t in zip(bot_rows, texts, strict=True)
        ]
        db.session.add_all(keys)
        db.session.flush()
        first_bot, first_owner = bot_rows[0].id, users[0].id
        key_ids = [k.id for k in keys]
        bot_ids = [b.id for b in bot_rows]
        # Commit with nothing left to load: an open snapshot would keep VACUUM from
        # marking the new rows visible to all, and index-only scans from skipping the heap.
        db.session.commit()

        dialect = db.engine.dialect.name
        raw = db.engine.raw_connection()
        writer = Writer(raw.driver_connection, dialect)
        usage: dict[tuple[int, int, str, date], list[int]] = defaultdict(lambda: [0] * 5)
        next_id = [1]
        conversations: list[tuple[Any, ...]] = []
        batch: list[tuple[Any, ...]] = []
        stored = 0
        for bot_id, key_id, quota in zip(
            bot_ids, key_ids, zipf_shares(messages, bots), strict=True
        ):
            for conversation, rows in conversations_for(
                rng, bot_id, key_id, quota, now, days, next_id, usage
            ):
                conversations.append(conversation)
                batch.extend(rows)
                if len(batch) >= 20000:
                    writer.write("conversations", CONVERSATION_COLUMNS, conversations)
                    writer.write("messages", MESSAGE_COLUMNS, batch)
                    stored += len(batch)
                    conversations, batch = [], []
        writer.write("conversations", CONVERSATION_COLUMNS, conversations)
        writer.write("messages", MESSAGE_COLUMNS, batch)
        stored += len(batch)
        writer.write("usage_daily", USAGE_COLUMNS, [k + tuple(v) for k, v in sorted(usage.items())])
        raw.driver_connection.commit()
        raw.close()
        with db.engine.connect() as connection:
            if dialect == "postgresql":
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('conversations', 'id'), "
                        "(SELECT max(id) FROM conversations))"
                    )
                )
                connection.commit()
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
            else:
                connection.execute(text("ANALYZE"))
                connection.commit()
        counts = {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("bots", "conversations", "messages", "usage_daily")
        }
        mine = db.session.execute(
            text("SELECT count(*) FROM conversations WHERE bot_id = :b"), {"b": first_bot}
        ).scalar()
        print(
            f"stored: {counts['bots']} bots, {counts['conversations']} conversations, "
            f"{counts['messages']} messages, {counts['usage_daily']} usage rows; "
            f"measured bot: {mine} conversations"
        )
        return texts[0], first_bot, first_owner


def timed(client: Any, path: str, repeat: int, **kwargs: Any) -> tuple[list[float], int]:
    """Return the wall times of `repeat` requests after three warm-up ones, and the non-200s."""
    errors = 0
    for _ in range(3):
        client.get(path, **kwargs)
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(path, **kwargs)
        samples.append(time.perf_counter() - began)
        if response.status_code != 200:
            errors += 1
    return samples, errors


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a temp SQLite)")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--bots", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per row")
    parser.add_argument("--deep-page", type=int, default=1000, help="page number of the deep read")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    database = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='docent-reads-')}/reads.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    # One JSON line per request would bury the table.
    logging.getLogger("docent.request").disabled = True
    began = time.perf_counter()
    key, bot_id, owner_id = fill(app, args.messages, args.bots, args.days, args.seed)
    print(f"fill: {time.perf_counter() - began:.1f} s on {database.split(':')[0]}")

    with app.app_context():
        owner = db.session.get(User, owner_id)
        assert owner is not None
        stamp = password_stamp(owner)
        sessions = db.session.execute(
            text("SELECT count(*) FROM conversations WHERE bot_id = :b"), {"b": bot_id}
        ).scalar_one()
    deep = max(1, min(args.deep_page, (sessions - 1) // 20 + 1))
    dash_deep = max(1, min(args.deep_page, (sessions - 1) // 25 + 1))
    api = app.test_client()
    auth = {"headers": {"Authorization": f"Bearer {key}"}}
    dashboard = app.test_client()
    with dashboard.session_transaction() as session:
        session["_user_id"] = str(owner_id)
        session["_fresh"] = True
        session["_pw"] = stamp
    today = utcnow().date()
    rows = [
        ("GET /api/v1/usage (30 days)", api, "/api/v1/usage", auth),
        (
            "GET /api/v1/usage (90 days)",
            api,
            f"/api/v1/usage?start_date={today - timedelta(days=89)}&end_date={today}",
            auth,
        ),
        ("GET /api/v1/sessions (page 1)", api, "/api/v1/sessions", auth),
        (f"GET /api/v1/sessions (page {deep})", api, f"/api/v1/sessions?page={deep}", auth),
        (
            "GET /api/v1/sessions?include_all (page 1)",
            api,
            "/api/v1/sessions?include_all=true",
            auth,
        ),
        (
            "dashboard conversations (page 1)",
            dashboard,
            f"/dashboard/bots/{bot_id}/conversations",
            {},
        ),
        (
            f"dashboard conversations (page {dash_deep})",
            dashboard,
            f"/dashboard/bots/{bot_id}/conversations?page={dash_deep}",
            {},
        ),
        ("dashboard usage (30 days)", dashboard, f"/dashboard/bots/{bot_id}/usage", {}),
        ("dashboard usage (90 days)", dashboard, f"/dashboard/bots/{bot_id}/usage?days=90", {}),
    ]
    print(
        f"\n{args.repeat} sequential requests per row, Flask test client in process, "
        f"measured bot has {sessions} sessions"
    )
    print(f"| {'request':<45} | {'p50 ms':>8} | {'p99 ms':>8} | {'non-200':>7} |")
    print(f"| {'-' * 45} | {'-' * 8} | {'-' * 8} | {'-' * 7} |")
    for label, client, path, kwargs in rows:
        samples, errors = timed(client, path, args.repeat, **kwargs)
        print(f"| {label:<45} | {p(samples, 0.5):>8.1f} | {p(samples, 0.99):>8.1f} | {errors:>7} |")


if __name__ == "__main__":
    main()
