"""SQLite's one writer, queued for: a write transaction waits in line, not in a sleep loop.

SQLite lets one connection write to a database at a time. A connection that finds the
file locked sleeps in SQLite's busy handler (1, 2, 5 … up to 100 ms a try) and tries
again, so under load a waiting write keeps sleeping after the lock is free, and
writers that arrive later often get in first. With 50 questions arriving together,
the question's write waited a median 322 ms for a lock that each write holds about a
millisecond (docs/performance.md).

`QueuedConnection` is the sqlite3 connection Docent opens on a SQLite file. Before a
transaction's first write it takes two locks, and it gives them back when the
transaction ends (commit, rollback or close):

- the process's, a threading lock: the process's writers queue on it;
- the file's, an `flock` on `<database>-writers`: the one writer a process lets
  through queues there with the other processes' (gunicorn workers, the task worker,
  the CLI), in the kernel.

Both wake a waiter the moment they are free. A writer that waits for the process's
lock longer than SQLite's busy timeout goes on without it, so SQLite's own lock and
timeout still decide (a 503 for the client, as before), and a thread that already
holds the lock through another connection goes straight on. Reads never queue (WAL
lets them run beside the writer). Writers outside Docent, such as the sqlite3 shell,
are still kept out by SQLite's lock alone.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

# The busy timeout, in ms, the pragmas give every connection (tables/base.py).
BUSY_TIMEOUT_MS = 10_000
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _Queue:
    """The locks of one database file in this process."""

    def __init__(self, path: str) -> None:
        self.process = threading.Lock()
        self.fd = os.open(path + "-writers", os.O_RDWR | os.O_CREAT, 0o600)
        self.holder: int | None = None

    def take(self) -> bool:
        """Wait for both locks; return False (holding neither) past the busy timeout."""
        me = threading.get_ident()
        if self.holder == me:
            return False  # this thread writes through another connection already
        if not self.process.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            return False
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)  # waits in the kernel, without the GIL
        except BaseException:
            self.process.release()
            raise
        self.holder = me
        return True

    def give(self) -> None:
        """Release both locks (the caller holds them)."""
        self.holder = None
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.process.release()


_queues: dict[str, _Queue] = {}
_queues_lock = threading.Lock()


def _queue_for(path: str) -> _Queue:
    key = os.path.realpath(path)
    with _queues_lock:
        queue = _queues.get(key)
        if queue is None:
            queue = _queues[key] = _Queue(key)
        return queue


def _writes(sql: str) -> bool:
    """Return whether a statement writes rows (and so opens a write transaction)."""
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions queue for the file's one writer."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database) if isinstance(database, str | bytes | os.PathLike) else ""
        in_memory = name in ("", ":memory:") or name.startswith("file:") or "mode=memory" in name
        self._queue = None if in_memory else _queue_for(name)
        self._holding = False

    def cursor(self, factory: Any = None) -> Any:  # type: ignore[override]
        return super().cursor(factory or QueuedCursor)

    # The connection's shortcuts make their cursor in C, past cursor() above.
    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, seq_of_parameters)

    def before_write(self, sql: str) -> None:
        """Take the writer's place before the statement that opens a write transaction."""
        if self._queue is not None and not self._holding and _writes(sql):
            self._holding = self._queue.take()

    def after_statement(self) -> None:
        """Give the place back if no transaction is open (autocommit, or a failed BEGIN)."""
        if not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            assert self._queue is not None
            self._queue.give()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after_statement()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after_statement()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


class QueuedCursor(sqlite3.Cursor):
    """The cursor of a QueuedConnection: its writes take the writer's place first."""

    connection: QueuedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> QueuedCursor:  # type: ignore[override]
        connection = self.connection
        connection.before_write(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection.after_statement()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> QueuedCursor:  # type: ignore[override]
        connection = self.connection
        connection.before_write(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            connection.after_statement()


def sqlite_engine(engine_options: dict[str, Any]) -> None:
    """Set a SQLite file's engine options (SQLALCHEMY_ENGINE_OPTIONS, in place).

    Its connections are QueuedConnection. The pool keeps every connection it may open
    (30, as many as a PostgreSQL pool's 10 + 20) instead of closing those past 10 as
    they come back: opening one, with its pragmas, costs about 0.8 ms, paid by each
    request beyond the tenth at once. And no ping at checkout: a file does not go away
    as a server does.
    """
    engine_options.setdefault("connect_args", {}).setdefault("factory", QueuedConnection)
    total = engine_options.get("pool_size", 10) + engine_options.get("max_overflow", 20)
    engine_options.update(pool_size=total, max_overflow=0, pool_pre_ping=False)
