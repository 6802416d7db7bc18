"""Serving /widget.js; size and hygiene of the script itself."""

from __future__ import annotations

import gzip
import hashlib
import re
from typing import Any

import pytest

from widget import BUILD, STAMP, load_bundle, source_digest, source_files

SIZE_BUDGET = 8192  # bytes of `gzip -9` output


def test_script_headers(client: Any) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["ETag"].strip('"')
    assert response.data == load_bundle().body


def test_widget_config_preflight_is_kept_two_hours(
    client: Any, make_bot: Any, make_key: Any
) -> None:
    """Repeat page loads skip the preflight of GET /v1/widget/config (Chromium keeps a
    preflight at most two hours); an origin no key allows gets nothing to keep."""
    make_key(make_bot(), "public", origins=["https://shop.example"])
    asked = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    response = client.options(
        "/v1/widget/config", headers={"Origin": "https://shop.example", **asked}
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.headers["Access-Control-Max-Age"] == "7200"
    refused = client.options(
        "/v1/widget/config", headers={"Origin": "https://evil.example", **asked}
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Max-Age" not in refused.headers


def test_script_revalidates_with_304(client: Any) -> None:
    etag = client.get("/widget.js").headers["ETag"]
    response = client.get("/widget.js", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/widget.js", headers={"If-None-Match": '"other"'}).status_code == 200


def test_script_gzip_variant_has_its_own_etag(client: Any) -> None:
    plain = client.get("/widget.js")
    zipped = client.get("/widget.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/widget.js", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_versioned_url_is_immutable(client: Any) -> None:
    tag = load_bundle().tag
    assert "immutable" in client.get(f"/widget.js?v={tag}").headers["Cache-Control"]
    assert "immutable" not in client.get("/widget.js?v=old").headers["Cache-Control"]


def test_script_head_request(client: Any) -> None:
    response = client.head("/widget.js")
    assert response.status_code == 200
    assert response.data == b""


def test_served_script_is_under_budget() -> None:
    served = load_bundle().body
    size = len(gzip.compress(served, compresslevel=9))
    assert size <= SIZE_BUDGET, f"widget is {size} bytes gzipped; the budget is {SIZE_BUDGET}"


def test_build_matches_source() -> None:
    match = STAMP.match(BUILD.read_bytes())
    assert match, "widget/docent.js has no source stamp"
    # The stamp covers every module: name, NUL, bytes, NUL, in name order (build.mjs);
    # it is the sha256's first 16 hex digits.
    digest = hashlib.sha256()
    for path in sorted((BUILD.parent / "src").glob("*.js")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert match.group(1).decode() == digest.hexdigest()[:16] == source_digest(), (
        "widget/docent.js is older than widget/src/: cd widget && npm ci && npm run build"
    )
    assert not load_bundle().stale


def test_any_changed_module_makes_the_build_stale(tmp_path: Any, monkeypatch: Any) -> None:
    import widget

    for path in source_files():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(widget, "SOURCE_DIR", tmp_path)
    assert not load_bundle().stale
    for path in sorted(tmp_path.glob("*.js")):
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert load_bundle().stale, path.name
        path.write_bytes(original)
    (tmp_path / "extra.js").write_text("export const extra = 1;\n")
    assert load_bundle().stale


@pytest.mark.parametrize(
    "pattern",
    [
        r"\.innerHTML",
        r"\.outerHTML",
        r"insertAdjacentHTML",
        r"\beval\(",
        r"new Function",
        r"document\.write",
        r"\.style\.",
        r"setAttribute\(\"style\"",
        r"\bsetTimeout\(\"",
    ],
)
def test_source_never_builds_html_from_strings(pattern: str) -> None:
    for path in source_files():
        assert not re.search(pattern, path.read_text()), (path.name, pattern)


def test_source_defines_one_global_only_if_absent() -> None:
    source = "\n".join(path.read_text() for path in source_files())
    assert re.findall(r"window\.(\w+)\s*=", source) == ["Docent"]
    assert "if (!globalApi) globalApi = window.Docent" in source
