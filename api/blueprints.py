"""The machine clients' blueprints, one per audience, under a parent that shares hooks.

- `bp` ("api"): the parent. Keys authenticate every request (no cookie, no CSRF) and
  CORS preflights are answered before anything else; errors render as SPEC's JSON
  (the app's default). It holds the two routes outside the prefixes below: /mcp and
  the API reference at /api/docs.
- `headless` ("api.headless", /v1): the widget, headless and OpenAI-compatible clients.
- `developer` ("api.developer", /api/v1): developers' REST, SSE and WebSocket API.
- `chats` ("api.chats", /chat): chat sessions in the Quivr layout.

The three prefixed blueprints echo allowed origins (api/cors.py).
"""

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
