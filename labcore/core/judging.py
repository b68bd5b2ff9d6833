"""Small pure helpers that claim judges share (no torch; pandas imported lazily).

`final(judge)` wraps a judge that needs every concerned run finished: before that it says
`not yet` with the progress (and the figures so far, when the judge can already compute
them); a run that ended badly makes the claim `fails` (diverged / failed) or `not yet`
(cancelled / interrupted: train it again). `by_value` gives the seed-mean final value of a
metric per value of a swept setting; `slope` fits a log-log line; `fmt` writes numbers.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

from labcore.core.claims import FAILS, NOT_YET, Evidence, Verdict

MISSING = "missing"  # a concerned run that is not in the store (not trained yet)
BAD = ("diverged", "failed")
RETRY = ("cancelled", "interrupted")


def progress(ev: Evidence) -> str:
    """'3 of 5 runs done (2 not trained)' for the concerned runs."""
    n = len(ev.statuses)
    done = sum(s == "done" for s in ev.statuses.values())
    missing = sum(s == MISSING for s in ev.statuses.values())
    retry = sum(s in RETRY for s in ev.statuses.values())
    extra = [f"{missing} not trained"] if missing else []
    extra += [f"{retry} cancelled or interrupted: train again"] if retry else []
    return f"{done} of {n} run{'s' if n != 1 else ''} done" + (f" ({', '.join(extra)})" if extra else "")


def final(judge: Callable[[Evidence], Verdict] | None = None, *, drop_diverged: bool = False):
    """Wrap a judge that reads finished runs: `fails` when a concerned run diverged or failed,
    `not yet` (with progress and the figures so far) until every concerned run is done.

    drop_diverged: for a claim over seed means, a seed that diverged is left out (and said so)
    instead of failing the claim; the judge still needs its own minimum of seeds."""
    if judge is None:
        return functools.partial(final, drop_diverged=drop_diverged)

    @functools.wraps(judge)
    def wrapped(ev: Evidence) -> Verdict:
        dropped = [r for r, s in ev.statuses.items() if s == "diverged"] if drop_diverged else []
        if dropped:
            kept = {r: s for r, s in ev.statuses.items() if r not in dropped}
            frame = ev.frame[~ev.frame["run_id"].isin(dropped)] if "run_id" in ev.frame else ev.frame
            ev = Evidence(frame, kept, ev.config)
            note = f" ({len(dropped)} diverged run{'s' if len(dropped) > 1 else ''} left out)"
            verdict = wrapped(ev)
            return Verdict(verdict.status, verdict.measured + note)
        bad = sorted({s for s in ev.statuses.values() if s in BAD})
        if bad:
            n = sum(s in BAD for s in ev.statuses.values())
            return Verdict(FAILS, f"{n} concerned run{'s' if n > 1 else ''} {' / '.join(bad)}: outside the "
                                  "claim's regime")
        if not ev.complete:
            try:
                sofar = judge(ev).measured
            except Exception:  # noqa: BLE001 - too few rows yet to compute anything
                sofar = ""
            return Verdict(NOT_YET, progress(ev) + (f"; so far {sofar}" if sofar else ""))
        return judge(ev)
    return wrapped


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
