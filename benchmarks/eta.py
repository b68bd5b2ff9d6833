"""ETA accuracy on three pages (issue 32): `python benchmarks/eta.py [--pages=a,b,c] [--trace=FILE]
[--replay=FILE] [--scale=F] [--warm]`.

Each page's runs are submitted through the engine (admission, then `jobs.submit_many`, the
page's own call) on a fresh temporary store (LAB_CACHE_DIR), with the machine's default
number of workers. While they train, the records are read every SAMPLE_S and fed to the
functions a page's status line calls (`labcore.runs.pace.observe` and `pace.eta`, as
`labcore.ui.progress.live_status_line` does): the ETA a page open from the start shows ("watched"),
and the one a page opened at that moment on a fresh server shows ("cold": the records only).
After the last run has finished, the true time left at each sample is known, and the
relative error |eta − true| / true is printed at 20, 40, 60 and 80% of the wall time, with
the median and the max over 20-90% (the last seconds, where a second of error is a large
fraction, are reported as the max absolute error instead). An estimate still missing
("estimating…") counts as an error of 1; one under 5 s, which the page shows as the bound "ETA
under 5 s", as (true − 5 s) / true when the truth is longer, else 0; the median and max once an ETA is shown, and when
the first one was, are printed beside (nothing is measured before the first run's first
progress: a cold worker's start and imports, which take most of a short sweep on a busy
machine; each page starts with a cold worker here).

Pages: the edge_of_stability sweep over lr (its default sweep, 4 runs whose real costs
differ: larger η needs more HVPs per sharpness estimate), the feature_diversity variants
side by side (4 arms, each its own job), the lazy_training width sweep (16 to 4096: 256x
the flops). `--scale` multiplies every run's steps (e.g. 0.5 on a busy machine); the sizes
stay unequal. `--warm` starts each page's worker first with a tiny run (a lab in use), else
each page starts a cold worker. `--trace` keeps the sampled records as JSON and `--replay` re-evaluates a
trace with the current estimator without training again. Returns 0.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SAMPLE_S = 0.5
MARKS = (0.2, 0.4, 0.6, 0.8)
WINDOW = (0.2, 0.9)   # the median and max are taken over this part of the wall time
# page name: (experiment, what the page trains)
PAGES = {
    "edge_of_stability lr sweep": ("edge_of_stability", "sweep"),
    "feature_diversity variants": ("feature_diversity", "arms"),
    "lazy_training width sweep": ("lazy_training", "sweep"),
}


def page_configs(name: str, scale: float) -> tuple[object, list]:
    """(Experiment, configs) the page's Sweep or variants button submits at default settings,
    with `steps` multiplied by `scale`."""
    from labcore.core.registry import get

    experiment, kind = PAGES[name]
    exp = get(experiment)
    cfg = exp.config()
    if scale != 1.0:
        cfg = dataclasses.replace(cfg, steps=max(10, int(round(cfg.steps * scale))))
    if kind == "arms":
        return exp, [dataclasses.replace(cfg, **over) for over in exp.page.arms.variants.values()]
    axis, values = next(iter(exp.sweep_axes().items()))  # the key axis, as the page's Sweep button
    seeds = [dataclasses.replace(cfg, seed=cfg.seed + i) for i in range(exp.page.sweep.seeds)]
    return exp, [dataclasses.replace(c, **{axis: v}) for v in values for c in seeds]


def measure(name: str, scale: float, warm: bool = False) -> dict:
    """Train the page's runs on a fresh store, sampling the records every SAMPLE_S; returns
    the trace {page, scale, t0, samples: [(time, records, loadavg)]}. `warm`: a tiny run
    first, so that the page finds its worker started (a lab in use; a worker waits
    LAB_WORKER_IDLE_S, 60 s, for the next run before it exits)."""
    from labcore.admission import admit_all
    from labcore.engine import jobs, pool
    from labcore.runs.store import Store

    exp, configs = page_configs(name, scale)
    store = Store(os.environ["LAB_CACHE_DIR"])
    samples = []
    try:
        if warm:
            jobs.wait(jobs.submit("lazy_training", {"width": 16, "steps": 5, "seed": 999}, store, force=True), store)
        admit_all(exp, configs)
        from labcore.runs import pace

        cal = pace.calibration(exp, store.runs())  # what the page would size young runs by (fresh store: none)
        t0 = time.time()
        ids = jobs.submit_many(exp.name, configs, store)
        while True:
            now = time.time()
            recs = [r for r in (store.get(rid) for rid in ids) if r is not None]
            samples.append((now, copy.deepcopy(recs), os.getloadavg()[0]))
            if recs and all(r["status"] not in ("queued", "running") for r in recs):
                break
            time.sleep(max(0.0, SAMPLE_S - (time.time() - now)))
    finally:
        pool.shutdown(store)
    return {"page": name, "scale": scale, "t0": t0, "samples": samples, "calibration": cal}


def evaluate(trace: dict) -> dict:
    """Replay a trace through the page's functions; the error table of one page."""
    from labcore.runs import pace
    from labcore.runs.analysis import FEW_S

    exp, configs = page_configs(trace["page"], trace["scale"])
    samples = trace["samples"]
    last = samples[-1][1]
    bad = [r for r in last if r["status"] != "done"]
    end = max(r["finished"] for r in last)
    wall = end - trace["t0"]
    history: dict = {}
    points = []  # (fraction of wall time, true left, eta watched, eta cold)
    for now, recs, _ in samples:
        pace.observe(history, recs, now)
        if now >= end:
            continue
        cal = trace.get("calibration", [])  # as the page: "estimating" until calibrated
        watched = pace.eta(exp, recs, configs, history, cal)
        cold = pace.eta(exp, recs, configs, {}, cal)
        points.append(((now - trace["t0"]) / wall, end - now, watched, cold))

    def error(eta, left):
        if eta is None:
            return 1.0
        if eta < FEW_S:  # the page shows "ETA under 5 s": a bound, right when the truth is within it
            return max(0.0, left - FEW_S) / left
        return abs(eta - left) / left

    out = {"page": trace["page"], "runs": len(configs), "wall_s": wall, "not_done": len(bad),
           "load": statistics.mean(s[2] for s in samples),
           "run_s": sorted(round(r["finished"] - r["started"], 1) for r in last)}
    for key, col in (("watched", 2), ("cold", 3)):
        at = {}
        for mark in MARKS:
            f, left, *etas = min(points, key=lambda p: abs(p[0] - mark))
            at[mark] = (error(etas[col - 2], left), etas[col - 2], left)
        window = [error(p[col], p[1]) for p in points if WINDOW[0] <= p[0] <= WINDOW[1]]
        shown = [error(p[col], p[1]) for p in points if WINDOW[0] <= p[0] <= WINDOW[1] and p[col] is not None]
        tail = [abs((p[col] if p[col] is not None else 0.0) - p[1]) for p in points if p[0] > WINDOW[1]]
        first = next((p[0] * wall for p in points if p[col] is not None), None)
        out[key] = {"at": at, "median": statistics.median(window), "max": max(window),
                    "median_shown": statistics.median(shown) if shown else None,
                    "max_shown": max(shown) if shown else None,
                    "tail_abs_s": max(tail) if tail else 0.0, "first_eta_s": first}
    moved = [r["moved"] for r in last if r.get("moved")]
    out["first_progress_s"] = min(moved) - trace["t0"] if moved else None
    return out


