"""Production processes for real: a `flask worker` killed mid-task, and two gunicorn
servers sharing PostgreSQL and Redis. Subprocess tests live here, each bounded."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import tests.conftest as conftest
import tests.llm_server as llm_server
from app import create_app
from knowledge import add_file
from models import Bot, Chunk, Document, Message, Task, db, utcnow
from tests.conftest import PG_URL
from tests.test_knowledge_parsers import make_pdf
from tests.test_limits import REDIS_URL, _redis_reason
from tests.test_persistence import QUESTION, read_until

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_for(predicate: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own session, so it and its children can be killed at once."""
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


# --- a worker killed in the middle of an ingestion ---------------------------------


def test_killed_worker_loses_no_task(tmp_path):
    database = f"sqlite:///{tmp_path / 'docent.db'}"
    queue = f"sqlite:///{tmp_path / 'tasks.db'}"
    env = {
        "FLASK_APP": "app",
        "DATABASE_URL": database,
        "DOCENT_QUEUE_URL": queue,
        "DOCENT_TASK_LEASE_SECONDS": "2",
        "DOCENT_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    app = create_app(
        {"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database, "QUEUE_URL": queue}
    )
    pages = [f"Page {i} explains maintenance step {i} in detail. " * 12 for i in range(300)]
    with app.app_context():
        db.create_all()
        bot = Bot(name="Manuals", model="m")
        db.session.add(bot)
        db.session.commit()
        document_id = add_file(bot.id, "manual.pdf", make_pdf(pages), background=True).id

        def state() -> tuple[Document, Task]:
            db.session.expire_all()
            return db.session.get(Document, document_id), db.session.scalars(select(Task)).one()

        log = tmp_path / "worker.log"
        worker = start([str(BIN / "flask"), "worker"], env, log)
        try:
            # Mid-ingestion: the task is claimed and the parser has reported progress.
            wait_for(lambda: state()[0].progress > 0, 60, "ingestion to start")
            kill(worker)
            document, task = state()
            assert (document.status, task.status, task.attempts) == ("processing", "running", 1)
            assert document.chunk_count == 0
            # The dead worker's lease runs out; a new worker takes the task over.
            wait_for(lambda: state()[1].lease_until < utcnow(), 10, "the lease to pass")
            worker = start([str(BIN / "flask"), "worker"], env, log)
            # The document is marked ready inside the task; the task row is closed just
            # after, so wait for the row rather than the document.
            wait_for(lambda: state()[1].status not in ("queued", "running"), 90, "the task")
        finally:
            kill(worker, signal.SIGTERM)
        document, task = state()
        assert (document.status, document.progress, document.error) == ("ready", 1.0, None)
        assert (task.status, task.attempts, task.payload) == ("done", 2, None)
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1
        stored = db.session.scalar(
            select(func.count()).select_from(Chunk).where(Chunk.document_id == document_id)
        )
        assert document.chunk_count == stored == 300, log.read_text()[-2000:]
        db.engine.dispose()


# --- two gunicorn servers sharing PostgreSQL and Redis ------------------------------


@pytest.fixture(scope="module")
def servers(llm, tmp_path_factory):
    """Two gunicorn servers (one worker each) on the tests' PostgreSQL and a Redis."""
    if not PG_URL:
        pytest.skip("DOCENT_TEST_DATABASE_URL is not set: the servers need a shared PostgreSQL")
    reason = _redis_reason()
    if reason:
        pytest.skip(reason)
    env = {
        "DATABASE_URL": PG_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "DOCENT_RATELIMIT_KEY_PREFIX": f"docent-cluster-{uuid.uuid4().hex}",
        "DOCENT_RATE_LIMIT_IP": "10000/minute",
        "DOCENT_QUEUE_URL": "memory://",
        "DOCENT_UPSTREAM_RETRIES": "0",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": llm.url,
        "SECRET_KEY": "test",
        "DOCENT_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "8",
        # Teardown's quick shutdown waits this long for a worker with an open stream
        # before killing it; it must be shorter than kill()'s 30 s wait.
        "GUNICORN_GRACEFUL_TIMEOUT": "10",
    }
    # The servers read the tables at start: build them now, as the `app` fixture would.
    schema = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": PG_URL})
    with schema.app_context():
        if not conftest._pg_schema_ready:
            db.drop_all()
            db.create_all()
            conftest._pg_schema_ready = True
        db.engine.dispose()
    logs = tmp_path_factory.mktemp("logs")
    processes, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "app:app"]
        processes.append(start(command, {**env, "PORT": str(port)}, logs / f"{name}.log"))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_for(lambda url=url: get(url, "/readyz")[0] == 200, 90, f"{url} to be ready")
        yield urls, processes
    finally:
        for process in processes:
            kill(process, signal.SIGQUIT)  # gunicorn's quick shutdown


