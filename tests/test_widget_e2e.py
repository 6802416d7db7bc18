"""The widget end to end: real Chromium, the real server, the fake model server.

Host pages live on http://localhost:<port> (a tiny server below) while the script and
API come from the live server on http://127.0.0.1:<port>, so every request is
cross-origin and the key's origin list is checked for real.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from models import Bot, db
from tests import llm_server
from tests.browser import browser_fixture, page_fixture  # noqa: F401  (fixtures)

W = "docent-widget"


@pytest.fixture
def api(llm_app: Any, live_server: str) -> str:
    """The live server's base URL, answering with the fake model server."""
    return live_server


@pytest.fixture
def shop(app: Any, api: str, make_bot: Any, make_key: Any) -> Any:
    """Make a bot on a given fake model with a public key for the host site; returns its key."""

    def make(
        model: str = "gpt-4.1-mini",
        origins: list[str] | None = None,
        widget: dict[str, Any] | None = None,
        **key_options: Any,
    ) -> str:
        bot_id = make_bot(model=model)
        with app.app_context():
            db.session.get(Bot, bot_id).widget = widget or {}
            db.session.commit()
        make.bot_id = bot_id
        return make_key(bot_id, "public", origins=origins or ["http://localhost:*"], **key_options)

    return make


class HostSite(ThreadingHTTPServer):
    """The host pages: a real server on localhost, another origin than the API."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HostPage)
        self.url = f"http://localhost:{self.server_address[1]}"
        self.html = ""
        self.headers: dict[str, str] = {}


class HostPage(BaseHTTPRequestHandler):
    server: HostSite

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        found = not self.path.startswith("/favicon")
        body = self.server.html.encode() if found else b""
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    server = HostSite()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def site(host_site: HostSite) -> HostSite:
    SITE[:] = [host_site]
    return host_site


SITE: list[HostSite] = []


def origin() -> str:
    return SITE[0].url


def host(
    page: Any,
    api: str,
    key: str,
    *,
    body: str = "",
    head: str = "",
    attrs: str = "",
    headers: dict[str, str] | None = None,
    html_attrs: str = "",
    path: str = "/",
) -> None:
    """Serve a host page that embeds the widget with one script tag, and load it."""
    SITE[0].html = (
        f"<!doctype html><html {html_attrs}><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>{head}</head>"
        f"<body>{body}<script src='{api}/widget.js' data-key='{key}' {attrs} async></script>"
        "</body></html>"
    )
    SITE[0].headers = headers or {}
    page.goto(origin() + path)


def launcher(page: Any) -> Any:
    """The launcher, once the bot's settings are applied (it is aria-busy until then)."""
    button = page.locator(f"{W} .ln[aria-busy=false]")
    button.wait_for()
    return page.locator(f"{W} .ln")


def transcript_key(key: str, target: str = "") -> str:
    """Where the widget keeps the transcript for a key and data-target."""
    return f"docent:{key}:{target}"


def ask(page: Any, text: str) -> None:
    box = page.locator(f"{W} textarea")
    box.fill(text)
    box.press("Enter")


def wait_answer(page: Any, count: int = 1) -> Any:
    """Wait until `count` answers have finished; return the last answer's element."""
    page.wait_for_function(
        """n => {
          const root = document.querySelector('docent-widget')?.shadowRoot;
          if (!root) return false;
          const done = [...root.querySelectorAll('.m.a')].filter(
            m => m.querySelector('.x, .e, .n'));
          return done.length >= n && !root.querySelector('.d');
        }""",
        arg=count,
    )
    return page.locator(f"{W} .m.a").last


def watch(page: Any) -> dict[str, list[Any]]:
    """Record requests, page errors and console warnings."""
    log: dict[str, list[Any]] = {"requests": [], "errors": [], "console": []}
    page.on("request", lambda r: log["requests"].append(r))
    page.on("pageerror", lambda e: log["errors"].append(e))
    page.on("console", lambda m: log["console"].append(m.text))
    return log


def api_calls(log: dict[str, list[Any]], api: str) -> list[str]:
    return [f"{r.method} {r.url[len(api) :]}" for r in log["requests"] if r.url.startswith(api)]


# --- Streaming, sources, persistence ---------------------------------------------------


