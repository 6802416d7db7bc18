"""Daily quotas live in the database: shared by workers, kept across restarts, exact under races."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from models import db
from services import quota
from tests.test_limits import ask

REDIS_URL = os.environ.get("DOCENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reason() -> str | None:
    """Return why Redis cannot be used, or None when it can."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure means "not here"
        return f"Redis at {REDIS_URL} is not reachable: {type(exc).__name__}"
    return None


@pytest.fixture
def twin(app: Flask) -> Iterator[Any]:
    """Make more apps on the same database, each with its own limiter: other workers."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        made.append(create_app({**app.config, "RATELIMIT_STORAGE_URI": "memory://", **config}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def together(count: int, action: Any) -> list[Any]:
    """Run action(i) in count threads released at once; return the results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_workers_share_a_quota_and_a_restart_keeps_it(app, twin, make_bot, make_key):
    key = make_key(make_bot(), daily_quota=3)
    first, second = app.test_client(), twin().test_client()
    statuses = [ask(client, key).status_code for client in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]
    restarted = twin().test_client()
    refused = ask(restarted, key)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "quota_exceeded"
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    with app.app_context():
        from models import ApiKey

        key_id = db.session.execute(db.select(ApiKey.id)).scalars().all()[-1]
        assert quota.used_today(key_id) == 3


def test_quota_races_let_exactly_the_rest_through(app, twin, make_bot, make_key):
    bot = make_bot()
    key = make_key(bot, daily_quota=5)
    apps = [app, twin()]
    for _ in range(4):
        assert ask(app.test_client(), key).status_code == 200

    def one(i: int) -> int:
        # Alternate between the two "workers"; each request on its own test client.
        return ask(apps[i % 2].test_client(), key).status_code

    statuses = together(8, one)
    assert sorted(statuses) == [200] + [429] * 7


def test_take_is_atomic_under_threads(app, make_bot):
    from models import Bot
    from services.keys import create_key

    with app.app_context():
        key, _ = create_key(db.session.get(Bot, make_bot()), "secret")
        key_id = key.id

    def one(_: int) -> bool:
        with app.app_context():
            return quota.take(key_id, 10)

    assert sum(together(25, one)) == 10
    with app.app_context():
        assert quota.used_today(key_id) == 10


def test_redis_rate_limit_at_limit_minus_one_lets_exactly_one_through(twin, make_bot, make_key):
    reason = redis_reason()
    if reason:
        pytest.skip(reason)
    shared = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    workers = [twin(**shared) for _ in range(2)]
    key = make_key(make_bot(), rate_limit="5/minute")
    for i in range(4):
        assert ask(workers[i % 2].test_client(), key).status_code == 200
    statuses = together(8, lambda i: ask(workers[i % 2].test_client(), key).status_code)
    assert sorted(statuses) == [200] + [429] * 7


def test_memory_storage_with_several_workers_warns():
    assert quota.shared_memory_warning("memory://", 1) is None
    assert quota.shared_memory_warning("redis://127.0.0.1:6379/0", 4) is None
    warning = quota.shared_memory_warning("memory://", 2)
    assert warning is not None and warning.startswith("WARNING") and "2 workers" in warning
