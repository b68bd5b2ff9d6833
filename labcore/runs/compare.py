"""Pure pandas for comparing runs (the Runs page): id-based selections, EMA smoothing,
readable labels, stable colours, grouping by any setting, summary tables.

A "long" frame here is what `labcore.runs.analysis.long_frame` builds: one row per
(run, step) with `run_id`, `cfg_<field>` columns, `step`, optionally `_t` (seconds since
the run started) and one column per metric. No Streamlit, no store, no torch.
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from labcore.runs.analysis import show

SEEDS = "seeds (same other settings)"   # the group-by choice that averages seeds
WALL = "_t"                             # the system column with wall time since the run started
TOKEN = re.compile(r"^[\w-]+$")          # what a run id can look like (store ids: 12 hex digits)
# What makes a metric better when larger; everything else (losses, errors, distances) is better smaller.
HIGHER_IS_BETTER = ("acc", "corr", "score", "auc", "ity_")
LOWER_IS_BETTER = ("loss", "error", "err_", "mse", "nll", "perplexity")
# Quantities matching neither (rel_change, sharpness, density, grad_std, traj_len, ...) have no
# "better" direction: the summary shows their final value only (a "best" rel_change
# would be its minimum, the 0 it starts at).


def parse_ids(text: str | Sequence[str] | None) -> list[str]:
    """Run ids from a `?runs=` value: 'id1,id2' (comma-separated). Entries of the old
    label format ('5715bceb20a2 · lazy_training (defaults) · done') give their leading id.
    Order kept, duplicates dropped."""
    parts = text if isinstance(text, (list, tuple)) else [text or ""]
    ids = []
    for part in parts:
        for item in str(part).split(","):
            token = item.strip().split(" ")[0] if item.strip() else ""
            if TOKEN.match(token):  # not 'lr=0.5', the tail of an old label with a comma in it
                ids.append(token)
    return list(dict.fromkeys(ids))


def resolve(ids: Sequence[str], known: Iterable[str]) -> tuple[list[str], list[str]]:
    """(ids in the store, ids that are not), each in the given order."""
    known = set(known)
    return [i for i in ids if i in known], [i for i in ids if i not in known]


def ema(values: Sequence[float], weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average, point by point.

    s_k = w·s_{k-1} + (1−w)·v_k from s_0 = 0, divided by (1 − w^k) so the first points are
    not pulled towards zero. Non-finite values are passed through and do not enter the
    average (a diverged point stays visible). weight 0: unchanged."""
    v = np.asarray(values, dtype=float)
    if weight <= 0 or v.size == 0:
        return v.copy()
    out = np.empty_like(v)
    last, count = 0.0, 0
    for i, x in enumerate(v):
        if not np.isfinite(x):
            out[i] = x
            continue
        last = weight * last + (1.0 - weight) * x
        count += 1
        out[i] = last / (1.0 - weight ** count)
    return out


def smooth_long(frame: pd.DataFrame, metrics: Sequence[str], weight: float) -> pd.DataFrame:
    """A copy of `frame` with every metric EMA-smoothed per run, along `step`, over the
    points where that metric was measured (blanks stay blank). Row order is kept."""
    out = frame.copy()
    if weight <= 0:
        return out
    for metric in (m for m in metrics if m in out):
        for _, idx in out.groupby("run_id", sort=False).groups.items():
            vals = out.loc[idx].sort_values("step", kind="stable")[metric].dropna()
            out.loc[vals.index, metric] = ema(vals.to_numpy(), weight)
    return out


def metric_columns(frame: pd.DataFrame) -> list[str]:
    """The metric columns of a long frame (not ids, labels, settings, step or system columns)."""
    skip = {"run_id", "label", "group", "step"}
    return [c for c in frame.columns if c not in skip and not str(c).startswith(("cfg_", "_"))
            and pd.api.types.is_numeric_dtype(frame[c])]


def varying_settings(records: Sequence[dict]) -> list[str]:
    """Config fields whose value differs between the records (in config order), seed last."""
    fields: dict[str, set] = {}
    for rec in records:
        for k in rec["config"]:
            fields.setdefault(k, set())
    for k in fields:
        fields[k] = {repr(show(rec["config"].get(k))) for rec in records}
    names = [k for k, vals in fields.items() if len(vals) > 1]
    return sorted(names, key=lambda k: k == "seed")


