"""A worker's start, fresh interpreter against a fork of the zygote: `python benchmarks/worker_start.py
[--rounds=N] [--experiment=NAME]`.

Each round submits one small run (`lazy_training` at 20 steps by default) to a fresh
temporary store, so a new worker starts for it, and times the submit to the run's first stored
row and to its end; the rounds alternate the two ways of starting a worker in this one process
(`LAB_WORKER_START=exec`, then the zygote: labcore.engine.zygote, readied before the first
round), so both see the same machine. Prints the median of each and their ratio. Returns 0.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _one(experiment: str, steps: int) -> tuple[float, float]:
    """Seconds from the submit to the first row and to the end, on a fresh store."""
    from labcore.engine import jobs, pool
    from labcore.runs.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "cache")
        t0 = time.perf_counter()
        rid = jobs.submit(experiment, {"steps": steps}, store)
        first = None
        while True:
            rec = store.get(rid)
            if first is None and len(store.metrics(rid)):
                first = time.perf_counter() - t0
            if rec["status"] not in ("queued", "running"):
                break
            time.sleep(0.01)
        end = time.perf_counter() - t0
        assert rec["status"] == "done", rec
        pool.shutdown(store, timeout=5)
    return first if first is not None else end, end


def main(argv: list[str]) -> int:
    opts = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    rounds, experiment = int(opts.get("rounds", 5)), opts.get("experiment", "lazy_training")
    os.environ.setdefault("LAB_MAX_JOBS", "1")
    os.environ["LAB_WARM_WORKER"] = "0"
    from labcore.engine import zygote

    z = zygote.prepare()
    if z is None:
        print("forked workers are off on this machine (LAB_WORKER_START=exec, not Linux, or an NVIDIA driver)")
        return 0
    z.ready.wait(300)
    times: dict[str, list[tuple[float, float]]] = {"exec": [], "fork": []}
    _one(experiment, 20)  # the first run's data and caches, outside the measurement
    for _ in range(rounds):
        for mode in ("exec", "fork"):
            os.environ["LAB_WORKER_START"] = mode
            times[mode].append(_one(experiment, 20))
    print(f"worker start: {rounds} rounds, {experiment} at 20 steps, a fresh store each, load "
          f"{os.getloadavg()[0]:.1f}")
    for mode, label in (("exec", "fresh interpreter"), ("fork", "fork of the zygote")):
        first = statistics.median(t[0] for t in times[mode])
        end = statistics.median(t[1] for t in times[mode])
        print(f"  {label:<20} first row {first:5.2f} s   done {end:5.2f} s")
    ratio = statistics.median(t[0] for t in times["exec"]) / statistics.median(t[0] for t in times["fork"])
    print(f"  first row: fresh / fork = {ratio:.1f}x")
    z.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
