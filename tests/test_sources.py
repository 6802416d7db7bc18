"""Site sources against a site served on loopback: sitemap, robots.txt, changes, caps."""
# ruff: noqa: F811  (dashboard fixtures are parameters here)

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import tasks
from knowledge.sources import sync_source
from models import Chunk, Document, Source, SourcePage, db, utcnow
from tests.test_dashboard_support import bot_id, owner, signed_in  # noqa: F401  (fixtures)


class Site(ThreadingHTTPServer):
    """A small website whose pages a test changes between syncs."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[tuple[str, str]] = []  # (path, If-None-Match)

    def page(self, path: str, body: str, etag: str = "", ctype: str = "text/html") -> None:
        headers = {"Content-Type": ctype}
        if etag:
            headers["ETag"] = etag
        self.pages[path] = (200, headers, body.encode())


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append((self.path, self.headers.get("If-None-Match") or ""))
        status, headers, body = self.server.pages.get(self.path, (404, {}, b"not found"))
        if (
            status == 200
            and headers.get("ETag")
            and self.headers.get("If-None-Match") == headers["ETag"]
        ):
            status, body = 304, b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def html(title: str, text: str, links: str = "") -> str:
    head = f"<html><head><title>{title}</title></head>"
    return f"{head}<body><h1>{title}</h1><p>{text}</p>{links}</body></html>"


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = server.url
    server.pages["/robots.txt"] = (
        200,
        {"Content-Type": "text/plain"},
        b"User-agent: *\nDisallow: /private/\n",
    )
    server.pages["/sitemap_index.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap></sitemapindex>""".encode(),
    )
    server.page("/shipping", html("Shipping", "Orders ship within two days."), etag='"s1"')
    server.page("/returns", html("Returns", "Returns are free for thirty days."))
    server.page("/private/admin", html("Admin", "Secret admin notes."))
    server.pages["/loop"] = (302, {"Location": "/loop"}, b"")
    server.page("/huge", html("Huge", "word " * 400_000))
    server.pages["/sitemap-pages.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        sitemap(base, ["/shipping", "/returns", "/private/admin", "/loop", "/huge"]),
    )
    yield server
    server.shutdown()
    server.server_close()