def test_open_send_and_see_streamed_answer_with_sources(page: Any, api: str, shop: Any) -> None:
    key = shop(model="slow")
    log = watch(page)
    host(page, api, key)
    launcher(page)
    page.wait_for_timeout(300)
    # Before the visitor opens the panel: the script and its settings, nothing else.
    assert api_calls(log, api) == ["GET /widget.js", "GET /v1/widget/config"]
    launcher(page).click()
    ask(page, "How long does shipping take?")
    stop = page.locator(f"{W} .sb[aria-label='Stop']")
    stop.wait_for()
    # Streamed: part of the answer is on screen while the model is still writing.
    page.wait_for_function("""() => {
      const b = document.querySelector('docent-widget').shadowRoot.querySelectorAll('.m.a .b');
      const t = b[b.length - 1].textContent;
      return t.startsWith('Docent') && t.length < 40;
    }""")
    answer = wait_answer(page)
    assert answer.locator(".b").inner_text() == (
        "Docent answers from your documents [1]. It streams the answer."
    )
    source = answer.locator(".s a").first
    assert source.inner_text() == "Shipping policy"
    assert source.get_attribute("href") == "https://shop.example/shipping-policy"
    assert source.get_attribute("target") == "_blank"
    assert source.get_attribute("rel") == "noopener noreferrer"
    assert page.locator(f"{W} .sb").get_attribute("aria-label") == "Send"
    assert not log["errors"]


def test_message_limit_is_the_servers(page: Any, api: str, shop: Any, monkeypatch: Any) -> None:
    """The widget's input and Docent.send() cut a message at /v1/widget/config's limit."""
    from api import widget_config

    monkeypatch.setattr(widget_config, "MESSAGE_MAX", 40)
    host(page, api, shop())
    launcher(page).click()
    assert page.locator(f"{W} textarea").get_attribute("maxlength") == "40"
    page.evaluate("Docent.send('Shipping? ' + 'x'.repeat(100))")
    wait_answer(page)
    sent = page.locator(f"{W} .m.u .b").last.inner_text()
    assert sent == "Shipping? " + "x" * 30


def test_transcript_survives_reload_and_navigation(page: Any, api: str, shop: Any) -> None:
    key = shop()
    host(page, api, key)
    launcher(page).click()
    ask(page, "What is the refund policy?")
    wait_answer(page)
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('{transcript_key(key)}'))")
    assert re.fullmatch(r"[0-9a-f]{32}", stored["sid"])
    assert [m["role"] for m in stored["msgs"]] == ["user", "assistant"]

    log = watch(page)
    page.goto(origin() + "/another/page")
    # The panel was open: it stays open across navigation, with the transcript.
    page.locator(f"{W} .m.u").wait_for()
    assert page.locator(f"{W} .m.u .b").inner_text() == "What is the refund policy?"
    assert "Docent answers" in wait_answer(page).inner_text()
    assert f"GET /v1/sessions/{stored['sid']}/messages" in api_calls(log, api)

    # A new visit (closed panel) makes no history request until the visitor opens it.
    page.locator(f"{W} .hd button[aria-label='Close chat']").click()
    log = watch(page)
    page.reload()
    launcher(page)
    page.wait_for_timeout(300)
    assert not any("/v1/sessions/" in c for c in api_calls(log, api))
    launcher(page).click()
    page.wait_for_function("""() => document.querySelector('docent-widget')?.shadowRoot
      .querySelectorAll('.m').length >= 3""")
    assert any("/v1/sessions/" in c for c in api_calls(log, api))


def test_history_comes_from_the_server(page: Any, api: str, shop: Any) -> None:
    key = shop()
    host(page, api, key)
    launcher(page).click()
    ask(page, "Shipping?")
    wait_answer(page)
    # Tamper with the local copy: the server's transcript wins on the next visit.
    page.evaluate(
        """k => {
      const s = JSON.parse(localStorage.getItem(k));
      s.msgs[1].text = 'tampered'; localStorage.setItem(k, JSON.stringify(s));
    }""",
        transcript_key(key),
    )
    page.reload()
    page.wait_for_function("""() => document.querySelector('docent-widget')?.shadowRoot
      .querySelector('.m.a:last-child .b')?.textContent.startsWith('Docent answers')""")


