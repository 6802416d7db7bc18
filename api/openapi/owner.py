"""OpenAPI paths of sessions, usage, documents, questions and curated answers."""

from __future__ import annotations

from typing import Any

from api.documents import DOCUMENTS_MAX_PER_PAGE, DOCUMENTS_PER_PAGE
from api.openapi.operations import ok, op, pages, path_param, query
from api.schemas import BOOL, DAY, ref
from api.sessions import DEFAULT_PER_PAGE, MAX_PER_PAGE
from api.validation import MAX_ID

# An empty date parameter means its default, as if it were absent.
EMPTY = {"type": "string", "maxLength": 0}  # a form's blank field: the same as leaving it out
DAY_OR_EMPTY = {"anyOf": [DAY, EMPTY]}
BOOL_OR_EMPTY = {"anyOf": [BOOL, EMPTY]}
CURATED_DESCRIPTION = (
    "A visitor question that retrieval matches to a curated answer (paraphrases included) "
    "is answered from it first, and the answer is cited as a source whose title is the "
    "question and whose url is the answer's `url`."
)


def owner_paths() -> dict[str, Any]:
    """The routes an owner's server reads and manages its bot with."""
    return {
        "/api/v1/sessions": {
            "get": op(
                "List sessions, most recent first",
                "Sessions",
                ok(ref("SessionList")),
                scope="sessions:read",
                errors=(400, 401, 403),
                params=[
                    *pages(DEFAULT_PER_PAGE, MAX_PER_PAGE),
                    query("include_all", BOOL_OR_EMPTY, "Add each session's messages."),
                ],
            )
        },
        "/api/v1/sessions/{sid}": {
            "get": op(
                "A session with its messages and feedback",
                "Sessions",
                ok(ref("SessionDetail")),
                scope="sessions:read",
                params=[path_param("sid")],
                errors=(400, 401, 403, 404),
            ),
            "delete": op(
                "Delete a session and its messages (usage is kept)",
                "Sessions",
                ok(ref("SessionDeleted")),
                scope="sessions:write",
                params=[path_param("sid")],
                errors=(400, 401, 403, 404),
            ),
        },
        "/api/v1/usage": {
            "get": op(
                "Tokens and cost over a date range",
                "Usage",
                ok(ref("UsageReport")),
                scope="usage:read",
                errors=(400, 401, 403),
                params=[
                    query("start_date", DAY_OR_EMPTY, "First day (UTC); default end - 29 days."),
                    query("end_date", DAY_OR_EMPTY, "Last day (UTC), included; default today."),
                ],
                description="At most 366 days a report, between 1970-01-01 and 9999-01-01: "
                "a longer range, a start_date after the end_date or a day outside those "
                "is a 400.",
            )
        },
        "/api/v1/documents": {
            "get": op(
                "List documents, newest first",
                "Documents",
                ok(ref("DocumentList")),
                scope=None,
                errors=(400, 401, 403),
                params=pages(DOCUMENTS_PER_PAGE, DOCUMENTS_MAX_PER_PAGE),
                description="Any secret key of the bot.",
            ),
            "post": op(
                "Add a document: a file, text, or a URL to import",
                "Documents",
                ok(ref("DocumentResponse"), "Created"),
                status="201",
                scope="documents:write",
                errors=(400, 401, 403, 413, 415, 502),
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [ref("DocumentText"), ref("DocumentUrl")]}
                        },
                        "multipart/form-data": {"schema": ref("DocumentUpload")},
                    },
                },
                description="201 for a new document, 200 when an existing one (same title, "
                "file name or URL) was replaced or unchanged, 202 while a large "
                "upload is processed in the background. An empty document is a 400 and a "
                "file in a format Docent does not read a 415.",
                also=("200", "202"),
            ),
        },
        "/api/v1/documents/{document_id}": {
            "get": op(
                "A document and its processing progress",
                "Documents",
                ok(ref("DocumentResponse")),
                scope=None,
                errors=(401, 403, 404),
                params=[
                    path_param("document_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
                ],
            ),
            "delete": op(
                "Delete a document and its chunks",
                "Documents",
                ok(ref("DocumentDeleted")),
                scope="documents:write",
                errors=(401, 403, 404),
                params=[
                    path_param("document_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
                ],
            ),
        },
        "/api/v1/questions": {
            "get": op(
                "What visitors asked, with the answers they got, newest first",
                "Owner's loop",
                ok(ref("QuestionList")),
                scope="sessions:read",
                errors=(400, 401, 403),
                params=[
                    *pages(DEFAULT_PER_PAGE, MAX_PER_PAGE),
                    query("answered", BOOL_OR_EMPTY, "Only answered (true) or unanswered (false)."),
                    query("rating", {"enum": ["up", "down", ""]}, "Only answers rated so."),
                ],
                description="`answered` and `rating` each narrow the list; given together, "
                "a question matching either is listed, so `answered=false&rating=down` is "
                "everything that went unanswered or was rated down.",
            )
        },
        "/api/v1/answers": {
            "get": op(
                "List curated answers, newest first",
                "Owner's loop",
                ok(ref("CuratedAnswerList")),
                scope="documents:write",
                errors=(400, 401, 403),
                params=pages(DEFAULT_PER_PAGE, MAX_PER_PAGE),
            ),
            "post": op(
                "Add a curated answer",
                "Owner's loop",
                ok(ref("CuratedAnswerResponse"), "Created"),
                status="201",
                scope="documents:write",
                body=ref("CuratedAnswerRequest"),
                errors=(400, 401, 403, 415),
                description=CURATED_DESCRIPTION,
            ),
        },
        "/api/v1/answers/{answer_id}": {
            "put": op(
                "Replace a curated answer's question, answer and url",
                "Owner's loop",
                ok(ref("CuratedAnswerResponse")),
                scope="documents:write",
                body=ref("CuratedAnswerRequest"),
                params=[path_param("answer_id", {"type": "integer"})],
                errors=(400, 401, 403, 404, 415),
            ),
            "delete": op(
                "Delete a curated answer",
                "Owner's loop",
                ok(ref("CuratedAnswerDeleted")),
                scope="documents:write",
                params=[path_param("answer_id", {"type": "integer"})],
                errors=(401, 403, 404),
            ),
        },
    }
