"""SQLite's writers queue for the file's one writer (tables/writers.py) instead of polling.

Each test turns SQLite's own busy timeout off on the connection that waits: a write that
did not queue would fail at once with "database is locked".
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import tables.writers as writers
from tables.writers import QueuedConnection

ROOT = Path(__file__).resolve().parent.parent


def connect(path: Path, **kwargs: object) -> QueuedConnection:
    connection = sqlite3.connect(
        str(path), factory=QueuedConnection, check_same_thread=False, **kwargs
    )
    assert isinstance(connection, QueuedConnection)
    connection.execute("PRAGMA busy_timeout=0")
    return connection


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    database = tmp_path / "queue.db"
    with sqlite3.connect(database) as setup:
        setup.execute("PRAGMA journal_mode=WAL")  # kept by the file
        setup.execute("CREATE TABLE t (v INTEGER)")
    return database


def write_later(path: Path, value: int, done: list[float]) -> threading.Thread:
    """Insert and commit a value in another thread; note when it finished."""

    def run() -> None:
        other = connect(path)
        other.execute("INSERT INTO t VALUES (?)", (value,))
        other.commit()
        done.append(time.monotonic())
        other.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_writer_waits_for_the_first_commit_instead_of_failing(path: Path) -> None:
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")  # a write transaction, held open
    done: list[float] = []
    thread = write_later(path, 2, done)
    time.sleep(0.3)
    assert done == []  # waiting in line, not failed (busy timeout 0) and not through
    # Reads never wait for the writer.
    reader = connect(path)
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    committed = time.monotonic()
    first.commit()
    thread.join(5)
    assert done and done[0] >= committed
    assert sorted(v for (v,) in reader.execute("SELECT v FROM t")) == [1, 2]


def test_a_rollback_and_a_close_give_the_place_back(path: Path) -> None:
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")
    first.rollback()
    done: list[float] = []
    write_later(path, 2, done).join(5)
    assert done
    second = connect(path)
    second.execute("UPDATE t SET v = 3")
    second.close()  # closing with the transaction open rolls it back
    write_later(path, 4, done).join(5)
    assert len(done) == 2
    assert sorted(v for (v,) in connect(path).execute("SELECT v FROM t")) == [2, 4]


def test_autocommit_writes_hold_no_place(path: Path) -> None:
    first = connect(path, isolation_level=None)
    first.execute("INSERT INTO t VALUES (1)")  # committed by itself
    done: list[float] = []
    write_later(path, 2, done).join(5)
    assert done


def test_writers_of_two_processes_queue_together(path: Path) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "from tables.writers import QueuedConnection\n"
            f"c = sqlite3.connect({str(path)!r}, factory=QueuedConnection)\n"
            "c.execute('INSERT INTO t VALUES (1)')\n"
            "print('holding', flush=True)\n"
            "time.sleep(0.5)\n"
            "c.commit()\n",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "holding"
        mine = connect(path)
        mine.execute("INSERT INTO t VALUES (2)")  # waits for the child's commit
        mine.commit()
        assert child.wait(10) == 0
    assert sorted(v for (v,) in mine.execute("SELECT v FROM t")) == [1, 2]


def test_a_writer_waits_no_longer_than_the_busy_timeout(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "BUSY_TIMEOUT_MS", 200)
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")
    failed: list[Exception] = []

    def run() -> None:
        other = connect(path)
        try:
            other.execute("INSERT INTO t VALUES (2)")
        except sqlite3.OperationalError as exc:
            failed.append(exc)

    thread = threading.Thread(target=run)
    started = time.monotonic()
    thread.start()
    thread.join(5)
    # Past the wait it went on to SQLite's own lock, which (timeout 0) refused at once.
    assert 0.15 < time.monotonic() - started < 3
    assert failed and "locked" in str(failed[0])
    first.commit()


def test_one_thread_writing_through_two_connections_does_not_wait_for_itself(
    path: Path,
) -> None:
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")
    second = connect(path)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")  # SQLite's lock says no, at once
    assert time.monotonic() - started < 1
    first.commit()


def test_the_app_opens_queued_connections_with_its_pragmas_and_keeps_them(app) -> None:  # noqa: ANN001
    from models import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite database only")
        raw = db.engine.raw_connection()
        try:
            assert isinstance(raw.driver_connection, QueuedConnection)
        finally:
            raw.close()
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        # Every connection it may open is kept (10 + 20), none opened past them.
        assert db.engine.pool.size() == 30  # type: ignore[attr-defined]
        assert db.engine.pool._max_overflow == 0  # type: ignore[attr-defined]
