"""OpenAPI paths and schemas of site sources and the widget's lead form."""

from __future__ import annotations

from typing import Any

from api.schemas import INT, SID, STR, TIME, Schema, arr, obj, ref

NULL_STR: Schema = {"type": ["string", "null"]}
COUNTS = ("added", "updated", "unchanged", "removed", "failed", "skipped")
SCHEMAS: dict[str, Schema] = {
    "SiteSource": obj(
        {
            "id": INT,
            "kind": {"enum": ["sitemap", "crawl"]},
            "url": STR,
            "status": {"enum": ["queued", "syncing", "ready", "failed"]},
            "error": NULL_STR,
            "progress": obj({"found": INT, "done": INT}),
            "last_sync": {
                "type": "object",
                "description": "What the last sync did; empty before the first.",
                "properties": {name: INT for name in COUNTS},
                "additionalProperties": False,
            },
            "last_synced_at": {"type": ["string", "null"], "format": "date-time"},
            "created_at": TIME,
        }
    ),
    "SiteSourceRequest": {
        "oneOf": [
            obj({"sitemap": {**STR, "format": "uri"}}),
            obj({"url": {**STR, "format": "uri"}, "crawl": {"const": True}}),
        ]
    },
    "SiteSourceReply": obj({"success": {"const": True}, "source": ref("SiteSource")}),
    "SiteSourceList": obj({"success": {"const": True}, "sources": arr(ref("SiteSource"))}),
    "LeadRequest": obj(
        {"sessionId": SID, "kind": {"enum": ["lead", "handoff"]}, "email": STR},
        {"name": STR, "message": STR},
    ),
    "Lead": obj(
        {
            "id": INT,
            "kind": {"enum": ["lead", "handoff"]},
            "session_id": SID,
            "name": STR,
            "email": STR,
            "message": STR,
            "created_at": TIME,
        }
    ),
    "LeadReply": obj({"success": {"const": True}, "lead": ref("Lead")}),
}


def site_paths(op: Any, ok: Any, path_param: Any) -> dict[str, Any]:
    """Return the paths of the sources and lead routes, built with openapi.py's helpers."""
    source_id = [path_param("source_id", {"type": "integer"})]
    return {
        "/api/v1/sources": {
            "get": op(
                "List site sources and their progress",
                "Documents",
                ok(ref("SiteSourceList")),
                scope="documents:write",
            ),
            "post": op(
                "Add a site from its sitemap, or by crawling from a URL (first sync queued)",
                "Documents",
                ok(ref("SiteSourceReply"), "Queued"),
                scope="documents:write",
                body=ref("SiteSourceRequest"),
                status="202",
                errors=(400, 401, 403),
            ),
        },
        "/api/v1/sources/{source_id}": {
            "get": op(
                "One site source and its progress",
                "Documents",
                ok(ref("SiteSourceReply")),
                scope="documents:write",
                params=source_id,
                errors=(401, 403, 404),
            )
        },
        "/api/v1/sources/{source_id}/sync": {
            "post": op(
                "Sync a site source now (one sync runs at a time per source)",
                "Documents",
                ok(ref("SiteSourceReply"), "Queued"),
                scope="documents:write",
                params=source_id,
                status="202",
                errors=(401, 403, 404),
            )
        },
        "/v1/leads": {
            "post": op(
                "Leave contact details or ask for a person (the widget's lead form)",
                "Headless",
                ok(ref("LeadReply"), "Stored"),
                body=ref("LeadRequest"),
                status="201",
                errors=(400, 401, 403, 429),
            )
        },
    }