# --- Keyboard and accessibility ---------------------------------------------------------


def test_keyboard_only(page: Any, api: str, shop: Any) -> None:
    key = shop(model="echo")
    host(page, api, key, body="<a href='#top' id=first>Skip</a>")
    button = launcher(page)
    assert button.get_attribute("aria-label") == "Open chat"
    assert button.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "DOCENT-WIDGET"
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.className") == "ln"
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.locator(f"{W} textarea").input_value() == "first line\nsecond line"
    page.keyboard.press("Enter")
    answer = wait_answer(page)
    assert page.locator(f"{W} .m.u .b").inner_text() == "first line\nsecond line"
    assert "second line" in answer.inner_text()
    live = page.locator(f"{W} [aria-live=polite]")
    page.wait_for_function("""() => document.querySelector('docent-widget').shadowRoot
      .querySelector('[aria-live=polite]').textContent.includes('second line')""")
    assert live.count() == 1
    # Visible focus: a keyboard-focused button draws an outline.
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("""() => {
      const el = document.querySelector('docent-widget').shadowRoot.activeElement;
      return getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth;
    }""")
    assert outline.startswith("solid") and not outline.endswith(" 0px")
    page.keyboard.press("Escape")
    assert page.locator(f"{W} .p").is_hidden()
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.className") == "ln"


@pytest.mark.parametrize(
    "accent", ["#ffeb3b", "#1e3a8a", "#ff5722", "#00a86b", "#777777", "#e11d48", "#0ea5e9"]
)
def test_accent_text_colour_passes_wcag_aa(page: Any, api: str, shop: Any, accent: str) -> None:
    key = shop()
    host(page, api, key, attrs=f"data-accent-color='{accent}'")
    colours = launcher(page).evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    )
    back, fore = (tuple(int(x) for x in re.findall(r"\d+", c)[:3]) for c in colours)
    assert back == tuple(int(accent[i : i + 2], 16) for i in (1, 3, 5))
    assert contrast(back, fore) >= 4.5


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    def luminance(rgb: tuple[int, ...]) -> float:
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- Safety -------------------------------------------------------------------------------

XSS = "\n".join(
    [
        "Hello **bold** and *soft* and `code <b>`.",
        '<img src="http://127.0.0.1:1/pixel.png" onerror="window.__pwned=1">',
        "<svg onload=window.__pwned=2><circle r=5 /></svg>",
        "<script>window.__pwned=3</script>",
        "[mixed](JaVaScRiPt:window.__pwned=4)",
        "[entity](javascript&#58;window.__pwned=5)",
        "[tab](java\tscript:window.__pwned=6)",
        "[data](data:text/html,<script>parent.__pwned=7</script>)",
        "![tracker](http://127.0.0.1:1/track.gif)",
        '<a href="javascript:window.__pwned=8">raw anchor</a>',
        '<iframe src="javascript:parent.__pwned=9"></iframe>',
        "[safe](https://example.com/docs?a=1&b=2) and mail [us](mailto:help@example.com)",
        "<details open ontoggle=window.__pwned=10>x</details>",
        "- list <b onmouseover=window.__pwned=11>item</b>",
        "```html",
        "<img src=x onerror=window.__pwned=12>",
        "```",
    ]
)


