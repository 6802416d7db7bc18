"""Accounts: sign up, sign in, sign out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from dashboard.access import password_stamp
from dashboard.blueprint import bp
from dashboard.forms import ButtonForm, LoginForm, PasswordForm, SignupForm
from extensions import limiter
from models import User, db
from services.accounts import create_user

# Compared against when the email is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("docent-timing-equaliser")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()[:255]


def _safe_next(target: str | None) -> str:
    """Return a same-site path to go to after signing in, never another host."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("dashboard.home")


def _sign_in(user: User) -> None:
    # A fresh session on sign-in: nothing from before survives (no fixation).
    session.clear()
    login_user(user)
    session["_pw"] = password_stamp(user)


@bp.route("/dashboard/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup() -> str | Response:
    """Create an account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data or "", form.password.data or "")
        except ValueError as exc:
            form.email.errors.append(str(exc))
        else:
            _sign_in(user)
            flash("Welcome to Docent. Create your first bot to get started.", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("dashboard/signup.html", form=form)


@bp.route("/dashboard/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login() -> str | Response:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if (
            check_password_hash(
                user.password_hash if user else _DUMMY_HASH, form.password.data or ""
            )
            and user is not None
        ):
            _sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("That email and password do not match an account.")
    return render_template("dashboard/login.html", form=form)


@bp.post("/dashboard/logout")
def logout() -> Response:
    """Sign out (a POST with a CSRF token, so no page can sign you out)."""
    form = ButtonForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
        return redirect(url_for("dashboard.login"))
    return redirect(url_for("dashboard.home"))


@bp.route("/dashboard/account", methods=["GET", "POST"])
def account() -> str | Response:
    """Change the password; other signed-in browsers are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = db.session.get_one(User, current_user.id)
        if not check_password_hash(user.password_hash, form.current.data or ""):
            form.current.errors.append("The current password is not right.")
        else:
            user.password_hash = generate_password_hash(form.password.data or "")
            db.session.commit()
            session["_pw"] = password_stamp(user)
            flash(
                "Password changed. Other browsers signed in to this account are signed out.",
                "success",
            )
            return redirect(url_for("dashboard.account"))
    return render_template("dashboard/account.html", form=form, logout_form=ButtonForm())
