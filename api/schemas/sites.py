"""Schemas of site sources and the widget's lead form."""

from __future__ import annotations

from api.schemas.base import INT, KEY_IN_BODY, SID, STR, TEXT, TIME, Schema, arr, obj, ref

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
            obj({"sitemap": {**STR, "format": "uri"}}, {"api_key": KEY_IN_BODY}),
            obj(
                {"url": {**STR, "format": "uri"}, "crawl": {"const": True}},
                {"api_key": KEY_IN_BODY},
            ),
        ]
    },
    "SiteSourceReply": obj({"success": {"const": True}, "source": ref("SiteSource")}),
    "SiteSourceList": obj({"success": {"const": True}, "sources": arr(ref("SiteSource"))}),
    "LeadRequest": obj(
        {"sessionId": SID, "kind": {"enum": ["lead", "handoff"]}, "email": TEXT},
        {"name": TEXT, "message": TEXT},
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
