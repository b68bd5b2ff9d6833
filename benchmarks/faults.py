"""Fault benchmarks of issue #24: `python benchmarks/faults.py [--trials=200] [--writers=16] [--appends=200]`.

  cancel   `trials` cancel-vs-finish races decided by the scheduler's transactions: one
           thread finishes a claimed run `done`, another cancels it, each after a random
           0-4 ms delay (seed 0). Counts the cancels acknowledged while the run was
           `running` and how those runs ended (goal: 0 end `done`).
  appends  `writers` processes append `appends` one-row chunks each to their own run in one
           store at once (what 16 workers' Recorders do). Reports rows lost and the latency
           of one append (median, p99, max; wall seconds: latency is waiting, which CPU time
           does not see), plus the CPU seconds of all writers.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cancel_races(store, trials: int, seed: int = 0) -> dict:
    """`trials` cancel-vs-finish races; returns counts (acknowledged: cancel answered
    "running"; acknowledged_done / acknowledged_cancelled: how those runs ended)."""
    from labcore.engine import scheduler

    rng = random.Random(seed)
    out = {"trials": trials, "acknowledged": 0, "acknowledged_done": 0, "acknowledged_cancelled": 0}
    for i in range(trials):
        rid = f"race{seed}-{i}"
        scheduler.submit(store, rid, "quadratic", {}, {"i": i})
        rec = scheduler.claim(store, 1 << 30, rid=rid)
        answer: dict = {}
        d1, d2 = rng.uniform(0, 0.004), rng.uniform(0, 0.004)

        def fin(rec=rec, d=d1, rid=rid):
            time.sleep(d)
            scheduler.finish(store, rid, rec["attempt"], status="done", progress=1.0, finished=time.time())

        def can(d=d2, rid=rid):
            time.sleep(d)
            answer["status"] = scheduler.cancel(store, rid)["status"]

        threads = [threading.Thread(target=fin), threading.Thread(target=can)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if answer["status"] == "running":
            out["acknowledged"] += 1
            final = store.get(rid)["status"]
            out["acknowledged_done"] += final == "done"
            out["acknowledged_cancelled"] += final == "cancelled"
    return out


def _writer(directory: str, rid: str, appends: int, start, queue) -> None:
    from labcore.runs.store import Store

    import labcore.runs.tables  # noqa: F401 - imported (pandas) before the clock starts, as in a worker

    store = Store(directory)
    store.read("index")  # the connection is open before the clock starts too
    waits = []
    t_cpu = time.process_time()
    start.wait()
    for k in range(appends):
        t = time.perf_counter()
        store.append_rows(rid, [{"step": k, "loss": 1.0 / (k + 1)}])
        waits.append(time.perf_counter() - t)
    queue.put((waits, time.process_time() - t_cpu))


def append_latency(directory: str, writers: int = 16, appends: int = 200) -> dict:
    """`writers` processes x `appends` appends into one store; latency and loss figures."""
    from labcore.runs.store import Store

    store = Store(directory)
    ids = [f"w{i}" for i in range(writers)]
    for rid in ids:
        store.create(rid, "quadratic", {}, {"w": rid})
    ctx = mp.get_context("fork")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(directory, rid, appends, start, queue)) for rid in ids]
    for p in procs:
        p.start()
    time.sleep(20.0)  # every writer has imported pandas and opened the store (2 busy cores)
    start.set()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    waits = sorted(w for ws, _ in results for w in ws)
    rows = sum(len(store.read_rows(rid)[0]) for rid in ids)
    return {"writers": writers, "appends": appends, "rows_lost": writers * appends - rows,
            "median_s": round(statistics.median(waits), 4),
            "p99_s": round(waits[int(0.99 * (len(waits) - 1))], 4), "max_s": round(waits[-1], 4),
            "writers_cpu_s": round(sum(c for _, c in results), 2)}


def main(argv: list[str]) -> int:
    """Run both benchmarks and print one JSON line each; returns 0."""
    opts = dict(a.lstrip("-").split("=") for a in argv if "=" in a)
    from labcore.runs.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps({"cancel": cancel_races(Store(Path(tmp) / "c"), int(opts.get("trials", 200)))}))
        print(json.dumps({"appends": append_latency(str(Path(tmp) / "a"), int(opts.get("writers", 16)),
                                                    int(opts.get("appends", 200)))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
