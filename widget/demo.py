"""Demo host pages under /demo/, registered only when DOCENT_DEMO is set."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from seed import demo_key

bp = Blueprint(
    "demo", __name__, url_prefix="/demo", static_folder="static", static_url_path="/static"
)

LOOPBACK_SWAP = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}


def demo_key_text() -> str | None:
    """Return the seeded demo bot's public key, the only key a demo page embeds."""
    key = demo_key()
    return key.public_text if key else None


def api_base() -> str:
    """Return the API origin for the demo: another host name than the page's own."""
    configured = current_app.config["DEMO_API_BASE"]
    if configured:
        return str(configured).rstrip("/")
    parts = urlsplit(request.host_url)
    host = parts.hostname or ""
    other = LOOPBACK_SWAP.get(host, host)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{other}{port}"


def render_demo(template: str, **options: str) -> ResponseReturnValue:
    """Render a demo page under a strict Content Security Policy."""
    parts = urlsplit(request.host_url)
    if parts.hostname == "127.0.0.1" and not current_app.config["DEMO_API_BASE"]:
        # The page must sit on another origin than the API for origin rules to apply.
        port = f":{parts.port}" if parts.port else ""
        return redirect(f"{parts.scheme}://localhost{port}{request.full_path.rstrip('?')}")
    base = api_base()
    page_origin = f"{parts.scheme}://{parts.netloc}"
    theme = request.args.get("theme", "")
    direction = request.args.get("dir", "")
    attrs = {
        "data-theme": theme if theme in ("light", "dark") else None,
        "data-dir": direction if direction in ("ltr", "rtl") else None,
        **options,
    }
    html = render_template(
        template,
        api_base=base,
        key=demo_key_text(),
        page_origin=page_origin,
        attrs={k: v for k, v in attrs.items() if v},
        rtl=direction == "rtl",
    )
    response = Response(html, mimetype="text/html")
    # The one line a site owner adds for Docent: its origin in script-src and connect-src.
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {base}; connect-src {base}; "
        f"style-src 'self'; img-src 'self' {base}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def demo() -> ResponseReturnValue:
    """A pretend customer site with the launcher widget."""
    return render_demo("widget/demo.html")


@bp.get("/help")
def demo_help() -> ResponseReturnValue:
    """A pretend help centre with the widget inline in the page."""
    return render_demo("widget/help.html", **{"data-mode": "inline", "data-target": "#assistant"})
