import math
import numpy as np
import pandas as pd
import pytest

from labcore.runs import analysis
from labcore.runs import export
from tests.plugins import QUADRATIC


def _store_with_runs(store):
    """Three seeds of one setting and one run of another, with known metric values."""
    for i, (seed, lr) in enumerate([(0, 0.1), (1, 0.1), (2, 0.1), (0, 0.5)]):
        rid = f"r{i}"
        overrides = {"lr": lr, "seed": seed} if seed else {"lr": lr}
        store.create(rid, "quadratic", {"lr": lr, "seed": seed, "steps": 3}, overrides)
        store.append_rows(rid, [{"step": s, "loss": float(seed + s)} for s in range(4)])
        store.update(rid, status="done")
    return ["r0", "r1", "r2", "r3"]


@pytest.mark.plugins(QUADRATIC)
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


@pytest.mark.plugins(QUADRATIC)
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


@pytest.mark.plugins(QUADRATIC)
def test_sweep_summary_and_final_values(store):
    long = export.selection_long(store, _store_with_runs(store))
    table = analysis.sweep_summary(long, "lr", "loss")
    assert table["lr"].tolist() == [0.1, 0.5]
    assert table["loss"].tolist() == [4.0, 3.0]  # finals: 3, 4, 5 -> 4 ; 3
    assert table["n_seeds"].tolist() == [3, 1]
    assert table["loss_std"].iloc[0] == pytest.approx(1.0)


@pytest.mark.plugins(QUADRATIC)
def test_runs_table_columns_and_settings(store):
    _store_with_runs(store)
    table = analysis.runs_table(store.runs())
    assert list(table.columns) == ["run_id", "experiment", "settings", "seed", "status", "progress",
                                   "duration_s", "device", "threads", "torch", "created"]
    assert set(table["settings"]) == {"lr=0.1", "lr=0.5"}


def test_smooth_is_a_trailing_mean():
    assert analysis.smooth([0, 2, 4, 6], 2).tolist() == [0.0, 1.0, 3.0, 5.0]
    assert np.array_equal(analysis.smooth([1, 2], 1), [1.0, 2.0])


# --- status line and ETA ----------------------------------------------------------------------------------


def _rec(rid, status, progress=0.0, started=None, heartbeat=None, run_s=None):
    return {"id": rid, "status": status, "progress": progress, "started": started, "heartbeat": heartbeat,
            "run_s": run_s}


def test_status_line_counts_missing_and_stopped_runs_never_as_100_percent():
    assert analysis.status_line([_rec("a", "done", 1.0)], expected=3) == "1 done, 2 not started · 33%"
    line = analysis.status_line([_rec("a", "cancelled", 0.4)])
    assert line == "1 cancelled (at 40%)" and "100%" not in line
    line = analysis.status_line([_rec("a", "done", 1.0), _rec("b", "queued"), _rec("c", "queued")], eta=65)
    assert line == "2 queued, 1 done · 33% · ETA 1 min 05 s"
    assert analysis.status_line([_rec("a", "running", 0.5)]).endswith("· 50% · ETA estimating…")
    # the last seconds are a bound: the record moves every half second and a run's end takes one more
    assert analysis.status_line([_rec("a", "running", 0.9)], eta=2.2).endswith("· 90% · ETA under 5 s")
    assert analysis.status_line([_rec("a", "running", 0.9)], eta=5.2).endswith("· 90% · ETA 5 s")
    assert analysis.status_line([]) == "not run yet: press Run"


@pytest.mark.plugins(QUADRATIC)
def test_sweep_summary_keeps_a_declared_categorical_order(store):
    long = export.selection_long(store, _store_with_runs(store))
    long["cfg_method"] = long["run_id"].map({"r0": "static", "r1": "static", "r2": "default", "r3": "adam"})
    table = analysis.sweep_summary(long, "method", "loss", order=("default", "static", "adam"))
    assert table["method"].tolist() == ["default", "static", "adam"]


def test_log_ticks_are_labelled_numbers_or_powers_of_ten():
    from labcore.charts import plots

    wide = plots.log_ticks([2e-5, 0.9])
    assert wide["ticktext"] == ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"] and wide["exponentformat"] == "power"
    narrow = plots.log_ticks([0.13, 0.9])
    assert narrow["ticktext"] == ["0.1", "0.2", "0.5", "1"]
    assert plots.log_ticks([0.011, 0.2])["ticktext"] == ["0.01", "0.02", "0.05", "0.1", "0.2"]
    assert [plots.tick_text(v) for v in (5e-5, 20000, 1e-6)] == ["5×10⁻⁵", "2×10⁴", "10⁻⁶"]
    close = plots.log_ticks([0.69, 0.715])  # a 4 % range: round steps, enough digits that no two read alike
    assert close["ticktext"] == ["0.69", "0.7", "0.71", "0.72"]


def _labelled_range(axis: dict) -> tuple[float, float]:
    """(lowest, highest) labelled tick of a built figure's axis, and check the axis range shows them."""
    ticks = [float(t) for t in axis["tickvals"]]
    lo, hi = sorted(axis["range"])
    assert lo <= math.log10(min(ticks)) and math.log10(max(ticks)) <= hi
    return min(ticks), max(ticks)


@pytest.mark.parametrize("values", [
    [0.0011, 0.9], [0.13, 0.9], [5.9, 8.3, 12.0, 17.3], [0.022, 0.05, 0.11, 0.2, 0.41], [0.69, 0.715],
    [0.5, 0.6], [3e-7, 2e3], [0.95, 0.999, 1.0]])
