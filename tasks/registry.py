"""What the queue can run: named task handlers and periodic jobs, registered at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huey import crontab

# A handler gets the task's stored record (models.Task) and does its work in the
# current app context; raising one of its `permanent` exceptions fails it at once,
# any other exception retries it with backoff until its attempts run out.
Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Spec:
    """A registered task: its function, retry policy and failure hook."""

    name: str
    run: Handler
    retries: int = 3
    permanent: tuple[type[BaseException], ...] = ()
    on_failure: Callable[[Any, str], None] | None = None
    describe: Callable[[BaseException], str] = str


@dataclass(frozen=True)
class Periodic:
    """A job the worker's scheduler starts on a crontab schedule."""

    name: str
    run: Callable[[], None]
    schedule: Callable[[Any], bool] = field(default_factory=crontab)


handlers: dict[str, Spec] = {}
periodics: dict[str, Periodic] = {}


def handler(
    name: str,
    *,
    retries: int = 3,
    permanent: tuple[type[BaseException], ...] = (),
    on_failure: Callable[[Any, str], None] | None = None,
    describe: Callable[[BaseException], str] = str,
) -> Callable[[Handler], Handler]:
    """Register a function as the task called name."""

    def register(run: Handler) -> Handler:
        handlers[name] = Spec(name, run, retries, permanent, on_failure, describe)
        return run

    return register


def periodic(name: str, **schedule: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a job to run on a crontab schedule, e.g. periodic("purge", hour="3", minute="0").

    The job runs once per due minute across every worker sharing the queue.
    """

    def register(run: Callable[[], None]) -> Callable[[], None]:
        periodics[name] = Periodic(name, run, crontab(**schedule))
        return run

    return register
