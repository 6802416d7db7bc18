"""The dashboard end to end in real headless Chromium, from sign-up to a working widget.

The dashboard and the API are served on http://127.0.0.1:<port>; the owner's own site is a
host page served from http://localhost:<another port>, a different origin, so the public
key's origin list is exercised for real. CSRF protection is on throughout.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from models import UsageDaily, db, utcnow
from tests.browser import browser_fixture  # noqa: F401  (fixture)
from tests.test_widget_e2e import HostSite

W = "docent-widget"
FACT = (
    "# Kettle care\n\n## Descaling\n\n"
    "The Zephyr kettle should be descaled every forty days with white vinegar. "
    "Rinse it three times afterwards so the water does not taste of vinegar.\n\n"
    "## Warranty\n\nEvery kettle carries a two year warranty covering the heating plate.\n"
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def server(config: dict[str, Any], request: Any) -> Iterator[tuple[Any, int]]:
    """The real app with CSRF on, served over HTTP on loopback; yields (app, port)."""
    from werkzeug.serving import make_server

    config["WTF_CSRF_ENABLED"] = True
    # The shared `app` fixture gives empty tables on SQLite and PostgreSQL alike.
    application = request.getfixturevalue("app")
    http = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield application, http.server_port
    http.shutdown()
    http.server_close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def sign_up(page: Any, base: str, email: str = "owner@example.com") -> None:
    page.goto(f"{base}/dashboard/signup")
    page.fill("#email", email)
    page.fill("#password", "a-long-password")
    page.fill("#confirm", "a-long-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")


def create_bot(page: Any, name: str) -> int:
    page.fill("#name", name)
    page.click("text=Create bot")
    page.wait_for_url(re.compile(r"/dashboard/bots/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def upload(page: Any, base: str, bot: int, name: str, text: str) -> None:
    page.goto(f"{base}/dashboard/bots/{bot}/documents")
    page.set_input_files(
        "#file", files=[{"name": name, "mimeType": "text/markdown", "buffer": text.encode()}]
    )
    page.locator(f"tr[data-status=ready] >> text={name}").wait_for()


def create_public_key(page: Any, base: str, bot: int, origin: str, name: str) -> str:
    page.goto(f"{base}/dashboard/bots/{bot}/keys")
    page.fill("#name", name)
    page.fill("#origins", origin)
    page.click("text=Create key")
    return page.locator("#new-key").inner_text().strip()


@pytest.fixture
def site() -> Iterator[HostSite]:
    """The owner's own site: a real server on http://localhost:<other port>."""
    server = HostSite()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def ask_demo(page: Any, site: HostSite, port: int, key: str, question: str) -> str:
    """Ask on the owner's site, a page embedding their key with one script tag."""
    site.html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Kettles</title></head>"
        f"<body><h1>Kettles</h1><script src='http://127.0.0.1:{port}/widget.js' "
        f"data-key='{key}' async></script></body></html>"
    )
    page.goto(site.url + "/")
    page.locator(f"{W} .ln").click()
    box = page.locator(f"{W} textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """() => {
          const root = document.querySelector('docent-widget').shadowRoot;
          const done = [...root.querySelectorAll('.m.a')]
            .filter(m => m.querySelector('.x, .e, .n'));
          return done.length >= 1 && !root.querySelector('.d');
        }"""
    )
    return page.locator(f"{W} .m.a").last.inner_text()


def test_sign_up_to_a_working_widget_and_back(
    server: tuple[Any, int], context: Any, site: HostSite
) -> None:
    app, port = server
    base = f"http://127.0.0.1:{port}"
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda e: errors.append(e))

    sign_up(page, base)
    assert "Create your first bot" in page.content()
    bot = create_bot(page, "Kettle help")
    assert "0 of 4 done" in page.content()

    upload(page, base, bot, "kettle-care.md", FACT)
    assert "Kettle care" in page.locator("table").inner_text()

    # The test box answers from the new document without storing a conversation.
    page.fill("#question", "How often should the kettle be descaled?")
    page.click("form[action*='/ask'] button")
    assert "forty days" in page.locator(".answer").inner_text()
    assert "Kettle care" in page.locator(".passages").inner_text()

    key = create_public_key(page, base, bot, site.url, "Demo site")
    assert key.startswith("pk_")
    assert f'data-key="{key}"' in page.locator("#snippet").inner_text()

    visitor = context.new_page()
    visitor.on("pageerror", lambda e: errors.append(e))
    answer = ask_demo(visitor, site, port, key, "How often should the kettle be descaled?")
    assert "forty days" in answer and "Kettle care" in answer

    page.goto(f"{base}/dashboard/bots/{bot}/conversations")
    page.click("text=How often should the kettle be descaled?")
    transcript = page.locator(".transcript").inner_text()
    assert "forty days" in transcript and "complete" in transcript
    page.click(".sources summary")
    assert "Kettle care" in page.locator(".sources").inner_text()

    page.goto(f"{base}/dashboard/bots/{bot}/usage")
    # One question in the test box and one from a visitor: two model calls today.
    assert page.locator("[data-total=requests]").inner_text() == "2"
    today = utcnow().date().isoformat()
    assert page.locator(f"tr:has(th:text('{today}')) td").first.inner_text() == "2"
    assert page.locator("svg[role=img]").count() == 3
    assert page.locator("text=offline").count() >= 1

    page.goto(f"{base}/dashboard/bots/{bot}")
    assert "3 of 4 done" in page.content()  # all but styling the widget
    assert not errors, errors


def test_live_preview_runs_the_real_widget(server: tuple[Any, int], context: Any) -> None:
    app, port = server
    base = f"http://127.0.0.1:{port}"
    page = context.new_page()
    sign_up(page, base)
    bot = create_bot(page, "Preview bot")
    upload(page, base, bot, "kettle-care.md", FACT)
    page.goto(f"{base}/dashboard/bots/{bot}/widget")
    frame = page.frame_locator("[data-preview-frame]")
    # The page and its first preview are ready before the owner starts typing.
    page.wait_for_load_state("networkidle")
    frame.locator(f"{W} h2").wait_for()
    page.fill("#title", "Kettle Helper")
    page.fill("#accent_color", "#0f766e")
    frame.locator(f"{W} h2:text('Kettle Helper')").wait_for()
    box = frame.locator(f"{W} textarea")
    box.fill("What does the warranty cover?")
    box.press("Enter")
    frame.locator(f"{W} .m.a .s").wait_for()
    assert "heating plate" in frame.locator(f"{W} .m.a").last.inner_text()
    # Keyboard: the copy button is reachable and works without a mouse.
    page.locator("[data-copy='#snippet']").focus()
    page.keyboard.press("Enter")
    assert page.locator("[data-copy='#snippet'] span").inner_text() in ("Copied", "Copy")


@pytest.mark.skipif(
    not os.environ.get("DOCENT_SCREENSHOTS"),
    reason="set DOCENT_SCREENSHOTS=1 to refresh docs/screenshots/dashboard-*.png",
)
def test_screenshots(server: tuple[Any, int], context: Any, browser: Any, site: HostSite) -> None:
    """Capture the main pages for the documentation."""
    app, port = server
    base = f"http://127.0.0.1:{port}"
    page = context.new_page()
    page.goto(base + "/")
    page.screenshot(path=SCREENSHOTS / "dashboard-landing.png")
    sign_up(page, base, "maria@harborpine.example")
    bot = create_bot(page, "Harbor & Pine help")
    for path in sorted((Path(__file__).resolve().parent.parent / "demo_docs").glob("*.md")):
        upload(page, base, bot, path.name, path.read_text())
    key = create_public_key(
        page, base, bot, f"{site.url}\nhttps://harborpine.example", "Marketing site"
    )
    page.goto(f"{base}/dashboard/bots/{bot}/widget")
    page.fill("#title", "Ask Harbor & Pine")
    page.fill("#welcome_message", "Hi! I answer from our documentation.")
    page.fill("#starter_questions", "How do I install the widget?\nWhat is a public key?")
    page.click("text=Save appearance")
    visitor = context.new_page()
    for question in (
        "How do I install the widget?",
        "What is a public key?",
        "How is cost counted?",
        "Can I use my own model server?",
    ):
        ask_demo(visitor, site, port, key, question)
        visitor.evaluate("localStorage.clear(); sessionStorage.clear()")
    with app.app_context():
        today = utcnow().date()
        for offset, (requests, tokens) in enumerate(
            [
                (14, 9000),
                (22, 15000),
                (9, 6000),
                (31, 21000),
                (18, 12000),
                (26, 17500),
                (12, 8000),
                (20, 14000),
                (8, 5000),
                (16, 11000),
                (24, 16000),
                (11, 7000),
            ]
        ):
            for model, share, price in (("gpt-4.1-mini", 0.7, 0.7), ("gpt-4o", 0.3, 5.0)):
                db.session.add(
                    UsageDaily(
                        bot_id=bot,
                        key_id=0,
                        model=model,
                        day=today - timedelta(days=offset + 1),
                        requests=max(1, int(requests * share)),
                        input_tokens=int(tokens * share * 0.8),
                        output_tokens=int(tokens * share * 0.2),
                        cost_micros=int(tokens * share * price),
                    )
                )
        db.session.commit()
    shots = {
        "bots": "/dashboard",
        "overview": f"/dashboard/bots/{bot}",
        "knowledge": f"/dashboard/bots/{bot}/documents",
        "keys": f"/dashboard/bots/{bot}/keys",
        "conversations": f"/dashboard/bots/{bot}/conversations",
        "usage": f"/dashboard/bots/{bot}/usage?days=30",
    }
    for name, path in shots.items():
        page.goto(base + path)
        page.screenshot(path=SCREENSHOTS / f"dashboard-{name}.png", full_page=True)
    page.goto(f"{base}/dashboard/bots/{bot}/documents")
    page.fill("#question", "How do I install the widget?")
    page.click("form[action*='/ask'] button")
    page.add_style_tag(content=".topbar { position: static }")
    page.locator("#ask").screenshot(path=SCREENSHOTS / "dashboard-test-question.png")
    page.goto(f"{base}/dashboard/bots/{bot}/widget")
    page.frame_locator("[data-preview-frame]").locator(f"{W} textarea").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / "dashboard-widget.png", full_page=True)
    page.goto(f"{base}/dashboard/bots/{bot}/conversations")
    page.click(".conv-list a >> nth=0")
    page.click(".sources summary")
    page.screenshot(path=SCREENSHOTS / "dashboard-transcript.png", full_page=True)
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        storage_state=context.storage_state(),
    )
    mobile = phone.new_page()
    mobile.goto(f"{base}/dashboard/bots/{bot}/usage")
    mobile.screenshot(path=SCREENSHOTS / "dashboard-mobile-usage.png")
    mobile.goto(f"{base}/dashboard/bots/{bot}")
    mobile.screenshot(path=SCREENSHOTS / "dashboard-mobile-overview.png")
    phone.close()
