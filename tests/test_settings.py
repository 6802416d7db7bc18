"""Every setting is declared once in settings.py, documented, and readable without an app."""

from __future__ import annotations

from pathlib import Path

import pytest

import settings
from app import ConfigError, create_app

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
# Flask's and its extensions' own settings, set to Docent's choice but documented upstream.
UPSTREAM = {
    "SQLALCHEMY_ENGINE_OPTIONS",
    "RATELIMIT_HEADERS_ENABLED",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "REMEMBER_COOKIE_HTTPONLY",
    "REMEMBER_COOKIE_SAMESITE",
}


def test_every_setting_is_declared_once_and_documented():
    names = [s.name for s in settings.TABLE]
    assert len(names) == len(set(names))
    for setting in settings.TABLE:
        if setting.name in UPSTREAM or setting.name == "SQLALCHEMY_DATABASE_URI":
            continue
        assert f"`{setting.variable}" in DOCS or f"`{setting.name}`" in DOCS, setting.name
    assert "`DATABASE_URL`" in DOCS


def test_an_app_starts_with_every_declared_default(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    for setting in settings.TABLE:
        assert setting.name in app.config, setting.name
    with app.app_context():
        assert settings.value("CHUNK_TOKENS") == settings.default("CHUNK_TOKENS") == 320
    assert settings.value("HTML_MAX_TAGS") == 300_000  # no app: the declared default


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"VECTOR_CACHE_MB": -1}, "DOCENT_VECTOR_CACHE_MB must be a whole number of megabytes"),
        ({"RETRIEVAL_CONFIDENCE": 2}, "DOCENT_RETRIEVAL_CONFIDENCE must be a number from 0 to 1."),
        ({"LOGIN_RATE_LIMIT": "often"}, "DOCENT_LOGIN_RATE_LIMIT 'often' is not a limit"),
        ({"HTML_MAX_TAGS": 0}, "DOCENT_HTML_MAX_TAGS must be a whole number, 1 or more."),
        ({"EMBEDDINGS_TIMEOUT": "slow"}, "DOCENT_EMBEDDINGS_TIMEOUT must be a positive number"),
        (
            {"WEBHOOK_LEASE_SECONDS": 5, "WEBHOOK_TIMEOUT": 10},
            "DOCENT_WEBHOOK_LEASE_SECONDS must be longer than DOCENT_WEBHOOK_TIMEOUT.",
        ),
    ],
)
def test_newly_declared_settings_are_checked_at_start(tmp_path, overrides, message):
    with pytest.raises(ConfigError) as info:
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                **overrides,
            }
        )
    assert str(info.value).startswith(message)
