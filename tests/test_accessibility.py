"""Accessibility: axe-core (WCAG 2.1 A and AA rules) on every dashboard page and the widget.

axe-core comes from npm as a development dependency of widget/package.json (`cd widget &&
npm ci`); it is injected into the pages under test only, never served.
"""
# ruff: noqa: F811  (fixtures shared with other test modules are parameters here)

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from models import (
    Bot,
    Conversation,
    Document,
    Feedback,
    Lead,
    Message,
    Source,
    UsageDaily,
    Webhook,
    db,
    utcnow,
)
from services.answers import save_answer
from services.keys import create_key
from tests.browser import browser_fixture, page_fixture  # noqa: F401  (fixtures)
from tests.test_dashboard_e2e import context, create_bot, server, sign_up  # noqa: F401
from tests.test_widget_e2e import (  # noqa: F401  (fixtures)
    W,
    api,
    ask,
    host,
    host_site,
    launcher,
    shop,
    site,
    wait_answer,
)
from widget import LANG_DIR

AXE = Path(__file__).resolve().parent.parent / "widget" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGS = ["en", *sorted(p.stem for p in LANG_DIR.glob("*.json"))]
# Routes that are not pages: downloads, JSON, redirects.
NOT_PAGES = {"export.csv", "export.json", "status", "install", "usage.json"}

pytestmark = pytest.mark.skipif(
    not AXE.exists(), reason="axe-core is missing: run `cd widget && npm ci`"
)


def violations(page: Any) -> list[dict[str, Any]]:
    """Run axe on the page (shadow roots included); return its violations, briefly."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async rules => {
          const result = await axe.run(document, {runOnly: {type: 'tag', values: rules}});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary).slice(0, 5),
          }));
        }""",
        RULES,
    )


def fill_bot(app: Any, bot_id: int) -> dict[str, int]:
    """Give the bot something on every page: documents, a conversation, leads, a site."""
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        bot.widget = {"handoff": "always", "lead_form": True}
        db.session.add_all(
            [
                Document(bot_id=bot_id, title="Ready page", status="ready", chunk_count=1),
                Document(bot_id=bot_id, title="Busy page", status="processing", progress=0.4),
                Document(bot_id=bot_id, title="Bad page", status="failed", error="Unreadable."),
            ]
        )
        chat = Conversation(
            bot_id=bot_id, session_id="visitor-1", name="Shipping?", preview="Shipping?"
        )
        db.session.add(chat)
        db.session.flush()
        db.session.add(
            Message(conversation_id=chat.id, role="user", content="Shipping?", status="complete")
        )
        answer = Message(
            conversation_id=chat.id,
            role="assistant",
            content="I do not know.",
            status="complete",
            answered=False,
            model="offline",
        )
        answer.feedback = Feedback(rating="down", comment="Not helpful")
        db.session.add(answer)
        db.session.add(
            Lead(
                bot_id=bot_id,
                session_id="visitor-1",
                conversation_id=chat.id,
                kind="handoff",
                name="Ada",
                email="ada@example.org",
                message="Call me",
            )
        )
        db.session.add(
            Source(
                bot_id=bot_id,
                kind="sitemap",
                url="https://shop.example/sitemap.xml",
                status="ready",
                pages_found=3,
                pages_done=3,
                last_synced_at=utcnow(),
                counts={
                    "added": 3,
                    "updated": 0,
                    "unchanged": 0,
                    "removed": 0,
                    "failed": 0,
                    "skipped": 0,
                },
            )
        )
        db.session.add(
            Webhook(
                bot_id=bot_id, url="https://hooks.example/x", events=["lead.created"], secret="s"
            )
        )
        db.session.add(
            UsageDaily(
                bot_id=bot_id,
                key_id=0,
                model="offline",
                day=utcnow().date(),
                requests=3,
                input_tokens=30,
                output_tokens=60,
                cost_micros=0,
            )
        )
        key, _ = create_key(bot, "public", origins=["https://shop.example"])
        curated = save_answer(bot_id, "Do you ship abroad?", "Yes, in ten days.", None)
        db.session.commit()
        return {"conversation_id": chat.id, "key_id": key.id, "answer_id": curated.id}


def dashboard_pages(app: Any, bot_id: int, ids: dict[str, int]) -> list[str]:
    """Every GET page of the dashboard, filled in; fails when a new page is not covered."""
    pages = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard.") or "GET" not in rule.methods:
            continue
        if rule.rule.rsplit("/", 1)[-1] in NOT_PAGES or rule.rule in ("/dashboard/logout",):
            continue
        path = rule.rule.replace("<int:bot_id>", str(bot_id))
        for name, value in ids.items():
            path = path.replace(f"<int:{name}>", str(value))
        assert "<" not in path, f"no id to fill {rule.rule}: add it to fill_bot"
        pages.append(path)
    return sorted(set(pages))


def test_every_dashboard_page_has_no_violations(server: Any, browser: Any) -> None:
    app, port = server
    base = f"http://127.0.0.1:{port}"
    found: dict[str, Any] = {}
    signed_out = browser.new_context(bypass_csp=True)
    page = signed_out.new_page()
    for path in ("/dashboard/login", "/dashboard/signup"):
        page.goto(base + path)
        found[path] = violations(page)
    signed_out.close()
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 860})
    page = ctx.new_page()
    sign_up(page, base)
    bot_id = create_bot(page, "Help bot")
    ids = fill_bot(app, bot_id)
    for path in dashboard_pages(app, bot_id, ids):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    ctx.close()
    assert len(found) >= 20
    failing = {p: v for p, v in found.items() if v}
    assert failing == {}, json.dumps(failing, indent=1)


def page_with_lang(page: Any, lang: str) -> None:
    page.wait_for_function(
        f"document.querySelector('{W}')?.shadowRoot.querySelector('.w')?.lang == '{lang}'"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_open_widget_in_each_language_has_no_violations(
    page: Any, api: str, shop: Any, lang: str
) -> None:
    host(
        page,
        api,
        shop(widget={"handoff": "always", "lead_form": True}),
        attrs=f"data-lang='{lang}'",
        html_attrs=f"lang='{lang}'",
        body="<main><h1>Shop</h1></main>",
        head="<title>Shop</title>",
    )
    launcher(page).click()
    page_with_lang(page, lang)
    page.locator(f"{W} textarea").wait_for()
    assert violations(page) == []
    # The hand-off and the lead form, open.
    for index in (0, 1):
        page.locator(f"{W} .hb button").nth(index).click()
        page.locator(f"{W} form.ld").wait_for()
        assert violations(page) == [], f"form {index} in {lang}"


def test_widget_after_an_answer_and_a_sent_lead_has_no_violations(
    page: Any, api: str, shop: Any
) -> None:
    host(
        page,
        api,
        shop(widget={"lead_form": True}),
        body="<main><h1>Shop</h1></main>",
        head="<title>Shop</title>",
        html_attrs="lang='en'",
    )
    launcher(page).click()
    ask(page, "How long does international shipping take?")
    wait_answer(page)
    page.locator(f"{W} .x button").last.click()  # thumbs down opens the comment box
    page.locator(f"{W} .hb button").click()
    form = page.locator(f"{W} form.ld")
    form.get_by_label("Email").fill("ada@example.org")
    form.locator("button[type=submit]").click()
    page.locator(f"{W} form.ld p").wait_for()
    assert re.search("Thanks", form.inner_text())
    assert violations(page) == []
