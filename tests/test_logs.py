"""Keys never reach the logs, whichever form carried them."""

from __future__ import annotations

import logging

from logs import RedactKeys, redact


def test_redact_query_and_key_text():
    key = "sk_" + "a1B2" * 8 + "Zz9Yy8"
    line = f'"GET /api/v1/usage?api_key={key}&start_date=2026-01-01 HTTP/1.1" 200'
    assert key not in redact(line) and "start_date=2026-01-01" in redact(line)
    assert redact(f"token {key} used") == "token sk_[redacted] used"


def test_werkzeug_request_log_is_redacted(app, caplog):
    key = "pk_" + "Q" * 32 + "abcdef"
    logger = logging.getLogger("werkzeug")
    assert any(isinstance(f, RedactKeys) for f in logger.filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info(
            '%s - - "%s" %s', "127.0.0.1", f"GET /api/v1/chat/ws?api_key={key} HTTP/1.1", 101
        )
    assert key not in caplog.text and "api_key=[redacted]" in caplog.text


def test_gunicorn_access_format_has_no_query_string():
    import runpy

    settings = runpy.run_path("gunicorn.conf.py")
    assert "%(U)s" in settings["access_log_format"]
    assert (
        "%(r)s" not in settings["access_log_format"]
        and "%(q)s" not in settings["access_log_format"]
    )


def request_lines(caplog) -> list[dict]:
    """The request log lines, as the JSON formatter writes them."""
    import json

    from logs import JsonLines

    formatter = JsonLines()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "docent.request"]


def test_one_json_line_per_request_with_key_bot_model_and_tokens(client, bot, make_key, caplog):
    key = make_key(bot)
    with caplog.at_level(logging.INFO, logger="docent.request"):
        response = client.post(
            f"/api/v1/chat?api_key={key}", json={"message": "How long does shipping take?"}
        )
    assert response.status_code == 200
    [line] = request_lines(caplog)
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["route"], line["status"]) == ("POST", "/api/v1/chat", 200)
    assert line["bot_id"] == bot and isinstance(line["key_id"], int)
    assert line["model"] and line["output_tokens"] > 0 and line["input_tokens"] > 0
    assert line["latency_ms"] >= 0 and line["level"] == "info"
    assert key not in caplog.text and key[10:] not in str(line)


def test_a_stream_logs_when_it_ends(client, bot, make_key, caplog):
    key = make_key(bot)
    with caplog.at_level(logging.INFO, logger="docent.request"):
        response = client.post(
            "/v1/chat/stream",
            json={"sessionId": "logs", "message": "How long does shipping take?"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert request_lines(caplog) == []  # nothing yet: the body has not been read
        body = response.get_data(as_text=True)
        response.close()
    assert '"type": "end"' in body
    [line] = request_lines(caplog)
    assert line["route"] == "/v1/chat/stream" and line["output_tokens"] > 0


def test_request_id_comes_from_the_proxy_only_when_trusted(config, caplog):
    from app import create_app

    sent = {"X-Request-Id": "edge-1234"}
    assert (
        create_app(config).test_client().get("/healthz", headers=sent).headers["X-Request-Id"]
        != "edge-1234"
    )
    config["TRUSTED_PROXIES"] = 1
    client = create_app(config).test_client()
    assert client.get("/healthz", headers=sent).headers["X-Request-Id"] == "edge-1234"
    forged = client.get("/healthz", headers={"X-Request-Id": 'bad id "{}" ' + "x" * 200})
    assert len(forged.headers["X-Request-Id"]) == 32


def test_json_lines_redact_keys_in_messages_and_tracebacks():
    import json

    from logs import JsonLines

    key = "sk_" + "a1B2" * 8 + "Zz9Yy8"
    try:
        raise ValueError(f"bad key {key}")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"name": "docent.x", "msg": "saw %s", "args": (key,), "exc_info": sys.exc_info()}
        )
    line = JsonLines().format(record)
    assert key not in line and json.loads(line)["msg"] == "saw sk_[redacted]"


def test_a_library_setting_up_logging_on_import_leaves_the_root_logger_alone():
    """The embedding model's import calls basicConfig(); inside root_kept it changes nothing."""
    from logs import root_kept

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with root_kept():
        logging.basicConfig(level=logging.INFO, force=False)
        root.addHandler(logging.StreamHandler())
        root.setLevel(logging.DEBUG)
    assert root.handlers == handlers and root.level == level


def test_loading_the_embedding_model_leaves_the_root_logger_alone():
    """Wherever the model loads (a gunicorn worker, `flask run`, the CLI), no second copy of
    every log line appears on stderr: the root logger keeps its handlers and level."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import logging\n"
        "from knowledge.embeddings import local_model\n"
        "local_model()\n"
        "root = logging.getLogger()\n"
        "print(len(root.handlers), root.level)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", str(logging.WARNING)]


def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_collector(app, monkeypatch):
    """post_worker_init leaves the app, libraries and model out of every collection."""
    import gc
    import runpy
    from types import SimpleNamespace

    import engine.drafts

    monkeypatch.setattr(engine.drafts, "reconcile_forever", lambda app: None)
    settings = runpy.run_path("gunicorn.conf.py")
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](SimpleNamespace(wsgi=app))
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # everything alive then, not a handful
        assert len(gc.get_objects(generation=2)) < frozen
    finally:
        gc.unfreeze()
