"""Background work on a task queue (huey): durable task rows, retries, periodic jobs.

Register work with `tasks.handler("name")` and `tasks.periodic("name", minute="*/5")`;
start it with `tasks.enqueue("name", {...})`. `flask worker` runs it.
"""

from __future__ import annotations

from tasks.ledger import enqueue, recover, wait_idle
from tasks.queue import SCHEMES, queue, queue_of, queue_url
from tasks.registry import handler, periodic

__all__ = [
    "SCHEMES",
    "enqueue",
    "handler",
    "periodic",
    "queue",
    "queue_of",
    "queue_url",
    "recover",
    "wait_idle",
]