def settings_columns(records: Sequence[dict]) -> list[str]:
    """The settings worth a column when comparing `records`: those that vary between the
    runs of at least one experiment (not those that differ only because experiments do)."""
    by_exp: dict[str, list[dict]] = {}
    for rec in records:
        by_exp.setdefault(rec["experiment"], []).append(rec)
    names = [k for recs in by_exp.values() for k in varying_settings(recs)]
    return sorted(dict.fromkeys(names), key=lambda k: k == "seed")


def readable_labels(records: Sequence[dict]) -> dict[str, str]:
    """{run id: legend label}: the user's name when set, else the experiment (only when the
    records span several), the settings that differ between the runs of that experiment
    (the run's own non-default settings when only seeds differ), and the seed.

    'width=64 · seed 1' among a width sweep; 'lazy_training · defaults · seed 0' alone;
    'width=16 · seed 2' among seeds of width 16."""
    by_exp: dict[str, list[dict]] = {}
    for rec in records:
        by_exp.setdefault(rec["experiment"], []).append(rec)
    labels = {}
    for exp, recs in by_exp.items():
        differ = [k for k in varying_settings(recs) if k != "seed"]
        for rec in recs:
            if (rec.get("name") or "").strip():
                labels[rec["id"]] = rec["name"].strip()
                continue
            cfg = rec["config"]
            keys = differ or sorted(k for k in rec["overrides"] if k != "seed")
            settings = ", ".join(f"{k}={show(cfg.get(k))}" for k in keys) or "defaults"
            head = [exp] if len(by_exp) > 1 or len(records) == 1 else []
            labels[rec["id"]] = " · ".join(head + [settings, f"seed {cfg.get('seed', 0)}"])
    # Two runs could still read the same (e.g. equal user names): tell them apart by id.
    counts = pd.Series(list(labels.values()), dtype=object).value_counts()
    return {rid: lab if counts[lab] == 1 else f"{lab} ({rid[:6]})" for rid, lab in labels.items()}


def run_label(rec: dict) -> str:
    """A run's label on its own (the picker): its name, or experiment · its non-default
    settings · seed."""
    return readable_labels([rec])[rec["id"]]


def colours(keys: Sequence[str], palette: Sequence[str], distinct: int = 10) -> dict[str, str]:
    """A colour per key (run id or group label) that depends on the key itself, not on its
    position: start at hash(key) mod `distinct` and take the next free one among the first
    `distinct` colours of `palette` (the clearly different ones), so colours stay put when
    other runs are added or removed and the first `distinct` keys never share or nearly share
    a colour; keys beyond those take the rest of the palette in turn."""
    distinct = min(distinct, len(palette))
    taken: set[int] = set()
    out = {}
    extra = 0
    for key in keys:
        if len(taken) < distinct:
            i = int(hashlib.sha1(str(key).encode()).hexdigest(), 16) % distinct
            while i in taken:
                i = (i + 1) % distinct
            taken.add(i)
            out[key] = palette[i]
        else:
            rest = list(palette[distinct:]) or list(palette)
            out[key] = rest[extra % len(rest)]
            extra += 1
    return out


def group_labels(records: Sequence[dict], by: str | None) -> dict[str, str]:
    """{run id: group}: `by` None gives each run its own group; SEEDS groups runs that
    differ only by seed; a config field groups by its value (and by experiment when the
    records span several, since curves of different experiments are not averaged)."""
    several = len({r["experiment"] for r in records}) > 1
    out = {}
    for rec in records:
        if not by:
            out[rec["id"]] = rec["id"]
        elif by == SEEDS:
            rest = {k: v for k, v in sorted(rec["overrides"].items()) if k != "seed"}
            text = ", ".join(f"{k}={show(v)}" for k, v in rest.items()) or "defaults"
            out[rec["id"]] = f"{rec['experiment']} · {text}" if several else text
        else:
            value = rec["config"].get(by)
            text = f"{by}={show(value)}" if by in rec["config"] else f"{by}=(none)"
            out[rec["id"]] = f"{rec['experiment']} · {text}" if several else text
    return out


