"""GET /healthz (the process is up) and GET /readyz (database and limiter storage reachable)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from extensions import limiter
from models import db

bp = Blueprint("health", __name__)
limiter.exempt(bp)
log = logging.getLogger("docent.health")


def _database() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        log.warning("readiness: the database is unreachable", exc_info=True)
        return False
    finally:
        db.session.rollback()


def _limiter() -> bool:
    try:
        return bool(limiter.storage.check())
    except Exception:  # noqa: BLE001
        log.warning("readiness: the limiter storage is unreachable", exc_info=True)
        return False


def _reply(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """Answer 200 while the process serves requests."""
    return _reply({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> Response:
    """Answer 200 when the database and the limiter storage answer, else 503."""
    checks = {"database": _database(), "limiter": _limiter()}
    ready = all(checks.values())
    return _reply(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: "ok" if up else "unavailable" for name, up in checks.items()},
        },
        200 if ready else 503,
    )