def test_hostile_answer_stream_runs_nothing_and_loads_nothing(
    page: Any, api: str, shop: Any
) -> None:
    # The "echo" model streams the question back three characters at a time, so
    # every tag and link above is split across chunks.
    key = shop(model="echo")
    log = watch(page)
    host(page, api, key)
    launcher(page).click()
    ask(page, XSS)
    answer = wait_answer(page)
    page.mouse.move(200, 200)
    answer.hover()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert not log["errors"]
    assets = [
        r.url for r in log["requests"] if r.resource_type in ("image", "document", "media", "font")
    ]
    assert assets == [origin() + "/"]
    bubble = answer.locator(".b")
    tags = set(bubble.evaluate("b => [...b.querySelectorAll('*')].map(e => e.localName)"))
    assert tags <= {"p", "br", "strong", "em", "code", "pre", "a", "ul", "ol", "li"}
    attrs = set(
        bubble.evaluate("b => [...b.querySelectorAll('*')].flatMap(e => e.getAttributeNames())")
    )
    assert attrs <= {"href", "target", "rel", "data-lang", "start"}
    links = bubble.evaluate("""b => [...b.querySelectorAll('a')].map(
        a => [a.textContent, a.href, a.target, a.rel])""")
    # Bare URLs become links too; every link is http(s) or mailto and opens safely.
    assert [text for text, *_ in links] == ["http://127.0.0.1:1/pixel.png", "tracker", "safe", "us"]
    assert ["safe", "https://example.com/docs?a=1&b=2", "_blank", "noopener noreferrer"] in links
    assert ["us", "mailto:help@example.com", "_blank", "noopener noreferrer"] in links
    for _, href, target, rel in links:
        assert re.match(r"(https?|mailto):", href)
        assert (target, rel) == ("_blank", "noopener noreferrer")
    text = bubble.inner_text()
    assert '<img src="http://127.0.0.1:1/pixel.png" onerror="window.__pwned=1">' in text
    assert "mixed" in text and "tracker" in text
    assert bubble.locator("pre code").inner_text() == "<img src=x onerror=window.__pwned=12>"


MARKDOWN = """Intro with **bold text**, *emphasis*, `inline code` and a [link](https://example.com/a).

1. first
2. second with **bold**

- bullet one
- bullet two

```python
def hello():
    return "**not bold**"
```
After the fence: https://example.com/bare."""


def test_markdown_split_across_chunks_renders_whole(page: Any, api: str, shop: Any) -> None:
    key = shop(model="echo")
    host(page, api, key)
    launcher(page).click()
    ask(page, MARKDOWN)
    bubble = wait_answer(page).locator(".b")
    assert bubble.locator("p").first.locator("strong").inner_text() == "bold text"
    assert bubble.locator("p").first.locator("em").inner_text() == "emphasis"
    assert bubble.locator("p").first.locator("code").inner_text() == "inline code"
    assert bubble.locator("ol li").all_inner_texts() == ["first", "second with bold"]
    assert bubble.locator("ul li").all_inner_texts() == ["bullet one", "bullet two"]
    assert bubble.locator("pre code").inner_text() == ('def hello():\n    return "**not bold**"')
    assert bubble.locator("pre code").get_attribute("data-lang") == "python"
    hrefs = bubble.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["https://example.com/a", "https://example.com/bare"]


# --- Hostile pages, strict CSP, mobile -------------------------------------------------

HOSTILE_CSS = """<style>
* { all: unset !important; }
div, button, textarea, form { display: none !important; }
body > * { position: static !important; transform: scale(.2) !important; opacity: .1 !important; }
html { font-size: 4px !important; direction: rtl; color: red !important; }
:root { --bg: red; --fg: red; --ac: red; }
</style>"""


def test_hostile_page_css_does_not_break_the_widget(page: Any, api: str, shop: Any) -> None:
    key = shop(widget={"accent_color": "#0f5e6e"})
    host(page, api, key, head=HOSTILE_CSS, body="<div>host content</div>")
    button = launcher(page)
    box = button.bounding_box()
    assert box and box["width"] == 56 and box["height"] == 56
    assert box["x"] + 56 == pytest.approx(1280 - 20, abs=1)
    button.click()
    panel = page.locator(f"{W} .p")
    panel.wait_for()
    box = panel.bounding_box()
    assert box and box["width"] == 380 and box["height"] > 400
    styles = page.locator(f"{W} .hd").evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).fontSize]"
    )
    assert styles[0] == "rgb(15, 94, 110)"
    ask(page, "Shipping?")
    assert "Docent answers" in wait_answer(page).inner_text()
    # And the widget leaves the host page's own styles and globals alone.
    assert page.evaluate("getComputedStyle(document.querySelector('div')).display") == "none"
    assert page.evaluate("Object.keys(window).filter(k => /docent/i.test(k))") == ["Docent"]


STRICT_CSP = (
    "default-src 'none'; script-src {api}; connect-src {api}; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; require-trusted-types-for 'script'; "
    "trusted-types 'none'"
)