def test_every_value_on_a_log_axis_lies_within_the_labelled_range(values):
    from labcore.charts import plots

    ticks = plots.log_ticks(values)
    low, high = _labelled_range(ticks)
    assert low <= min(values) and max(values) <= high and len(ticks["tickvals"]) >= 3


def test_issue_32_sweeps_label_their_swept_values_and_hold_every_point():
    """Issue 32: the η sweep labelled y only 6-10 while 12.0 and 17.3 sat above, and η 0.12 and 0.17
    had no label; the width sweep's lowest point (0.022) was below its last tick (0.05)."""
    import pandas as pd

    from labcore.charts import plots

    eta = pd.DataFrame({"lr": [0.12, 0.17, 0.24, 0.34], "sharpness": [17.3, 12.0, 8.4, 6.0],
                        "sharpness_std": [0.0] * 4})
    fig = plots.sweep(eta, "lr", "sharpness", "final sharpness vs lr", loglog=True, slope=-1.0,
                      reference_exponent=-1.0).to_plotly_json()["layout"]
    assert fig["xaxis"]["ticktext"] == ["0.12", "0.17", "0.24", "0.34"]
    low, high = _labelled_range(fig["yaxis"])
    assert low <= 6.0 and 17.3 <= high
    lazy = pd.DataFrame({"width": [16, 64, 256, 1024, 4096], "rel_change": [0.41, 0.2, 0.11, 0.05, 0.022]})
    fig = plots.sweep(lazy, "width", "rel_change", "final rel_change vs width", loglog=True,
                      reference_exponent=-0.5).to_plotly_json()["layout"]
    assert fig["xaxis"]["ticktext"] == ["16", "64", "256", "1024", "4096"]
    low, high = _labelled_range(fig["yaxis"])
    assert low <= 0.022 and 0.41 <= high


def test_density_axis_labels_density_one_and_the_last_round():
    """Issue 32: the lottery density axis read '9 8 7 6 5 4 3 2 0.1 9 8 7 6' with no label at 1."""
    from labcore.charts import plots

    densities = [0.8 ** r for r in range(13)]
    ticks = plots.value_ticks(densities, reverse=True)
    assert ticks["ticktext"][-1] == "1" and ticks["tickvals"][0] == pytest.approx(0.8 ** 12)
    assert len(ticks["tickvals"]) <= 8 and ticks["range"][0] > ticks["range"][1]  # reversed: 1 on the left
    assert all(t in [pytest.approx(d) for d in densities] for t in ticks["tickvals"])


def test_a_legend_of_any_length_sits_below_the_x_axis_title():
    """Issue 32: feature-diversity legends covered the 'step' title. The legend is anchored to
    the figure's foot and the bottom margin holds its rows plus the axis title."""
    from labcore.charts import plots

    names = ["ConstNet, deterministic", "ConstNet + dropout", "ConstNet + gradient noise", "random init"]
    frame = pd.concat([pd.DataFrame({"label": n, "step": [0, 1, 2], "feat_corr": [1.0, 0.9, 0.8]}) for n in names])
    layout = plots.curves(frame, ["feat_corr"], "feat_corr: variants").to_plotly_json()["layout"]
    rows = plots.legend_rows(names)
    assert rows >= 2
    assert layout["legend"]["yref"] == "container" and layout["legend"]["yanchor"] == "bottom"
    assert layout["legend"]["y"] == 0
    # the legend's rows fit in the bottom margin, below the 40 px of tick labels and axis title
    assert layout["margin"]["b"] >= 40 + plots.LEGEND_ROW_PX * rows
    one = plots.curves(frame[frame.label == names[0]], ["feat_corr"], "one").to_plotly_json()["layout"]
    assert one["margin"]["b"] == 40  # no legend, no room for one


def test_an_arm_has_one_colour_in_every_chart_of_a_page():
    """Issue 32: lottery colours swapped between panels (winning blue per round, green by density)."""
    from labcore.phenomena.lottery_ticket import ui as lottery_ui
    from labcore.charts import plots

    arms = ("winning", "reinit", "random_prune")
    frame = pd.DataFrame({"label": "seed=0", "step": [0, 1], **{f"test_acc_{a}": [0.5, 0.6] for a in arms},
                          **{f"early_stop_step_{a}": [10, 20] for a in arms}})
    for prefix in ("test_acc_", "early_stop_step_"):
        fig = plots.curves(frame, [prefix + a for a in arms], "per round")
        assert [t.line.color for t in fig.data] == [lottery_ui.COLORS[a] for a in arms]
    assert len({lottery_ui.COLORS[a] for a in arms}) == 3
    variants = pd.concat([pd.DataFrame({"label": v, "step": [0, 1], "loss": [1.0, 0.5], "acc": [0.1, 0.9]})
                          for v in ("tanh", "relu")])
    by_metric = [[t.line.color for t in plots.curves(variants, [m], m).data] for m in ("loss", "acc")]
    assert by_metric[0] == by_metric[1] and len(set(by_metric[0])) == 2


def test_a_zero_bar_is_marked_and_the_bar_axis_can_be_named():
    from labcore.charts import plots

    fig = plots.bars([0, 1, 2], [0, 3, 0], "Luck: rank at init", x="teacher node", y="rank at init")
    marks = fig.data[1]
    assert list(marks.x) == [0, 2] and list(marks.y) == [0, 0] and list(marks.text) == ["0", "0"]
    assert fig.layout.xaxis.title.text == "teacher node"
    assert len(plots.bars([0, 1], [1, 2], "no zeros").data) == 1
