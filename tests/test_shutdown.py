"""A gunicorn server told to stop (SIGTERM) lets its open streams finish, within a bound."""

from __future__ import annotations

import json
import signal
import socket
import time

import tests.llm_server as llm_server
from app import create_app
from models import Bot, Message, db
from services.keys import create_key
from tests.test_production import BIN, free_port, get, kill, start, wait_for


def test_sigterm_mid_stream_lets_the_stream_end(tmp_path, llm, monkeypatch):
    monkeypatch.setattr(llm_server, "SLOW_SECONDS", 0.2)  # about 2.2 s an answer
    database = f"sqlite:///{tmp_path / 'docent.db'}"
    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        bot = Bot(name="Shop", model="slow-shutdown")
        db.session.add(bot)
        db.session.commit()
        key = create_key(bot, "secret")[1]
        db.session.remove()
        db.engine.dispose()
    port = free_port()
    env = {
        "DATABASE_URL": database,
        "DOCENT_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "DOCENT_QUEUE_URL": "memory://",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": llm.url,
        "PORT": str(port),
    }
    log = tmp_path / "gunicorn.log"
    server = start([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "app:app"], env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: get(base, "/readyz")[0] == 200, 90, "the server to be ready")
        payload = json.dumps({"sessionId": "bye", "message": "When do orders ship?"}).encode()
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(
            f"POST /v1/chat/stream HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        seen = b""
        while b'"type": "delta"' not in seen:
            data = sock.recv(4096)
            assert data, log.read_text()[-2000:]
            seen += data
        server.send_signal(signal.SIGTERM)  # mid-answer: what `docker stop` sends
        stopping = time.monotonic()
        while data := sock.recv(4096):
            seen += data
        sock.close()
        lines = seen.split(b"\r\n\r\n", 1)[1].decode().splitlines()
        events = [json.loads(line) for line in lines]
        assert events[-1]["type"] == "end", lines[-1]
        answer = "".join(e["content"] for e in events if e["type"] == "delta")
        assert answer == llm_server.REPLY
        # The server stops once its streams are done, well inside graceful_timeout.
        server.wait(timeout=60)
        assert time.monotonic() - stopping < 30
    finally:
        kill(server)
    with app.app_context():
        stored = db.session.scalars(db.select(Message).where(Message.role == "assistant")).all()
        assert [(m.status, m.content) for m in stored] == [("complete", llm_server.REPLY)]
        db.engine.dispose()