def test_strict_content_security_policy(page: Any, api: str, shop: Any) -> None:
    key = shop(widget={"accent_color": "#e11d48"})
    log = watch(page)
    page.add_init_script("""window.violations = [];
      document.addEventListener('securitypolicyviolation',
        e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));""")
    host(
        page,
        api,
        key,
        headers={"Content-Security-Policy": STRICT_CSP.format(api=api)},
        body="<script>window.inlineRan = true</script>",
    )
    button = launcher(page)
    # The policy is really in force: the page's own inline script was blocked...
    assert page.evaluate("window.inlineRan") is None
    # ...yet the widget is styled and works.
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(225, 29, 72)"
    button.click()
    ask(page, "What about *refunds*?")
    assert "Docent answers" in wait_answer(page).inner_text()
    assert page.evaluate("window.violations") == ["script-src-elem inline"]  # the page's own
    assert not log["errors"]


def test_mobile_viewport_is_full_screen(browser: Any, api: str, shop: Any) -> None:
    key = shop()
    context = browser.new_context(
        viewport={"width": 375, "height": 667},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        tab = context.new_page()
        host(tab, api, key, body="<p>" + "Long host page. " * 400 + "</p>")
        launcher(tab).tap()
        panel = tab.locator(f"{W} .p")
        panel.wait_for()
        assert panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}
        ask(tab, "Shipping?")
        assert "Docent answers" in wait_answer(tab).inner_text()
        tab.locator(f"{W} .hd button[aria-label='Close chat']").tap()
        assert panel.is_hidden()
    finally:
        context.close()


# --- Controls: stop, retry, limits, feedback, copy, new conversation ------------------


def test_stop_keeps_the_partial_answer(
    page: Any, api: str, shop: Any, app: Any, monkeypatch: Any
) -> None:
    # Slow enough that Stop lands mid-answer even when the browser is slow to click.
    monkeypatch.setattr(llm_server, "SLOW_SECONDS", 0.6)
    key = shop(model="slow")
    host(page, api, key)
    launcher(page).click()
    ask(page, "Tell me everything")
    page.wait_for_function("""() => [...document.querySelector('docent-widget').shadowRoot
      .querySelectorAll('.m.a .b')].pop().textContent.includes('answers')""")
    page.locator(f"{W} .sb[aria-label='Stop']").click()
    answer = wait_answer(page)
    assert answer.locator(".n").inner_text() == "Stopped."
    partial = answer.locator(".b").inner_text()
    assert partial.startswith("Docent answers") and not partial.endswith("answer.")
    assert page.locator(f"{W} .sb").get_attribute("aria-label") == "Send"
    from models import Message

    def stored() -> Any:
        with app.app_context():
            return db.session.execute(
                db.select(Message.status, Message.content).where(Message.role == "assistant")
            ).first()

    # The server notices the closed connection at its next write and keeps the partial text.
    for _ in range(50):
        if stored() is not None:
            break
        page.wait_for_timeout(100)
    status, content = stored()
    assert status == "interrupted"
    assert content.startswith("Docent answers") and not content.endswith("answer.")


def test_upstream_failure_shows_error_and_retry(page: Any, api: str, shop: Any, app: Any) -> None:
    key = shop(model="fail-500")
    log = watch(page)
    host(page, api, key)
    launcher(page).click()
    ask(page, "Shipping?")
    answer = wait_answer(page)
    error = answer.locator(".e")
    assert error.is_visible() and error.locator("button").inner_text() == "Retry"
    with app.app_context():
        db.session.get(Bot, shop.bot_id).model = "gpt-4.1-mini"
        db.session.commit()
    error.locator("button").click()
    answer = wait_answer(page)
    assert "Docent answers" in answer.inner_text()
    assert page.locator(f"{W} .e").count() == 0
    assert not log["errors"]


def test_rate_limit_says_when_to_try_again(page: Any, api: str, shop: Any) -> None:
    key = shop(rate_limit="1/minute")
    host(page, api, key)
    launcher(page).click()
    ask(page, "Shipping?")
    wait_answer(page)
    ask(page, "Refunds?")
    error = wait_answer(page, 2).locator(".e")
    assert re.fullmatch(r"Too many messages\. Try again in \d+ s\.\s+Retry", error.inner_text())


