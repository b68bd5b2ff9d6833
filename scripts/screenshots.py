"""Screenshots of every page at a desktop and a phone width, to check the pages by eye.

    .venv/bin/python scripts/screenshots.py --out /tmp/shots [--store DIR] [--pages a,b]

Starts the dashboard on a free port over the store DIR (default: a fresh empty one; point it
at a store where the default runs were trained to see the charts), opens Home, Runs and every
phenomenon page in Debian's Chromium at 1280 and 390 px wide, and saves a full-page PNG of
each (`<page>-<width>.png`) once the page has drawn. Needs /usr/bin/chromium and Playwright.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTHS = {1280: 900, 390: 844}   # width: height of the first screen (a laptop; an iPhone 12-15)


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots; returns 0."""
    from playwright.sync_api import sync_playwright

    from labcore.core.registry import REGISTRY
    from tests.ui.browser import CHROMIUM, streamlit_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="directory for the PNGs")
    parser.add_argument("--store", default=None, help="run store to show (default: a fresh, empty one)")
    parser.add_argument("--pages", default="", help="comma-separated url paths (default: all)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="lab-shots-")) / "cache"
    store.parent.mkdir(parents=True, exist_ok=True)
    pages = ["", "runs", *REGISTRY]
    if args.pages:
        pages = [p for p in pages if (p or "home") in args.pages.split(",")]
    with streamlit_server(store) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        for width, height in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(180_000)
            for path in pages:
                page.goto(f"{base}/{path}")
                page.get_by_role("heading", level=1).first.wait_for()
                page.wait_for_function(  # the script has finished its run (no "Running..." widget)
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
                page.wait_for_timeout(1500)  # charts finish their first paint
                name = out / f"{path or 'home'}-{width}.png"
                page.screenshot(path=str(name), full_page=True)
                page.screenshot(path=str(out / f"{path or 'home'}-{width}-first-screen.png"))
                print(name, flush=True)
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
