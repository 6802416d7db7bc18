"""The embeddable widget, served as /widget.js."""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, request

from web import Audience

bp = Audience("widget", __name__, cookieless=True)

HERE = Path(__file__).parent
# The readable source, and the minified build that /widget.js serves.
SOURCE = HERE / "src" / "docent.js"
BUILD = HERE / "docent.js"
STAMP = re.compile(rb"^/\*! Docent widget \| MIT \| src ([0-9a-f]{64}) \*/")
# The unversioned URL must pick up upgrades, so it is cached for a day and then
# revalidated in the background; /widget.js?v=<etag> is cached for a year.
CACHE_SHORT = "public, max-age=86400, stale-while-revalidate=604800"
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Bundle:
    """The served script: its bytes, gzipped bytes and version tag."""

    body: bytes
    gzipped: bytes
    tag: str
    stale: bool


_cache: dict[tuple[float, float], Bundle] = {}


def load_bundle() -> Bundle:
    """Return the built script, or the source when the build is missing or stale."""
    build_mtime = BUILD.stat().st_mtime if BUILD.exists() else 0.0
    signature = (SOURCE.stat().st_mtime, build_mtime)
    if signature not in _cache:
        source = SOURCE.read_bytes()
        built = BUILD.read_bytes() if build_mtime else b""
        match = STAMP.match(built)
        digest = hashlib.sha256(source).hexdigest()
        fresh = match is not None and match.group(1).decode() == digest
        body = built if fresh else source
        _cache.clear()
        _cache[signature] = Bundle(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            tag=hashlib.sha256(body).hexdigest()[:20],
            stale=not fresh,
        )
    return _cache[signature]


@bp.get("/widget.js")
def script() -> Response:
    """Serve the widget to any page, with an ETag and long caching."""
    bundle = load_bundle()
    if bundle.stale:
        current_app.logger.warning(
            "widget/docent.js is missing or older than widget/src/docent.js; serving the "
            "unminified source. Rebuild with: cd widget && npm ci && npm run build"
        )
    use_gzip = "gzip" in request.accept_encodings
    etag = bundle.tag + ("-gz" if use_gzip else "")
    response = Response(status=200, mimetype="text/javascript")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Accept-Encoding")
    versioned = request.args.get("v") == bundle.tag
    response.headers["Cache-Control"] = CACHE_IMMUTABLE if versioned else CACHE_SHORT
    response.set_etag(etag)
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    if use_gzip:
        response.set_data(bundle.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(bundle.body)
    return response


LANG_DIR = HERE / "i18n"
LANG_RE = re.compile(r"^[a-z]{2}$")


@bp.get("/widget/i18n/<lang>.json")
def words(lang: str) -> Response:
    """Serve one language's widget strings, fetched by the widget only when it needs them."""
    path = LANG_DIR / f"{lang}.json"
    if not LANG_RE.match(lang) or not path.is_file():
        return Response('{"error": "no such language"}', 404, mimetype="application/json")
    response = Response(path.read_bytes(), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Cache-Control"] = CACHE_SHORT
    return response
