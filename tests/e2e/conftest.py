"""Browser tests: the real app on a local port, driven by Debian's Chromium through Playwright.

One browser for the whole session, a new context (cookies, viewport) and a new live server per
test. Every page a journey checks is screenshotted, run through axe-core, measured for
horizontal scrolling at phone width, and its console read for errors and CSP violations.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    sync_playwright,
)
from werkzeug.serving import make_server

from tests.e2e.axe import AxeResult, run_axe, save_report

# Debian's Chromium, never a downloaded browser; the variable exists to try the skip path.
CHROMIUM = Path(os.environ.get("ENGAGE_E2E_CHROMIUM", "/usr/bin/chromium"))
SKIP_REASON = "Debian chromium not installed: apt-get install chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

E2E_DIR = Path(__file__).resolve().parent
OUTPUT = E2E_DIR.parents[1] / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
AXE_REPORTS = OUTPUT / "axe"

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 320, "height": 640},
    # A common phone (390 px): pinned by the journeys that must be shown at that size.
    "phone-390": {"width": 390, "height": 844},
}
# What every journey runs at unless it pins a viewport.
DEFAULT_VIEWPORTS = ("desktop", "phone")
# Sub-pixel rounding can make scrollWidth one or two pixels wider than the viewport.
SCROLL_TOLERANCE = 2

# Everything axe found this session, for the summary at the end of the run.
AXE_RESULTS: list[AxeResult] = []


# --- collection --------------------------------------------------------------------------------


def pytest_report_header() -> str:
    if CHROMIUM.exists():
        return f"e2e browser: {CHROMIUM}"
    return f"e2e browser: NONE, browser tests will be skipped ({SKIP_REASON})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is an e2e test; without Chromium each one says why it skipped."""
    for item in items:
        if E2E_DIR not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        item.add_marker(pytest.mark.real_commits)  # the live server answers on its own thread
        if not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not AXE_RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("axe-core accessibility summary")
    pages = len(AXE_RESULTS)
    blocking = sum(len(r.blocking) for r in AXE_RESULTS)
    others: dict[str, set[str]] = {}
    for result in AXE_RESULTS:
        for violation in result.violations:
            if violation not in result.blocking:
                others.setdefault(f"[{violation['impact']}] {violation['id']}", set()).add(
                    result.name
                )
    write(f"{pages} page checks (WCAG 2.0/2.1/2.2 A and AA); "
          f"serious or critical violations: {blocking}")
    for rule, names in sorted(others.items()):
        write(f"  {rule} on {len(names)} page(s), e.g. {sorted(names)[0]}")
    waived = sorted({w.split(" on ")[0] for r in AXE_RESULTS for w in r.waived})
    for rule in waived:
        pages_waived = sum(1 for r in AXE_RESULTS if any(w.startswith(rule) for w in r.waived))
        write(f"  waived (see tests/e2e/axe.py WAIVERS): {rule} on {pages_waived} page(s)")
    write(f"reports: {AXE_REPORTS}  screenshots: {SCREENSHOTS}")


# --- the app on a real port --------------------------------------------------------------------


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """CSRF on: the browser fills real forms, so tokens must work as in production."""
    return {"WTF_CSRF_ENABLED": True}


