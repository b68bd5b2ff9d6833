"""Exports shared by the CLI and the Runs page: one run's files, several runs in long
format, and the runs table. The page offers the same CSVs as downloads."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from labcore.runs import analysis, compare
from labcore.core.run_states import UnknownRun
from labcore.runs.store import Store
from labcore.runs.tables import summary


def selection_long(store: Store, ids: list[str]) -> pd.DataFrame:
    """Several runs in long format: run_id, label (the legend name), group, cfg_* columns, step, metrics."""
    recs = [r for r in (store.get(rid) for rid in ids) if r is not None]
    frame = analysis.long_frame([(r, store.metrics(r["id"])) for r in recs])
    # the legend name of the Runs page (user's name, or the settings that differ), not the id
    return frame.assign(label=frame["run_id"].map(compare.readable_labels(recs)))


def runs_csv_table(store: Store, ids: list[str] | None = None) -> pd.DataFrame:
    """The runs table (all runs, or `ids`)."""
    recs = store.runs() if ids is None else [r for r in (store.get(i) for i in ids) if r is not None]
    return analysis.runs_table(recs)


def export_run(store: Store, rid: str, out: str | os.PathLike) -> Path:
    """Write metrics.csv, config.json, config.toml (re-runs it: `labcore run NAME --config`),
    summary.json and one CSV per artifact to `out`."""
    rec = store.get(rid)
    if rec is None:
        raise UnknownRun(f"no run {rid!r} in {store.dir}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frame = store.metrics(rid)
    frame.to_csv(out / "metrics.csv", index=False)
    (out / "config.json").write_text(json.dumps(
        {"experiment": rec["experiment"], "run_id": rid, "config": rec["config"]}, indent=2))
    write_config_toml(rec, out)
    (out / "summary.json").write_text(json.dumps(summary(rec, frame), indent=2))
    for name in rec["artifacts"]:
        art = store.artifact(rid, name)
        if art is not None:
            art.to_csv(out / f"{name}.csv", index=False)
    return out


def write_config_toml(rec: dict, out: Path) -> Path:
    """The run's every setting as `config.toml`: `python -m labcore run NAME --config FILE
    --no-cache` trains the same Config; with the same torch threads, torch version and machine
    (the comment says which) its rows are bit-identical."""
    from labcore.core import recipes

    vers = rec.get("versions") or {}
    how = ", ".join(f"{k} {v}" for k, v in vers.items())
    comment = (f"run {rec['id']} ({rec['status']}); re-run: python -m labcore run {rec['experiment']} "
               f"--config config.toml --no-cache" + (f"\n# trained with {how}" if how else ""))
    path = out / "config.toml"
    path.write_text(recipes.dumps(rec["experiment"], rec["config"], comment=comment), encoding="utf-8")
    return path


def export_runs(store: Store, ids: list[str], out: str | os.PathLike) -> Path:
    """One id: metrics.csv, config.json, summary.json and artifact CSVs in `out`.
    Several: one such folder per run under `out`, plus `runs_long.csv` and `runs.csv`."""
    out = Path(out)
    missing = [rid for rid in ids if store.get(rid) is None]
    if missing:
        raise UnknownRun(f"no run {missing[0]!r} in {store.dir}")
    if len(ids) == 1:
        return export_run(store, ids[0], out)
    for rid in ids:
        export_run(store, rid, out / rid)
    selection_long(store, ids).to_csv(out / "runs_long.csv", index=False)
    runs_csv_table(store, ids).to_csv(out / "runs.csv", index=False)
    return out


FORMATS = ("csv", "parquet", "tensorboard")


def export(store: Store, ids: list[str], out: str | os.PathLike, format: str = "csv") -> Path:
    """Write runs to `out` in one of FORMATS: `csv` (export_runs), `parquet` (runs_long.parquet
    and runs.parquet) or `tensorboard` (one event-file directory per run, seeds as separate
    runs, the settings as hparams). Unknown ids raise UnknownRun before anything is written."""
    if format not in FORMATS:
        raise ValueError(f"format={format!r} is not one of {', '.join(FORMATS)}")
    missing = [rid for rid in ids if store.get(rid) is None]
    if missing:
        raise UnknownRun(f"no run {missing[0]!r} in {store.dir}")
    if format == "csv":
        return export_runs(store, ids, out)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if format == "parquet":
        selection_long(store, ids).to_parquet(out / "runs_long.parquet", index=False)
        runs_csv_table(store, ids).to_parquet(out / "runs.parquet", index=False)
        return out
    for rid in ids:
        write_tensorboard(store, rid, out / rid)
        write_config_toml(store.get(rid), out / rid)
    return out


def write_tensorboard(store: Store, rid: str, out: Path) -> Path:
    """One run as TensorBoard event files in `out`: a scalar series per metric (x = step) and
    the run's settings as hparams with the final metric values (`tensorboard --logdir`)."""
    from torch.utils.tensorboard import SummaryWriter  # needs the `tensorboard` package

    rec = store.get(rid)
    frame = store.metrics(rid)
    final = summary(rec, frame)["final"]
    hparams = {k: v if isinstance(v, (int, float, str, bool)) else json.dumps(v)
               for k, v in rec["config"].items()}
    hparams.update(experiment=rec["experiment"], run_id=rid)
    writer = SummaryWriter(str(out))
    try:
        for metric in (c for c in frame.columns if c != "step"):
            for step, value in frame[["step", metric]].dropna().itertuples(index=False):
                writer.add_scalar(metric, float(value), int(step))
        finals = {f"final/{k}": float(v) for k, v in final.items()
                  if isinstance(v, (int, float)) and v == v}
        writer.add_hparams(hparams, finals, run_name=".")
    finally:
        writer.close()
    return out
