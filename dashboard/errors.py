"""Helpful HTML error pages for the dashboard; its own script still gets JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from dashboard.access import CONTENT_SECURITY_POLICY, wants_json
from dashboard.blueprint import bp
from web import http_error_response, keep_headers

ADVICE = {
    400: ("That request was not understood", "Go back, check the form and try again."),
    403: ("Not allowed", "Your account cannot do that."),
    404: (
        "Nothing here",
        "The page does not exist, or it belongs to another account. "
        "Check the address, or go back to your bots.",
    ),
    405: ("Not like that", "This page cannot be opened that way. Go back and use its buttons."),
    413: (
        "That file is too large",
        "Uploads are limited in size. Split the document, or "
        "save it as plain text or Markdown, and upload it again.",
    ),
    429: ("Too many attempts", "For your account's safety, wait a minute before trying again."),
    500: (
        "Something went wrong on our side",
        "The error was logged. Try again in a moment; if it keeps happening, check the server log.",
    ),
}
CSRF_ADVICE = (
    "This form has expired",
    "Forms are valid for one session and only from this "
    "site. Go back, reload the page, and submit it again.",
)


def wants_html() -> bool:
    """Tell whether an error should be a page: always on the landing page, elsewhere unless
    the dashboard's own script asks for JSON."""
    return request.path == url_for("dashboard.landing") or not wants_json()


def render_error(error: Any) -> Any:
    """Render an error as a calm page with what to do next (or JSON for the page's script)."""
    status = error.code if isinstance(error, HTTPException) and error.code else 500
    if isinstance(error, CSRFError):
        title, advice = CSRF_ADVICE
    else:
        title, advice = ADVICE.get(status, (getattr(error, "name", "Error"), ADVICE[400][1]))
    if not wants_html():
        response = jsonify(
            {
                "success": False,
                "error": {
                    "code": "csrf_failed" if isinstance(error, CSRFError) else "http_error",
                    "message": f"{title}. {advice}",
                },
            }
        )
    else:
        response = current_app.make_response(
            render_template("dashboard/error.html", status=status, title=title, advice=advice)
        )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Cache-Control"] = "no-store"
    response.status_code = status
    if isinstance(error, HTTPException):
        keep_headers(error, response)
    return response


@bp.errorhandler(Exception)
def _dashboard_error(error: Exception) -> Any:
    if not isinstance(error, HTTPException):
        current_app.logger.exception("Dashboard error on %s %s", request.method, request.path)
        error = InternalServerError()
    elif request.url_rule is None and not wants_html():
        # A dashboard URL that does not exist, asked for by a script: SPEC's JSON error.
        return http_error_response(error)
    return render_error(error)
