"""`flask worker`: run queued tasks and periodic jobs until stopped."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

import logs
from tasks import ledger
from tasks.queue import queue_of

ALIVE = "worker.alive"  # touched every 15 s; compose's health check reads its age


def _keep_alive(path: Path) -> None:
    """Touch path every 15 seconds from a thread, so a health check can see the worker."""

    def beat() -> None:
        while True:
            path.touch()
            time.sleep(15)

    threading.Thread(target=beat, name="docent-worker-alive", daemon=True).start()


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Tasks run at once (DOCENT_TASK_WORKERS).")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    help="Also start periodic jobs (safe on every worker: each due run happens once).",
)
@with_appcontext
def worker_command(threads: int | None, periodic: bool) -> None:
    """Run background tasks (document ingestion, URL imports, periodic jobs)."""
    queue = queue_of(current_app)
    if queue.in_process:
        raise click.ClickException(
            f"DOCENT_QUEUE_URL={queue.url} runs tasks inside the web process; "
            "set it to sqlite:///path or redis://host to use a worker."
        )
    logs.configure(json_lines=True, names=("docent", "huey"))
    logging.getLogger("docent.tasks").info(
        "worker started", extra={"queue": queue.url.split("@")[-1]}
    )
    # Tasks a killed worker left behind are sent again before new work starts.
    ledger.recover()
    _keep_alive(Path(current_app.instance_path) / ALIVE)
    consumer = queue.huey.create_consumer(
        workers=threads or int(current_app.config["TASK_WORKERS"]),
        periodic=periodic,
        worker_type="thread",
        # SQLite has no blocking read: poll at most every second when idle.
        max_delay=1.0,
    )
    consumer.run()
