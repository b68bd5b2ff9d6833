"""Helpers for real-browser tests: a Streamlit server on a free port and Debian's Chromium."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.waiting import GUARD_S

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def _missing(what: str) -> None:
    """Fail under LAB_REQUIRE_BROWSER=1 (scripts/test.sh's default, and CI's), else skip."""
    if os.environ.get("LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (scripts/test.sh installs it; LAB_REQUIRE_BROWSER=0 lets this test skip)")
    pytest.skip(what)


def require_browser():
    """Skip (or fail under LAB_REQUIRE_BROWSER=1, as in CI) when Chromium/Playwright are missing."""
    missing = not Path(CHROMIUM).exists()
    try:
        import playwright.sync_api  # noqa: F401 - only whether Playwright is installed
    except ImportError:
        missing = True
    if missing:
        _missing(f"browser tests need {CHROMIUM} and playwright")


def require_chromium(why: str):
    """Skip (or fail under LAB_REQUIRE_BROWSER=1) when Debian's Chromium is missing: `why` needs it."""
    if not Path(CHROMIUM).exists():
        _missing(f"{why}: needs {CHROMIUM}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(cache_dir: Path, **extra_env: str):
    """Run `streamlit run app.py` on 127.0.0.1 and yield its base URL once healthy.
    `extra_env` (e.g. LAB_HOST, LAB_TOKEN) makes the app behave as an exposed dashboard."""
    with streamlit_app(cache_dir, **extra_env) as (base, _):
        yield base


@contextlib.contextmanager
def streamlit_app(cache_dir: Path, port: int | None = None, **extra_env: str):
    """`streamlit_server`, yielding (base URL, the server's Popen) for a test that stops it
    (and may start it again on the same `port`)."""
    port = port or free_port()
    env = {**os.environ, "LAB_CACHE_DIR": str(cache_dir), **extra_env}
    log = open(cache_dir.parent / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                log = (cache_dir.parent / "streamlit.log").read_text()
                raise RuntimeError("streamlit did not become healthy: " + log)
            time.sleep(0.3)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


_SHARED: dict = {}  # this test process's Chromium while a browser module runs (tests/ui/conftest.py)


def _browser():
    """The test process's headless Debian Chromium, launched on first use (a launch costs
    about half a second of CPU: one per module instead of one per test) and again if it died."""
    browser = _SHARED.get("browser")
    if browser is None or not browser.is_connected():
        from playwright.sync_api import sync_playwright

        if "pw" not in _SHARED:
            _SHARED["pw"] = sync_playwright().start()
        _SHARED["browser"] = browser = _SHARED["pw"].chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
    return browser


def close_browser() -> None:
    """Close the shared Chromium and Playwright's driver (at the end of each browser module)."""
    browser, pw = _SHARED.pop("browser", None), _SHARED.pop("pw", None)
    try:
        if browser is not None and browser.is_connected():
            browser.close()
    finally:
        if pw is not None:
            pw.stop()


@contextlib.contextmanager
def browser_page():
    """A Playwright page in headless Debian Chromium, in a fresh context of its own (no
    cookies, storage or cache from another test)."""
    context = _browser().new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(GUARD_S * 1000)  # a hang guard: a loaded machine can take minutes
    try:
        yield page
    finally:
        context.close()


def plot_points(page, title: str) -> int:
    """Number of points drawn in the first trace of the Plotly chart whose title contains
    `title` (0 if absent). Reads Plotly's own full data, since x arrays arrive base64-typed."""
    return page.evaluate(
        """(title) => {
            for (const gd of document.querySelectorAll('.js-plotly-plot')) {
                const t = ((gd.layout && gd.layout.title && gd.layout.title.text) || '').replaceAll('<br>', ' ');
                if (t.includes(title) && gd._fullData && gd._fullData.length) return gd._fullData[0]._length;
            }
            return 0;
        }""", title)


def press(page, button: str, then: str) -> None:
    """Click the button labelled exactly `button`, then wait until `then` shows (its first match)."""
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_text(then).first.wait_for()


def run_page(page, url: str, status: str = "Status: 1 done", button: str = "Run") -> None:
    """Open a phenomenon page at `url` (settings in the query), press `button` and wait until the
    status line says `status`."""
    page.goto(url)
    press(page, button, status)


def pick_runs(page, ids) -> None:
    """Pick the runs `ids` one after another in the Runs page's "Compare runs" box, then close it.

    A pick made while the page reruns after the previous one can be lost (the dropdown closes
    under the click), so each pick is retried until its chip shows; each try waits a while, the
    whole pick at most a few GUARD_S (a hang guard, not a time limit on a loaded machine)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    select = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Compare runs")
    for rid in ids:
        chip = select.filter(has_text=rid)
        deadline = time.monotonic() + 3 * GUARD_S
        while True:
            try:
                select.locator("input").click(timeout=60_000)
                page.get_by_role("option", name=re.compile(rid)).click(timeout=60_000)
                chip.wait_for(timeout=60_000)
                break
            except PlaywrightTimeout:
                if chip.count():  # picked after all, only late
                    break
                if time.monotonic() > deadline:
                    raise
                page.keyboard.press("Escape")
    page.keyboard.press("Escape")


TRACES = """(args) => {
    const [title, n] = args;
    return Array.from(document.querySelectorAll('.js-plotly-plot')).some(
        gd => ((gd.layout.title || {}).text || '').includes(title) && gd.data.length === n);
}"""


def wait_for_traces(page, title: str, n: int) -> None:
    """Wait until the Plotly chart whose title contains `title` draws `n` traces; on a timeout,
    the charts the page does show (title, traces) and its address say what it drew instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(TRACES, arg=[title, n], timeout=GUARD_S * 1000)
    except PlaywrightTimeout:
        shown = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
            gd => [((gd.layout && gd.layout.title) || {}).text || '', (gd.data || []).length])""")
        raise AssertionError(f"no chart {title!r} with {n} traces at {page.url}; charts: {shown}") from None