def sitemap(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


@pytest.fixture
def config(config: dict[str, Any]) -> dict[str, Any]:
    return {**config, "ALLOW_PRIVATE_URLS": True, "URL_MAX_BYTES": 1_000_000}


def documents(app: Any) -> dict[str, str]:
    with app.app_context():
        rows = db.session.scalars(db.select(Document).where(Document.source == "site"))
        return {r.url.rsplit("/", 1)[1]: r.title for r in rows}


def passages(app: Any) -> str:
    with app.app_context():
        return " ".join(db.session.scalars(db.select(Chunk.content)))


def add(app: Any, bot: int, kind: str, url: str) -> int:
    with app.app_context():
        source = Source(bot_id=bot, kind=kind, url=url, counts={})
        db.session.add(source)
        db.session.commit()
        return source.id


def sync(app: Any, source_id: int) -> dict[str, Any]:
    with app.app_context():
        assert sync_source(source_id)
        source = db.session.get(Source, source_id)
        return {"status": source.status, "error": source.error, **source.counts}


def test_sitemap_import_resync_change_and_removal(app, bot, site):
    source_id = add(app, bot, "sitemap", f"{site.url}/sitemap_index.xml")
    first = sync(app, source_id)
    assert first == {
        "status": "ready", "error": None, "added": 2, "updated": 0, "unchanged": 0,
        "removed": 0, "failed": 2, "skipped": 1,
    }  # fmt: skip
    assert documents(app) == {"shipping": "Shipping", "returns": "Returns"}
    assert "Secret admin" not in passages(app)  # robots.txt
    assert not any(path == "/private/admin" for path, _ in site.hits)
    with app.app_context():
        errors = dict(db.session.execute(db.select(SourcePage.url, SourcePage.error)).all())
    assert "redirected too many times" in errors[f"{site.url}/loop"]
    assert "larger than" in errors[f"{site.url}/huge"]

    # Unchanged: the ETag answers 304, the other page's hash matches.
    site.hits.clear()
    again = sync(app, source_id)
    assert (again["added"], again["updated"], again["unchanged"], again["removed"]) == (0, 0, 2, 0)
    assert ("/shipping", '"s1"') in site.hits

    # A changed page is re-imported; a page gone from the sitemap is removed with its passages.
    site.page("/shipping", html("Shipping", "Orders now ship the same day."), etag='"s2"')
    site.pages["/sitemap-pages.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        sitemap(site.url, ["/shipping", "/loop"]),
    )
    third = sync(app, source_id)
    assert (third["updated"], third["removed"], third["unchanged"]) == (1, 2, 0)  # returns, huge
    assert documents(app) == {"shipping": "Shipping"}
    text = passages(app)
    assert "same day" in text and "two days" not in text and "thirty days" not in text


def test_crawl_stays_on_the_host_and_respects_the_page_cap(app, bot, site):
    app.config["SOURCE_MAX_PAGES"] = 2
    site.page(
        "/",
        html("Home", "Welcome.", '<a href="/shipping">s</a><a href="/private/admin">a</a>'
             '<a href="https://elsewhere.example/x">x</a><a href="/returns#top">r</a>'),
    )  # fmt: skip
    source_id = add(app, bot, "crawl", f"{site.url}/")
    result = sync(app, source_id)
    assert result["status"] == "ready" and result["added"] == 2
    assert documents(app) == {"": "Home", "shipping": "Shipping"}
    app.config["SOURCE_MAX_PAGES"] = 10
    sync(app, source_id)
    assert documents(app) == {"": "Home", "shipping": "Shipping", "returns": "Returns"}


def test_a_missing_sitemap_fails_the_sync_and_removes_nothing(app, bot, site):
    source_id = add(app, bot, "sitemap", f"{site.url}/sitemap_index.xml")
    sync(app, source_id)
    del site.pages["/sitemap_index.xml"]
    result = sync(app, source_id)
    assert result["status"] == "failed" and "404" in result["error"]
    assert set(documents(app)) == {"shipping", "returns"}


def test_one_sync_at_a_time(app, bot, site):
    source_id = add(app, bot, "sitemap", f"{site.url}/sitemap_index.xml")
    with app.app_context():
        db.session.get(Source, source_id).lease_until = utcnow().replace(year=2100)
        db.session.commit()
        assert sync_source(source_id) is False  # another worker holds it
        db.session.get(Source, source_id).lease_until = utcnow().replace(year=2000)
        db.session.commit()
        assert sync_source(source_id) is True  # an expired lease is taken over


def idle(app: Any) -> None:
    with app.app_context():
        assert tasks.wait_idle(30)


def test_api_adds_lists_and_syncs(app, client, auth, bot, site):
    bad = client.post("/api/v1/sources", json={"url": f"{site.url}/"}, headers=auth)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_request"
    bad_crawl = {"sitemap": f"{site.url}/sitemap_index.xml", "crawl": "yes"}
    for body in ({"sitemap": "ftp://x/"}, {"sitemap": 5}, {"sitemap": "a", "url": "b"}, bad_crawl):
        assert client.post("/api/v1/sources", json=body, headers=auth).status_code == 400
    made = client.post(
        "/api/v1/sources", json={"sitemap": f"{site.url}/sitemap_index.xml"}, headers=auth
    )
    assert made.status_code == 202
    source_id = made.json["source"]["id"]
    idle(app)
    one = client.get(f"/api/v1/sources/{source_id}", headers=auth).json["source"]
    assert one["status"] == "ready" and one["last_sync"]["added"] == 2
    assert one["progress"] == {"found": 5, "done": 4}
    listed = client.get("/api/v1/sources", headers=auth).json["sources"]
    assert [s["id"] for s in listed] == [source_id]
    resync = client.post(f"/api/v1/sources/{source_id}/sync", headers=auth)
    assert resync.status_code == 202
    idle(app)
    one = client.get(f"/api/v1/sources/{source_id}", headers=auth).json["source"]
    assert one["last_sync"]["unchanged"] == 2
    assert client.get("/api/v1/sources/9999", headers=auth).status_code == 404


def test_scheduled_resync_queues_only_stale_sources(app, bot, site):
    from knowledge.sources import resync_sources

    fresh = add(app, bot, "sitemap", f"{site.url}/sitemap_index.xml")
    stale = add(app, bot, "sitemap", f"{site.url}/sitemap-pages.xml")
    with app.app_context():
        for source_id, hours in ((fresh, 1), (stale, 25)):
            row = db.session.get(Source, source_id)
            row.status, row.last_synced_at = "ready", utcnow() - timedelta(hours=hours)
        db.session.commit()
        resync_sources()
        assert db.session.get(Source, stale).status == "queued"
        assert db.session.get(Source, fresh).status == "ready"
    idle(app)
    with app.app_context():
        assert db.session.get(Source, stale).status == "ready"
        assert db.session.get(Source, stale).last_synced_at > utcnow() - timedelta(minutes=1)


def test_dashboard_page_adds_a_site_and_syncs_now(app, signed_in, bot_id, site):
    url = f"/dashboard/bots/{bot_id}/sources"
    assert "No sites yet" in signed_in.get(url).get_data(as_text=True)
    bad = signed_in.post(url, data={"kind": "sitemap", "url": "not a url"})
    assert bad.status_code == 400
    added = signed_in.post(url, data={"kind": "sitemap", "url": f"{site.url}/sitemap_index.xml"})
    assert added.status_code == 302
    idle(app)
    page = signed_in.get(url).get_data(as_text=True)
    assert "sitemap_index.xml" in page and "Sync now" in page
    assert "2 added" in page and "4 of 5 pages" in page
    with app.app_context():
        source_id = db.session.scalar(db.select(Source.id))
    assert signed_in.post(f"{url}/{source_id}/sync").status_code == 302
    idle(app)
    assert "2 unchanged" in signed_in.get(url).get_data(as_text=True)
