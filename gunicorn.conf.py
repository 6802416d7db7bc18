"""Production server settings: threaded workers hold many concurrent streams each."""

import multiprocessing
import os
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count())))
# Each open stream holds a thread (plus one for its answer); size for concurrent visitors.
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
# Streams may stay open for minutes; keep-alive pings keep proxies from cutting them.
timeout = 120
graceful_timeout = 30
accesslog = "-"
# The path without its query string: `?api_key=` must never reach a log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def when_ready(server: Any) -> None:
    """Mark uploads and answers a stopped server left unfinished; warn about unshared limits."""
    import knowledge
    from api.quota import shared_memory_warning
    from app import create_app
    from engine.drafts import reconcile
    from models import db

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
    """Reconcile answers of stopped workers every minute, from every worker."""
    from engine.drafts import reconcile_forever

    reconcile_forever(worker.wsgi)
