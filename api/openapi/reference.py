"""OpenAPI paths of the reference itself and of the health checks."""

from __future__ import annotations

from typing import Any

from api.openapi.operations import ok, op
from api.schemas import STR


def reference_paths() -> dict[str, Any]:
    """This document and its rendered reference."""
    return {
        "/api/v1/openapi.json": {
            "get": op("This document", "Reference", ok({"type": "object"}), public=True, errors=())
        },
        "/api/docs": {
            "get": op(
                "The rendered API reference",
                "Reference",
                {"description": "HTML", "content": {"text/html": {"schema": STR}}},
                public=True,
                errors=(),
            )
        },
    }


def health_paths() -> dict[str, Any]:
    """The process and readiness checks a load balancer polls (no key, no limits)."""
    state = {"type": "string", "enum": ["ok", "unavailable"]}
    ready = {
        "type": "object",
        "properties": {
            "status": state,
            "checks": {
                "type": "object",
                "properties": {"database": state, "limiter": state},
            },
        },
    }
    return {
        "/healthz": {
            "get": op(
                "The process is up",
                "Operations",
                ok({"type": "object", "properties": {"status": {"const": "ok"}}}),
                public=True,
                errors=(),
            )
        },
        "/readyz": {
            "get": op(
                "The database and the limiter storage answer (503 when either does not)",
                "Operations",
                ok(ready),
                public=True,
                errors=(),
            )
            | {"responses": {"200": ok(ready), "503": ok(ready, "Not ready")}},
        },
    }