def test_server_down_is_never_a_silent_hang(page: Any, api: str, shop: Any) -> None:
    key = shop()
    host(page, api, key)
    launcher(page).click()
    page.route(api + "/v1/chat/stream", lambda route: route.abort("connectionreset"))
    ask(page, "Shipping?")
    assert re.fullmatch(r"Connection lost\.\s+Retry", wait_answer(page).locator(".e").inner_text())


def test_feedback_copy_and_new_conversation(browser: Any, api: str, shop: Any) -> None:
    key = shop()
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        tab = context.new_page()
        host(tab, api, key)
        launcher(tab).click()
        ask(tab, "Shipping?")
        answer = wait_answer(tab)
        up = answer.locator("button[aria-label='Helpful']")
        with tab.expect_response(lambda r: "/feedback" in r.url) as response:
            up.click()
        assert response.value.status == 200
        assert up.get_attribute("aria-pressed") == "true"
        assert (
            answer.locator("button[aria-label='Not helpful']").get_attribute("aria-pressed")
            == "false"
        )
        sid = tab.evaluate(f"JSON.parse(localStorage.getItem('{transcript_key(key)}')).sid")
        history = tab.evaluate(f"""fetch('{api}/v1/sessions/{sid}/messages',
            {{headers: {{Authorization: 'Bearer {key}'}}}}).then(r => r.json())""")
        assert history["messages"][1]["feedback"]["rating"] == "up"

        answer.locator("button[aria-label='Copy answer']").click()
        tab.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
        assert tab.evaluate("navigator.clipboard.readText()").startswith("Docent answers")

        tab.locator(f"{W} button[aria-label='New conversation']").click()
        assert tab.locator(f"{W} .m.u").count() == 0
        new_sid = tab.evaluate(f"JSON.parse(localStorage.getItem('{transcript_key(key)}')).sid")
        assert new_sid != sid
        assert tab.locator(f"{W} .q button").count() == 0  # the test bot has no starters
    finally:
        context.close()


# --- Configuration, API, several widgets ------------------------------------------------


def test_dashboard_settings_and_data_attribute_overrides(page: Any, api: str, shop: Any) -> None:
    key = shop(
        widget={
            "title": "Shop help",
            "accent_color": "#00a86b",
            "position": "left",
            "welcome_message": "Welcome to the shop!",
            "starter_questions": ["Shipping?", "Refunds?"],
            "placeholder": "Type here",
            "labels": {"open": "Chat with us"},
        }
    )
    host(page, api, key, attrs="data-title='Overridden' data-starter-questions='One|Two|Three'")
    button = launcher(page)
    assert button.get_attribute("aria-label") == "Chat with us"
    assert button.bounding_box()["x"] == 20
    button.click()
    assert page.locator(f"{W} .hd h2").inner_text() == "Overridden"
    assert page.locator(f"{W} [role=dialog]").get_attribute("aria-label") == "Overridden"
    assert page.locator(f"{W} .m.a .b").first.inner_text() == "Welcome to the shop!"
    assert page.locator(f"{W} textarea").get_attribute("placeholder") == "Type here"
    starters = page.locator(f"{W} .q button")
    assert starters.all_inner_texts() == ["One", "Two", "Three"]
    starters.nth(1).click()
    wait_answer(page)
    assert page.locator(f"{W} .m.u .b").inner_text() == "Two"
    assert page.locator(f"{W} .q").count() == 0


