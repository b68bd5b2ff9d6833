"""Append latency and fairness of the store's write lock (issue 39 item 6):
`python benchmarks/append_latency.py [--writers=16] [--appends=200]`.

`writers` processes append `appends` one-row chunks each to their own run in one store at
once (what 16 workers' Recorders do). Prints one JSON line: rows lost, the latency of one
append (p50, p99, max; wall seconds), and fairness: `overtaken_max`, the most appends that
began after one append began and finished before it did (0-15 with 16 writers is a fair FIFO
lock: each writer overtakes at most once; hundreds means a waiter kept losing the lock).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _writer(directory: str, rid: str, appends: int, ready, start, queue) -> None:
    from labcore.runs.store import Store

    import labcore.runs.tables  # noqa: F401 - imported (pandas) before the clock starts, as in a worker

    store = Store(directory)
    store.read("index")  # the connection is open before the clock starts too
    spans = []
    ready.release()
    start.wait()
    for k in range(appends):
        t = time.perf_counter()
        store.append_rows(rid, [{"step": k, "loss": 1.0 / (k + 1)}])
        spans.append((t, time.perf_counter()))
    queue.put(spans)


def measure(directory: str, writers: int = 16, appends: int = 200) -> dict:
    """`writers` processes x `appends` appends into one store; latency, fairness and loss."""
    import numpy as np

    from labcore.runs.store import Store

    store = Store(directory)
    ids = [f"w{i}" for i in range(writers)]
    for rid in ids:
        store.create(rid, "quadratic", {}, {"w": rid})
    ctx = mp.get_context("fork")
    ready, start, queue = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(directory, rid, appends, ready, start, queue)) for rid in ids]
    for p in procs:
        p.start()
    for _ in procs:  # every writer has imported pandas and opened the store
        ready.acquire()
    start.set()
    spans = np.array([s for _ in procs for s in queue.get()])  # (writers * appends, 2): begin, end
    for p in procs:
        p.join()
    waits = np.sort(spans[:, 1] - spans[:, 0])
    overtaken = 0
    for lo in range(0, len(spans), 256):  # (256, n) comparisons at a time
        part = spans[lo:lo + 256]
        later = (spans[None, :, 0] > part[:, None, 0]) & (spans[None, :, 1] < part[:, None, 1])
        overtaken = max(overtaken, int(later.sum(axis=1).max()))
    rows = sum(len(store.read_rows(rid)[0]) for rid in ids)
    return {"writers": writers, "appends": appends, "rows_lost": writers * appends - rows,
            "p50_s": round(float(np.median(waits)), 4),
            "p99_s": round(float(waits[int(0.99 * (len(waits) - 1))]), 4),
            "max_s": round(float(waits[-1]), 4), "overtaken_max": overtaken,
            "load_1min": round(os.getloadavg()[0], 1)}


def main(argv: list[str]) -> int:
    """Print one JSON line; returns 0."""
    opts = dict(a.lstrip("-").split("=") for a in argv if "=" in a)
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(measure(str(Path(tmp) / "a"), int(opts.get("writers", 16)),
                                 int(opts.get("appends", 200)))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
