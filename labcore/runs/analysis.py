"""Pure pandas helpers over stored runs: long-format tables, seed bands, sweep summaries."""
from __future__ import annotations

import fnmatch
from collections import Counter
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from labcore.core.params import format_value
from labcore.core.run_states import ACTIVE, FINISHED

ORDER = ("running", "queued", "done", "diverged", "failed", "cancelled", "interrupted")


def show(value):
    """A stored config value as a table cell: tuple parameters (stored as lists) as '10-15'."""
    return format_value(tuple(value)) if isinstance(value, list) else value


def long_frame(runs: Iterable[tuple[dict, pd.DataFrame]], label_by: Sequence[str] = ()) -> pd.DataFrame:
    """Concatenate (record, metrics) pairs into long format.

    Columns: run_id, label, group (settings without the seed), cfg_<field> for every config
    field, then step and metric columns. The label is the values of `label_by` (e.g.
    seed=0) or the run id when `label_by` is empty.
    """
    parts = []
    for rec, frame in runs:
        if frame.empty:
            continue
        cfg = {**_defaults(rec.get("experiment")), **rec["config"]}
        label = ", ".join(f"{k}={cfg[k]}" for k in label_by) if label_by else rec["id"]
        head = pd.DataFrame({"run_id": rec["id"], "label": label, "group": settings_label(rec, drop=("seed",)),
                             **{f"cfg_{k}": show(v) for k, v in cfg.items()}}, index=frame.index)
        parts.append(pd.concat([head, frame], axis=1))
    if not parts:
        return pd.DataFrame(columns=["run_id", "label", "group", "step"])
    return pd.concat(parts, ignore_index=True)


def _defaults(experiment: str | None) -> dict:
    """The phenomenon's current Config defaults as plain data: a run stored before a field was
    added (the same run id, since its value is the default) still gets a `cfg_<field>` column,
    so a claim over that field finds it (none for an unknown phenomenon)."""
    from labcore.core.params import to_dict
    from labcore.core.registry import REGISTRY

    exp = REGISTRY.get(experiment or "")
    if exp is None:
        return {}
    try:
        return to_dict(exp.config())
    except Exception:  # noqa: BLE001 - a Config whose defaults do not build: no completion
        return {}


def seed_bands(frame: pd.DataFrame, metrics: Sequence[str], by: str = "label") -> pd.DataFrame:
    """Mean and std over the runs in each group, step by step.

    frame: long format with `by`, `run_id`, `step` and metric columns. Returns one row per
    (group, step) with `<m>_mean`, `<m>_std` (sample std, ddof=1; 0 for a single run) and `n` runs.
    """
    present = [m for m in metrics if m in frame]
    if frame.empty or not present:
        return pd.DataFrame(columns=[by, "step", "n"])
    grouped = frame.groupby([by, "step"], sort=True)[present]
    mean = grouped.mean().add_suffix("_mean")
    std = grouped.std(ddof=1).fillna(0.0).add_suffix("_std")
    count = frame.groupby([by, "step"])["run_id"].nunique().rename("n")
    out = pd.concat([mean, std, count], axis=1).reset_index()
    order = list(dict.fromkeys(frame[by]))
    out[by] = pd.Categorical(out[by], categories=order, ordered=True)
    return out.sort_values([by, "step"]).reset_index(drop=True).astype({by: str})


def final_values(frame: pd.DataFrame, metric: str) -> pd.Series:
    """Last measured value of `metric` per run_id."""
    sub = frame.dropna(subset=[metric]).sort_values("step")
    return sub.groupby("run_id")[metric].last()