def background(locator: Any) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_launcher_is_drawn_before_the_settings_arrive(page: Any, api: str, shop: Any) -> None:
    """The launcher is drawn at once: on a first visit with the defaults, then with the
    settings this browser last received; the bot's settings apply when they arrive, and
    a click meanwhile waits for them."""
    key = shop(
        widget={"accent_color": "#00a86b", "position": "left", "labels": {"open": "Chat with us"}}
    )
    held: list[Any] = []
    page.route(api + "/v1/widget/config", lambda route: held.append(route))
    log = watch(page)
    host(page, api, key)
    button = page.locator(f"{W} .ln")
    button.wait_for()
    while not held:
        page.wait_for_timeout(10)
    right = page.viewport_size["width"] - 20 - 56
    assert button.get_attribute("aria-busy") == "true"
    assert button.get_attribute("aria-label") == "Open chat"
    assert background(button) == "rgb(79, 70, 229)"  # the default accent, #4f46e5
    assert button.bounding_box()["x"] == right
    button.click()  # waits for the settings
    page.wait_for_timeout(100)
    assert page.locator(f"{W} .p").count() == 0
    assert page.evaluate("Docent.widgets.length") == 1

    held.pop().continue_()
    launcher(page)
    assert background(button) == "rgb(0, 168, 107)"
    assert button.bounding_box()["x"] == 20
    page.locator(f"{W} .p").wait_for()  # the click, once the settings came
    assert button.get_attribute("aria-label") == "Close chat"
    button.click()

    # The next page draws the launcher with the settings this one received, before its own.
    host(page, api, key)
    button.wait_for()
    while not held:
        page.wait_for_timeout(10)
    assert button.get_attribute("aria-busy") == "true"
    assert button.get_attribute("aria-label") == "Chat with us"
    assert background(button) == "rgb(0, 168, 107)"
    assert button.bounding_box()["x"] == 20
    held.pop().continue_()
    launcher(page)
    assert button.bounding_box()["x"] == 20
    assert not log["errors"]


def test_javascript_api_and_events(page: Any, api: str, shop: Any) -> None:
    key = shop(model="echo")
    log = watch(page)
    host(
        page,
        api,
        key,
        body="""<script>
      window.seen = [];
      addEventListener('load', () => {});
    </script>""",
    )
    launcher(page)
    page.evaluate("""() => {
      for (const e of ['open', 'close', 'send', 'answer', 'reset'])
        Docent.on(e, d => seen.push(e + (d && d.text ? ':' + d.text : '')));
      Docent.on('answer', () => { throw new Error('a broken host handler'); });
    }""")
    page.evaluate("Docent.send('ping from the page')")
    wait_answer(page)
    page.evaluate("Docent.close(); Docent.toggle(); Docent.toggle(); Docent.reset()")
    assert page.evaluate("seen") == [
        "open",
        "send:ping from the page",
        "answer:ping from the page",
        "close",
        "open",
        "close",
        "reset",
    ]
    assert page.evaluate("typeof Docent.on('open', () => {})") == "function"
    assert not log["errors"]
    assert any("[docent]" in line for line in log["console"])


def test_several_widgets_on_one_page(page: Any, api: str, shop: Any) -> None:
    first = shop(model="echo", widget={"title": "Sales"})
    second = shop(model="gpt-4.1-mini", widget={"title": "Support"})
    body = (
        f"<div id=help style='height:500px'></div>"
        f"<script src='{api}/widget.js' data-key='{second}' data-mode=inline "
        "data-target='#help' async></script>"
    )
    host(page, api, first, body=body)
    page.wait_for_function("document.querySelectorAll('docent-widget').length == 2")
    assert page.evaluate("Docent.widgets.length") == 2
    inline = page.locator("#help docent-widget")
    floating = page.locator("body > docent-widget")
    inline.locator(".p").wait_for()
    assert inline.locator(".ln").count() == 0
    assert inline.locator(".p").bounding_box()["height"] == 500  # fills its target
    assert inline.locator(".hd h2").inner_text() == "Support"
    floating.locator(".ln").click()
    assert floating.locator(".hd h2").inner_text() == "Sales"
    floating.locator("textarea").fill("to sales")
    floating.locator("textarea").press("Enter")
    inline.locator("textarea").fill("to support")
    inline.locator("textarea").press("Enter")
    page.wait_for_function("""() => [...document.querySelectorAll('docent-widget')].every(
      w => w.shadowRoot.querySelector('.m.a .x'))""")
    assert floating.locator(".m.a .b").last.inner_text() == "to sales"
    assert "Docent answers" in inline.locator(".m.a .b").last.inner_text()
    # A transcript per widget, and each bot's settings kept for the next page.
    assert sorted(page.evaluate("Object.keys(localStorage)")) == sorted(
        [
            transcript_key(first),
            transcript_key(second, "#help"),
            f"docent:{first}",
            f"docent:{second}",
        ]
    )


