"""OpenAPI paths of the site sources and lead routes."""

from __future__ import annotations

from typing import Any

from api.openapi.operations import ok, op, path_param
from api.schemas import ref


def site_paths() -> dict[str, Any]:
    """Return the paths of the sources and lead routes."""
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
