"""Keys: origins validated and normalised, empty-list warning, scopes, limits, edit, revoke."""

from __future__ import annotations

import re

import pytest

from dashboard.bots import PREVIEW_KEY_NAME
from models import ApiKey, Bot, db, utcnow
from services.keys import create_key, hash_key
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


# Editing a key: name, origins, scopes and limits change; the key text never does.


def stored_key(app, key_id: int) -> ApiKey:
    with app.app_context():
        key = db.session.get(ApiKey, key_id)
        db.session.expunge(key)
        return key


def make_key(app, bot: int, kind: str = "public", **fields) -> tuple[int, str]:
    """Store a key directly and return its id and text."""
    with app.app_context():
        key, text = create_key(db.session.get(Bot, bot), kind, **fields)
        return key.id, text


def edit_path(bot: int, key_id: int) -> str:
    return f"/dashboard/bots/{bot}/keys/{key_id}/edit"


def test_edit_changes_origins_and_limits_from_the_next_request(app, client, signed_in, bot_id):
    key_id, text = make_key(app, bot_id, origins=["https://old.example"], name="Shop")
    before = stored_key(app, key_id)
    page = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert f'href="{edit_path(bot_id, key_id)}"' in page
    form = signed_in.get(edit_path(bot_id, key_id))
    assert form.status_code == 200 and "https://old.example" in form.data.decode()
    assert form.headers["Cache-Control"] == "no-store"
    response = signed_in.post(
        edit_path(bot_id, key_id),
        data={
            "name": "  Shop 2  ",
            "origins": "HTTPS://New.Example:443/\nhttps://new.example, http://localhost:*",
            "scopes": ["chat"],
            "rate_limit": "40/minute",
            "daily_quota": "250",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dashboard/bots/{bot_id}/keys")
    after = stored_key(app, key_id)
    assert after.origins == ["https://new.example", "http://localhost:*"]
    assert (after.name, after.scopes, after.rate_limit, after.daily_quota) == (
        "Shop 2",
        ["chat"],
        "40/minute",
        250,
    )
    assert (after.key_hash, after.public_text, after.kind) == (
        before.key_hash,
        text,
        "public",
    )
    new = client.get(
        "/v1/widget/config", headers={"x-api-key": text, "Origin": "https://new.example"}
    )
    assert new.status_code == 200
    assert new.headers["Access-Control-Allow-Origin"] == "https://new.example"
    old = client.get(
        "/v1/widget/config", headers={"x-api-key": text, "Origin": "https://old.example"}
    )
    assert old.status_code == 403
    listing = signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert "Saved Shop 2" in listing and "250 messages a day" in listing


def test_edit_with_a_bad_origin_line_shows_it_and_changes_nothing(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, origins=["https://a.example"], name="Shop")
    response = signed_in.post(
        edit_path(bot_id, key_id),
        data={
            "name": "Renamed",
            "origins": "https://b.example\nhttps://c.example/shop\nftp://d.example",
            "rate_limit": "5/minute",
        },
    )
    html = response.data.decode()
    assert response.status_code == 400
    assert "must not have a path" in html and "http or https" in html
    key = stored_key(app, key_id)
    assert (key.name, key.origins, key.rate_limit) == ("Shop", ["https://a.example"], None)


def test_edit_to_an_empty_origin_list_warns_then_saves_on_request(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, origins=["https://a.example"])
    warned = signed_in.post(edit_path(bot_id, key_id), data={"origins": " "})
    assert warned.status_code == 400 and b"No origins listed" in warned.data
    assert b"Save it without origins" in warned.data
    assert stored_key(app, key_id).origins == ["https://a.example"]
    saved = signed_in.post(edit_path(bot_id, key_id), data={"origins": "", "allow_no_origin": "y"})
    assert saved.status_code == 302 and stored_key(app, key_id).origins == []


def test_edit_refuses_bad_limits_like_creation(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, origins=["https://a.example"])
    path = edit_path(bot_id, key_id)
    bad_limit = signed_in.post(path, data={"origins": "https://a.example", "rate_limit": "lots"})
    assert bad_limit.status_code == 400 and b"is not like" in bad_limit.data
    bad_quota = signed_in.post(path, data={"origins": "https://a.example", "daily_quota": "0"})
    assert bad_quota.status_code == 400
    key = stored_key(app, key_id)
    assert (key.rate_limit, key.daily_quota) == (None, None)


def test_public_key_cannot_gain_secret_scopes(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, origins=["https://a.example"])
    page = signed_in.get(edit_path(bot_id, key_id)).data.decode()
    assert 'value="usage:read"' not in page  # no scope choices offered
    response = signed_in.post(
        edit_path(bot_id, key_id),
        data={"origins": "https://a.example", "scopes": ["chat", "usage:read", "documents:write"]},
    )
    assert response.status_code == 302
    assert stored_key(app, key_id).scopes == ["chat"]


def test_secret_key_scopes_change_and_its_text_is_never_shown(app, client, signed_in, bot_id):
    key_id, text = make_key(app, bot_id, "secret", scopes=["chat"], name="Backend")
    page = signed_in.get(edit_path(bot_id, key_id)).data.decode()
    assert text not in page and text[:10] in page and 'value="usage:read"' in page
    assert client.get("/api/v1/usage", headers={"x-api-key": text}).status_code == 403
    none = signed_in.post(edit_path(bot_id, key_id), data={"name": "Backend"})
    assert none.status_code == 400 and b"Choose at least one scope." in none.data
    unknown = signed_in.post(edit_path(bot_id, key_id), data={"scopes": ["admin"]})
    assert unknown.status_code == 400 and stored_key(app, key_id).scopes == ["chat"]
    saved = signed_in.post(
        edit_path(bot_id, key_id), data={"name": "Backend", "scopes": ["usage:read"]}
    )
    assert saved.status_code == 302 and text not in saved.data.decode()
    assert stored_key(app, key_id).scopes == ["usage:read"]
    assert text not in signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    assert client.get("/api/v1/usage", headers={"x-api-key": text}).status_code == 200


@pytest.fixture
def csrf_config(config):
    config["WTF_CSRF_ENABLED"] = True
    return config


def test_edit_refuses_a_missing_csrf_token(csrf_config, app, client, owner, bot_id):
    token = support.csrf_from(client.get("/dashboard/login").data.decode())
    client.post(
        "/dashboard/login",
        data={"email": "owner@example.com", "password": support.PASSWORD, "csrf_token": token},
    )
    key_id, _ = make_key(app, bot_id, origins=["https://a.example"], name="Shop")
    form = {"name": "Changed", "origins": "https://evil.example"}
    refused = client.post(edit_path(bot_id, key_id), data=form)
    assert refused.status_code == 400 and b"This form has expired" in refused.data
    key = stored_key(app, key_id)
    assert (key.name, key.origins) == ("Shop", ["https://a.example"])
    token = support.csrf_from(client.get(edit_path(bot_id, key_id)).data.decode())
    accepted = client.post(edit_path(bot_id, key_id), data={**form, "csrf_token": token})
    assert accepted.status_code == 302
    assert stored_key(app, key_id).origins == ["https://evil.example"]


def test_another_owners_key_is_not_found(app, signed_in, bot_id):
    stranger = support.make_owner(app, "stranger@example.com")
    their_bot = support.owned_bot(app, stranger, name="Theirs")
    key_id, _ = make_key(app, their_bot, origins=["https://theirs.example"], name="Theirs")
    form = {"name": "Mine now", "origins": "https://evil.example"}
    for path in (edit_path(their_bot, key_id), edit_path(bot_id, key_id)):
        assert signed_in.get(path).status_code == 404
        assert signed_in.post(path, data=form).status_code == 404
    key = stored_key(app, key_id)
    assert (key.name, key.origins) == ("Theirs", ["https://theirs.example"])


def test_a_revoked_key_cannot_be_edited(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, origins=["https://a.example"], name="Old")
    with app.app_context():
        db.session.get(ApiKey, key_id).revoked_at = utcnow()
        db.session.commit()
    assert (
        edit_path(bot_id, key_id)
        not in signed_in.get(f"/dashboard/bots/{bot_id}/keys").data.decode()
    )
    shown = signed_in.get(edit_path(bot_id, key_id), follow_redirects=True)
    assert b"revoked, so it can no longer be changed" in shown.data
    refused = signed_in.post(
        edit_path(bot_id, key_id), data={"name": "New", "origins": "https://b.example"}
    )
    assert refused.status_code == 302
    key = stored_key(app, key_id)
    assert (key.name, key.origins) == ("Old", ["https://a.example"])
    assert key.revoked_at is not None


def test_the_preview_key_is_not_editable_nor_its_name_takeable(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, origins=["http://localhost"], name=PREVIEW_KEY_NAME)
    assert signed_in.get(edit_path(bot_id, key_id)).status_code == 404
    posted = signed_in.post(edit_path(bot_id, key_id), data={"origins": "https://evil.example"})
    assert posted.status_code == 404
    assert stored_key(app, key_id).origins == ["http://localhost"]
    own_id, _ = make_key(app, bot_id, origins=["https://a.example"], name="Shop")
    renamed = signed_in.post(
        edit_path(bot_id, own_id), data={"name": PREVIEW_KEY_NAME, "origins": "https://a.example"}
    )
    assert renamed.status_code == 400 and b"That name is reserved" in renamed.data
    assert stored_key(app, own_id).name == "Shop"
    created = new_key(signed_in, bot_id, kind="secret", scopes=["chat"], name=PREVIEW_KEY_NAME)
    assert created.status_code == 400 and b"That name is reserved" in created.data


def test_edited_key_names_are_escaped(app, signed_in, bot_id):
    key_id, _ = make_key(app, bot_id, "secret", scopes=["chat"], name="Backend")
    saved = signed_in.post(
        edit_path(bot_id, key_id), data={"name": support.XSS, "scopes": ["chat"]}
    )
    assert saved.status_code == 302
    for path in (edit_path(bot_id, key_id), f"/dashboard/bots/{bot_id}/keys"):
        html = signed_in.get(path).data.decode()
        assert "<script>alert" not in html and "&lt;script&gt;" in html, path