def report(result: dict) -> None:
    """Print one page's table."""
    print(f"\n{result['page']}: {result['runs']} runs, wall {result['wall_s']:.0f} s, run times "
          f"{result['run_s']} s, first progress at {result['first_progress_s'] or float('nan'):.0f} s "
          f"(worker start and imports), mean load average {result['load']:.2f}"
          + (f", {result['not_done']} not done" if result["not_done"] else ""))
    print("  page      " + "  ".join(f"{int(100 * m):>3d}%: err (eta/true) " for m in MARKS)
          + "  median   max  | once shown: median   max | first ETA  last 10%: max |err|")
    for key in ("watched", "cold"):
        row = result[key]
        cells = "  ".join(f"{e:5.2f} ({'—' if eta is None else f'{eta:4.0f}'}/{left:4.0f} s)"
                          for e, eta, left in row["at"].values())

        def num(v):
            return "    —" if v is None else f"{v:5.2f}"
        print(f"  {key:8s}  {cells}   {row['median']:5.2f} {row['max']:5.2f}  |             "
              f"{num(row['median_shown'])} {num(row['max_shown'])} |  {row['first_eta_s'] or float('nan'):5.0f} s  "
              f"     {row['tail_abs_s']:5.1f} s")


def main(argv: list[str]) -> int:
    """Measure (or replay) and print the tables; returns 0."""
    opts = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    scale = float(opts.get("scale", 1.0))
    names = [n for n in PAGES if not opts.get("pages") or any(p in n for p in opts["pages"].split(","))]
    if "replay" in opts:
        traces = json.loads(Path(opts["replay"]).read_text())
    else:
        os.environ["LAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="lab-eta-")
        print(f"store {os.environ['LAB_CACHE_DIR']}, load average {os.getloadavg()}", flush=True)
        traces = []
        for name in names:
            traces.append(measure(name, scale, warm="--warm" in argv))
            print(f"{name}: measured", flush=True)
        print(f"load average after: {os.getloadavg()}")
        if "trace" in opts:
            Path(opts["trace"]).write_text(json.dumps(traces))
    for trace in traces:
        report(evaluate(trace))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
