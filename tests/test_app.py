"""Configuration: defaults, environment, and clear start-up failures."""

from __future__ import annotations

import pytest

from app import ConfigError, create_app


def test_secret_key_generated_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    monkeypatch.setenv("DOCENT_INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app(base).config["SECRET_KEY"]
    second = create_app(base).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/docent")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("DOCENT_MODEL", "llama3.2")
    monkeypatch.setenv("DOCENT_RATE_LIMIT_IP", "5/second")
    monkeypatch.setenv("DOCENT_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("DOCENT_PRICES", '{"llama3.2": [0, 0]}')
    config = create_app({"SECRET_KEY": "x"}).config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/docent"
    assert (config["OPENAI_API_KEY"], config["OPENAI_BASE_URL"]) == (
        "sk-env",
        "http://127.0.0.1:11434/v1",
    )
    assert (config["MODEL"], config["RATE_LIMIT_IP"], config["TRUSTED_PROXIES"]) == (
        "llama3.2",
        "5/second",
        2,
    )
    assert config["PRICE_TABLE"]["llama3.2"] == (0.0, 0.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TRUSTED_PROXIES": "two"}, "DOCENT_TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": -1}, "DOCENT_TRUSTED_PROXIES"),
        ({"RATE_LIMIT_IP": "lots"}, "DOCENT_RATE_LIMIT_IP"),
        ({"RATELIMIT_STORAGE_URI": "nowhere"}, "RATELIMIT_STORAGE_URI"),
        ({"UPSTREAM_IDLE_TIMEOUT": 0}, "DOCENT_UPSTREAM_IDLE_TIMEOUT"),
        ({"PRICES": {"m": [1]}}, "DOCENT_PRICES"),
        ({"PRICES": [1, 2]}, "DOCENT_PRICES"),
        ({"SQLALCHEMY_DATABASE_URI": "just-a-file.db"}, "DATABASE_URL"),
    ],
)
def test_bad_settings_fail_at_start(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                **overrides,
            }
        )


def test_sqlite_runs_in_wal_mode(app):
    from models import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite-only pragma")
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(db.text("PRAGMA busy_timeout")).scalar() == 10000
        assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_build_the_models_schema(tmp_path):
    """`db upgrade` makes the same tables and columns as the models."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from models import db

    application = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db"}
    )
    with application.app_context():
        upgrade()
        inspector = inspect(db.engine)
        for table in db.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
        assert "chunks_fts" in inspector.get_table_names()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"QUEUE_URL": "amqp://rabbit"}, "DOCENT_QUEUE_URL must be sqlite:///path"),
        ({"TASK_WORKERS": 0}, "DOCENT_TASK_WORKERS must be a whole number"),
        ({"TASK_WORKERS": "two"}, "DOCENT_TASK_WORKERS must be a whole number"),
        ({"TASK_LEASE_SECONDS": 0.5}, "DOCENT_TASK_LEASE_SECONDS must be"),
        ({"TASK_RETRY_SECONDS": -1}, "DOCENT_TASK_RETRY_SECONDS must be"),
        ({"LOG_FORMAT": "xml"}, "DOCENT_LOG_FORMAT must be json or text."),
        ({"UPSTREAM_RETRIES": 1.5}, "DOCENT_UPSTREAM_RETRIES must be a whole number"),
        ({"CONTEXT_PASSAGES": 0}, "DOCENT_CONTEXT_PASSAGES must be"),
        ({"HISTORY_TOKENS": -5}, "DOCENT_HISTORY_TOKENS must be"),
        ({"MAX_CONTENT_LENGTH": "big"}, "DOCENT_MAX_CONTENT_LENGTH must be"),
        ({"ALLOW_PRIVATE_URLS": "perhaps"}, "DOCENT_ALLOW_PRIVATE_URLS must be true or false."),
        ({"MODEL": " "}, "DOCENT_MODEL must name a chat model"),
        ({"OPENAI_BASE_URL": "localhost:11434"}, "OPENAI_BASE_URL must be an http"),
        ({"DB_POOL_SIZE": 0}, "DOCENT_DB_POOL_SIZE must be"),
        ({"DB_MAX_OVERFLOW": -1}, "DOCENT_DB_MAX_OVERFLOW must be"),
        ({"DB_POOL_TIMEOUT": 0}, "DOCENT_DB_POOL_TIMEOUT must be"),
        ({"MAX_DOCUMENT_BYTES": -1}, "DOCENT_MAX_DOCUMENT_BYTES must be"),
        ({"URL_TIMEOUT": "soon"}, "DOCENT_URL_TIMEOUT must be"),
        ({"CHUNK_TOKENS": 10}, "DOCENT_CHUNK_TOKENS must be"),
        ({"DASHBOARD_BACKGROUND_BYTES": "big"}, "DOCENT_DASHBOARD_BACKGROUND_BYTES must be"),
    ],
)
def test_bad_production_settings_fail_at_start(tmp_path, overrides, message):
    with pytest.raises(ConfigError) as info:
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                **overrides,
            }
        )
    assert str(info.value).startswith(message)


def test_every_bad_setting_is_named_at_once(tmp_path):
    with pytest.raises(ConfigError) as info:
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                "TASK_WORKERS": 0,
                "LOG_FORMAT": "xml",
            }
        )
    assert str(info.value) == (
        "DOCENT_TASK_WORKERS must be a whole number from 1 to 64. "
        "DOCENT_LOG_FORMAT must be json or text."
    )


def test_settings_from_the_environment_get_their_types(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCENT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DOCENT_TASK_WORKERS", "3")
    monkeypatch.setenv("DOCENT_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("DOCENT_DB_POOL_SIZE", "4")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379/0")
    config = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/docent"}
    ).config
    assert (config["TASK_WORKERS"], config["ALLOW_PRIVATE_URLS"]) == (3, True)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 4
    # The queue follows the limiter's Redis unless DOCENT_QUEUE_URL says otherwise.
    assert config["QUEUE_URL"] == "redis://cache:6379/0"
    monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    config = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}
    ).config
    assert config["QUEUE_URL"] == f"sqlite:///{tmp_path / 'tasks.db'}"
