"""GET /healthz and /readyz: cheap, unauthenticated, JSON; 503 while a dependency is down."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from models import db
from tests.relay import Relay
from tests.test_limits import REDIS_URL, _redis_reason

PG_URL = os.environ.get("DOCENT_TEST_DATABASE_URL")


@pytest.fixture
def build(config):
    """Create apps from the test config; their pools are closed after the test."""
    made = []

    def make():
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_healthz_is_cheap_json_and_unauthenticated(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-Id"]) == 32


def test_readyz_reports_only_its_checks(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "limiter": "ok"}}


def test_health_routes_are_exempt_from_limits(config, build, monkeypatch):
    from extensions import limiter

    # Default limits stick to the shared Limiter once set: give them back afterwards.
    manager = limiter.limit_manager
    monkeypatch.setattr(manager, "_default_limits", list(manager._default_limits))
    config["RATELIMIT_DEFAULT"] = "2/minute"
    client = build().test_client()
    assert {client.get(path).status_code for path in ["/healthz", "/readyz"] * 10} == {200}


def _ready(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.json["checks"]


def test_readyz_follows_redis_going_away_and_coming_back(config, build):
    reason = _redis_reason()
    if reason:
        pytest.skip(reason)
    parts = urlsplit(REDIS_URL)
    relay = Relay((parts.hostname, parts.port or 6379)).start()
    config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{relay.port}{parts.path}"
    app = build()
    try:
        assert _ready(app) == (200, {"database": "ok", "limiter": "ok"})
        relay.stop()
        assert _ready(app) == (503, {"database": "ok", "limiter": "unavailable"})
        relay.start()
        assert _ready(app) == (200, {"database": "ok", "limiter": "ok"})
    finally:
        relay.stop()


def test_readyz_follows_the_database_going_away_and_coming_back(config, build):
    if not PG_URL:
        pytest.skip("DOCENT_TEST_DATABASE_URL is not set: no PostgreSQL to take away")
    url = make_url(PG_URL)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432)).start()
    config["SQLALCHEMY_DATABASE_URI"] = url.set(host="127.0.0.1", port=relay.port).render_as_string(
        hide_password=False
    )
    app = build()
    try:
        assert _ready(app) == (200, {"database": "ok", "limiter": "ok"})
        relay.stop()
        assert _ready(app) == (503, {"database": "unavailable", "limiter": "ok"})
        relay.start()
        assert _ready(app) == (200, {"database": "ok", "limiter": "ok"})
    finally:
        relay.stop()


def test_readyz_is_503_when_the_database_port_is_closed(config, build):
    closed = Relay(("127.0.0.1", 9))  # reserves a free port and never listens on it
    config["SQLALCHEMY_DATABASE_URI"] = (
        f"postgresql+psycopg://postgres@127.0.0.1:{closed.port}/docent?connect_timeout=2"
    )
    response = build().test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "limiter": "ok"},
    }
