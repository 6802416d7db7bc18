"""Production server settings: threaded workers hold many concurrent streams each."""

import gc
import multiprocessing
import os
from typing import Any

# Loopback by default (a proxy in front); containers set GUNICORN_BIND=0.0.0.0:5000.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
# Limits kept in process memory are only exact within one process: one worker (its
# threads carry the concurrency) unless the limits live in Redis.
shared_limits = not os.environ.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory")
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count()) if shared_limits else 1)
)
# Each open stream holds one thread (an SSE stream a second one, for its keep-alive
# pings). Threads start only when needed, so the bound costs nothing while idle; it is
# how many streams one worker holds at once (docs/performance.md, "Concurrent streams").
threads = int(os.environ.get("GUNICORN_THREADS", "128"))
# A gthread worker reports to the master from its own loop, between requests and
# during them, so this only restarts a worker that hangs as a whole; it never cuts a
# long stream. Keep-alive pings keep proxies from cutting streams the model is slow on.
timeout = 120
# On SIGTERM (`docker stop`, a deploy) a worker stops accepting and lets its open
# streams finish for up to this long; what is still open then is stored as
# interrupted (engine/drafts.py). compose.yaml's stop_grace_period leaves room for it.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "60"))
# Docent writes its own JSON line per request (logs.py); GUNICORN_ACCESS_LOG=- adds
# gunicorn's access log with this format.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# The path without its query string: `?api_key=` must never reach a log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# A proxy's X-Forwarded-* headers are read by the app (DOCENT_TRUSTED_PROXIES), not here.
forwarded_allow_ips = "127.0.0.1"


def when_ready(server: Any) -> None:
    """Mark uploads and answers a stopped server left unfinished; warn about unshared limits."""
    # Imported here: gunicorn reads this file before it loads the app, in every process.
    import knowledge
    from app import create_app
    from engine.drafts import reconcile
    from models import db
    from services.quota import shared_memory_warning

    app = create_app()
    with app.app_context():
        knowledge.mark_interrupted()
        reconcile()
        # Workers are forked from this process: they must not inherit its connections.
        db.session.remove()
        db.engine.dispose()
    warning = shared_memory_warning(app.config["RATELIMIT_STORAGE_URI"], server.cfg.workers)
    if warning:
        server.log.warning(warning)


def post_worker_init(worker: Any) -> None:
    """Load the local embedding model, freeze what is loaded, reconcile stopped answers."""
    from engine.drafts import reconcile_forever
    from knowledge.embeddings import local_model, remote_enabled

    # Before the worker takes requests: otherwise its first questions wait the ~2 s the
    # model takes to load before their first token.
    with worker.wsgi.app_context():
        if not remote_enabled():
            local_model()
    reconcile_forever(worker.wsgi)
    # The app, its libraries and the model are some 270,000 objects that live as long as
    # the worker. Python's full collection walks all of them with every thread stopped
    # (a SQLite writer mid-transaction included): under 50 streams each worker ran two
    # in its first minute, of 170-390 ms. Frozen, they are left out of every collection,
    # which then walks only what requests created (3-9 ms; docs/performance.md).
    gc.collect()
    gc.freeze()
