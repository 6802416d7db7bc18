"""Serving /widget.js and the demo host pages; size and hygiene of the script itself."""

from __future__ import annotations

import gzip
import hashlib
import re
from typing import Any

import pytest

from widget import BUILD, SOURCE, STAMP, load_bundle

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
    assert match.group(1).decode() == hashlib.sha256(SOURCE.read_bytes()).hexdigest(), (
        "widget/docent.js is older than widget/src/docent.js: cd widget && npm ci && npm run build"
    )
    assert not load_bundle().stale


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
    assert not re.search(pattern, SOURCE.read_text()), pattern


def test_source_defines_one_global_only_if_absent() -> None:
    source = SOURCE.read_text()
    assert re.findall(r"win\.(\w+)\s*=", source) == ["Docent"]
    assert "if (!G) G = win.Docent" in source


def test_demo_on_api_host_redirects_to_another_origin(client: Any) -> None:
    response = client.get("/demo/", base_url="http://127.0.0.1:5000")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost:5000/demo/"


def test_demo_page_embeds_widget_from_the_api_origin(
    client: Any, make_bot: Any, make_key: Any
) -> None:
    bot = make_bot()
    key = make_key(bot, "public", origins=["http://localhost:*"])
    response = client.get("/demo/?theme=dark&dir=rtl", base_url="http://localhost:5000")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<script src="http://127.0.0.1:5000/widget.js" data-key="{key}"' in html
    assert 'data-theme="dark"' in html and 'data-dir="rtl"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src http://127.0.0.1:5000;" in csp
    assert "connect-src http://127.0.0.1:5000;" in csp
    assert "'unsafe-inline'" not in csp


def test_demo_help_page_is_inline(client: Any, make_bot: Any, make_key: Any) -> None:
    make_key(make_bot(), "public", origins=["http://localhost:5000"])
    html = client.get("/demo/help", base_url="http://localhost:5000").get_data(as_text=True)
    assert 'data-mode="inline" data-target="#assistant"' in html
    assert 'id="assistant"' in html


def test_demo_ignores_unknown_options(client: Any, make_bot: Any, make_key: Any) -> None:
    make_key(make_bot(), "public", origins=["http://localhost:*"])
    html = client.get('/demo/?theme="><script>', base_url="http://localhost:5000").get_data(
        as_text=True
    )
    assert "data-theme" not in html
    assert '"><script>' not in html


def test_demo_without_a_key_explains_what_to_do(client: Any) -> None:
    html = client.get("/demo/", base_url="http://localhost:5000").get_data(as_text=True)
    assert "No public key allows http://localhost:5000" in html
    assert "widget.js" not in html


def test_demo_uses_configured_key(app: Any, client: Any) -> None:
    app.config["DEMO_KEY"] = "pk_configured"
    html = client.get("/demo/", base_url="http://localhost:5000").get_data(as_text=True)
    assert 'data-key="pk_configured"' in html
