"""The pace a page sees and the ETA it shows for a group of runs, without Streamlit: the page's
status line (`labcore.ui.progress`) and `benchmarks/eta.py` call the same two functions, so
the benchmark measures exactly what a page shows."""
from __future__ import annotations

from labcore.core.params import non_default
from labcore.runs import analysis
from labcore.runs.store import run_id

KEEP = 200          # samples kept per run: the last few minutes at about one a second
RESAMPLE_S = 5.0    # an unchanged progress is sampled again after this long (a stalled run shows as such)


def observe(history: dict, recs: list[dict], now: float) -> None:
    """Add the progress of `recs`' running runs at time `now` to `history` ({run id: [(time,
    progress), ...]}, shared by every page of a server): a sample when the progress moved,
    or RESAMPLE_S after the last one."""
    for rec in recs:
        if rec["status"] == "running":
            samples = history.setdefault(rec["id"], [])
            if not samples or samples[-1][1] != rec["progress"] or now - samples[-1][0] > RESAMPLE_S:
                samples.append((now, float(rec["progress"] or 0.0)))
            del samples[:-KEEP]


def work(exp, configs: list) -> dict:
    """{run id: flops} of `configs` from the Experiment's cost model ({} without one)."""
    if exp.cost is None:
        return {}
    return {run_id(exp.name, non_default(c)): float(exp.cost(c)[1]) for c in configs}


def eta(exp, recs: list[dict], configs: list, history: dict) -> float | None:
    """Seconds until the queued and running runs of `recs` (the runs of `configs` that have
    records) are done, from the pace in `history` and the cost model; None while unknown."""
    return analysis.eta_seconds(recs, history, work(exp, configs))
