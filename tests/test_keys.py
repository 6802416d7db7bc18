"""Key text, auth forms, scopes, revocation and origin rules (SPEC §2)."""

from __future__ import annotations

import pytest

from models import ApiKey, db
from services.keys import generate_key, hash_key, key_kind

ASK = {"sessionId": "visitor-1", "message": "How long does shipping take?"}


def test_key_text_shape():
    public, secret = generate_key("public"), generate_key("secret")
    assert public.startswith("pk_") and secret.startswith("sk_")
    assert key_kind(public) == "public" and key_kind(secret) == "secret"
    assert len(public) == 41 and public != generate_key("public")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # checksum digit changed
        lambda k: k[:10] + ("x" if k[10] != "x" else "y") + k[11:],  # body typo
        lambda k: k[:-2],  # truncated
        lambda k: "xk_" + k[3:],  # unknown prefix
        lambda k: k[:5] + "!" + k[6:],  # not base62
    ],
)
def test_malformed_keys_refused_without_database(mutate):
    assert key_kind(mutate(generate_key("secret"))) is None


def test_secret_key_stored_only_as_hash(app, make_bot, make_key):
    text = make_key(make_bot(), "secret")
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        assert key.key_hash == hash_key(text) and key.public_text is None
        assert text not in repr([getattr(key, c.key) for c in ApiKey.__table__.columns])


@pytest.mark.parametrize("form", ["bearer", "x-api-key", "x-widget-api-key", "body", "query"])
def test_every_auth_form(client, make_bot, make_key, form):
    key = make_key(make_bot())
    headers, body, url = {}, {"message": "How long does shipping take?"}, "/api/v1/chat"
    if form == "bearer":
        headers["Authorization"] = f"Bearer {key}"
    elif form in ("x-api-key", "x-widget-api-key"):
        headers[form] = key
    elif form == "body":
        body["api_key"] = key
    else:
        url += f"?api_key={key}"
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["success"] is True


def test_api_key_in_body_only_on_developer_routes(client, make_bot, make_key):
    key = make_key(make_bot())
    response = client.post("/v1/chat", json={**ASK, "api_key": key})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("missing", 401, "invalid_api_key"),
        ("bad_checksum", 401, "invalid_api_key"),
        ("unknown", 401, "invalid_api_key"),
        ("revoked", 401, "invalid_api_key"),
        ("wrong_scope", 403, "scope_not_allowed"),
        ("secret_foreign_origin", 403, "origin_not_allowed"),
        ("public_no_origin", 403, "origin_not_allowed"),
        ("public_null_origin", 403, "origin_not_allowed"),
        ("public_other_origin", 403, "origin_not_allowed"),
        ("public_empty_list", 403, "origin_not_allowed"),
    ],
)
def test_key_rules(app, client, make_bot, make_key, case, status, code):
    bot = make_bot()
    headers: dict[str, str] = {}
    if case == "bad_checksum":
        key = make_key(bot)
        headers["Authorization"] = f"Bearer {key[:-1]}{'A' if key[-1] != 'A' else 'B'}"
    elif case == "unknown":
        headers["Authorization"] = f"Bearer {generate_key('secret')}"
    elif case == "revoked":
        key = make_key(bot)
        with app.app_context():
            db.session.execute(db.update(ApiKey).values(revoked_at=db.func.now()))
            db.session.commit()
        headers["Authorization"] = f"Bearer {key}"
    elif case == "wrong_scope":
        headers["Authorization"] = f"Bearer {make_key(bot, scopes=['usage:read'])}"
    elif case == "secret_foreign_origin":
        headers = {
            "Authorization": f"Bearer {make_key(bot, origins=['https://shop.example'])}",
            "Origin": "https://evil.example",
        }
    elif case.startswith("public"):
        origins = [] if case == "public_empty_list" else ["https://shop.example"]
        headers["Authorization"] = f"Bearer {make_key(bot, 'public', origins=origins)}"
        headers["Origin"] = {
            "public_no_origin": None,
            "public_null_origin": "null",
            "public_other_origin": "https://shop.example.evil.com",
            "public_empty_list": "https://shop.example",
        }[case]
        if headers["Origin"] is None:
            del headers["Origin"]
    response = client.post("/v1/chat", json=ASK, headers=headers)
    assert response.status_code == status
    assert response.json == {
        "success": False,
        "error": {"code": code, "message": response.json["error"]["message"]},
    }
    assert response.json["error"]["message"]
    assert "Access-Control-Allow-Origin" not in response.headers


def test_public_key_from_allowed_origin(client, make_bot, make_key):
    key = make_key(make_bot(), "public", origins=["https://*.shop.example"])
    response = client.post(
        "/v1/chat",
        json=ASK,
        headers={"Authorization": f"Bearer {key}", "Origin": "https://www.shop.example"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.shop.example"
    assert "Origin" in response.headers["Vary"]


def test_secret_key_without_origin_and_with_listed_origin(client, make_bot, make_key):
    key = make_key(make_bot(), origins=["https://admin.example"])
    assert (
        client.post("/v1/chat", json=ASK, headers={"Authorization": f"Bearer {key}"}).status_code
        == 200
    )
    listed = client.post(
        "/v1/chat",
        json=ASK,
        headers={"Authorization": f"Bearer {key}", "Origin": "https://admin.example"},
    )
    assert listed.status_code == 200


def test_revocation_takes_effect_on_next_request(app, client, make_bot, make_key, runner):
    key = make_key(make_bot())
    headers = {"Authorization": f"Bearer {key}"}
    assert client.post("/v1/chat", json=ASK, headers=headers).status_code == 200
    with app.app_context():
        key_id = db.session.execute(db.select(ApiKey.id)).scalar_one()
    result = runner.invoke(args=["keys", "revoke", str(key_id)])
    assert result.output.strip() == '{"revoked": true}'
    assert client.post("/v1/chat", json=ASK, headers=headers).status_code == 401


def test_last_used_at_recorded(app, client, make_bot, make_key):
    key = make_key(make_bot())
    with app.app_context():
        assert db.session.execute(db.select(ApiKey.last_used_at)).scalar_one() is None
    client.post("/v1/chat", json=ASK, headers={"Authorization": f"Bearer {key}"})
    with app.app_context():
        assert db.session.execute(db.select(ApiKey.last_used_at)).scalar_one() is not None


def test_public_key_cannot_take_secret_scopes(app, make_bot, make_key):
    with pytest.raises(ValueError, match="chat"):
        make_key(make_bot(), "public", scopes=["usage:read"])
