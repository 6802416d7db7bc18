"""Offline chat throughput: non-streaming POST /v1/chat under gunicorn, 32 clients at once.

    .venv/bin/python bench/chat_rps.py                     # SQLite, temporary file
    .venv/bin/python bench/chat_rps.py --database postgresql+psycopg://postgres@127.0.0.1:5432/docent_x
    .venv/bin/python bench/chat_rps.py --redis redis://127.0.0.1:6379/12   # limits in Redis

Builds one bot from the FAQ corpus (bench/corpora.py: the zlib, XZ Utils and Valgrind
FAQs on this machine) and copies its chunks, vectors included, until it holds 10,000.
No model key is set, so the offline engine answers from the retrieved passages. Then it
starts gunicorn with gunicorn.conf.py unchanged (one gthread worker with 64 threads
while limits live in process memory; with --redis, RATELIMIT_STORAGE_URI points at
Redis and the config starts one worker per core, up to four), and 32 client threads
each send questions one after another over keep-alive connections, a new session every
four questions. The per-IP limit is raised through DOCENT_RATE_LIMIT_IP and the key has
no rate limit or quota. Prints requests per second, p50/p99 latency, errors, and the
CPU time gunicorn's processes spent per request (less sensitive than the rest to other
work on the machine) after a warm-up; asserts nothing. --profile samples the worker with
py-spy during the measured time and writes a flame graph (.svg) or raw stacks (.txt).

--in-process N skips gunicorn: one thread asks N questions (non-streaming and NDJSON
streaming alternately) through Flask's test client and prints the process CPU time and
the SQL statements per request, by route. CPU time of one process is what the rest of
a busy machine moves least, so this is the figure to compare between two checkouts.
With --model-server it asks bench/streams.py's one-document bot instead, answered by
the loopback model server (tests/llm_server.py in its own process, 50 tokens with no
pause): the streaming path of that benchmark, one question at a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench import corpora  # noqa: E402
from bench.common import wait_for  # noqa: E402
from bench.quality import grow  # noqa: E402
from bench.questions import FAQ  # noqa: E402
from knowledge import add_text  # noqa: E402
from models import Bot, db  # noqa: E402
from services.keys import create_key  # noqa: E402


def prepare(database: str, chunks: int) -> str:
    """Create the bot, its documents and chunks, and a secret key; return the key."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        bot = Bot(name="FAQ", model="gpt-4.1-mini", widget={})
        db.session.add(bot)
        db.session.commit()
        for title, body in corpora.faq().items():
            add_text(bot.id, title, body)
        grown = grow(bot.id, chunks)
        print(f"bot: {grown} chunks")
        return create_key(bot, "secret")[1]


