"""Keys: origins validated and normalised, empty-list warning, scopes, limits, revoke."""

from __future__ import annotations

import re

import pytest

from api.keys import hash_key
from models import ApiKey, db, utcnow
from tests import test_dashboard_support as support

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in

ASK = {"sessionId": "visitor-1", "message": "How long does shipping take?"}


def new_key(client, bot: int, **form):
    return client.post(f"/dashboard/bots/{bot}/keys", data=form)


def test_empty_state(signed_in, bot_id):
    assert b"No keys yet" in signed_in.get(f"/dashboard/bots/{bot_id}/keys").data


def test_public_key_with_normalised_origins_works_from_them(app, client, signed_in, bot_id):
    response = new_key(
        signed_in,
        bot_id,
        kind="public",
        name="Shop",
        origins="HTTPS://Shop.Example:443/\nhttps://*.example.org, http://localhost:*\n"
        "https://shop.example",
        rate_limit="20/minute",
        daily_quota="500",
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    text = re.search(r"pk_\w+", response.data.decode()).group(0)
    assert "data-key=&#34;" + text in response.data.decode()  # the snippet, ready to copy
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        assert key.origins == [
            "https://shop.example",
            "https://*.example.org",
            "http://localhost:*",
        ]
        assert (key.scopes, key.rate_limit, key.daily_quota) == (["chat"], "20/minute", 500)
    ok = client.post(
        "/v1/chat", json=ASK, headers={"x-api-key": text, "Origin": "https://shop.example"}
    )
    assert ok.status_code == 200
    page = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert text in page and "https://*.example.org" in page and "500 messages a day" in page
    assert "never" not in page.split(text)[1].split("Last used")[1][:120]


@pytest.mark.parametrize(
    "origin, message",
    [
        ("https://shop.example/path", "must not have a path"),
        ("ftp://shop.example", "http or https"),
        ("null", "not an origin"),
        ("https://user:pw@shop.example", "credentials"),
        ("https://*.example.com:*", "not both"),
    ],
)
def test_bad_origins_are_refused_with_a_reason(app, signed_in, bot_id, origin, message):
    response = new_key(signed_in, bot_id, kind="public", origins=origin)
    assert response.status_code == 400 and message in response.data.decode()
    with app.app_context():
        assert db.session.execute(db.select(ApiKey)).first() is None


def test_empty_origin_list_warns_then_is_allowed_on_request(app, signed_in, bot_id):
    warned = new_key(signed_in, bot_id, kind="public", origins="  ")
    assert warned.status_code == 400 and b"No origins listed" in warned.data
    assert b"Create it without origins" in warned.data
    with app.app_context():
        assert db.session.execute(db.select(ApiKey)).first() is None
    created = new_key(signed_in, bot_id, kind="public", origins="", allow_no_origin="y")
    assert created.status_code == 200
    page = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data
    assert b"works in no browser" in page


def test_secret_key_is_shown_once_with_chosen_scopes(app, client, signed_in, bot_id):
    response = new_key(signed_in, bot_id, kind="secret", name="Backend", scopes=["usage:read"])
    html = response.data.decode()
    text = re.search(r"sk_\w+", html).group(0)
    assert "only time it is shown" in html
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        assert key.key_hash == hash_key(text) and key.public_text is None
        assert key.scopes == ["usage:read"]
    page = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert text not in page and text[:10] in page
    assert (
        client.post("/api/v1/chat", json={"message": "hi"}, headers={"x-api-key": text}).status_code
        == 403
    )


def test_secret_key_needs_a_scope_and_a_valid_rate_limit(signed_in, bot_id):
    assert new_key(signed_in, bot_id, kind="secret").status_code == 400
    bad_limit = new_key(signed_in, bot_id, kind="secret", scopes=["chat"], rate_limit="lots")
    assert bad_limit.status_code == 400 and b"is not like" in bad_limit.data
    bad_quota = new_key(signed_in, bot_id, kind="secret", scopes=["chat"], daily_quota="0")
    assert bad_quota.status_code == 400


def test_public_key_ignores_requested_scopes(app, signed_in, bot_id):
    new_key(signed_in, bot_id, kind="public", origins="https://a.example", scopes=["usage:read"])
    with app.app_context():
        assert db.session.execute(db.select(ApiKey)).scalar_one().scopes == ["chat"]


def test_revoke_takes_effect_on_the_next_request(app, client, signed_in, bot_id):
    html = new_key(signed_in, bot_id, kind="public", origins="https://a.example").data.decode()
    text = re.search(r"pk_\w+", html).group(0)
    headers = {"x-api-key": text, "Origin": "https://a.example"}
    assert client.get("/v1/widget/config", headers=headers).status_code == 200
    with app.app_context():
        key_id = db.session.execute(db.select(ApiKey.id)).scalar_one()
    response = signed_in.post(f"/dashboard/bots/{bot_id}/keys/{key_id}/revoke")
    assert response.status_code == 302
    assert client.get("/v1/widget/config", headers=headers).status_code == 401
    page = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert "revoked" in page and text not in page


def test_last_used_is_shown(app, signed_in, bot_id):
    new_key(signed_in, bot_id, kind="secret", scopes=["chat"])
    assert b"never" in signed_in.get(f"/dashboard/bots/{bot_id}/keys").data
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        key.last_used_at = utcnow()
        db.session.commit()
    assert b"just now" in signed_in.get(f"/dashboard/bots/{bot_id}/keys").data


def test_key_names_are_escaped(signed_in, bot_id):
    new_key(signed_in, bot_id, kind="secret", scopes=["chat"], name=support.XSS)
    html = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
