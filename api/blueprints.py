"""The machine clients' blueprints, by audience (api/__init__.py says which is which)."""

from __future__ import annotations

from web import Audience

bp = Audience("api", __name__, cookieless=True)
headless = Audience("headless", __name__, url_prefix="/v1")
developer = Audience("developer", __name__, url_prefix="/api/v1")
chats = Audience("chats", __name__, url_prefix="/chat")
for child in (headless, developer, chats):
    bp.register_blueprint(child)

# The developer blueprint's full name: only its routes accept a key in the body or query.
DEVELOPER = "api.developer"
# Every machine blueprint, for what applies to each by name (CSRF exemption).
ALL = (bp, headless, developer, chats)
