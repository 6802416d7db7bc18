"""The CLI of SPEC §1: each command prints one JSON object."""

from __future__ import annotations

import json

import pytest

from models import ApiKey, Bot, Document, User, db
from services.keys import key_kind


def run_json(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_users_bots_keys_docs(app, runner, tmp_path):
    user = run_json(
        runner, "users", "create", "--email", "Owner@Example.com", "--password", "hunter2-long"
    )
    bot = run_json(
        runner,
        "bots",
        "create",
        "--name",
        "Help",
        "--owner",
        "owner@example.com",
        "--prompt",
        "Be kind.",
        "--model",
        "gpt-4o-mini",
    )
    public = run_json(
        runner,
        "keys",
        "create",
        "--bot",
        str(bot["bot_id"]),
        "--kind",
        "public",
        "--origin",
        "https://Shop.Example/",
        "--origin",
        "http://localhost:*",
    )
    secret = run_json(
        runner,
        "keys",
        "create",
        "--bot",
        str(bot["bot_id"]),
        "--kind",
        "secret",
        "--scope",
        "chat",
        "--scope",
        "usage:read",
        "--rate-limit",
        "10/minute",
        "--daily-quota",
        "100",
    )
    (tmp_path / "faq.md").write_text(
        "# FAQ\n\n## Opening hours\n\nWe are open nine to five on weekdays.\n"
    )
    (tmp_path / "notes.txt").write_text("Parking is free for customers behind the store.\n")
    docs = run_json(
        runner,
        "docs",
        "add",
        "--bot",
        str(bot["bot_id"]),
        str(tmp_path / "faq.md"),
        str(tmp_path / "notes.txt"),
    )
    assert docs["documents"] == 2 and docs["chunks"] >= 2
    # The passage vectors the worker would fill, now; nothing is left for a second run.
    embedded = run_json(runner, "docs", "embed", "--bot", str(bot["bot_id"]))
    assert embedded == {"embedded": docs["chunks"]}
    assert run_json(runner, "docs", "embed") == {"embedded": 0}
    assert key_kind(public["key"]) == "public" and key_kind(secret["key"]) == "secret"
    with app.app_context():
        assert db.session.get(User, user["user_id"]).email == "owner@example.com"
        stored = db.session.get(Bot, bot["bot_id"])
        assert (stored.prompt, stored.model, stored.owner_id) == (
            "Be kind.",
            "gpt-4o-mini",
            user["user_id"],
        )
        pk = db.session.get(ApiKey, public["key_id"])
        assert pk.origins == ["https://shop.example", "http://localhost:*"] and pk.scopes == [
            "chat"
        ]
        sk = db.session.get(ApiKey, secret["key_id"])
        assert (sk.scopes, sk.rate_limit, sk.daily_quota) == (
            ["chat", "usage:read"],
            "10/minute",
            100,
        )
        assert db.session.execute(db.select(db.func.count(Document.id))).scalar() == 2
    assert run_json(runner, "keys", "revoke", str(secret["key_id"])) == {"revoked": True}


def test_default_model_from_setting(app, runner):
    app.config["MODEL"] = "my-local-model"
    bot = run_json(runner, "bots", "create", "--name", "Local")
    with app.app_context():
        assert db.session.get(Bot, bot["bot_id"]).model == "my-local-model"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("users create --email a@b.c --password short", "at least 8"),
        ("bots create --name X --owner nobody@x.y", "No owner"),
        ("keys create --bot 999 --kind public", "No bot"),
        ("keys revoke 999", "No key"),
        ("keys create --bot {bot} --kind public --origin not-an-origin", "origin"),
        ("keys create --bot {bot} --kind public --scope usage:read", "chat"),
        ("keys create --bot {bot} --kind secret --rate-limit lots", "30/minute"),
        ("docs add --bot {bot} {empty}", "empty.txt"),
        ("docs embed --bot 999", "No bot"),
    ],
)
def test_cli_errors_are_clear(app, runner, tmp_path, args, message):
    bot = run_json(runner, "bots", "create", "--name", "B")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = runner.invoke(args=args.format(bot=bot["bot_id"], empty=empty).split())
    assert result.exit_code != 0
    assert message in result.output


def test_seed_is_idempotent(app, runner):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Bot.id))).scalar() == 1
        assert db.session.execute(db.select(db.func.count(ApiKey.id))).scalar() == 1
        assert db.session.execute(db.select(db.func.count(Document.id))).scalar() >= 4
    assert "demo@docent.local" in second.output and "/dashboard" in second.output


def test_bots_create_with_a_language(app, runner):
    bot = run_json(runner, "bots", "create", "--name", "Aide", "--language", "fr")
    with app.app_context():
        assert db.session.get(Bot, bot["bot_id"]).language == "fr"
    default = run_json(runner, "bots", "create", "--name", "Help")
    with app.app_context():
        assert db.session.get(Bot, default["bot_id"]).language == "en"
    result = runner.invoke(args=["bots", "create", "--name", "X", "--language", "klingon"])
    assert result.exit_code != 0 and "klingon" in result.output
