"""Webhooks: what the outbox costs a chat request, and how fast deliveries go out.

    .venv/bin/python bench/webhooks.py [--database URL] [--requests 200] [--events 500]

Answers POST /v1/chat (offline engine, in-process test client) with no webhook and
then with five webhooks subscribed to conversation.created and message.unanswered,
and prints p50/p95 latency for each; then queues events for a loopback receiver and
prints deliveries per second for one worker and for four concurrent workers, with the
count of (webhook, event) pairs received twice (zero when claims are exclusive).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from models import Bot, Chunk, Document, Webhook, db  # noqa: E402
from services.keys import create_key  # noqa: E402
from services.webhook_delivery import deliver_due_webhooks  # noqa: E402
from services.webhooks import emit_event  # noqa: E402


class Sink(BaseHTTPRequestHandler):
    """A receiver that answers 204 and records each (webhook path, event id)."""

    protocol_version = "HTTP/1.1"
    ids: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        Sink.ids.append(f"{self.path} {self.headers['Docent-Event-Id']}")
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def chat_latency(app: Any, key: str, requests: int, tag: str) -> list[float]:
    client = app.test_client()
    samples = []
    for n in range(requests):
        body = {"sessionId": f"{tag}-{n}", "message": "How long does shipping take?"}
        started = time.perf_counter()
        response = client.post("/v1/chat", json=body, headers={"Authorization": f"Bearer {key}"})
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.json
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    database = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": "bench",
            "RATE_LIMIT_IP": "1000000/minute",
            "ALLOW_PRIVATE_URLS": True,
        }
    )
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with app.app_context():
        db.drop_all()
        db.create_all()
        url = f"http://127.0.0.1:{sink.server_port}/hook"
        keys = []
        for name, hooks in (("plain", 0), ("hooked", 5)):
            bot = Bot(name=name, model="offline", widget={})
            db.session.add(bot)
            db.session.flush()
            text = "Orders ship within two business days. International shipping takes a week."
            document = Document(
                bot_id=bot.id, title="Shipping", size_bytes=len(text), chunk_count=1
            )
            db.session.add(document)
            db.session.flush()
            db.session.add(
                Chunk(document_id=document.id, bot_id=bot.id, title="Shipping", content=text)
            )
            for n in range(hooks):
                events = ["conversation.created", "message.unanswered"]
                db.session.add(
                    Webhook(bot_id=bot.id, url=f"{url}/{n}", events=events, secret="s", failures=0)
                )
            db.session.commit()
            keys.append(create_key(bot, "secret")[1])
        bot_id = bot.id

    # Interleaved, so the machine's load falls on both the same way.
    chat_latency(app, keys[0], 20, "warm")
    plain: list[float] = []
    hooked: list[float] = []
    for n in range(args.requests):
        plain += chat_latency(app, keys[0], 1, f"a{n}")
        hooked += chat_latency(app, keys[1], 1, f"b{n}")
    print(f"POST /v1/chat, no webhook:   {percentiles(plain)}")
    print(f"POST /v1/chat, 5 webhooks:   {percentiles(hooked)}")

    with app.app_context():
        deliver_due_webhooks(limit=100000)  # drain the chat's conversation.created events
    for workers in (1, 4):
        Sink.ids.clear()
        with app.app_context():
            for n in range(args.events):
                emit_event(bot_id, "conversation.created", {"bot_id": bot_id, "n": n})
            db.session.commit()

        def work() -> None:
            with app.app_context():
                while sum(deliver_due_webhooks(limit=50).values()):
                    pass

        started = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        sent = len(Sink.ids)
        print(
            f"delivery, {workers} worker(s): {sent} deliveries in {elapsed:.2f} s "
            f"({sent / elapsed:.0f}/s), duplicates {sent - len(set(Sink.ids))}"
        )
    sink.shutdown()


if __name__ == "__main__":
    main()
