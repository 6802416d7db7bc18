"""The site owners' blueprint."""

from __future__ import annotations

from web import Audience

# No url_prefix: the landing page is "/", every other page is under /dashboard; both
# are its URL space, so a missing page there is the dashboard's own 404 page.
bp = Audience("dashboard", __name__, claims=("/", "/dashboard"))