def client(
    port: int,
    key: str,
    until: list[float],
    record_from: float,
    results: list[tuple[float, int]],
    seed: int,
) -> None:
    """Ask questions back to back until the deadline; record (latency, status) after warm-up."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    asked = 0
    session = f"rps-{seed}-0"
    while time.perf_counter() < until[0]:
        if asked % 4 == 0:
            session = f"rps-{seed}-{asked}"
        question = rng.choice(FAQ)[0]
        body = json.dumps({"sessionId": session, "message": question})
        began = time.perf_counter()
        try:
            connection.request(
                "POST",
                "/v1/chat",
                body=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if began >= record_from:
            results.append((time.perf_counter() - began, status))
        asked += 1
    connection.close()


def server_cpu(pid: int) -> float:
    """Return the CPU seconds used so far by a process and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    usage: dict[str, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        usage[stat.parent.name] = (fields[1], (int(fields[11]) + int(fields[12])) / tick)
    family, total = {str(pid)}, 0.0
    for _ in range(4):  # py-spy, gunicorn's arbiter, its workers
        family |= {child for child, (parent, _) in usage.items() if parent in family}
    for member in family:
        total += usage.get(member, ("", 0.0))[1]
    return total


def profile(pid: int, path: str, seconds: float) -> subprocess.Popen[bytes]:
    """Sample gunicorn's first worker with py-spy for the measured time (raw text for .txt)."""
    worker = next(
        child.name
        for child in sorted(Path("/proc").glob("[0-9]*"), key=lambda d: int(d.name))
        if (child / "stat").exists()
        and (child / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid)
    )
    spy = shutil.which("py-spy") or str(ROOT / ".venv/bin/py-spy")
    kind = "raw" if path.endswith(".txt") else "flamegraph"
    return subprocess.Popen(
        [spy, "record", "-p", worker, "-d", str(int(seconds)), "-r", "100", "--nonblocking"]
        + ["-f", kind, "-o", path],
        stdout=subprocess.DEVNULL,
    )


def in_process(database: str, chunks: int, requests: int, model_server: bool = False) -> None:
    """Ask questions through the test client; print CPU ms and statements per request."""
    config: dict[str, object] = {
        "SQLALCHEMY_DATABASE_URI": database,
        "SECRET_KEY": "bench",
        "RATE_LIMIT_IP": "1000000/minute",
        "QUEUE_URL": "memory://",
    }
    upstream = None
    if model_server:
        # bench/streams.py's bot and model server, without its pauses: 50 tokens at once.
        from bench.common import shipping_bot
        from bench.streams import UPSTREAM

        code = UPSTREAM.format(root=str(ROOT), tokens=50, gap=0.0)
        upstream = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        assert upstream.stdout is not None
        url = upstream.stdout.readline().decode().strip()
        config |= {"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": url}
        key = shipping_bot(database, "slow")
        chunks = 1
    else:
        key = prepare(database, chunks)
    try:
        _ask_in_process(database, chunks, requests, key, config)
    finally:
        if upstream is not None:
            upstream.terminate()
            upstream.wait()


def _ask_in_process(
    database: str, chunks: int, requests: int, key: str, config: dict[str, object]
) -> None:
    from sqlalchemy import event

    app = create_app(config)
    client_ = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(1)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*args: object) -> None:
        statements.append(str(args[2]).split(None, 1)[0].upper())

    rows = []
    for path in ("/v1/chat", "/v1/chat/stream"):
        for phase in ("warm-up", "measured"):
            n = max(1, requests // 10) if phase == "warm-up" else requests
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(n):
                session = f"{path[1:].replace('/', '-')}-{phase}-{i // 4}"
                body = {"sessionId": session, "message": rng.choice(FAQ)[0]}
                response = client_.post(path, json=body, headers=headers)
                response.get_data()
                assert response.status_code == 200, response.get_data(as_text=True)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            event.remove(engine, "before_cursor_execute", count)
            if phase == "measured":
                kinds: dict[str, int] = {}
                for statement in statements:
                    kinds[statement] = kinds.get(statement, 0) + 1
                per = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(kinds.items()))
                rows.append(
                    f"| {path} | {cpu * 1000 / n:.2f} | {wall * 1000 / n:.2f} "
                    f"| {len(statements) / n:.2f} ({per}) |"
                )
    kind = database.split(":")[0]
    model = "the loopback model server" if config.get("OPENAI_BASE_URL") else "offline"
    print(f"in process, one thread, {requests} requests a route, {chunks} chunks, {kind}, {model}")
    print("| route | CPU ms per request | wall ms per request | SQL statements per request |")
    print("| --- | --- | --- | --- |")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a temp SQLite)")
    parser.add_argument("--redis", default=None, help="RATELIMIT_STORAGE_URI (default: memory)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=5712)
    parser.add_argument("--profile", default=None, help="write a py-spy flame graph (SVG) here")
    parser.add_argument(
        "--in-process", type=int, default=0, metavar="N", help="N requests via the test client"
    )
    parser.add_argument(
        "--model-server",
        action="store_true",
        help="with --in-process: the one-document bot answered by a loopback model server",
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="docent-rps-")
    database = args.database or f"sqlite:///{workdir}/rps.db"
    if args.in_process:
        in_process(database, args.chunks, args.in_process, args.model_server)
        return
    key = prepare(database, args.chunks)
    env = {
        key_: value
        for key_, value in os.environ.items()
        if key_ not in {"OPENAI_API_KEY", "WEB_CONCURRENCY", "GUNICORN_THREADS"}
    }
    env.update(
        {
            "DATABASE_URL": database,
            "SECRET_KEY": "bench",
            "PORT": str(args.port),
            "DOCENT_RATE_LIMIT_IP": "1000000/minute",
            "DOCENT_QUEUE_URL": f"sqlite:///{workdir}/queue.db",
        }
    )
    if args.redis:
        env["RATELIMIT_STORAGE_URI"] = args.redis
    command = [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "app:app"]
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            raise SystemExit(f"port {args.port} is taken; choose another with --port")
    log_path = Path(workdir) / "gunicorn.log"
    log = log_path.open("wb")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_for(args.port, 180)  # a busy machine starts gunicorn slowly
        results: list[tuple[float, int]] = []
        began = time.perf_counter()
        record_from = began + args.warmup
        until = [record_from + args.seconds]
        clients = [
            threading.Thread(target=client, args=(args.port, key, until, record_from, results, n))
            for n in range(args.clients)
        ]
        for thread in clients:
            thread.start()
        time.sleep(max(0.0, record_from - time.perf_counter()))
        cpu_before = server_cpu(server.pid)
        profiler = profile(server.pid, args.profile, args.seconds) if args.profile else None
        time.sleep(max(0.0, until[0] - time.perf_counter()))
        cpu = server_cpu(server.pid) - cpu_before
        for thread in clients:
            thread.join()
        if profiler:
            profiler.wait()
    finally:
        server.terminate()
        server.wait()
        log.close()
    latencies = sorted(r[0] for r in results)
    ok = sum(1 for r in results if r[1] == 200)
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1

    def p(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000 if latencies else 0
        )

    kind = database.split(":")[0]
    limits = args.redis or "memory://"
    print(
        f"offline POST /v1/chat, {args.clients} clients, {args.chunks} chunks, {kind}, "
        f"limits {limits}"
    )
    print("| requests/s | p50 ms | p99 ms | server CPU ms per request | requests | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| {ok / args.seconds:.1f} | {p(0.5):.1f} | {p(0.99):.1f} "
        f"| {cpu * 1000 / max(len(results), 1):.1f} | {len(results)} "
        f"| {len(results) - ok} {dict(sorted(statuses.items())) if len(results) > ok else ''} |"
    )
    if len(results) > ok:
        print(f"server log (status 0: no response): {log_path}")


if __name__ == "__main__":
    main()