def test_right_to_left_and_dark_mode(browser: Any, api: str, shop: Any) -> None:
    key = shop()
    context = browser.new_context(color_scheme="dark")
    try:
        tab = context.new_page()
        host(tab, api, key, html_attrs="dir=rtl lang=ar")
        launcher(tab).click()
        wrap = tab.locator(f"{W} .w")
        assert wrap.get_attribute("dir") == "rtl"
        assert "dk" in wrap.get_attribute("class")
        assert (
            tab.locator(f"{W} .p").evaluate("el => getComputedStyle(el).backgroundColor")
            == "rgb(22, 24, 27)"
        )
        # data-theme wins over the visitor's preference.
        tab.evaluate("localStorage.clear(); sessionStorage.clear()")
        host(tab, api, key, attrs="data-theme=light data-dir=ltr", html_attrs="dir=rtl")
        launcher(tab)
        wrap = tab.locator(f"{W} .w")
        assert wrap.get_attribute("dir") == "ltr"
        assert "dk" not in wrap.get_attribute("class")
    finally:
        context.close()


def test_disallowed_origin_leaves_nothing_and_throws_nothing(
    page: Any, api: str, shop: Any
) -> None:
    key = shop(origins=["https://elsewhere.example"])
    log = watch(page)
    host(page, api, key)
    page.wait_for_function("() => performance.getEntriesByType('resource').length >= 1")
    page.wait_for_timeout(500)
    # The launcher drawn while the settings were asked for is gone with their refusal.
    assert page.locator(W).count() == 0
    assert not log["errors"]
    assert any(line.startswith("[docent]") for line in log["console"])


def test_script_in_the_head_waits_for_the_body(page: Any, api: str, shop: Any) -> None:
    """A tag in <head> without async runs before the body exists: the launcher comes with
    the parsed page. Settings refused before then leave nothing to draw."""
    key = shop()
    SITE[0].html = (
        f"<!doctype html><html><head><script src='{api}/widget.js' data-key='{key}'></script>"
        "</head><body><p>host content</p></body></html>"
    )
    SITE[0].headers = {}
    page.goto(origin() + "/")
    launcher(page).click()
    page.locator(f"{W} .p").wait_for()

    refused = shop(origins=["https://elsewhere.example"])
    held: list[Any] = []
    page.route(origin() + "/slow.js", lambda route: held.append(route))
    log = watch(page)
    SITE[0].html = (
        f"<!doctype html><html><head><script src='{api}/widget.js' data-key='{refused}'>"
        "</script></head><body><script src='/slow.js'></script><p>host content</p></body></html>"
    )
    page.goto(origin() + "/refused", wait_until="commit")
    while not held or not any("not started" in line for line in log["console"]):
        page.wait_for_timeout(10)
    assert page.evaluate("document.readyState") == "loading"
    held.pop().fulfill(status=200, content_type="text/javascript", body="")
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    assert page.locator(W).count() == 0
    assert not log["errors"]


def test_foreign_global_is_left_alone(page: Any, api: str, shop: Any) -> None:
    key = shop()
    log = watch(page)
    host(page, api, key, head="<script>window.Docent = {mine: true}</script>")
    launcher(page).click()
    assert page.evaluate("JSON.stringify(window.Docent)") == json.dumps(
        {"mine": True}, separators=(",", ":")
    )
    assert not log["errors"]


@pytest.mark.parametrize(
    "stored",
    [
        "{not json",
        '{"sid": "<bad id>", "msgs": []}',
        '{"sid": "abc", "msgs": [null, {"role": "user"}, {"role": "user", "text": 5}]}',
        '{"sid": "abc", "msgs": "nope"}',
    ],
)
def test_corrupt_local_storage_is_ignored(page: Any, api: str, shop: Any, stored: str) -> None:
    key = shop()
    log = watch(page)
    page.add_init_script(f"localStorage.setItem('docent:{key}:', {json.dumps(stored)})")
    host(page, api, key)
    launcher(page).click()
    ask(page, "Shipping?")
    assert "Docent answers" in wait_answer(page).inner_text()
    sid = page.evaluate(f"JSON.parse(localStorage.getItem('docent:{key}:')).sid")
    assert re.fullmatch(r"[\w.:-]{1,128}", sid)
    assert not log["errors"]
