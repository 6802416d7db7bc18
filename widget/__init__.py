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
# The readable source (ES modules, entry main.js), and the bundled, minified build that
# /widget.js serves, stamped with source_digest() of the modules it was built from.
SOURCE_DIR = HERE / "src"
BUILD = HERE / "docent.js"
STAMP = re.compile(rb"^/\*! Docent widget \| MIT \| src ([0-9a-f]{16}) \*/")
REBUILD = "cd widget && npm ci && npm run build"
# Served when there is no build at all: the page keeps working, the console says why.
UNBUILT = f'console.warn("[docent] the widget is not built: {REBUILD}");\n'.encode()
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


_cache: dict[tuple[object, ...], Bundle] = {}


def source_files() -> list[Path]:
    """The widget's source modules, in name order."""
    return sorted(SOURCE_DIR.glob("*.js"))


def source_digest() -> str:
    """The sha256 of every source module, as build.mjs stamps it (its first 16 hex
    digits): in name order, each module's file name, a NUL byte, its bytes and a NUL
    byte."""
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def load_bundle() -> Bundle:
    """Return the built script; `stale` when it is missing or older than the sources.

    A stale build is still served (with a warning in the log); a missing one is replaced
    by a one-line script that says so in the browser's console.
    """
    build_mtime = BUILD.stat().st_mtime if BUILD.exists() else 0.0
    signature = (
        build_mtime,
        *((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in source_files()),
    )
    if signature not in _cache:
        built = BUILD.read_bytes() if build_mtime else b""
        match = STAMP.match(built)
        fresh = match is not None and match.group(1).decode() == source_digest()
        body = built or UNBUILT
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
            "widget/docent.js is missing or older than the modules in widget/src/. "
            "Rebuild with: %s",
            REBUILD,
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
