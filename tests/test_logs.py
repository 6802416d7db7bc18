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
