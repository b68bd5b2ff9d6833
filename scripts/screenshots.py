"""Screenshots of every page at a desktop and a phone width, to check the pages by eye.

    .venv/bin/python scripts/screenshots.py --out /tmp/shots [--store DIR] [--pages a,b] [--widths 1280,390]

Starts the dashboard on a free port over the store DIR (default: a fresh empty one; point it
at a store where the default runs were trained to see the charts), opens Home, Runs and every
phenomenon page in Debian's Chromium at 1280 and 390 px wide, and saves, once the page has
drawn, its first screen (`<page>-<width>-first-screen.png`) and the whole page
(`<page>-<width>.png`). Needs /usr/bin/chromium and Playwright.

Streamlit scrolls inside its own containers (the main area and the sidebar), not the document,
so Playwright's `full_page` alone gives the first screen only. The whole page is taken by
growing the viewport's height until no container scrolls any more (`whole_page`).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTHS = {1280: 900, 390: 844}   # width: height of the first screen (a laptop; an iPhone 12-15)
MAX_PX = 16_000                  # Chromium's largest screenshot is 16,384 px high

# The most pixels a scrolling element on screen hides below its visible box (0: none does).
# Off-screen ones are left out: a phone's collapsed sidebar sits left of the viewport, and
# counting its content added thousands of blank pixels under the page.
HIDDEN = """() => Math.max(0, ...[...document.querySelectorAll('*')].filter(e => {
    const y = getComputedStyle(e).overflowY, box = e.getBoundingClientRect();
    return (y === 'auto' || y === 'scroll') && e.scrollHeight > e.clientHeight + 1
        && box.width > 0 && box.right > 1 && box.left < innerWidth - 1;
}).map(e => e.scrollHeight - e.clientHeight))"""


# The script has finished its run (no "Running..." widget) and no element is still a grey
# placeholder (a lazily loaded widget): a phone shot once caught the Run buttons as blank boxes.
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')"""


def settled(page) -> None:
    """Wait until the page has drawn, twice over 1.5 s (charts finish their first paint)."""
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(1500)
    page.wait_for_function(SETTLED)


def whole_page(page, path: Path, height: int) -> int:
    """Save all of the page to `path`: grow the viewport until Streamlit's scrolling containers
    hold everything (their content can reflow as they grow, so up to four rounds), take the
    shot, restore the first-screen height. Returns the height taken."""
    width = page.viewport_size["width"]
    tall = height
    for _ in range(4):
        hidden = page.evaluate(HIDDEN)
        if hidden <= 0 or tall >= MAX_PX:
            break
        tall = min(MAX_PX, tall + hidden)
        page.set_viewport_size({"width": width, "height": tall})
        page.wait_for_timeout(1000)  # charts re-lay out at the new size
        page.wait_for_function(SETTLED)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": height})
    return tall


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots; returns 0."""
    from playwright.sync_api import sync_playwright

    from labcore.core.registry import REGISTRY
    from tests.ui.browser import CHROMIUM, streamlit_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="directory for the PNGs")
    parser.add_argument("--store", default=None, help="run store to show (default: a fresh, empty one)")
    parser.add_argument("--pages", default="", help="comma-separated url paths (default: all)")
    parser.add_argument("--widths", default="", help="comma-separated widths among 1280,390 (default: both)")
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
        widths = {w: h for w, h in WIDTHS.items() if not args.widths or str(w) in args.widths.split(",")}
        for width, height in widths.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(180_000)
            for path in pages:
                page.goto(f"{base}/{path}")
                page.get_by_role("heading", level=1).first.wait_for()
                settled(page)
                name = out / f"{path or 'home'}-{width}.png"
                page.screenshot(path=str(out / f"{path or 'home'}-{width}-first-screen.png"))
                tall = whole_page(page, name, height)
                print(name, f"{width}x{tall}", flush=True)
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
