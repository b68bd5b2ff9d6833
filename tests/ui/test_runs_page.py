"""The Runs page through AppTest, on a store of 50 runs across 3 phenomena.

The fixture writes records and rows through the Store API (synthetic but valid rows): it
tests the page's selection, grouping, smoothing and tables, not a phenomenon."""
import time
import urllib.parse

import numpy as np
import pytest

from labcore.core.params import non_default, to_dict
from labcore.engine import jobs
from labcore.runs import compare
from labcore.runs.store import run_id
from labcore.ui import runs_actions
from tests.ui.test_pages import app, arr, figures
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

SWEEPS = {"lazy_training": ("width", (16, 64, 256, 1024)),        # 4 x 5 seeds = 20 runs
          "edge_of_stability": ("lr", (0.02, 0.05, 0.1)),          # 3 x 5 seeds = 15 runs
          "steady_learner": ("freq", (0.25, 0.5, 0.75))}           # 3 x 5 seeds = 15 runs


def put_run(store, experiment, values, steps=20, status="done", name=None):
    """A finished run with rows loss = a/(1+0.3·step) + noise, acc rising, `_t` = step/4 s."""
    cfg = jobs.make_config(experiment, values)
    over = non_default(cfg)
    rid = run_id(experiment, over)
    store.create(rid, experiment, to_dict(cfg), over)
    rng = np.random.default_rng(int(rid, 16))
    key = float(next(iter(values.values())))
    s = np.arange(steps)
    loss = (1 + np.log1p(key)) / (1 + 0.3 * s) + 0.1 * rng.standard_normal(steps) + 0.2
    rows = [{"step": int(i), "loss": float(v), "train_acc": float(i / steps), "_t": i / 4}
            for i, v in zip(s, loss)]
    store.append_rows(rid, rows)
    fields = {"status": status, "progress": 1.0 if status == "done" else 0.5, "started": time.time() - 10,
              "finished": time.time() if status == "done" else None}
    if name:
        fields["name"] = name
    store.update(rid, None, **fields)
    return rid


@pytest.fixture
def fifty(store):
    ids = {exp: [put_run(store, exp, {param: v, "seed": seed}) for v in values for seed in range(5)]
           for exp, (param, values) in SWEEPS.items()}
    assert len(store.runs()) == 50
    return ids