@pytest.fixture
def cluster(app, servers):
    """The two servers, with the test's tables (created by `app`) behind them."""
    return servers


def request(base: str, method: str, path: str, body: Any = None, key: str | None = None):
    """Send one request; return (status, JSON body)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    except OSError:
        return 0, None
    finally:
        connection.close()


def get(base: str, path: str, key: str | None = None):
    return request(base, "GET", path, key=key)


def test_a_key_limit_is_shared_exactly_across_servers(cluster, make_bot, make_key):
    (a, b), _ = cluster
    key = make_key(make_bot(model="offline"), rate_limit="10/minute")
    body = {"sessionId": "limit", "message": QUESTION}
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda i: request((a, b)[i % 2], "POST", "/v1/chat", body, key)[0], range(16))
        )
    assert sorted(statuses) == [200] * 10 + [429] * 6, statuses


def test_a_conversation_begun_on_one_server_continues_on_the_other(cluster, make_bot, make_key):
    (a, b), _ = cluster
    key = make_key(make_bot())
    first = request(a, "POST", "/v1/chat", {"sessionId": "hop", "message": QUESTION}, key)
    second = request(b, "POST", "/v1/chat", {"sessionId": "hop", "message": "And refunds?"}, key)
    assert first[0] == second[0] == 200
    status, session = get(a, "/api/v1/sessions/hop", key)
    assert status == 200
    messages = [(m["role"], m["content"]) for m in session["session"]["messages"]]
    assert [role for role, _ in messages] == ["user", "assistant"] * 2
    assert (messages[0][1], messages[2][1]) == (QUESTION, "And refunds?")


def test_killing_a_server_mid_stream_loses_nothing_committed(
    app, cluster, make_bot, make_key, monkeypatch
):
    (a, b), (server_a, _) = cluster
    monkeypatch.setattr(llm_server, "SLOW_SECONDS", 0.15)
    key = make_key(make_bot(model="slow-cluster"))
    assert (
        request(a, "POST", "/v1/chat", {"sessionId": "crash", "message": QUESTION}, key)[0] == 200
    )
    sock = read_until(
        a, key, b'"type": "delta"', body={"sessionId": "crash", "message": "Second question?"}
    )
    kill(server_a)  # SIGKILL to the master and its worker, mid-answer
    sock.close()
    status, session = get(b, "/api/v1/sessions/crash", key)
    assert status == 200
    kept = [(m["role"], m["content"]) for m in session["session"]["messages"]]
    # The first turn and the second question were committed before the model was called.
    assert kept[:3] == [
        ("user", QUESTION),
        ("assistant", llm_server.REPLY),
        ("user", "Second question?"),
    ]
    status, reply = request(b, "POST", "/v1/chat", {"sessionId": "crash", "message": "Third?"}, key)
    assert status == 200 and reply["answer"] == llm_server.REPLY
    with app.app_context():
        questions = db.session.scalars(
            select(Message.content).where(Message.role == "user").order_by(Message.seq)
        ).all()
    assert questions == [QUESTION, "Second question?", "Third?"]
