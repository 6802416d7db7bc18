"""PostgreSQL pool size for one gunicorn worker: streams served, latency, connections used.

    .venv/bin/python bench/pool.py --database postgresql+psycopg://postgres@127.0.0.1/docent_bench

For each pool setting (DOCENT_DB_POOL_SIZE / DOCENT_DB_MAX_OVERFLOW) it starts one
gthread gunicorn worker (64 threads) on PostgreSQL, sends N concurrent streamed
questions to the loopback OpenAI-compatible test server (about 2.75 s an answer), and
prints how many ended with `end`, first-event and whole-answer latency, and the peak
number of PostgreSQL connections the worker held. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_streams", ROOT / "bench" / "streams.py")
streams = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(streams)  # type: ignore[union-attr]
llm_server = streams.llm_server
SETTINGS = [(2, 0), (5, 5), (10, 20), (20, 40)]


def backends(engine: object, database: str) -> int:
    """Return how many other sessions are connected to the database."""
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": database},
        ).scalar_one()


def run(args: argparse.Namespace, key: str, pool: tuple[int, int], upstream_url: str) -> str:
    """Serve args.streams concurrent streams with one pool setting; return a table row."""
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": upstream_url,
        "SECRET_KEY": "bench",
        "PORT": str(args.port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "64",
        "DOCENT_RATE_LIMIT_IP": "100000/minute",
        "DOCENT_DB_POOL_SIZE": str(pool[0]),
        "DOCENT_DB_MAX_OVERFLOW": str(pool[1]),
        "DOCENT_DB_POOL_TIMEOUT": "10",
        "DOCENT_INSTANCE_PATH": tempfile.mkdtemp(prefix="docent-pool-"),
    }
    sampler = create_engine(args.database, poolclass=None)
    database = sampler.url.database
    baseline = backends(sampler, database)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "app:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        results: list[tuple[float, float, str]] = []
        clients = [
            threading.Thread(target=streams.one_stream, args=(args.port, key, results))
            for _ in range(args.streams)
        ]
        peak = 0
        for client in clients:
            client.start()
        while any(c.is_alive() for c in clients):
            peak = max(peak, backends(sampler, database) - baseline)
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait()
        sampler.dispose()
    firsts = sorted(r[0] for r in results)
    totals = sorted(r[1] for r in results)
    ended = sum(1 for r in results if r[2] == "end")
    p95 = lambda xs: xs[max(0, int(len(xs) * 0.95) - 1)]  # noqa: E731
    return (
        f"| {pool[0]} / {pool[1]} | {ended}/{args.streams} "
        f"| {statistics.median(firsts) * 1000:.0f} ms / {p95(firsts) * 1000:.0f} ms "
        f"| {statistics.median(totals):.2f} s / {p95(totals):.2f} s | {peak} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL (its tables are reset)")
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--port", type=int, default=5078)
    args = parser.parse_args()
    llm_server.SLOW_SECONDS = 0.25
    upstream = llm_server.LLMServer().start()
    key = streams.prepare(args.database)
    print(f"{args.streams} concurrent streams, one gthread worker (64 threads), PostgreSQL")
    print(
        "| pool size / overflow | ended | first event p50 / p95 | answer p50 / p95 "
        "| peak connections |"
    )
    print("| --- | --- | --- | --- | --- |")
    try:
        for pool in SETTINGS:
            print(run(args, key, pool, upstream.url), flush=True)
    finally:
        upstream.shutdown()


if __name__ == "__main__":
    main()
