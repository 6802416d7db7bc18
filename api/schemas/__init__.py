"""JSON Schemas of Docent's API payloads: one registry, built once.

The OpenAPI document lists SCHEMAS, and api/validation.refuse_unknown refuses body fields
they do not define.

Each area keeps its schemas in its own module; add a schema there, and a new area's
module to REGISTRY below.
"""

from __future__ import annotations

from api.schemas import chat, integrations, records, sites
from api.schemas.base import (
    ANSWERED,
    BOOL,
    COUNTS,
    DAY,
    INT,
    KEY_IN_BODY,
    META,
    NULLABLE_ANSWERED,
    NULLABLE_STR,
    NUM,
    QUESTION,
    REF,
    SID,
    STR,
    TEXT,
    TIME,
    Schema,
    arr,
    obj,
    ref,
)


def _registry() -> dict[str, Schema]:
    registry: dict[str, Schema] = {}
    for area in (chat, records, integrations, sites):
        clash = registry.keys() & area.SCHEMAS.keys()
        assert not clash, f"schemas named twice: {sorted(clash)}"
        registry.update(area.SCHEMAS)
    return registry


# Every schema of the API by name (components.schemas of the OpenAPI document).
SCHEMAS: dict[str, Schema] = _registry()

__all__ = [
    "ANSWERED",
    "BOOL",
    "COUNTS",
    "DAY",
    "INT",
    "KEY_IN_BODY",
    "META",
    "NULLABLE_ANSWERED",
    "NULLABLE_STR",
    "NUM",
    "QUESTION",
    "REF",
    "SCHEMAS",
    "SID",
    "STR",
    "TEXT",
    "TIME",
    "Schema",
    "arr",
    "obj",
    "ref",
]