@dataclass
class LiveServer:
    url: str
    app: Flask  # pytest-flask's request-context fixture looks for it

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture()
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test app served on 127.0.0.1 at a free port from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    # Output shows the latest run only: a stale screenshot would be misleading.
    for folder in (SCREENSHOTS, AXE_REPORTS):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(params=list(DEFAULT_VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Each journey runs on a desktop screen and on a 320 px phone; override with indirect."""
    return str(request.param)


@pytest.fixture()
def context(browser: Browser, live_server: LiveServer, viewport: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORTS[viewport],  # type: ignore[arg-type]
        locale="en-GB",
        timezone_id="Europe/London",
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


CSP_PATTERN = re.compile(r"Content Security Policy|Content-Security-Policy", re.IGNORECASE)
# initAll() reports a component that failed to start with console.log, not console.error.
NHSUK_ERROR = re.compile(
    r"\b(NHSUKFrontendError|SupportError|ElementError|InitError|ConfigError)\b"
)

# Runs before any page script (DevTools-injected, so the page's CSP does not apply to it).
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__engageCspViolation(
    `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`
    + ` at ${e.sourceFile}:${e.lineNumber}`
    + (e.sample ? ` sample: ${e.sample}` : ''));
});
"""


@dataclass
class BrowserLog:
    """What the browser said while a test ran."""

    messages: list[str] = field(default_factory=list)  # every console line, for failure output
    errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect a console error (a 404 page logs its own status); everything else fails."""
        self.allowed.append(re.compile(pattern))

    def allow_status(self, code: int, path: str) -> None:
        """Expect the page at `path` to answer `code` (Chromium logs any 4xx/5xx document)."""
        self.allow(rf"status of {code} .*\(http://[^/]+{re.escape(path)}(\?[^)]*)?\)$")

    def on_console(self, message: ConsoleMessage) -> None:
        location = message.location.get("url", "") if message.location else ""
        line = f"{message.type}: {message.text} ({location})"
        self.messages.append(line)
        if CSP_PATTERN.search(message.text):
            self.csp.append(line)
        elif message.type == "error" or NHSUK_ERROR.search(message.text):
            self.errors.append(line)

    def on_request_failed(self, request: Request) -> None:
        # ERR_ABORTED: the page moved on before a request (often the favicon) finished.
        if request.failure and "ERR_ABORTED" not in request.failure:
            self.errors.append(f"request failed: {request.method} {request.url} {request.failure}")

    def problems(self) -> list[str]:
        errors = [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        return [f"CSP violation: {c}" for c in self.csp] + errors

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "The browser reported problems:\n  " + "\n  ".join(problems)


@pytest.fixture()
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture()
def page(context: BrowserContext, browser_log: BrowserLog) -> Iterator[Page]:
    context.expose_function("__engageCspViolation", lambda text: browser_log.csp.append(text))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on("console", browser_log.on_console)
    page.on("pageerror", lambda error: browser_log.errors.append(f"uncaught: {error}"))
    page.on("requestfailed", browser_log.on_request_failed)
    yield page
    page.close()
    # A safety net: journeys check the log at every step, this catches the steps after the last.
    browser_log.assert_clean()


# --- checking a page ---------------------------------------------------------------------------


@dataclass
class Checker:
    """`check("step")`: screenshot, axe, phone overflow, nhsuk JS and console, for one page."""

    page: Page
    log: BrowserLog
    test_name: str
    viewport: str
    steps: list[str] = field(default_factory=list)

    def __call__(self, step: str, *, axe: bool = True) -> AxeResult | None:
        page = self.page
        page.wait_for_load_state("load")
        name = f"{self.test_name}-{self.viewport}-{len(self.steps) + 1:02d}-{step}"
        self.steps.append(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert_nhsuk_initialised(page)
        assert_tables_wrapped(page)
        if self.viewport.startswith("phone"):  # at the width the test set, if it changed it
            width = (page.viewport_size or VIEWPORTS[self.viewport])["width"]
            assert_no_horizontal_scroll(page, width)
        result = None
        if axe:
            result = run_axe(page, name)
            AXE_RESULTS.append(result)
            save_report(result, AXE_REPORTS)
            assert not result.blocking, result.describe(result.blocking)
        self.log.assert_clean()
        return result


@pytest.fixture()
def check(page: Page, browser_log: BrowserLog, request: pytest.FixtureRequest,
          viewport: str) -> Checker:
    test_name = re.sub(r"\[.*\]$", "", request.node.name).removeprefix("test_")
    return Checker(page=page, log=browser_log, test_name=test_name, viewport=viewport)


def assert_nhsuk_initialised(page: Page) -> None:
    """Every NHS.UK component on the page was started by nhsuk-frontend's initAll()."""
    page.wait_for_function("() => document.body.classList.contains('nhsuk-frontend-supported')")
    # Module scripts run before DOMContentLoaded, so by "load" every component has started.
    missing = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-module]'))
            .filter((el) => !el.hasAttribute(`data-${el.dataset.module}-init`))
            .map((el) => el.outerHTML.slice(0, 120))"""
    )
    assert not missing, "NHS.UK components not initialised:\n  " + "\n  ".join(missing)


def assert_tables_wrapped(page: Page) -> None:
    """Every table sits in `.engage-table-wrap`, so a wide one scrolls by itself on a phone."""
    bare = page.evaluate(
        """() => Array.from(document.querySelectorAll('table'))
            .filter((t) => !t.closest('.engage-table-wrap'))
            .map((t) => (t.caption ? t.caption.textContent.trim() : t.outerHTML.slice(0, 80)))"""
    )
    assert not bare, "tables outside .engage-table-wrap:\n  " + "\n  ".join(bare)


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    """The page body never scrolls sideways; wide content scrolls inside its own wrapper."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width <= width + SCROLL_TOLERANCE:
        return
    culprits = page.evaluate(
        """(width) => Array.from(document.querySelectorAll('body *'))
            .filter((el) => {
              const r = el.getBoundingClientRect();
              if (r.right <= width + 2 || r.width === 0) return false;
              // Absolutely positioned content escapes a scrolling wrapper that is not
              // positioned itself (the classic visually-hidden span in a wide table).
              if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return true;
              // Other wide content inside a scrolling wrapper that itself fits is fine.
              for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                const o = getComputedStyle(p).overflowX;
                if (o !== 'visible' && p.getBoundingClientRect().right <= width + 2) return false;
              }
              return true;
            })
            .slice(0, 10)
            .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> right=${
                Math.round(el.getBoundingClientRect().right)}`)""",
        width,
    )
    raise AssertionError(
        f"page scrolls sideways at {width} px: scrollWidth {scroll_width}; widest elements:\n  "
        + "\n  ".join(culprits)
    )
