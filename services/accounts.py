"""Dashboard owners: create an account with a hashed password."""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from models import User, db


def find_user(email: str) -> User | None:
    """Return the owner with this email (compared trimmed and in lower case), if any."""
    return db.session.execute(
        db.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def create_user(email: str, password: str) -> User:
    """Store a new owner with a hashed password; raise ValueError with what to fix."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise ValueError("Enter a valid email address.")
    if len(password) < 8:
        raise ValueError("Passwords need at least 8 characters.")
    if find_user(email):
        raise ValueError(f"An account for {email} already exists.")
    user = User(email=email, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user
