"""The queue behind Docent's background work: huey on SQLite, Redis, or in-process."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from tasks import ledger
from tasks.registry import Periodic, periodics

__all__ = ["AppQueue", "TaskQueue", "queue", "queue_of", "queue_url"]

log = logging.getLogger("docent.tasks")
SCHEMES = ("sqlite:///", "redis://", "rediss://", "memory://", "immediate://")


def queue_url(config: Any, instance: Path) -> str:
    """Return the queue's URL: DOCENT_QUEUE_URL, else the limiter's Redis, else SQLite."""
    if config.get("QUEUE_URL"):
        return str(config["QUEUE_URL"])
    limiter = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if limiter.startswith(("redis://", "rediss://")):
        return limiter
    return f"sqlite:///{instance / 'tasks.db'}"


class AppQueue:
    """One app's queue: its huey instance, built on first use, and how to send to it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.url = str(app.config["QUEUE_URL"])
        self._huey: Huey | None = None
        self._lock = threading.Lock()
        self._drainer: threading.Thread | None = None

    @property
    def in_process(self) -> bool:
        """True when tasks run inside the web process (memory:// or immediate://)."""
        return self.url in ("memory://", "immediate://")

    @property
    def huey(self) -> Huey:
        """Return the huey instance, building it and registering Docent's tasks once."""
        with self._lock:
            if self._huey is None:
                self._huey = self._build()
            return self._huey

    def _build(self) -> Huey:
        url = self.url
        if url.startswith(("redis://", "rediss://")):
            huey: Huey = RedisHuey("docent", url=url, results=False)
        elif url.startswith("sqlite:///"):
            huey = SqliteHuey("docent", filename=url[len("sqlite:///") :], results=False)
        else:
            huey = MemoryHuey("docent", results=False, immediate=url == "immediate://")
        app = self.app

        @huey.task(name="docent.run")
        def run_task(task_id: int) -> None:
            with app.app_context():
                ledger.run(task_id)

        @huey.periodic_task(crontab(), name="docent.recover")
        def recover() -> None:
            with app.app_context():
                ledger.recover()

        for job in periodics.values():
            self._add_periodic(huey, job)
        self.run_task = run_task
        return huey

    def _add_periodic(self, huey: Huey, job: Periodic) -> None:
        app = self.app

        def run_once() -> None:
            # Several workers' schedulers fire the same minute; the first claims it.
            minute = int(time.time() // 60)
            if not huey.put_if_empty(f"periodic:{job.name}:{minute}", b"1"):
                return
            huey.delete(f"periodic:{job.name}:{minute - 2}")
            with app.app_context():
                job.run()

        huey.periodic_task(job.schedule, name=f"docent.periodic.{job.name}")(run_once)

    def send(self, task_id: int, delay: float = 0.0) -> None:
        """Queue a task's id, to run after delay seconds."""
        run_task = self.huey and self.run_task
        if self.url == "immediate://":
            run_task.call_local(task_id)
        elif self.url == "memory://":
            if delay:
                timer = threading.Timer(delay, self.send, (task_id,))
                timer.name, timer.daemon = f"docent-retry-{task_id}", True
                timer.start()
                return
            run_task(task_id)
            self._kick()
        elif delay:
            run_task.schedule((task_id,), delay=delay)
        else:
            run_task(task_id)

    def _kick(self) -> None:
        """Start the in-process drainer unless it is running."""
        with self._lock:
            if self._drainer is None:
                self._drainer = threading.Thread(
                    target=self._drain, name="docent-tasks", daemon=True
                )
                self._drainer.start()

    def _drain(self) -> None:
        """Run queued tasks one at a time (parsing is CPU-bound), then stop."""
        huey = self.huey
        while True:
            with self._lock:
                message = huey.dequeue()
                if message is None:
                    self._drainer = None
                    return
            try:
                huey.execute(message)
            except Exception:  # noqa: BLE001 - the ledger has recorded the failure
                log.exception("in-process task failed")

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the in-process drainer to finish; False at the timeout."""
        thread = self._drainer
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True


def queue_of(app: Flask) -> AppQueue:
    """Return the app's queue (TaskQueue.init_app attaches it)."""
    return app.extensions["docent_queue"]  # type: ignore[no-any-return]


class TaskQueue:
    """Flask extension: gives each app its queue (app.py adds the `flask worker` command)."""

    def init_app(self, app: Flask) -> None:
        """Attach the queue; nothing connects until the first task or the worker."""
        app.extensions["docent_queue"] = AppQueue(app)


queue = TaskQueue()
