"""The Python examples of docs/integrations.md run as written against a live server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from services.webhook_delivery import deliver_due_webhooks

DOC = Path(__file__).resolve().parent.parent / "docs" / "integrations.md"


def example(name: str) -> str:
    """Return the code block the doc marks with <!-- run: name -->."""
    match = re.search(rf"<!-- run: {name} -->\n```python\n(.*?)```", DOC.read_text(), re.S)
    assert match, f"docs/integrations.md has no example {name}"
    return match.group(1)


def run_example(name: str, env: dict[str, str], tmp_path) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(example(name))
    result = subprocess.run(
        [sys.executable, str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def env(live_server, bot, make_key):
    return {"DOCENT_URL": live_server, "DOCENT_API_KEY": make_key(bot)}


def test_openai_python_example(env, tmp_path):
    out = run_example("openai-python", env, tmp_path)
    assert "seven to ten days" in out
    assert "source: Shipping policy https://shop.example/shipping-policy" in out
    assert re.search(r"tokens: \d+", out)
    assert "Refunds are issued within fourteen days" in out
    assert "sources: ['Refunds'" in out


def test_mcp_python_example(env, tmp_path):
    out = run_example("mcp-python", env, tmp_path)
    assert "tools: ['ask', 'search']" in out
    assert "[1] Refunds\nhttps://shop.example/refunds" in out
    assert "seven to ten days" in out and "session_id: " in out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_webhook_receiver_example_verifies_real_deliveries(app, client, auth, env, tmp_path):
    app.config["ALLOW_PRIVATE_URLS"] = True
    port = free_port()
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": f"http://127.0.0.1:{port}/hook", "events": ["conversation.created"]},
        headers=auth,
    ).json["webhook"]
    path = tmp_path / "receiver.py"
    path.write_text(example("webhook-receiver"))
    receiver = subprocess.Popen(
        [sys.executable, str(path)],
        env={**os.environ, "PORT": str(port), "DOCENT_WEBHOOK_SECRET": hook["secret"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/hook",
            data=b'{"id": "evt_x", "type": "lead.created", "data": {}}',
            headers={"Docent-Signature": f"t={int(time.time())},v1=00"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 400
        client.post("/v1/chat", json={"sessionId": "doc-1", "message": "Hello"}, headers=auth)
        with app.app_context():
            assert deliver_due_webhooks()["delivered"] == 1
    finally:
        receiver.terminate()
        out, _ = receiver.communicate(timeout=10)
    assert "received conversation.created {'bot_id':" in out and "'session_id': 'doc-1'" in out
