"""Comparing runs: id parsing, EMA smoothing, labels, colours, grouping, summaries, figures."""
import numpy as np
import pandas as pd
import pytest

from labcore.engine import jobs
from labcore.charts.comparison_plots import PALETTE, RAW_OPACITY, groups_figure, parallel_figure, runs_figure
from labcore.runs import analysis, compare
from labcore.runs.tables import rows_frame
from tests.plugins import QUADRATIC


def rec(rid, experiment="exp", name=None, **cfg):
    """A record as the store holds it (defaults: lr=0.1, seed=0, width=8)."""
    defaults = {"lr": 0.1, "seed": 0, "width": 8}
    config = {**defaults, **cfg}
    r = {"id": rid, "experiment": experiment, "config": config,
         "overrides": {k: v for k, v in config.items() if defaults.get(k) != v}, "status": "done"}
    if name is not None:
        r["name"] = name
    return r


def long(records, steps=5, wall=True):
    """Long frame: loss = 1/(1+step) + seed/10, acc rising; `_t` = step/10 s."""
    pairs = []
    for r in records:
        s = np.arange(steps)
        frame = pd.DataFrame({"step": s, "loss": 1 / (1 + s) + r["config"]["seed"] / 10, "acc": s / steps})
        if wall:
            frame["_t"] = s / 10
        pairs.append((r, frame))
    return analysis.long_frame(pairs)


def test_parse_ids_accepts_commas_spaces_and_old_label_links():
    assert compare.parse_ids("abc123def456,0123456789ab") == ["abc123def456", "0123456789ab"]
    assert compare.parse_ids(" a1b2c3d4e5f6 , a1b2c3d4e5f6,") == ["a1b2c3d4e5f6"]
    old = "5715bceb20a2 · lazy_training (defaults) · running"  # a link copied while it ran
    assert compare.parse_ids(old) == ["5715bceb20a2"]
    two = ["a1b2c3d4e5f6 · lazy_training width=64, lr=0.5 · done", "0123456789ab · lazy_training (defaults) · done"]
    assert compare.parse_ids(two) == ["a1b2c3d4e5f6", "0123456789ab"]  # old links held one label per param
    assert compare.parse_ids(["x1,x2", "x3"]) == ["x1", "x2", "x3"]
    assert compare.parse_ids("") == [] and compare.parse_ids(None) == []
    assert compare.resolve(["a", "zz", "b"], {"a", "b"}) == (["a", "b"], ["zz"])


def test_ema_is_tensorboards_debiased_average():
    v = [1.0, 2.0, 3.0]
    w = 0.5
    # by hand: s1 = .5, s2 = .25+1 = 1.25, s3 = .625+1.5 = 2.125; debias by 1-w^k
    assert np.allclose(compare.ema(v, w), [0.5 / 0.5, 1.25 / 0.75, 2.125 / 0.875])
    assert np.allclose(compare.ema([4.0] * 6, 0.9), 4.0)  # a constant stays put (no pull to 0)
    assert np.allclose(compare.ema(v, 0.0), v)
    out = compare.ema([1.0, np.nan, 3.0], 0.5)
    assert np.isnan(out[1]) and np.isclose(out[2], (0.25 + 1.5) / 0.75)  # NaN skipped, kept visible


def test_smooth_long_smooths_each_run_separately_and_keeps_blanks():
    frame = pd.DataFrame({"run_id": ["a"] * 4 + ["b"] * 4, "step": [0, 1, 2, 3] * 2,
                          "loss": [1.0, 0.0, 1.0, 0.0, 10.0, 10.0, np.nan, 10.0]})
    out = compare.smooth_long(frame, ["loss"], 0.6)
    a, b = out[out.run_id == "a"]["loss"].to_numpy(), out[out.run_id == "b"]["loss"].to_numpy()
    assert np.allclose(a, compare.ema([1, 0, 1, 0], 0.6))
    assert np.allclose(b[[0, 1, 3]], 10.0) and np.isnan(b[2])  # run b is not pulled by run a


def test_labels_name_first_then_differing_settings_and_seed():
    recs = [rec("r1", width=16), rec("r2", width=64, seed=1), rec("r3", width=64, name="my baseline")]
    labels = compare.readable_labels(recs)
    assert labels == {"r1": "width=16 · seed 0", "r2": "width=64 · seed 1", "r3": "my baseline"}
    assert compare.readable_labels([rec("r1")]) == {"r1": "exp · defaults · seed 0"}
    mixed = compare.readable_labels([rec("r1"), rec("r2", experiment="other")])
    assert mixed["r2"].startswith("other · ")
    twins = compare.readable_labels([rec("r1", name="x"), rec("r2", name="x", seed=1)])
    assert len(set(twins.values())) == 2  # equal names still tell the runs apart


def test_colours_depend_on_the_run_not_its_position():
    ids = [f"run{i}" for i in range(8)]
    first = compare.colours(ids, PALETTE)
    assert len(set(first.values())) == 8  # distinct while the palette lasts
    again = compare.colours(list(reversed(ids[2:])) + ["new"], PALETTE)
    # runs added or removed around it: a run keeps its colour unless it collided before (8 runs
    # in the 10 clearly different colours collide more often than in 23 similar ones: issue 32)
    kept = sum(again[r] == first[r] for r in ids[2:])
    assert kept >= 3


