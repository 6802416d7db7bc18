"""The task queue: durable rows, retries, permanent failures, recovery, periodic jobs."""

from __future__ import annotations

import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

import tasks
from knowledge import add_url, background, mark_interrupted
from models import Bot, Chunk, Document, Task, db, utcnow
from tasks import ledger

calls: dict[str, int] = {}


class Permanent(Exception):
    """A failure no retry can fix."""


@tasks.handler("test.flaky", retries=2, permanent=(Permanent,))
def flaky(task: Task) -> None:
    calls[task.args["tag"]] = calls.get(task.args["tag"], 0) + 1
    if calls[task.args["tag"]] <= task.args["fail"]:
        raise (Permanent if task.args.get("permanent") else RuntimeError)("boom")


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app
        assert tasks.wait_idle(30)


def row(task_id: int) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


@pytest.mark.parametrize(
    ("fail", "permanent", "status", "attempts"),
    [(0, False, "done", 1), (1, False, "done", 2), (5, False, "failed", 3), (1, True, "failed", 1)],
)
def test_retries_until_done_or_out_of_attempts(ctx, fail, permanent, status, attempts):
    tag = f"{fail}-{permanent}"
    task = tasks.enqueue(
        "test.flaky", {"tag": tag, "fail": fail, "permanent": permanent}, payload=b"x"
    )
    assert tasks.wait_idle(30)
    done = row(task.id)
    assert (done.status, done.attempts, calls[tag]) == (status, attempts, attempts)
    assert done.payload is None and done.finished_at is not None
    assert done.error == (None if status == "done" else "boom")


def test_recover_resends_a_task_whose_worker_died(ctx):
    # What a killed worker leaves behind: running, one attempt spent, lease expired.
    task = Task(
        name="test.flaky",
        args={"tag": "orphan", "fail": 0},
        status="running",
        attempts=1,
        max_attempts=3,
        lease_until=utcnow() - timedelta(seconds=1),
    )
    db.session.add(task)
    db.session.commit()
    assert tasks.recover() == 1
    assert tasks.wait_idle(30)
    assert (row(task.id).status, row(task.id).attempts, calls["orphan"]) == ("done", 2, 1)


def test_recover_gives_up_on_a_task_that_keeps_killing_its_worker(ctx):
    task = Task(
        name="test.flaky",
        args={"tag": "poison", "fail": 0},
        status="running",
        attempts=3,
        max_attempts=3,
        lease_until=utcnow() - timedelta(seconds=1),
    )
    db.session.add(task)
    db.session.commit()
    assert tasks.recover() == 0
    assert row(task.id).status == "failed"
    assert row(task.id).error == "The worker stopped while running this task."
    assert "poison" not in calls


def test_a_live_lease_is_not_taken_over(ctx):
    task = Task(
        name="test.flaky",
        args={"tag": "leased", "fail": 0},
        status="running",
        attempts=1,
        lease_until=utcnow() + timedelta(seconds=60),
    )
    db.session.add(task)
    db.session.commit()
    ledger.run(task.id)
    assert tasks.recover() == 0
    assert row(task.id).status == "running" and "leased" not in calls
    task.status = "done"
    db.session.commit()


def test_immediate_mode_runs_at_enqueue(config, app):
    from app import create_app

    config["QUEUE_URL"] = "immediate://"
    immediate = create_app(config)
    with immediate.app_context():
        task = tasks.enqueue("test.flaky", {"tag": "now", "fail": 0})
        assert row(task.id).status == "done" and calls["now"] == 1
        db.session.remove()
        db.engine.dispose()


def test_periodic_jobs_register_and_run_once_per_minute(ctx):
    from datetime import datetime

    from tasks.queue import AppQueue
    from tasks.registry import periodics

    ran: list[int] = []
    tasks.periodic("test.tick", minute="*/5")(lambda: ran.append(1))
    try:
        huey = AppQueue(ctx).huey  # a queue built after the registration
    finally:
        periodics.pop("test.tick")
    due = {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 3, 25))}
    every_minute = {
        "docent.recover",
        "docent.periodic.deliver-webhooks",
        "docent.periodic.passage-vectors",
    }
    assert due == every_minute | {"docent.periodic.test.tick"}
    assert {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 3, 26))} == every_minute
    [tick] = [t for t in huey.read_periodic(datetime(2026, 12, 1, 3, 25)) if "tick" in t.name]
    # Two workers' schedulers fire the same minute: the job runs once.
    huey.execute(tick)
    huey.execute(tick)
    assert ran == [1]


