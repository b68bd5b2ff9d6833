import numpy as np
import pandas as pd
import pytest

from labcore.runs import analysis
from labcore.runs import export


def _store_with_runs(store):
    """Three seeds of one setting and one run of another, with known metric values."""
    for i, (seed, lr) in enumerate([(0, 0.1), (1, 0.1), (2, 0.1), (0, 0.5)]):
        rid = f"r{i}"
        overrides = {"lr": lr, "seed": seed} if seed else {"lr": lr}
        store.create(rid, "quadratic", {"lr": lr, "seed": seed, "steps": 3}, overrides)
        store.append_rows(rid, [{"step": s, "loss": float(seed + s)} for s in range(4)])
        store.update(rid, status="done")
    return ["r0", "r1", "r2", "r3"]


def test_long_format_export_round_trips_with_right_row_count(store, tmp_path):
    ids = _store_with_runs(store)
    out = export.export_runs(store, ids, tmp_path / "out")
    long = pd.read_csv(out / "runs_long.csv")
    assert len(long) == 4 * 4
    assert {"run_id", "group", "cfg_lr", "cfg_seed", "step", "loss"} <= set(long.columns)
    assert long.groupby("run_id").size().to_dict() == {rid: 4 for rid in ids}
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["run_id"]) == ids and set(runs["status"]) == {"done"}
    assert (out / "r2" / "metrics.csv").exists()


def test_grouping_by_seed_computes_mean_and_std(store):
    long = export.selection_long(store, _store_with_runs(store))
    bands = analysis.seed_bands(long, ["loss"], by="group")
    g = bands[bands["group"] == "quadratic lr=0.1"]
    assert list(g["n"]) == [3, 3, 3, 3]
    # seeds 0, 1, 2 at step s have loss s, s+1, s+2: mean s+1, sample std 1
    assert g["loss_mean"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert g["loss_std"].tolist() == pytest.approx([1.0] * 4)
    single = bands[bands["group"] == "quadratic lr=0.5"]
    assert single["loss_std"].tolist() == [0.0] * 4 and single["n"].tolist() == [1] * 4


def test_sweep_summary_and_final_values(store):
    long = export.selection_long(store, _store_with_runs(store))
    table = analysis.sweep_summary(long, "lr", "loss")
    assert table["lr"].tolist() == [0.1, 0.5]
    assert table["loss"].tolist() == [4.0, 3.0]  # finals: 3, 4, 5 -> 4 ; 3
    assert table["n_seeds"].tolist() == [3, 1]
    assert table["loss_std"].iloc[0] == pytest.approx(1.0)


def test_runs_table_columns_and_settings(store):
    _store_with_runs(store)
    table = analysis.runs_table(store.runs())
    assert list(table.columns) == ["run_id", "experiment", "settings", "seed", "status", "progress",
                                   "duration_s", "device", "created"]
    assert set(table["settings"]) == {"lr=0.1", "lr=0.5"}


def test_smooth_is_a_trailing_mean():
    assert analysis.smooth([0, 2, 4, 6], 2).tolist() == [0.0, 1.0, 3.0, 5.0]
    assert np.array_equal(analysis.smooth([1, 2], 1), [1.0, 2.0])