def test_group_by_any_setting_gives_mean_and_std_per_group():
    recs = [rec(f"r{s}{w}", width=w, seed=s) for w in (8, 64) for s in (0, 1, 2)]
    frame = long(recs)
    by_width = compare.group_labels(recs, "width")
    assert set(by_width.values()) == {"width=8", "width=64"}
    bands = compare.group_bands(frame, ["loss"], by_width)
    at0 = bands[(bands.group == "width=8") & (bands.step == 0)].iloc[0]
    assert at0["n"] == 3 and np.isclose(at0["loss_mean"], 1.1) and np.isclose(at0["loss_std"], 0.1)
    assert np.isclose(bands["_t"].max(), 0.4)  # wall time carried as the group's mean
    seeds = compare.group_labels(recs, compare.SEEDS)
    assert len(set(seeds.values())) == 2  # seeds averaged, widths apart
    assert compare.group_labels(recs, None) == {r["id"]: r["id"] for r in recs}
    assert compare.varying_settings(recs) == ["width", "seed"]


def test_summary_table_has_final_and_best_of_every_metric():
    recs = [rec("a"), rec("b", seed=1)]
    frame = long(recs)
    frame.loc[(frame.run_id == "a") & (frame.step == 4), "loss"] = 5.0  # a late blow-up
    table = compare.summary_table(frame, compare.metric_columns(frame))
    assert list(table.columns) == ["run_id", "loss · final", "loss · min", "acc · final", "acc · max"]
    a = table.set_index("run_id").loc["a"]
    assert a["loss · final"] == 5.0 and a["loss · min"] == pytest.approx(0.25) and a["acc · max"] == 0.8
    assert "_t" not in compare.metric_columns(frame)
    groups = compare.group_summary(table, {"a": "g", "b": "g"})
    assert groups.loc[0, "n"] == 2 and groups.loc[0, "acc · max (std)"] == 0.0
    sweep = compare.sweep_table([rec("a", width=8), rec("b", width=16, seed=1)], table, "loss · final")
    assert list(sweep.columns) == ["run_id", "width", "seed", "loss · final"]


def test_figures_draw_raw_faintly_behind_smoothed_and_bands_for_groups():
    recs = [rec("a"), rec("b", seed=1)]
    frame = long(recs)
    labels, cols = compare.readable_labels(recs), compare.colours(["a", "b"], PALETTE)
    plain = runs_figure(frame, None, "loss", "step", labels, cols)
    assert len(plain.data) == 2 and plain.data[0].name == labels["a"]
    smooth = compare.smooth_long(frame, ["loss"], 0.8)
    fig = runs_figure(frame, smooth, "loss", "_t", labels, cols)
    raw, sm = fig.data[0], fig.data[1]
    assert len(fig.data) == 4 and raw.opacity == RAW_OPACITY and raw.line.color == sm.line.color
    assert list(raw.x) == [0.0, 0.1, 0.2, 0.3, 0.4] and fig.layout.title.text == "loss vs wall time (s)"
    groups = {"a": "g", "b": "g"}
    gfig = groups_figure(compare.group_bands(frame, ["loss"], groups),
                                       compare.group_bands(smooth, ["loss"], groups), "loss", "step", {"g": "#123456"})
    assert [t.name for t in gfig.data] == ["g ±1 std", "g (raw mean)", "g (mean of 2)"]
    table = compare.sweep_table([rec("a", width=8, init="he"), rec("b", width=16, init="xavier", seed=1)],
                                compare.summary_table(frame, ["loss"]), "loss · final")
    par = parallel_figure(table, ["width", "init", "seed"], "loss · final")
    dims = par.data[0].dimensions
    assert [d.label for d in dims] == ["width", "init", "seed", "loss · final"]
    assert list(dims[1].ticktext) == ["he", "xavier"]


@pytest.mark.slow
@pytest.mark.plugins(QUADRATIC)
def test_stored_rows_carry_wall_time_hidden_from_metric_frames(store):
    rid = jobs.submit("quadratic", {"steps": 5}, store)
    assert jobs.wait(rid, store, timeout=60)["status"] == "done"
    rows, _ = store.read_rows(rid)
    t = [r["_t"] for r in rows]
    assert t == sorted(t) and t[0] >= 0  # seconds since the run started, non-decreasing
    assert "_t" not in store.metrics(rid).columns  # metrics.csv and pages see metrics only
    assert "_t" in rows_frame(rows, system=True).columns


def test_first_ten_runs_get_ten_different_tableau_colours():
    from plotly.colors import qualitative

    ids = [f"run{i}" for i in range(12)]
    cols = compare.colours(ids, PALETTE)
    first = [cols[i] for i in ids[:10]]
    assert len(set(first)) == 10 and set(first) == set(qualitative.D3)
    assert cols["run10"] not in qualitative.D3 and cols["run10"] != cols["run11"]


def test_best_follows_the_declared_direction_and_never_the_step_zero_value():
    frame = pd.DataFrame({"run_id": ["a"] * 4, "step": [0, 1, 2, 3],
                          "loss": [0.1, 0.9, 0.5, 0.6],             # step 0 is lower than anything trained
                          "rel_change": [0.0, 0.1, 0.2, 0.3],       # starts at 0: no direction, no best
                          "test_acc": [0.95, 0.5, 0.7, 0.6]})
    table = compare.summary_table(frame, ["loss", "rel_change", "test_acc"]).set_index("run_id").loc["a"]
    assert table["loss · min"] == 0.5 and table["test_acc · max"] == 0.7
    assert "rel_change · min" not in table and table["rel_change · final"] == 0.3
    assert compare.direction("val_loss") == "min" and compare.direction("corr_l1_mean") == "max"
    assert compare.direction("sharpness") is None