def test_interrupted_uploads_with_a_live_task_are_left_alone(ctx):
    bot = Bot(name="B", model="m")
    db.session.add(bot)
    db.session.flush()
    old = utcnow() - timedelta(hours=1)
    queued = Document(bot_id=bot.id, title="q", status="processing", updated_at=old)
    orphan = Document(bot_id=bot.id, title="o", status="processing", updated_at=old)
    db.session.add_all([queued, orphan])
    db.session.flush()
    db.session.add(Task(name="ingest_document", args={"document_id": queued.id}, status="queued"))
    db.session.commit()
    db.session.execute(Document.__table__.update().values(updated_at=old))  # onupdate touched them
    db.session.commit()
    assert mark_interrupted() == 1
    assert (row_doc(queued.id).status, row_doc(orphan.id).status) == ("processing", "failed")
    db.session.execute(Task.__table__.update().values(status="done"))
    db.session.commit()


def row_doc(document_id: int) -> Document:
    db.session.expire_all()
    return db.session.get(Document, document_id)


class FlakySite(BaseHTTPRequestHandler):
    """Answers 503 to the first request for /page, then the page."""

    hits = 0

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        FlakySite.hits += 1
        status, body = (503, b"busy") if FlakySite.hits == 1 else (200, PAGE)
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


PAGE = b"<html><head><title>Care</title></head><body><p>Wash the kettle in cold water.</p>"


def test_url_import_in_the_background_retries_a_failing_site(ctx):
    import threading

    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakySite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ctx.config["ALLOW_PRIVATE_URLS"] = True
    try:
        bot = Bot(name="Web", model="m")
        db.session.add(bot)
        db.session.commit()
        url = f"http://127.0.0.1:{server.server_address[1]}/care"
        document = add_url(bot.id, url, background=True)
        assert document.status == "processing"
        assert background.wait_idle(30)
        document = row_doc(document.id)
        assert (document.status, document.title, document.chunk_count) == ("ready", "Care", 1)
        [task] = db.session.scalars(select(Task).where(Task.name == "import_url")).all()
        assert (task.status, task.attempts, task.error) == ("done", 2, None)
        contents = db.session.scalars(select(Chunk.content)).all()
        assert contents == ["Wash the kettle in cold water."]
        # The task went on to give the new chunk its passage vector, the document live first.
        from knowledge import passage_vectors

        assert passage_vectors.pending(bot.id) == 0
    finally:
        server.shutdown()
        server.server_close()
        time.sleep(0)


def test_worker_refuses_an_in_process_queue(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 1
    assert "DOCENT_QUEUE_URL=memory:// runs tasks inside the web process" in result.output


def test_tasks_travel_through_redis(config):
    from app import create_app
    from tests.test_limits import REDIS_URL, _redis_reason

    reason = _redis_reason()
    if reason:
        pytest.skip(reason)
    config["QUEUE_URL"] = REDIS_URL
    app = create_app(config)
    with app.app_context():
        db.create_all()
        queue = tasks.queue_of(app)
        huey = queue.huey
        while huey.dequeue() is not None:  # a previous run's leftovers
            pass
        task = tasks.enqueue("test.flaky", {"tag": "redis", "fail": 0})
        assert row(task.id).status == "queued" and huey.pending_count() == 1
        huey.execute(huey.dequeue())  # what a `flask worker` thread does
        assert row(task.id).status == "done" and calls["redis"] == 1
        db.session.remove()
        db.engine.dispose()


def test_finished_tasks_are_purged_on_a_schedule(ctx):
    from datetime import datetime

    from tasks.queue import AppQueue

    now = utcnow()
    for status, days in [("done", 8), ("done", 1), ("failed", 8), ("failed", 31), ("queued", 40)]:
        db.session.add(
            Task(
                name="test.flaky",
                args={"tag": f"{status}-{days}"},
                status=status,
                finished_at=now - timedelta(days=days),
                lease_until=now + timedelta(hours=1),
            )
        )
    db.session.commit()
    huey = AppQueue(ctx).huey
    [purge] = [
        t
        for t in huey.read_periodic(datetime(2026, 12, 1, 4, 17))
        if t.name == "docent.periodic.purge-finished-tasks"
    ]
    huey.execute(purge)
    db.session.expire_all()
    left = {t.args["tag"] for t in db.session.scalars(select(Task))}
    assert left == {"done-1", "failed-8", "queued-40"}
    db.session.execute(Task.__table__.update().values(status="done"))
    db.session.commit()
