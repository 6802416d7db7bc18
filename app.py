"""Docent: create_app() wires config, extensions and blueprints."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from threadpoolctl import threadpool_limits
from werkzeug.middleware.proxy_fix import ProxyFix

import api
import cli
import dashboard
import health
import logs
import settings
import tasks
import web
import widget
from api.validation import IdConverter
from extensions import csrf, limiter, login_manager, migrate, sock

# Modules that register background tasks and schedules when imported; the worker and
# the web process both build their queue after this composition root has loaded them.
from knowledge import ingest_tasks, sources  # noqa: F401
from models import db
from services import leads, retention, webhook_delivery  # noqa: F401
from tables.writers import sqlite_engine
from tasks.worker import worker_command
from widget import demo


class ConfigError(ValueError):
    """A setting is wrong; the message says which and how to fix it."""


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the instance folder, generating it on first run."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(url: str) -> str:
    """Use the installed psycopg 3 driver for plain postgres:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Apply settings.py's defaults, then the environment, then test_config."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.defaults())
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'docent.db'}"
    app.config.from_prefixed_env("DOCENT")
    app.config.from_mapping(settings.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["QUEUE_URL"] = tasks.queue_url(app.config, instance)
    validate_config(app.config)


def validate_config(config: Any) -> None:
    """Refuse to start with a bad setting, naming every bad one in one sentence each."""
    problems = settings.check(config)
    if problems:
        raise ConfigError(" ".join(problems))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Docent application."""
    # DOCENT_INSTANCE_PATH moves the instance folder (SQLite file, generated secret).
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("DOCENT_INSTANCE_PATH") or None,
    )
    load_config(app, test_config)
    web.install(app)
    # Requests run on many threads at once: a BLAS pool per vector product only adds
    # spinning threads that compete with them for the cores (it doubled the CPU of an
    # offline answer), so numpy's products stay on the thread that asks.
    threadpool_limits(1, user_api="blas")
    # Ids beyond the database's integer range are a 404, never a database error.
    app.url_map.converters["int"] = IdConverter
    logs.install()
    logs.configure(json_lines=app.config["LOG_FORMAT"] == "json")
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        sqlite_engine(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    limiter.init_app(app)
    sock.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    tasks.queue.init_app(app)
    app.cli.add_command(worker_command)
    logs.init_app(app)

    api.errors.register(app)
    for blueprint in api.ALL:
        csrf.exempt(blueprint)  # keys authenticate machine clients; no cookie, no CSRF
    app.register_blueprint(api.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(health.bp)
    if app.config["DEMO"]:
        app.register_blueprint(demo.bp)
    cli.register(app)
    if app.config["WEBHOOK_POLLER"]:
        webhook_delivery.start_poller(app)
    return app


def __getattr__(name: str) -> Flask:
    """Build `app` on first access, so `gunicorn app:app` works without import side effects."""
    if name in ("app", "application"):
        application = create_app()
        globals()[name] = application
        return application
    raise AttributeError(name)