def sweep_summary(frame: pd.DataFrame, param: str, metric: str, order: Sequence | None = None) -> pd.DataFrame:
    """Final `metric` against config `param`: mean, std and count over seeds per value,
    sorted by value or, for a categorical axis, in the declared `order`."""
    finals = final_values(frame, metric)
    per_run = frame.drop_duplicates("run_id").set_index("run_id")[f"cfg_{param}"]
    table = pd.DataFrame({param: per_run.loc[finals.index].to_numpy(), metric: finals.to_numpy()})
    agg = table.groupby(param)[metric].agg(["mean", "std", "count"]).reset_index()
    agg = agg.rename(columns={"mean": metric, "std": f"{metric}_std", "count": "n_seeds"})
    agg[f"{metric}_std"] = agg[f"{metric}_std"].fillna(0.0)
    if order is not None:
        rank = {str(v): i for i, v in enumerate(order)}
        return agg.sort_values(param, key=lambda c: c.map(lambda v: rank.get(str(v), len(rank)))).reset_index(drop=True)
    return agg.sort_values(param).reset_index(drop=True)


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing moving average over `window` points (window 1: unchanged)."""
    if window <= 1:  # a live chart's common case: no rolling machinery (a few ms a curve)
        return np.asarray(values, dtype=float)
    s = pd.Series(values, dtype=float)
    return s.rolling(max(1, window), min_periods=1).mean().to_numpy()


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log y against log x (the exponent of a power law)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return float(np.polyfit(lx, ly, 1)[0])


def settings_label(rec: dict, drop: Sequence[str] = ()) -> str:
    """'lazy_training width=64, lr=0.5': experiment plus the non-default settings."""
    parts = [f"{k}={show(v)}" for k, v in sorted(rec["overrides"].items()) if k not in drop]
    return f"{rec['experiment']} " + (", ".join(parts) if parts else "(defaults)")


def runs_table(records: Iterable[dict]) -> pd.DataFrame:
    """One row per run: id, experiment, non-default settings, seed, status, progress,
    duration, device, torch threads and version (what decides bit-identity: README), created —
    the Runs page table and `runs.csv`."""
    rows = []
    for rec in records:
        end = rec.get("finished") or (rec.get("started") and pd.Timestamp.now().timestamp())
        rows.append({
            "run_id": rec["id"], "experiment": rec["experiment"],
            "settings": ", ".join(f"{k}={show(v)}" for k, v in sorted(rec["overrides"].items()) if k != "seed"),
            "seed": rec["config"].get("seed"), "status": rec["status"],
            "progress": round(100 * float(rec.get("progress") or 0.0), 1),
            "duration_s": round(end - rec["started"], 2) if rec.get("started") and end else None,
            "device": rec.get("device"),
            "threads": (rec.get("versions") or {}).get("threads"),
            "torch": (rec.get("versions") or {}).get("torch"),
            "created": pd.Timestamp(rec["created"], unit="s").strftime("%Y-%m-%d %H:%M:%S"),
        })
    cols = ["run_id", "experiment", "settings", "seed", "status", "progress", "duration_s", "device", "threads",
            "torch", "created"]
    return pd.DataFrame(rows, columns=cols)


FEW_S = 5.0  # an ETA below this is shown as "under 5 s"


def status_line(recs: list[dict], expected: int | None = None, eta: float | None = None) -> str:
    """'1 done, 2 queued · 33% · ETA 40 s' for a group of run records.

    `expected` is how many runs the group has: runs without a record yet count as "not
    started". The percentage covers the runs that are done or still to do; stopped runs
    (cancelled, failed, ...) are reported with the progress they reached, never as 100%.
    `eta` comes from `labcore.runs.pace.eta_seconds` ("estimating" while it is None and runs
    are active).
    """
    if not recs:
        return "not run yet: press Run"
    # a Counter, not a pandas Series: this line is drawn on every live tick of every session,
    # and value_counts of arrow strings costs milliseconds (docs/measurements.md)
    counts = dict(Counter(r["status"] for r in recs))
    missing = max(0, (expected or 0) - len(recs))
    parts = []
    for status in sorted(counts, key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER)):
        text = f"{counts[status]} {status}"
        if status in FINISHED and status != "done":
            reached = np.mean([float(r.get("progress") or 0.0) for r in recs if r["status"] == status])
            text += f" (at {100 * reached:.0f}%)"
        parts.append(text)
    if missing:
        parts.append(f"{missing} not started")
    line = ", ".join(parts)
    todo = [r for r in recs if r["status"] in ACTIVE]
    if todo or missing:
        going = [r for r in recs if r["status"] == "done" or r["status"] in ACTIVE]
        done = sum(1.0 if r["status"] == "done" else float(r.get("progress") or 0.0) for r in going)
        line += f" · {100 * done / (len(going) + missing):.0f}%"
    if todo:
        if eta is not None:
            # the last seconds are a bound, not a count: progress reaches the record every half
            # second and a run's end (last rows, its record) takes a second more
            line += f" · ETA under {FEW_S:.0f} s" if eta < FEW_S else f" · ETA {duration(eta)}"
        elif any(r["status"] == "running" for r in todo):
            line += " · ETA estimating…"  # the first seconds of a run: no pace measured yet
        else:
            line += " · waiting for a free worker"  # nothing of this group has started: no pace to go by
    return line


def early_stops(recs: list[dict], unit: str = "step") -> str:
    """Why runs of a group ended before their last step, in one line ("" when none did):
    "stopped at epoch 168 of 300: training loss reached the target 0.005" for one run,
    "stopped early: seed 0 at epoch 168 of 300, seed 1 at epoch 171 of 300 (training loss
    reached the target 0.005)" for several. Read from the record's `stopped_early` meta,
    which a run writes through `Recorder.stopped_early` (any phenomenon may stop early)."""
    stops = [(r, (r.get("meta") or {}).get("stopped_early")) for r in recs if r.get("status") == "done"]
    stops = [(r, s) for r, s in stops if s]
    if not stops:
        return ""
    if len(recs) == 1:
        s = stops[0][1]
        return f"stopped at {unit} {s['step']} of {s['of']}: {s['why']}"
    parts = []
    for why in dict.fromkeys(s["why"] for _, s in stops):
        at = ", ".join(f"seed {r['config'].get('seed')} at {unit} {s['step']} of {s['of']}"
                       for r, s in stops if s["why"] == why)
        parts.append(f"{at} ({why})")
    return "stopped early: " + "; ".join(parts)


def duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '1 h 05 min'."""
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def expand(patterns: tuple[str, ...], columns) -> list[str]:
    """Metric names with shell-style patterns (e.g. corr_l*_mean) matched against columns."""
    out = []
    for pat in patterns:
        out += [c for c in columns if fnmatch.fnmatchcase(c, pat)] if any(ch in pat for ch in "*?[") else [pat]
    return list(dict.fromkeys(out))
