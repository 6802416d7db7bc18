"""Docent: create_app() wires config, extensions and blueprints."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from threadpoolctl import threadpool_limits
from werkzeug.middleware.proxy_fix import ProxyFix

import health
import logs
import settings
import tasks
from extensions import csrf, limiter, login_manager, migrate, sock
from models import db
from services import webhook_delivery


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
    """Apply defaults, then DOCENT_* and SPEC's standard variables, then test_config."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        # Where data lives; SQLite in the instance folder unless DATABASE_URL says otherwise.
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'docent.db'}",
        # Streams hold a connection only around their reads and writes; 30 per process
        # serves many concurrent streams without exhausting PostgreSQL's 100.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True},
        # PostgreSQL pool per process (docs/deploy.md; bench/pool.py measures it).
        DB_POOL_SIZE=10,
        DB_MAX_OVERFLOW=20,
        DB_POOL_TIMEOUT=10,
        # Model server; with no key the offline engine answers from documents.
        OPENAI_API_KEY=None,
        OPENAI_BASE_URL=None,
        MODEL="gpt-4.1-mini",
        # Upstream timeouts in seconds; retries happen only before the first token.
        UPSTREAM_CONNECT_TIMEOUT=10,
        UPSTREAM_IDLE_TIMEOUT=60,
        UPSTREAM_RETRIES=2,
        # Flask-Limiter storage; use redis://… with several workers or hosts.
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RATE_LIMIT_IP="30/minute",
        # Proxy hops whose X-Forwarded-For is trusted for the client IP.
        TRUSTED_PROXIES=0,
        # How many passages go into a prompt, and the token budget for history.
        CONTEXT_PASSAGES=5,
        # Embeddings model on the OpenAI-compatible server; unset: the built-in local model.
        EMBEDDINGS_MODEL=None,
        # Memory for cached vector indexes across bots, in MB (least recently used go first).
        VECTOR_CACHE_MB=256,
        # Calibrated probability above which a bot answers rather than giving its fallback.
        RETRIEVAL_CONFIDENCE=0.5,
        HISTORY_TOKENS=2000,
        # Seconds between ": ping" comments on SSE streams.
        SSE_PING_SECONDS=15,
        # Price overrides: {"model": [input, output]} dollars per 1M tokens.
        PRICES={},
        # Largest request body (uploads included), in bytes.
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        # URL import refuses private and loopback addresses unless this is true.
        ALLOW_PRIVATE_URLS=False,
        # Webhooks: per-attempt timeout, attempts before giving up on one event, the first
        # retry's wait (doubling after), failures in a row that disable a webhook, how long
        # a worker holds a claimed delivery, and an in-process poller (off: a task runs it).
        WEBHOOK_TIMEOUT=10,
        WEBHOOK_MAX_ATTEMPTS=8,
        WEBHOOK_BACKOFF_SECONDS=30,
        WEBHOOK_DISABLE_AFTER=20,
        WEBHOOK_LEASE_SECONDS=120,
        # Days a delivered or failed delivery stays in the log before it is pruned.
        WEBHOOK_RETENTION_DAYS=30,
        WEBHOOK_POLLER=False,
        WEBHOOK_POLL_SECONDS=5,
        # Leads and hand-off requests are emailed to the bot's owner through this server
        # (smtp://user:pass@host:587?starttls=true or smtps://…); empty sends no email.
        SMTP_URL="",
        # Site sources: pages per sync at most, hours between scheduled re-syncs, and
        # how long a worker holds a source it syncs (renewed after every page).
        SOURCE_MAX_PAGES=500,
        SOURCE_SYNC_HOURS=24,
        SOURCE_LEASE_SECONDS=120,
        SMTP_FROM="docent@localhost",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        SEED_DEMO=False,
        # Serve the demo host pages under /demo/ (make run sets DOCENT_DEMO=1); never in production.
        DEMO=False,
        # Background tasks: huey on this URL (sqlite:///…, redis://…, memory:// runs them
        # in the web process); empty means the limiter's Redis, else instance/tasks.db.
        QUEUE_URL="",
        # Tasks a worker runs at once; seconds a silent worker keeps a task; first retry delay.
        TASK_WORKERS=1,
        TASK_LEASE_SECONDS=60,
        TASK_RETRY_SECONDS=10,
        # Request logs: "json" (one object a line) or "text".
        LOG_FORMAT="json",
    )
    app.config.from_prefixed_env("DOCENT")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["QUEUE_URL"] = tasks.queue_url(app.config, instance)
    validate_config(app.config)


