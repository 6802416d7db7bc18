"""URL import against a real loopback HTTP server, with the private-address guard on and off."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from knowledge import IngestError, add_url
from knowledge.fetch import fetch, is_public
from models import Bot, Chunk, Document, db

PAGE = b"""<html><head><title>Returns</title></head><body><nav>Menu</nav>
<main><h1 id="returns">Returns</h1><p>Return any item within thirty days.</p></main>
<footer>Footer</footer></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/page":
            self._send(200, PAGE, "text/html; charset=utf-8")
        elif self.path == "/notes":
            self._send(200, b"# Notes\n\nPlain markdown notes.", "text/markdown")
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            self._send(200, b"<p>" + b"x" * 50_000 + b"</p>", "text/html")
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, PAGE, "text/html")
        else:
            self._send(404, b"missing", "text/plain")

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # Join handler threads on close so no socket outlives the test.
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def bot(app):
    with app.app_context():
        bot = Bot(name="Web", model="m")
        db.session.add(bot)
        db.session.commit()
        yield bot.id


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_guard_refuses_loopback_by_default(app, bot, site):
    with pytest.raises(IngestError) as info:
        add_url(bot, f"{site}/page")
    assert info.value.code == "url_not_allowed" and "private or local" in str(info.value)
    assert count(Document) == 0


def test_guard_off_imports_main_text(app, bot, site):
    app.config["ALLOW_PRIVATE_URLS"] = True
    doc = add_url(bot, f"{site}/page")
    assert (doc.status, doc.source, doc.title, doc.url) == (
        "ready",
        "url",
        "Returns",
        f"{site}/page",
    )
    chunk = db.session.scalars(select(Chunk)).one()
    assert chunk.content == "Return any item within thirty days."
    assert (chunk.anchor, chunk.url) == ("returns", f"{site}/page")
    # Importing the same unchanged page again is a no-op.
    assert add_url(bot, f"{site}/page").id == doc.id and count(Chunk) == 1


def test_redirect_is_followed_and_content_type_picks_parser(app, bot, site):
    app.config["ALLOW_PRIVATE_URLS"] = True
    assert add_url(bot, f"{site}/redirect").url == f"{site}/page"
    notes = add_url(bot, f"{site}/notes")
    assert notes.title == "Notes"


@pytest.mark.parametrize(
    ("path", "setting", "code"),
    [
        ("/big", {"URL_MAX_BYTES": 10_000}, "payload_too_large"),
        ("/slow", {"URL_TIMEOUT": 0.5}, "upstream_timeout"),
        ("/missing", {}, "upstream_error"),
    ],
)
def test_limits_and_upstream_errors(app, bot, site, path, setting, code):
    app.config.update(ALLOW_PRIVATE_URLS=True, **setting)
    with pytest.raises(IngestError) as info:
        add_url(bot, f"{site}{path}")
    assert info.value.code == code
    assert count(Document) == 0


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "not a url"]
)
def test_refuses_other_schemes_and_credentials(app, bot, url):
    with pytest.raises(IngestError):
        add_url(bot, url)


def test_redirect_to_private_address_is_refused(site):
    # A public page may not bounce the importer into the private network either.
    with pytest.raises(IngestError, match="private or local"):
        fetch(f"{site}/redirect", max_bytes=10_000, timeout=2, allow_private=False)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fd00::1", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        # IPv6 forms that carry an IPv4 address are judged by that address.
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::c0a8:1", False),  # NAT64 of 192.168.0.1
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 of 10.0.0.1
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("::ffff:10.0.0.1", False),  # IPv4-mapped
        ("::ffff:0:a9fe:a9fe", False),  # IPv4-translated
        ("::127.0.0.1", False),  # IPv4-compatible
        ("::a00:1", False),  # IPv4-compatible of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo of 127.0.0.1
        ("64:ff9b::5db8:d822", True),  # NAT64 of 93.184.216.34
        ("2002:5db8:d822::1", True),  # 6to4 of 93.184.216.34
    ],
)
def test_is_public(address, public):
    assert is_public(address) is public
