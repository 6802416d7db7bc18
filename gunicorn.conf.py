"""Production server settings: threaded workers hold many concurrent streams each."""

import multiprocessing
import os

# Loopback by default (a proxy in front); containers set GUNICORN_BIND=0.0.0.0:5000.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count())))
# Each open stream holds a thread (plus one for its answer); size for concurrent visitors.
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
# Streams may stay open for minutes; keep-alive pings keep proxies from cutting them.
timeout = 120
graceful_timeout = 30
# Docent writes its own JSON line per request (logs.py); GUNICORN_ACCESS_LOG=- adds
# gunicorn's access log with this format.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# The path without its query string: `?api_key=` must never reach a log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# A proxy's X-Forwarded-* headers are read by the app (DOCENT_TRUSTED_PROXIES), not here.
forwarded_allow_ips = "127.0.0.1"


def when_ready(server: object) -> None:
    """Mark uploads that a stopped server left half-processed, with no task, as failed."""
    import knowledge
    from app import create_app
    from models import db

    with create_app().app_context():
        knowledge.mark_interrupted()
        db.engine.dispose()  # the master serves nothing: it keeps no connection
