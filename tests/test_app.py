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
