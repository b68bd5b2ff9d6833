"""Small pure helpers that claim judges share (no torch; pandas imported lazily).

`final(judge)` wraps a judge that needs every concerned run finished: before that it says
`not yet` with the progress (and the figures so far, when the judge can already compute
them). (Runs that diverged, failed, were cancelled or are missing are handled before any
judge, by `labcore.core.claims.evaluate`.) `per_run` judges a claim seed by seed and says
"holds on k of n seeds". `by_value` gives the seed-mean final value of a
metric per value of a swept setting; `slope` fits a log-log line; `fmt` writes numbers.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

from labcore.core.claims import BAD, FAILS, HOLDS, MISSING, NOT_APPLICABLE, NOT_YET, RETRY, Evidence, Verdict

__all__ = ["BAD", "MISSING", "RETRY", "by_value", "final", "fmt", "per_run", "progress", "rank_corr", "slope"]


def progress(ev: Evidence) -> str:
    """'3 of 5 runs done' for the concerned runs (missing, cancelled and bad runs never reach a
    judge: `evaluate` answers for them first)."""
    n = len(ev.statuses)
    done = sum(s == "done" for s in ev.statuses.values())
    return f"{done} of {n} run{'s' if n != 1 else ''} done"


def final(judge: Callable[[Evidence], Verdict]) -> Callable[[Evidence], Verdict]:
    """Wrap a judge that reads finished runs: `not yet` (with progress and the figures so far)
    until every concerned run is done. (A diverged, failed, missing or cancelled run is
    answered by `evaluate` before any judge.)"""
    @functools.wraps(judge)
    def wrapped(ev: Evidence) -> Verdict:
        if not ev.complete:
            try:
                sofar = judge(ev).measured
            except Exception:  # noqa: BLE001 - too few rows yet to compute anything
                sofar = ""
            return Verdict(NOT_YET, progress(ev) + (f"; so far {sofar}" if sofar else ""))
        return judge(ev)
    return wrapped


def per_run(ev: Evidence, judge_one: Callable, label: Callable | None = None) -> Verdict:
    """A claim judged run by run (usually seed by seed): `judge_one(run_id, rows)` returns
    (status, words) for one run's rows sorted by step. The verdict holds when every run holds,
    fails when any fails (none still `not yet`), else `not yet`; `not applicable` when every
    run is. Its words: 'holds on 2 of 3 seeds: seed 0: ...; seed 1: ...'.
    label(rows): how a run is named (default 'seed N')."""
    frame = ev.frame
    if frame is None or "run_id" not in frame or frame.empty:
        return Verdict(NOT_YET, "no rows yet")
    runs = [(rid, rows.sort_values("step")) for rid, rows in frame.groupby("run_id", sort=True)]
    name = label or (lambda rows: f"seed {int(rows['cfg_seed'].iloc[0])}" if "cfg_seed" in rows else "run")
    results = [(name(rows), *judge_one(rid, rows)) for rid, rows in runs]
    statuses = [s for _, s, _ in results]
    n, k = len(results), statuses.count(HOLDS)
    if all(s == NOT_APPLICABLE for s in statuses):
        status = NOT_APPLICABLE
    elif NOT_YET in statuses:
        status = NOT_YET
    else:
        status = HOLDS if k == n else FAILS
    unit = "seeds" if all(lbl.startswith("seed") for lbl, _, _ in results) else "runs"
    head = f"holds on {k} of {n} {unit}" if status in (HOLDS, FAILS) else f"{k} of {n} {unit} hold so far"
    return Verdict(status, head + ": " + "; ".join(f"{lbl}: {w}" for lbl, _, w in results))


def by_value(ev: Evidence, axis: str, metric: str, reduce: str = "last"):
    """Seed-mean of each run's final (`last`), peak (`max`) or lowest (`min`) `metric` per value
    of config field `axis`: a DataFrame with columns value (float where numeric), mean, n."""
    import pandas as pd

    frame = ev.frame.dropna(subset=[metric]) if metric in ev.frame else ev.frame.iloc[0:0]
    if frame.empty:
        return pd.DataFrame(columns=["value", "mean", "n"])
    per_run = frame.sort_values("step").groupby("run_id")[metric].agg(reduce)
    values = frame.drop_duplicates("run_id").set_index("run_id")[f"cfg_{axis}"].loc[per_run.index]
    table = pd.DataFrame({"value": [_number(v) for v in values], "x": per_run.to_numpy()})
    out = table.groupby("value")["x"].agg(["mean", "count"]).reset_index()
    return out.rename(columns={"count": "n"}).sort_values("value").reset_index(drop=True)


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log y against log x (nan with fewer than two positive points)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    var = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / var if var > 0 else float("nan")


def rank_corr(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman rank correlation (no ties expected; nan with fewer than two points)."""
    n = len(xs)
    if n < 2:
        return float("nan")
    rx = {i: r for r, i in enumerate(sorted(range(n), key=lambda i: xs[i]))}
    ry = {i: r for r, i in enumerate(sorted(range(n), key=lambda i: ys[i]))}
    d2 = sum((rx[i] - ry[i]) ** 2 for i in range(n))
    return 1 - 6 * d2 / (n * (n * n - 1))


def fmt(x: float, digits: int = 3) -> str:
    """A number in `digits` significant figures ('0.0412', '1.02e+03')."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}g}"


def _number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return v