def validate_config(config: Any) -> None:
    """Refuse to start with a bad setting, in one clear sentence."""
    from limits import parse_many

    from engine.prices import price_table

    try:
        config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"])
        if config["TRUSTED_PROXIES"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ConfigError(
            "DOCENT_TRUSTED_PROXIES must be a whole number of proxy hops, like 1."
        ) from None
    try:
        parse_many(str(config["RATE_LIMIT_IP"]))
    except ValueError:
        raise ConfigError(
            f"DOCENT_RATE_LIMIT_IP {config['RATE_LIMIT_IP']!r} is not a limit like '30/minute'."
        ) from None
    if not str(config["RATELIMIT_STORAGE_URI"]).startswith(
        ("memory://", "redis://", "rediss://", "redis+", "memcached://", "mongodb://", "valkey")
    ):
        raise ConfigError(
            "RATELIMIT_STORAGE_URI must be memory:// or a storage URL like redis://host:6379."
        )
    for name in ("UPSTREAM_CONNECT_TIMEOUT", "UPSTREAM_IDLE_TIMEOUT", "SSE_PING_SECONDS"):
        try:
            if float(config[name]) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ConfigError(f"DOCENT_{name} must be a positive number of seconds.") from None
    for name in (
        "WEBHOOK_TIMEOUT",
        "WEBHOOK_BACKOFF_SECONDS",
        "WEBHOOK_LEASE_SECONDS",
        "WEBHOOK_POLL_SECONDS",
        "WEBHOOK_MAX_ATTEMPTS",
        "WEBHOOK_DISABLE_AFTER",
        "WEBHOOK_RETENTION_DAYS",
    ):
        try:
            if float(config[name]) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ConfigError(f"DOCENT_{name} must be a positive number.") from None
    if float(config["WEBHOOK_LEASE_SECONDS"]) <= float(config["WEBHOOK_TIMEOUT"]):
        raise ConfigError(
            "DOCENT_WEBHOOK_LEASE_SECONDS must be longer than DOCENT_WEBHOOK_TIMEOUT."
        )
    if not isinstance(config["PRICES"], dict):
        raise ConfigError('DOCENT_PRICES must be a JSON object like {"my-model": [0.5, 1.5]}.')
    try:
        config["PRICE_TABLE"] = price_table(config["PRICES"])
    except ValueError as exc:
        raise ConfigError(f"DOCENT_PRICES is invalid: {exc}") from None
    if config["DEMO"] not in (True, False, 0, 1, "0", "1", "true", "false"):
        raise ConfigError("DOCENT_DEMO must be 1 (serve the demo pages) or 0.")
    config["DEMO"] = config["DEMO"] in (True, 1, "1", "true")
    if "://" not in config["SQLALCHEMY_DATABASE_URI"]:
        raise ConfigError(
            "DATABASE_URL must be a SQLAlchemy URL like postgresql+psycopg://user@host/db."
        )
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
    # Requests run on many threads at once: a BLAS pool per vector product only adds
    # spinning threads that compete with them for the cores (it doubled the CPU of an
    # offline answer), so numpy's products stay on the thread that asks.
    threadpool_limits(1, user_api="blas")
    from api.validation import IdConverter

    # Ids beyond the database's integer range are a 404, never a database error.
    app.url_map.converters["int"] = IdConverter
    logs.install()
    logs.configure(json_lines=app.config["LOG_FORMAT"] == "json")
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    limiter.init_app(app)
    sock.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    tasks.queue.init_app(app)
    logs.init_app(app)

    import dashboard
    import widget
    from api import bp as api_bp
    from api import errors

    errors.register(app)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(health.bp)
    if app.config["DEMO"]:
        from widget import demo

        app.register_blueprint(demo.bp)

    from cli import register as register_cli

    register_cli(app)
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
