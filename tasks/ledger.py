"""The tasks table: enqueue, claim under a lease, retry, fail, and recover lost work.

The queue (huey) removes a message before running it, so a worker killed mid-task
would lose it. Every task therefore has a row here first; the message carries only
its id. A running worker renews the row's lease; a row whose lease has passed is sent
again by `recover()` (at worker start and every minute), and handlers are idempotent,
so a killed worker's task runs again elsewhere and its result is stored once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import and_, delete, or_, select, update

from models import Task, db, utcnow
from tasks.registry import Spec, handlers, periodic

log = logging.getLogger("docent.tasks")
ACTIVE = ("queued", "running")


def _seconds(name: str) -> float:
    return float(current_app.config[name])


def enqueue(
    name: str,
    args: dict[str, Any] | None = None,
    *,
    payload: bytes | None = None,
    bot_id: int | None = None,
) -> Task:
    """Store a task and send it to the queue; commit the caller's session first."""
    spec = handlers[name]
    grace = timedelta(seconds=_seconds("TASK_LEASE_SECONDS"))
    task = Task(
        name=name,
        args=args or {},
        payload=payload,
        bot_id=bot_id,
        status="queued",
        max_attempts=spec.retries + 1,
        lease_until=utcnow() + grace,
    )
    db.session.add(task)
    db.session.commit()
    send(task.id)
    return task


class Sender(Protocol):
    """What the ledger needs of the app's queue (tasks.queue.AppQueue)."""

    def send(self, task_id: int, delay: float = 0.0) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...


def _queue() -> Sender:
    """Return the current app's queue (tasks.queue attaches it)."""
    return current_app.extensions["docent_queue"]  # type: ignore[no-any-return]


def send(task_id: int, delay: float = 0.0) -> None:
    """Put a task's id on the queue; if the queue is down, recover() sends it later."""
    try:
        _queue().send(task_id, delay)
    except Exception:  # noqa: BLE001 - the row stays queued and is recovered
        log.warning("task %s could not be queued now; it will be sent again", task_id)


def run(task_id: int) -> None:
    """Claim a task, run its handler, and record the outcome."""
    now = utcnow()
    lease = _seconds("TASK_LEASE_SECONDS")
    claimed = db.session.execute(
        update(Task)
        .where(
            Task.id == task_id,
            or_(
                Task.status == "queued",
                and_(Task.status == "running", Task.lease_until < now),
            ),
            Task.attempts < Task.max_attempts,
        )
        .values(
            status="running", attempts=Task.attempts + 1, lease_until=now + timedelta(seconds=lease)
        )
    )
    db.session.commit()
    if not getattr(claimed, "rowcount", 0):
        return  # done, failed, or held by a live worker
    task = db.session.get_one(Task, task_id)
    spec = handlers.get(task.name)
    if spec is None:
        _finish(task_id, "failed", f"No handler is registered for task '{task.name}'.")
        return
    beat = _Heartbeat(current_app._get_current_object(), task_id, lease)  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        spec.run(task)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        db.session.rollback()
        beat.stop()
        _failed(task_id, spec, exc)
        return
    beat.stop()
    _finish(task_id, "done", None)
    log.info(
        "task done",
        extra={
            "task": task.name,
            "task_id": task_id,
            "ms": int(1000 * (time.monotonic() - started)),
        },
    )


def _failed(task_id: int, spec: Spec, exc: BaseException) -> None:
    task = db.session.get_one(Task, task_id)
    message = spec.describe(exc)
    if isinstance(exc, spec.permanent) or task.attempts >= task.max_attempts:
        if not isinstance(exc, spec.permanent):
            log.error("task %s (%s) failed for good", task_id, spec.name, exc_info=exc)
        _fail_for_good(task, spec, message)
        return
    delay = _seconds("TASK_RETRY_SECONDS") * 2 ** (task.attempts - 1)
    log.warning("task %s (%s) failed, retrying in %gs: %s", task_id, spec.name, delay, exc)
    task.status, task.error = "queued", message
    task.lease_until = utcnow() + timedelta(seconds=delay + _seconds("TASK_LEASE_SECONDS"))
    db.session.commit()
    send(task_id, delay)


def _fail_for_good(task: Task, spec: Spec | None, message: str) -> None:
    _finish(task.id, "failed", message)
    if spec is not None and spec.on_failure is not None:
        spec.on_failure(db.session.get(Task, task.id), message)
        db.session.commit()


def _finish(task_id: int, status: str, error: str | None) -> None:
    db.session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(status=status, error=error, payload=None, lease_until=None, finished_at=utcnow())
    )
    db.session.commit()


def recover() -> int:
    """Send again every task whose lease has passed (its message or worker was lost)."""
    now = utcnow()
    grace = timedelta(seconds=_seconds("TASK_LEASE_SECONDS"))
    stale = db.session.scalars(
        select(Task).where(Task.status.in_(ACTIVE), Task.lease_until < now).limit(1000)
    ).all()
    resent = 0
    for task in stale:
        if task.status == "running" and task.attempts >= task.max_attempts:
            log.error(
                "task %s (%s) stopped with its worker %d times", task.id, task.name, task.attempts
            )
            _fail_for_good(
                task, handlers.get(task.name), "The worker stopped while running this task."
            )
            continue
        if task.status == "queued":
            task.lease_until = now + grace  # one resend per lease period
            db.session.commit()
        send(task.id)
        resent += 1
    if resent:
        log.warning("recovered %d task(s) whose worker or message was lost", resent)
    return resent


@periodic("purge-finished-tasks", hour="4", minute="17")
def purge_finished(done_days: int = 7, failed_days: int = 30) -> int:
    """Delete task rows finished long ago (failed ones stay on the dashboard for a month)."""
    now = utcnow()
    result = db.session.execute(
        delete(Task).where(
            or_(
                and_(Task.status == "done", Task.finished_at < now - timedelta(days=done_days)),
                and_(Task.status == "failed", Task.finished_at < now - timedelta(days=failed_days)),
            )
        )
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until no task is queued or running; False if some still are at the timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        db.session.expire_all()
        busy = db.session.scalar(select(Task.id).where(Task.status.in_(ACTIVE)).limit(1))
        db.session.rollback()
        if busy is None:
            return _queue().join(
                None if deadline is None else max(0.0, deadline - time.monotonic())
            )
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


class _Heartbeat:
    """Renew a running task's lease from a thread while its handler works."""

    def __init__(self, app: Flask, task_id: int, lease: float) -> None:
        self.app, self.task_id, self.lease = app, task_id, lease
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"docent-heartbeat-{task_id}", daemon=True
        )
        self.thread.start()

    def _beat(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.lease / 3):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(
                            update(Task)
                            .where(Task.id == self.task_id, Task.status == "running")
                            .values(lease_until=utcnow() + timedelta(seconds=self.lease))
                        )
                except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                    log.warning("could not renew the lease of task %s", self.task_id)

    def stop(self) -> None:
        """Stop renewing and wait for the thread."""
        self.stopped.set()
        self.thread.join()