def group_bands(frame: pd.DataFrame, metrics: Sequence[str], groups: dict[str, str]) -> pd.DataFrame:
    """Mean and std (ddof=1, 0 for one run) of each metric over the runs of each group,
    step by step; `_t` (when present) becomes the group's mean wall time at that step.

    Returns columns group, step, [_t], <m>_mean, <m>_std, n (runs with a value)."""
    present = [m for m in metrics if m in frame]
    if frame.empty or not present:
        return pd.DataFrame(columns=["group", "step", "n"])
    data = frame.assign(group=frame["run_id"].map(groups))
    grouped = data.groupby(["group", "step"], sort=True)
    parts = [grouped[present].mean().add_suffix("_mean"),
             grouped[present].std(ddof=1).fillna(0.0).add_suffix("_std"),
             grouped["run_id"].nunique().rename("n")]
    if WALL in data:
        parts.insert(0, grouped[WALL].mean())
    out = pd.concat(parts, axis=1).reset_index()
    order = list(dict.fromkeys(groups[r] for r in dict.fromkeys(frame["run_id"])))
    out["group"] = pd.Categorical(out["group"], categories=order, ordered=True)
    return out.sort_values(["group", "step"]).reset_index(drop=True).astype({"group": str})


def best_is_max(metric: str) -> bool:
    """Whether a larger value of `metric` is better (accuracies, correlations, I(T;Y))."""
    return any(tag in metric.lower() for tag in HIGHER_IS_BETTER)


def direction(metric: str) -> str | None:
    """"max" or "min" where the metric declares which way is better (by its name: accuracies,
    correlations, I(T;Y) up; losses and errors down), else None: no "best" for it."""
    name = metric.lower()
    if best_is_max(name):
        return "max"
    if any(tag in name for tag in LOWER_IS_BETTER):
        return "min"
    return None


def summary_table(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per run: for every metric its final (last measured) value and, for a metric
    with a declared direction, its best value after step 0 (the start is not something the
    training reached), named for the direction: 'loss · final', 'loss · min', 'train_acc · max'."""
    ids = list(dict.fromkeys(frame["run_id"])) if len(frame) else []
    out = pd.DataFrame({"run_id": ids}).set_index("run_id")
    data = frame.sort_values("step")
    trained = data[data["step"] > 0]
    for m in (m for m in metrics if m in frame):
        sub = data.dropna(subset=[m]).groupby("run_id")[m]
        out[f"{m} · final"] = sub.last()
        best = direction(m)
        if best is None:
            continue
        after = trained.dropna(subset=[m]).groupby("run_id")[m]
        value = after.max() if best == "max" else after.min()
        # a run measured only at step 0 keeps that value rather than a blank
        out[f"{m} · {best}"] = value.reindex(out.index).fillna(sub.max() if best == "max" else sub.min())
    return out.reset_index()


def group_summary(summary: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """Mean and std over the runs of each group of every summary column, with n runs."""
    cols = [c for c in summary.columns if c != "run_id"]
    data = summary.assign(group=summary["run_id"].map(groups))
    grouped = data.groupby("group", sort=False)
    mean = grouped[cols].mean().add_suffix(" (mean)")
    std = grouped[cols].std(ddof=1).fillna(0.0).add_suffix(" (std)")
    both = pd.concat([mean, std], axis=1)[[f"{c} ({s})" for c in cols for s in ("mean", "std")]]
    return pd.concat([grouped["run_id"].nunique().rename("n"), both], axis=1).reset_index()


def sweep_table(records: Sequence[dict], summary: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows for a parallel-coordinates view: the settings that vary between `records`
    (their values as stored) and the summary `column` (e.g. 'loss · final') per run."""
    keys = varying_settings(records)
    rows = [{"run_id": r["id"], **{k: show(r["config"].get(k)) for k in keys}} for r in records]
    table = pd.DataFrame(rows, columns=["run_id", *keys])
    values = summary.set_index("run_id")[column] if column in summary else pd.Series(dtype=float)
    return table.assign(**{column: table["run_id"].map(values)})


def page_axes(pages: Sequence, metric: str) -> tuple[str | None, bool, bool]:
    """(x label, log x, log y) with which the phenomena's own pages (their PageSpecs) draw
    `metric`: the Runs page draws it the same way (random-feature runs against "random
    features N" on a log axis, not "step" on a linear one). (None, False, False) when no page
    charts it, or when the pages disagree on the x label."""
    import fnmatch

    found = []
    for page in pages:
        for chart in page.charts:
            if any(fnmatch.fnmatchcase(metric, m) for m in chart.metrics):
                found.append((chart.x_label or page.x_label, chart.log_x, chart.log_y))
                break
    if not found or len({f[0] for f in found}) > 1:
        return None, False, False
    return found[0][0], all(f[1] for f in found), all(f[2] for f in found)
