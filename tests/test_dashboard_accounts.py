"""Accounts: sign up, sign in and out, change password, CSRF, rate limits, cookies."""

from __future__ import annotations

import pytest

from models import User, db
from tests import test_dashboard_support as support
from tests.test_dashboard_support import PASSWORD, csrf_from, make_owner, sign_in

# Shared fixtures.
owner = support.owner
signed_in = support.signed_in


def test_signup_signs_in_and_hashes_the_password(app, client):
    page = client.get("/dashboard/signup")
    assert page.status_code == 200 and b"Create your account" in page.data
    response = client.post(
        "/dashboard/signup",
        data={"email": "New@Example.com", "password": "s3cret-pass", "confirm": "s3cret-pass"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert b"Create your first bot" in client.get("/dashboard").data
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.email == "new@example.com"
        assert "s3cret-pass" not in user.password_hash and user.password_hash.startswith(
            ("scrypt:", "pbkdf2:")
        )


@pytest.mark.parametrize(
    "form, message",
    [
        ({"email": "a@b.co", "password": "short", "confirm": "short"}, b"at least 8"),
        ({"email": "a@b.co", "password": "longenough1", "confirm": "different1"}, b"differ"),
        ({"email": "", "password": "longenough1", "confirm": "longenough1"}, b"required"),
    ],
)
def test_signup_refuses_bad_input(client, form, message):
    response = client.post("/dashboard/signup", data=form)
    assert response.status_code == 200 and message in response.data
    assert client.get("/dashboard").status_code == 302


def test_signup_refuses_a_taken_email(app, client):
    make_owner(app, "taken@example.com")
    response = client.post(
        "/dashboard/signup",
        data={"email": "taken@example.com", "password": "longenough1", "confirm": "longenough1"},
    )
    assert b"already exists" in response.data


def test_login_logout_and_wrong_password(app, client, owner):
    wrong = sign_in(client, password="not the password")
    assert wrong.status_code == 200 and b"do not match" in wrong.data
    unknown = sign_in(client, email="nobody@example.com")
    assert b"do not match" in unknown.data
    assert sign_in(client).status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert client.post("/dashboard/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_pages_need_a_signed_in_owner(client):
    response = client.get("/dashboard/bots/1/documents")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dashboard/login?next=")
    scripted = client.get(
        "/dashboard/bots/1/documents/status", headers={"X-Requested-With": "fetch"}
    )
    assert scripted.status_code == 401 and scripted.json["error"]["code"] == "signed_out"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/dashboard/account", "/dashboard/account"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ],
)
def test_login_redirects_only_within_the_site(client, owner, target, expected):
    response = client.post(
        "/dashboard/login",
        query_string={"next": target},
        data={"email": "owner@example.com", "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_change_password_signs_out_other_browsers(app, signed_in):
    other = app.test_client()
    sign_in(other)
    assert other.get("/dashboard").status_code == 200
    bad = signed_in.post(
        "/dashboard/account",
        data={
            "current": "wrong-password",
            "password": "brand-new-pass",
            "confirm": "brand-new-pass",
        },
    )
    assert b"not right" in bad.data
    response = signed_in.post(
        "/dashboard/account",
        data={"current": PASSWORD, "password": "brand-new-pass", "confirm": "brand-new-pass"},
    )
    assert response.status_code == 302
    assert signed_in.get("/dashboard").status_code == 200  # this browser stays in
    assert other.get("/dashboard").status_code == 302  # the other one is signed out
    assert sign_in(other, password="brand-new-pass").status_code == 302


def test_session_cookie_flags(app, client, owner):
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client().post(
        "/dashboard/login",
        base_url="https://docent.example",
        data={"email": "owner@example.com", "password": PASSWORD},
    )
    assert "Secure" in secure.headers["Set-Cookie"]


def test_login_attempts_are_rate_limited(app, client, owner):
    app.config["LOGIN_RATE_LIMIT"] = "3/minute"
    for _ in range(3):
        assert sign_in(client, password="guess-guess").status_code == 200
    limited = sign_in(client)
    assert limited.status_code == 429
    assert b"Too many attempts" in limited.data and limited.headers["Retry-After"]
    assert limited.mimetype == "text/html"


@pytest.fixture
def csrf_app_config(config):
    config["WTF_CSRF_ENABLED"] = True
    return config


@pytest.mark.parametrize(
    "path, form",
    [
        (
            "/dashboard/signup",
            {"email": "x@example.com", "password": "longenough1", "confirm": "longenough1"},
        ),
        ("/dashboard/login", {"email": "owner@example.com", "password": PASSWORD}),
    ],
)
def test_csrf_refused_on_account_forms(csrf_app_config, app, client, owner, path, form):
    refused = client.post(path, data=form)
    assert refused.status_code == 400 and b"This form has expired" in refused.data
    token = csrf_from(client.get(path).data.decode())
    assert client.post(path, data={**form, "csrf_token": token}).status_code == 302


def test_csrf_refused_on_logout_and_password(csrf_app_config, app, client, owner):
    token = csrf_from(client.get("/dashboard/login").data.decode())
    client.post(
        "/dashboard/login",
        data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert client.post("/dashboard/logout").status_code == 400
    assert (
        client.post(
            "/dashboard/account",
            data={
                "current": PASSWORD,
                "password": "brand-new-pass",
                "confirm": "brand-new-pass",
            },
        ).status_code
        == 400
    )
    assert client.get("/dashboard").status_code == 200  # still signed in, nothing changed