def table_with(at, column):
    """The dataframe whose columns include `column` (plain dataframes carry no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def traces(at, title):
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"] == title)
    return fig["data"]


def test_id_link_selects_runs_whatever_their_status_and_names_unknown_ids(store, fifty):
    lazy = fifty["lazy_training"]
    old_style = f"{lazy[1]} · lazy_training width=16, seed=1 · running"  # copied while it ran
    at = app("runs", query={"runs": f"{lazy[0]},{old_style},deadbeef0000"})
    assert at.multiselect(key="runs").value == [lazy[0], lazy[1]]
    warn = " ".join(w.value for w in at.warning)
    assert "deadbeef0000" in warn and len(at.warning) == 1
    assert at.query_params["runs"] == f"{lazy[0]},{lazy[1]}"  # the URL now holds ids only
    # one trace per run, legends readable: the differing settings and the seed
    names = [t["name"] for t in traces(at, "loss vs step")]
    assert names == ["width=16 · seed 0", "width=16 · seed 1"]


def test_smoothing_draws_raw_faintly_behind_the_ema(store, fifty):
    ids = fifty["lazy_training"][:2]
    at = app("runs", query={"runs": ",".join(ids), "smooth": "0.8"})
    data = traces(at, "loss vs step")
    assert len(data) == 4
    raw, smooth = data[0], data[1]
    assert raw["opacity"] == pytest.approx(0.25) and "opacity" not in smooth
    assert raw["line"]["color"] == smooth["line"]["color"]
    assert np.allclose(arr(smooth["y"]), compare.ema(arr(raw["y"]), 0.8))


def test_group_by_any_setting_with_smoothing_and_wall_time(store, fifty):
    at = app("runs", query={"runs": ",".join(fifty["lazy_training"]), "group": "width", "smooth": "0.6",
                            "x": "wall time"})
    data = traces(at, "loss vs wall time (s)")
    means = [t["name"] for t in data if "(mean of" in t["name"]]
    assert means == [f"width={w} (mean of 5)" for w in (16, 64, 256, 1024)]
    assert sum("(raw mean)" in t["name"] for t in data) == 4 and sum("±1 std" in t["name"] for t in data) == 4
    mean = next(t for t in data if t["name"].startswith("width=16 (mean"))
    assert arr(mean["x"])[-1] == pytest.approx(19 / 4)  # wall time, not step
    groups = table_with(at, "n")
    assert list(groups["n"]) == [5, 5, 5, 5]


def test_fifty_runs_summary_table_parallel_view_and_several_metrics(store, fifty):
    everything = [i for ids in fifty.values() for i in ids]
    at = app("runs", query={"runs": ",".join(everything), "metrics": ["loss", "train_acc"]})
    assert len(at.dataframe(key="runs_table").value) == 50
    assert {f["layout"]["title"]["text"] for f in figures(at)} >= {"loss vs step", "train_acc vs step"}
    summary = table_with(at, "loss · final")
    assert len(summary) == 50
    assert {"loss · final", "loss · min", "train_acc · final", "train_acc · max"} <= set(summary.columns)
    best = summary.set_index("run_id")["loss · min"]
    assert (best <= summary.set_index("run_id")["loss · final"]).all()
    par = next(f for f in figures(at) if f["data"][0]["type"] == "parcoords")
    assert [d["label"] for d in par["data"][0]["dimensions"]][-1] == "loss · final"
    # colours are per run and the same in every chart
    loss, acc = traces(at, "loss vs step"), traces(at, "train_acc vs step")
    assert [t["line"]["color"] for t in loss] == [t["line"]["color"] for t in acc]


def test_names_notes_and_hidden_runs(store, fifty):
    ids = fifty["edge_of_stability"][:3]
    at = app("runs", query={"runs": ",".join(ids)})
    assert at.session_state["_editor"][1] == ids  # the editor lists the selected runs
    # what the editor sends when a name is typed, notes written and a run un-ticked
    hidden, fields = runs_actions.changes({0: {"name": " sharp baseline ", "notes": "η = 0.02"},
                                           1: {"show": False}}, ids, [])
    assert hidden == [ids[1]] and fields == {ids[0]: {"name": "sharp baseline", "notes": "η = 0.02"}}
    assert runs_actions.changes({1: {"show": True}}, ids, hidden)[0] == []
    store.update(ids[0], None, **fields[ids[0]])
    at.run()
    assert traces(at, "loss vs step")[0]["name"] == "sharp baseline"  # the name is the legend label
    at2 = app("runs", query={"runs": ",".join(ids), "hide": ids[1]})
    assert len(traces(at2, "loss vs step")) == 2  # the hidden run is selected but not drawn
    assert at2.query_params["hide"] == ids[1]


@pytest.mark.plugins(QUADRATIC)
def test_delete_asks_for_confirmation_and_rerun_keeps_the_name(store):
    ids = [jobs.submit("quadratic", {"steps": 5, "seed": s}, store) for s in (0, 1)]
    for rid in ids:
        assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    store.update(ids[0], None, name="first")
    at = app("runs", query={"runs": ",".join(ids)})
    at.button(key="delete").click()
    at.run()
    assert len(store.runs()) == 2 and "cannot be undone" in " ".join(w.value for w in at.warning)
    at.button(key="runs_confirm_no").click()
    at.run()
    assert len(store.runs()) == 2 and not at.warning
    at.button(key="runs_rerun").click()
    at.run()
    assert jobs.wait(ids[0], store, timeout=GUARD_S)["status"] == "done"
    rec = store.get(ids[0])
    assert rec["attempt"] == 2 and rec["name"] == "first"  # trained again, name kept
    at.run()
    at.button(key="delete").click()
    at.run()
    at.button(key="runs_confirm_yes").click()
    at.run()
    assert store.runs() == []


@pytest.mark.plugins(QUADRATIC)
def test_cancel_from_the_list(store):
    rid = jobs.submit("quadratic", {"steps": 100_000, "sleep_ms": 2}, store)
    at = app("runs", query={"runs": rid})
    at.button(key="runs_cancel").click()
    at.run()
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "cancelled"


def test_exposed_dashboard_without_token_cannot_change_runs(store, fifty, monkeypatch):
    monkeypatch.setenv("LAB_HOST", "0.0.0.0")
    monkeypatch.setenv("LAB_TOKEN", "s3cret")
    ids = fifty["steady_learner"][:2]
    at = app("runs", query={"runs": ",".join(ids)})
    for key in ("delete", "runs_rerun", "runs_cancel"):
        assert at.button(key=key).disabled
    assert "Read-only" in " ".join(c.value for c in at.caption)
    assert len(traces(at, "loss vs epoch")) == 2  # reading and comparing still work (its page counts epochs)


def test_log_y_is_per_chart_and_six_runs_get_six_tableau_colours(store, fifty):
    """Issue 32: 'log y' applied to every chart including accuracy; six runs got hard-to-tell
    colours (purple, brown, crimson, pink)."""
    from plotly.colors import qualitative

    ids = fifty["lazy_training"][:3] + fifty["edge_of_stability"][:3]
    at = app("runs", query={"runs": ",".join(ids), "metrics": ["loss", "train_acc"], "log_y_loss": "true"})
    layouts = {f["layout"]["title"]["text"]: f["layout"] for f in figures(at)}
    assert layouts["loss vs step"]["yaxis"]["type"] == "log"
    assert layouts["train_acc vs step"]["yaxis"].get("type") != "log"
    colours = [t["line"]["color"] for t in traces(at, "train_acc vs step")]
    assert len(set(colours)) == 6 and set(colours) <= set(qualitative.D3)


def test_long_csv_label_is_the_legend_name_and_best_skips_undirected_metrics(store):
    from labcore.runs import export

    rid = put_run(store, "lazy_training", {"width": 16}, name="narrow net")
    other = put_run(store, "lazy_training", {"width": 64})
    frame = export.selection_long(store, [rid, other])
    assert set(frame.loc[frame.run_id == rid, "label"]) == {"narrow net"}
    readable = compare.readable_labels([store.get(rid), store.get(other)])[other]
    assert set(frame.loc[frame.run_id == other, "label"]) == {readable}
    # a quantity that starts at 0 and has no better direction gets a final value, no "best"
    store.append_rows(rid, [{"step": 20, "rel_change": 0.3}])
    table = compare.summary_table(export.selection_long(store, [rid]), ["loss", "rel_change"])
    assert "rel_change · final" in table and not any(c.startswith("rel_change · m") for c in table.columns)


def test_a_run_that_stopped_early_says_why_under_the_charts_and_in_its_details(store):
    """Steady learner's run ends at its target loss (meta.stopped_early, written by the
    Recorder): the Runs page names the run, the epoch and the reason, not only a short curve."""
    early = put_run(store, "steady_learner", {"freq": 0.5, "target_loss": 0.1}, name="to the target")
    store.update(early, None, meta={"stopped_early": {"step": 19, "of": 300,
                                                       "why": "training loss reached the target 0.1"}})
    full = put_run(store, "steady_learner", {"freq": 0.75})
    at = app("runs", query={"runs": f"{early},{full}"})
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert ("Ended early, by design: to the target: stopped at epoch 19 of 300: "
            "training loss reached the target 0.1.") in captions
    assert at.selectbox(key="detail").value == early
    assert [i.value.replace("\\", "") for i in at.info] == [
        "Stopped at epoch 19 of 300: training loss reached the target 0.1."]
    at.selectbox(key="detail").set_value(full).run()
    assert not at.info                       # the run that ran to the end says nothing


def test_the_runs_page_draws_a_metric_on_its_phenomenon_pages_axes(store):
    """Issue 44: random-feature runs were drawn against "step" on a linear axis where their page
    draws "random features N" on a log axis (the default; the toggle still overrides it)."""
    from labcore.phenomena.double_descent import RF

    rid = put_run(store, "double_descent", {"seed": 0})
    store.append_rows(rid, [{"step": n, "rf_test_error": 0.5 / (1 + abs(n - 400) / 100)} for n in (10, 100, 400, 4000)])
    at = app("runs", query={"runs": rid, "metrics": ["rf_test_error"]})
    layouts = {f["layout"]["title"]["text"]: f["layout"] for f in figures(at)}
    assert layouts[f"rf_test_error vs {RF}"]["xaxis"]["type"] == "log"
    at = app("runs", query={"runs": rid, "metrics": ["rf_test_error"], "log_x": "false"})
    layouts = {f["layout"]["title"]["text"]: f["layout"] for f in figures(at)}
    assert layouts[f"rf_test_error vs {RF}"]["xaxis"].get("type") != "log"


def test_the_share_link_carries_the_whole_view(store, fifty):
    """Issue 44: the link carried only run ids, so opened elsewhere it drew separate lines
    instead of the grouped mean ± std."""
    ids = fifty["lazy_training"]
    view = {"group": "width", "smooth": "0.6", "metrics": ["loss", "train_acc"], "log_y_loss": "true"}
    at = app("runs", query={"runs": ",".join(ids), **view})
    link = next(c.value for c in at.code if c.value.startswith("/runs?"))
    shared = urllib.parse.parse_qs(link.split("?", 1)[1])
    assert shared["runs"] == [",".join(ids)] and shared["group"] == ["width"] and shared["smooth"] == ["0.6"]
    assert shared["metrics"] == ["loss", "train_acc"] and shared["log_y_loss"] == ["true"]
    # opened in another session the link draws the same grouped charts
    again = app("runs", query={k: v if len(v) > 1 else v[0] for k, v in shared.items()})
    assert [t["name"] for t in traces(again, "loss vs step") if "(mean of" in t["name"]] == \
        [t["name"] for t in traces(at, "loss vs step") if "(mean of" in t["name"]]
    assert any("(mean of" in t["name"] for t in traces(again, "loss vs step"))
