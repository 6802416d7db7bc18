"""The widget in headless Chromium: start-up, first token, layout shift, size.

    .venv/bin/python bench/widget.py --runs 7

Starts the loopback OpenAI-compatible test server, a bot with one document and a
public key, and one gunicorn worker; then, in a fresh browser context per run, loads a
host page on another origin (http://localhost) that embeds /widget.js, and measures:
- from the widget script starting (its first read of window.Docent) to its settings
  (GET /v1/widget/config) received, to the launcher in the page's DOM, to the first
  frame painted with it, and to the bot's settings applied (the launcher no longer
  aria-busy; the same moment as "in the DOM" for a build that waits for them);
- from Docent.send() to the first streamed token drawn in the panel;
- the host page's cumulative layout shift (PerformanceObserver 'layout-shift');
and prints Docent's gzipped size beside the published bundles of flowise-embed,
@typebot.io/js and @n8n/chat, fetched with `npm pack` into a temporary directory.
Prints p50 (and min/max) over the runs; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.llm_server as llm_server  # noqa: E402
from bench.common import shipping_bot, wait_for  # noqa: E402
from tests.browser import ARGS, CHROMIUM  # noqa: E402

PAGE_PORT = 5991
# The files a page loads to embed each, as their docs show: Flowise's and Typebot's web
# scripts, and n8n's self-contained bundle with its stylesheet.
OTHER_WIDGETS = {
    "flowise-embed": ["dist/web.js"],
    "@typebot.io/js": ["dist/web.js"],
    "@n8n/chat": ["dist/chat.bundle.umd.js", "dist/style.css"],
}

# Runs in the page before any of its scripts: notes when the widget script first reads
# window.Docent (its first statement), when <docent-widget> enters the DOM and when
# the frame after that is painted, and every layout shift of the host page.
PROBE = """
(() => {
  const probe = (window.__probe = { shifts: [] });
  Object.defineProperty(window, "Docent", {
    configurable: true,
    get() {
      if (probe.start == null) probe.start = performance.now();
    },
    set(value) {
      Object.defineProperty(window, "Docent", { value, writable: true, configurable: true });
    },
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) probe.shifts.push(entry.value);
    }
  }).observe({ type: "layout-shift", buffered: true });
  new MutationObserver((records, observer) => {
    const host = document.querySelector("docent-widget");
    const launcher = host && host.shadowRoot && host.shadowRoot.querySelector(".ln");
    if (!launcher) return;
    probe.inDom = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (launcher.getBoundingClientRect().width > 0) probe.painted = performance.now();
    }));
    // The bot's settings applied: the launcher stops being aria-busy (a build that draws
    // it only once it has them never sets aria-busy).
    const applied = () => {
      if (launcher.getAttribute("aria-busy") == "true") return;
      probe.applied = performance.now();
      return 1;
    };
    if (!applied()) {
      new MutationObserver((records, observer) => applied() && observer.disconnect())
        .observe(launcher, { attributes: true, attributeFilter: ["aria-busy"] });
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host page</title>
<style>body{font:16px/1.5 sans-serif;margin:40px;max-width:680px}</style></head>
<body><h1>A host page</h1>
{paragraphs}
<script src="{api}/widget.js" data-key="{key}" async></script>
</body></html>"""

# Ask through the API and resolve with the time from the call to the first text drawn
# in the assistant's bubble.
FIRST_TOKEN = """
(question) => new Promise((resolve) => {
  const root = document.querySelector("docent-widget").shadowRoot;
  let started;
  const observer = new MutationObserver(() => {
    const bubbles = root.querySelectorAll(".m.a .b");
    const last = bubbles[bubbles.length - 1];
    if (last && started != null && last.textContent.trim() && !last.querySelector(".d")) {
      observer.disconnect();
      resolve(performance.now() - started);
    }
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  started = performance.now();
  Docent.send(question);
})
"""


class HostPage(BaseHTTPRequestHandler):
    """Serves the host page on its own origin (a real loopback server, as a site is)."""

    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def prepare(database: str) -> str:
    """Create a bot with one document and a public key for the host page; return the key."""
    return shipping_bot(database, "gpt-bench", "public", origins=["http://localhost:*"])


def measure(browser: Any, api: str, key: str, page_port: int) -> dict[str, float]:
    """One cold load of the host page in a fresh context; the figures of that run."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    paragraphs = "\n".join(f"<p>Paragraph {i} of the host page's own text.</p>" for i in range(30))
    html = HOST_PAGE.replace("{paragraphs}", paragraphs).replace("{api}", api).replace("{key}", key)
    HostPage.html = html.encode()
    page.add_init_script(PROBE)
    page.goto(f"http://localhost:{page_port}/")
    page.wait_for_function(
        "window.__probe.painted != null && window.__probe.applied != null", timeout=15000
    )
    probe = page.evaluate("window.__probe")
    config_end = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".find((e) => e.name.includes('/v1/widget/config')).responseEnd"
    )
    # Two frames more, so the first token is timed from a settled page whichever way
    # the build starts (a build that draws the launcher early applies the settings later).
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    first_token = page.evaluate(FIRST_TOKEN, "How long does shipping take?")
    page.wait_for_function(
        "!document.querySelector('docent-widget').shadowRoot.querySelector('.sb[aria-label=Stop]')"
    )
    page.wait_for_timeout(300)
    shifts = page.evaluate("window.__probe.shifts")
    context.close()
    return {
        "config": config_end - probe["start"],
        "in_dom": probe["inDom"] - probe["start"],
        "painted": probe["painted"] - probe["start"],
        "applied": probe["applied"] - probe["start"],
        "first_token": first_token,
        "cls": sum(shifts),
    }


def packed_size(package: str, workdir: Path) -> tuple[str, str, int]:
    """`npm pack` a published widget; return its version, the files a page loads to
    embed it as its docs show, and their gzipped size (each file gzip -9, summed)."""
    out = subprocess.run(
        ["npm", "pack", package, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
        size = 0
        for name in OTHER_WIDGETS[package]:
            body = archive.extractfile(f"package/{name}").read()  # type: ignore[union-attr]
            size += len(gzip.compress(body, compresslevel=9, mtime=0))
    return manifest["version"], " + ".join(OTHER_WIDGETS[package]), size


def p50(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--port", type=int, default=5078)
    parser.add_argument("--page-port", type=int, default=PAGE_PORT, help="the host page's port")
    parser.add_argument("--no-npm", action="store_true", help="skip the other widgets' sizes")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    upstream = llm_server.LLMServer().start()
    workdir = Path(tempfile.mkdtemp(prefix="docent-bench-widget-"))
    database = f"sqlite:///{workdir}/bench.db"
    key = prepare(database)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": upstream.url,
        "SECRET_KEY": "bench",
        "PORT": str(args.port),
        "WEB_CONCURRENCY": "1",
        "DOCENT_RATE_LIMIT_IP": "100000/minute",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    host = ThreadingHTTPServer(("127.0.0.1", args.page_port), HostPage)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    runs: list[dict[str, float]] = []
    try:
        wait_for(args.port)
        api = f"http://127.0.0.1:{args.port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            measure(browser, api, key, args.page_port)  # warm the server; not counted
            runs = [measure(browser, api, key, args.page_port) for _ in range(args.runs)]
            browser.close()
    finally:
        server.terminate()
        server.wait()
        upstream.shutdown()
        host.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    from widget import load_bundle

    served = load_bundle()
    print(f"widget in headless Chromium, {args.runs} cold loads (fresh context each), ms p50:")
    print(f"  script start -> settings received        {p50([r['config'] for r in runs])}")
    print(f"  script start -> launcher in the DOM      {p50([r['in_dom'] for r in runs])}")
    print(f"  script start -> launcher painted         {p50([r['painted'] for r in runs])}")
    print(f"  script start -> settings applied         {p50([r['applied'] for r in runs])}")
    own = [r["applied"] - r["config"] for r in runs]
    print(f"    of which settings -> applied           {p50(own)}")
    print(f"  Docent.send() -> first token drawn       {p50([r['first_token'] for r in runs])}")
    print(f"  host page layout shift (CLS), max        {max(r['cls'] for r in runs):.4f}")
    print()
    print(f"{'widget':<16} {'version':<9} {'files':<46} {'gzip -9 bytes':>13}")
    print(f"{'docent':<16} {'':<9} {'/widget.js':<46} {len(served.gzipped):>13}")
    if not args.no_npm:
        with tempfile.TemporaryDirectory(prefix="docent-npm-") as temp:
            for package in OTHER_WIDGETS:
                version, entry, size = packed_size(package, Path(temp))
                print(f"{package:<16} {version:<9} {entry:<46} {size:>13}")


if __name__ == "__main__":
    main()
