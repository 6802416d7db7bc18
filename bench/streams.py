"""Concurrent streams on one gunicorn worker: time to first event, total time, memory.

    .venv/bin/python bench/streams.py --streams 50 --threads 64

Starts the loopback OpenAI-compatible test server (each answer takes about
2.6 s to stream), one gthread gunicorn worker, and N clients that each stream
an answer over NDJSON at once. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.llm_server as llm_server  # noqa: E402
from app import create_app  # noqa: E402
from models import Bot, db  # noqa: E402
from services.keys import create_key  # noqa: E402


def prepare(database: str) -> str:
    """Create a bot with one document and a secret key; return the key."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        import knowledge

        bot = Bot(name="Bench", model="slow", widget={})
        db.session.add(bot)
        db.session.commit()
        knowledge.add_text(
            bot.id,
            "Shipping",
            "Orders ship within two business days. International shipping takes seven to ten days.",
        )
        return create_key(bot, "secret")[1]


def one_stream(port: int, key: str, results: list[tuple[float, float, str]]) -> None:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        "/v1/chat/stream",
        body=json.dumps(
            {
                "sessionId": f"bench-{threading.get_ident()}",
                "message": "How long does shipping take?",
            }
        ),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    first = None
    last = ""
    for line in response:
        if first is None:
            first = time.perf_counter() - started
        last = json.loads(line)["type"]
    results.append((first or 0.0, time.perf_counter() - started, last))
    connection.close()


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process and its children, in MB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = int(text.split("PPid:")[1].split()[0])
        if status.parent.name == str(pid) or ppid == pid:
            total += int(text.split("VmRSS:")[1].split()[0])
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a temp SQLite)")
    args = parser.parse_args()

    llm_server.SLOW_SECONDS = 0.25
    upstream = llm_server.LLMServer().start()
    workdir = tempfile.mkdtemp(prefix="docent-bench-")
    database = args.database or f"sqlite:///{workdir}/bench.db"
    key = prepare(database)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": upstream.url,
        "SECRET_KEY": "bench",
        "PORT": str(args.port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": str(args.threads),
        "DOCENT_RATE_LIMIT_IP": "100000/minute",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request(
                    "GET", "/widget.js"
                )
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
        idle = rss_mb(server.pid)
        results: list[tuple[float, float, str]] = []
        clients = [
            threading.Thread(target=one_stream, args=(args.port, key, results))
            for _ in range(args.streams)
        ]
        began = time.perf_counter()
        peak = idle
        for client in clients:
            client.start()
        while any(c.is_alive() for c in clients):
            peak = max(peak, rss_mb(server.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait()
        upstream.shutdown()
    firsts = sorted(r[0] for r in results)
    totals = sorted(r[1] for r in results)
    ended = sum(1 for r in results if r[2] == "end")
    p95 = lambda xs: xs[max(0, int(len(xs) * 0.95) - 1)]  # noqa: E731
    print(f"streams: {args.streams} concurrent on 1 gthread worker ({args.threads} threads)")
    print(f"completed with 'end': {ended}/{args.streams}")
    first_p50, first_p95 = statistics.median(firsts) * 1000, p95(firsts) * 1000
    print(f"first event: p50 {first_p50:.0f} ms, p95 {first_p95:.0f} ms")
    print(
        f"whole answer: p50 {statistics.median(totals):.2f} s, p95 {p95(totals):.2f} s "
        f"(upstream alone takes ~{0.25 * 11:.2f} s)"
    )
    print(f"wall time: {wall:.2f} s; worker RSS idle {idle:.0f} MB, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
