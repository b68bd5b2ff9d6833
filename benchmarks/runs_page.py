"""How long the Runs page takes to show its table, by store size: `python benchmarks/runs_page.py
[--sizes 0,10,500] [--repeat 3]`.

For each size a fresh temporary store gets that many finished runs (three phenomena, settings x
seeds, 40 rows each, written through the Store API as the Runs page's own tests do), a
`streamlit run app.py` server starts on it, and Debian's Chromium opens `/runs`; the time is
from the navigation's start to the table (or, on the empty store, its "no runs" line) being on
the screen, best and median of `--repeat` fresh page loads after one warm-up load (the first
load also pays Python's imports of the page). Printed side by side with the empty store's
time and the ratio to it: the machine's load moves all sizes alike, the ratio is the figure.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHENOMENA = {"lazy_training": "width", "edge_of_stability": "lr", "steady_learner": "freq"}
VALUES = {"width": [16 * 2 ** k for k in range(12)], "lr": [0.01 * (k + 1) for k in range(12)],
          "freq": [0.05 * (k + 1) for k in range(12)]}


def fill(store, n: int) -> None:
    """`n` finished runs spread over three phenomena, their settings and seeds."""
    from tests.ui.test_runs_page import put_run

    made = 0
    for seed in range(1000):
        for name, param in PHENOMENA.items():
            for value in VALUES[param]:
                if made == n:
                    return
                put_run(store, name, {param: value, "seed": seed}, steps=40)
                made += 1


def shown_in(page, base: str) -> float:
    """Seconds from navigating to /runs until its table (or the empty store's line) shows."""
    start = time.perf_counter()
    page.goto(f"{base}/runs")
    page.locator('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"]').or_(
        page.get_by_text("No runs")).first.wait_for(timeout=300_000)
    return time.perf_counter() - start


def measure(n: int, repeat: int) -> list[float]:
    from labcore.runs.store import Store
    from tests.ui.browser import browser_page, streamlit_server

    cache = Path(tempfile.mkdtemp(prefix=f"runs_page_{n}_")) / "cache"
    fill(Store(cache), n)
    with streamlit_server(cache) as base, browser_page() as page:
        shown_in(page, base)  # warm-up: the server's first script run imports the page's modules
        return [shown_in(page, base) for _ in range(repeat)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="0,10,500")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    times = {n: measure(n, args.repeat) for n in sizes}
    base = statistics.median(times[sizes[0]])
    print(f"{'runs':>6} {'best s':>8} {'median s':>9} {'× ' + str(sizes[0]) + ' runs':>11}")
    for n in sizes:
        med = statistics.median(times[n])
        print(f"{n:>6} {min(times[n]):>8.2f} {med:>9.2f} {med / base:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
