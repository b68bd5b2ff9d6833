"""Server CPU of phenomenon pages left open: `python benchmarks/page_cpu.py [--root=TREE] [--seconds=S]`.

A Streamlit server (`app.py` of TREE, default this checkout) with the test plugin
`quadratic` serves its page to 1 and then 8 headless Chromium tabs (one browser, Debian's
Chromium through Playwright: real tabs, so every fragment timer and websocket is real;
background-tab throttling off, so all 8 poll as a tab in front does),
first on a finished run (the page's default settings, trained to the end beforehand), then
on a live run (a long run slowed by `sleep_ms`, writing rows while the tabs are open). After
the tabs have loaded and settled, the server process's CPU time (user + system, from
/proc/<pid>/stat) is measured over S seconds; printed as CPU seconds per wall second, total
and per tab. Run it on the tree before and after a change to compare (e.g. a `git archive`
of the older commit unpacked to /tmp). Returns 0.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LIVE = {"steps": 1_000_000, "sleep_ms": 10.0}   # ~100 steps/s, a row per step: a page that keeps changing


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _env(root: Path, cache: Path) -> dict:
    return {**os.environ, "LAB_CACHE_DIR": str(cache), "LAB_PLUGINS": "tests.plugins.quadratic",
            "PYTHONPATH": str(root), "LAB_THREADS": "1", "LAB_MAX_JOBS": "1"}


def _python(root: Path, env: dict, code: str, wait: bool = True):
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, env=env)
    if wait:
        assert proc.wait(300) == 0
    return proc


def _server(root: Path, env: dict, port: int):
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                return proc, base
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError("streamlit did not start")
        time.sleep(0.5)


def _measure(browser, url: str, tabs: int, pid: int, seconds: float, settle: float = 8.0) -> float:
    """Open `tabs` tabs on `url`, let them load and settle, then the server's CPU s per s."""
    pages = []
    for _ in range(tabs):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(180_000)
        page.goto(url)
        page.get_by_text("Status:").first.wait_for()
        pages.append(page)
    time.sleep(settle)
    c0, t0 = _cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    used = (_cpu_s(pid) - c0) / (time.monotonic() - t0)
    for page in pages:
        page.close()
    time.sleep(2)
    return used


def main(root: Path = HERE, seconds: float = 20.0, tab_counts=(1, 8)) -> int:
    """Print the server's CPU (s per s) for each tab count, on a finished and on a live run."""
    from playwright.sync_api import sync_playwright

    cache = Path(tempfile.mkdtemp(prefix="labpagecpu-")) / "cache"
    env = _env(root, cache)
    port = 8700 + os.getpid() % 200
    # a finished run at the page's defaults
    _python(root, env, "from labcore.engine import jobs, pool\nfrom labcore.runs.store import Store\n"
                       "s = Store()\nr = jobs.wait(jobs.submit('quadratic', {}, s), s, timeout=240)\n"
                       "assert r['status'] == 'done', r\npool.shutdown(s)")
    server, base = _server(root, env, port)
    results = {}
    try:
        with sync_playwright() as pw:
            # every tab polls as if it were in front: Chromium otherwise throttles the timers of
            # background tabs (a fragment's run_every is the browser's timer), which would hide
            # the cost of all tabs but one
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage",
                                               "--disable-background-timer-throttling",
                                               "--disable-renderer-backgrounding",
                                               "--disable-backgrounding-occluded-windows"])
            for tabs in tab_counts:
                results["finished", tabs] = _measure(browser, f"{base}/quadratic", tabs, server.pid, seconds)
            trainer = _python(root, env, "from labcore.engine import jobs\nfrom labcore.runs.store import Store\n"
                                         f"s = Store()\njobs.wait(jobs.submit('quadratic', {LIVE!r}, s), s)",
                              wait=False)
            try:
                query = "&".join(f"{k}={v}" for k, v in LIVE.items())
                for tabs in tab_counts:
                    results["live", tabs] = _measure(browser, f"{base}/quadratic?{query}", tabs, server.pid, seconds)
            finally:
                _python(root, env, "from labcore.engine import jobs, pool\nfrom labcore.runs.store import Store\n"
                                   "s = Store()\njobs.cancel(jobs.run_id_for('quadratic', "
                                   f"jobs.make_config('quadratic', {LIVE!r})), s)\n"
                                   "import time; time.sleep(2); pool.shutdown(s)")
                trainer.terminate()
            browser.close()
    finally:
        server.terminate()
        server.wait(20)
    print(f"page server CPU ({root}; {seconds:.0f} s windows; CPU seconds per wall second):")
    for (what, tabs), used in results.items():
        print(f"   {what:<9} {tabs} tab{'s' if tabs > 1 else ' '}  {used:6.3f} total  {used / tabs:6.3f} per tab")
    return 0


if __name__ == "__main__":
    args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    raise SystemExit(main(Path(args.get("root", HERE)).resolve(), float(args.get("seconds", 20))))
