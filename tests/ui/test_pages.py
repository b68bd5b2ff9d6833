"""Pages through streamlit.testing.v1.AppTest (plotly figures are in element.proto.spec)."""
import json
import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from labcore.engine import jobs
import pytest
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def app(page=None, query=None):
    at = AppTest.from_file(APP, default_timeout=GUARD_S)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        goto(at, page)
        at.run()
    assert not at.exception, at.exception
    return at


def goto(at, url_path):
    """Switch to the page at /<url_path>: a file page or a page generated from the registry."""
    hashes = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert hashes, f"no page at /{url_path}"
    at._page_hash = hashes[0]


def arr(value):
    """Plotly 7 ships arrays as {'dtype', 'bdata' (base64)}; plain lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def open_with(page, **values):
    """Open `page` and set widgets by key (select sliders, sliders, text, numbers)."""
    at = app(page)
    for key, value in values.items():
        for kind in ("select_slider", "slider", "text_input", "number_input"):
            found = [w for w in getattr(at, kind) if w.key == key]
            if found:
                found[0].set_value(value)
                break
        else:
            raise KeyError(key)
    at.run()
    assert not at.exception, at.exception
    return at


def train(experiment, configs, store):
    """Train every config through the job system and check each finished."""
    for cfg in configs:
        assert jobs.wait(jobs.submit(experiment, cfg, store), store, timeout=90)["status"] == "done"


def title(fig):
    """A figure's title as one line (long titles are wrapped with <br>)."""
    return fig["layout"]["title"]["text"].replace("<br>", " ")


def by_title(at):
    return {title(f): f for f in figures(at)}


def figures(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.mark.plugins(QUADRATIC)
def test_home_lists_phenomena_active_runs_device_and_store(store):
    rid = jobs.submit("quadratic", {"steps": 100_000, "sleep_ms": 2}, store)
    try:
        time.sleep(0.5)
        at = app()
        text = " ".join(m.value for m in at.markdown)
        assert "Lazy training vs width" in " ".join(s.value for s in at.subheader)
        assert "CPU cores" in text and str(store.dir) in text
        from labcore.core.registry import REGISTRY  # each card says in one sentence what it is
        cards = " ".join(m.value for m in at.markdown)
        assert all(exp.page.summary in cards for exp in REGISTRY.values() if exp.page.summary)
        assert any(rid in p.proto.text for p in at.get("progress"))
    finally:
        jobs.cancel(rid, store)
        jobs.wait(rid, store, timeout=10)


def test_lazy_page_form_run_and_live_charts(store):
    at = app("lazy_training")
    labels = [s.label for s in at.select_slider] + [s.label for s in at.selectbox]
    for name in ("width", "lr", "init", "parametrization", "steps"):
        assert any(lab.startswith(name) for lab in labels)
    assert "not run yet" in " ".join(m.value for m in at.markdown)
    at.select_slider(key="width").set_value(32)
    at.select_slider(key="steps").set_value(20)
    at.run()
    next(b for b in at.button if b.label == "Run").click()
    at.run()
    rid = jobs.run_id_for("lazy_training", {"width": 32, "steps": 20})
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    at.run()
    assert "1 done" in " ".join(m.value for m in at.markdown)
    figs = figures(at)
    by_title = {title(f): f for f in figs}
    assert len(figs) == 4 and "Training loss" in by_title
    loss = by_title["Training loss"]["data"][0]
    assert arr(loss["x"]) == [0, 5, 10, 15, 20] and arr(loss["y"])[-1] < arr(loss["y"])[0]
    assert by_title["Relative weight change ‖θ−θ₀‖/‖θ₀‖"]["layout"]["yaxis"]["type"] == "log"
    assert any("Download CSV" in d.proto.label for d in at.get("download_button"))


@pytest.mark.plugins(QUADRATIC)
def test_charts_are_drawn_from_submit_and_fill_with_the_first_rows(store):
    """Issue 32: a run shorter than its start-up (lazy training's default) drew nothing while it
    trained. The charts' frames are on the page from the moment the run is queued, and they
    carry the rows as soon as the first ones are stored, while the run still trains."""
    from labcore.charts.plots import WAITING
    from tests.waiting import eventually

    cfg = {"steps": 100_000, "sleep_ms": 2}
    rid = jobs.submit("quadratic", cfg, store, start=False)  # queued, no worker yet: no rows
    try:
        at = app("quadratic", query={k: str(v) for k, v in cfg.items()})
        figs = by_title(at)
        assert set(figs) == {"Loss", "Iterate"}
        for fig in figs.values():
            assert not fig["data"] and [a["text"] for a in fig["layout"]["annotations"]] == [WAITING]
        assert figs["Loss"]["layout"]["xaxis"]["title"]["text"] == "step"
        jobs.start_workers(store)
        assert eventually(lambda: store.read_rows(rid)[0])
        at.run()
        assert store.get(rid)["status"] == "running" and "1 running" in " ".join(m.value for m in at.markdown)
        loss = by_title(at)["Loss"]
        assert len(arr(loss["data"][0]["y"])) >= 1
        assert WAITING not in [a.get("text") for a in loss["layout"].get("annotations", ())]
    finally:
        jobs.cancel(rid, store)
        jobs.wait(rid, store, timeout=GUARD_S)


def test_seed_group_draws_mean_and_std_band(store):
    for seed in (0, 1):
        jobs.wait(jobs.submit("lazy_training", {"width": 16, "steps": 10, "seed": seed}, store), store, timeout=60)
    at = app("lazy_training", query={"width": "16", "steps": "10", "n_seeds": "2"})
    loss = next(f for f in figures(at) if title(f) == "Training loss")
    names = [t["name"] for t in loss["data"]]
    assert any("(mean)" in n for n in names) and any("±1 std" in n for n in names)


def test_out_of_range_url_value_names_parameter_and_range(store):
    at = app("lazy_training", query={"width": "1"})
    errors = " ".join(e.value for e in at.error).replace("\\", "")  # Markdown escapes removed
    assert "width=1 is out of range; allowed: 2..100000" in errors
    assert at.select_slider(key="width").value == 256  # the default is used, nothing else is lost


def test_teacher_student_page_draws_layers_and_artifacts(store):
    cfg = {"teacher": "10-15", "d_output": 20, "node_multi": 2, "steps": 100, "eval_every": 50}
    train("teacher_student", [cfg], store)
    figs = by_title(open_with("teacher_student", **cfg))
    corr = figs["Mean best correlation per teacher node, by layer"]
    assert [t["name"] for t in corr["data"]] == ["corr_l1_mean", "corr_l2_mean"]
    assert "Layer 1: teacher node × student node correlation (step 100)" in figs  # the latest snapshot
    luck = next(f for t, f in figs.items() if t.startswith("Luck: rank at init"))
    fan = next(f for t, f in figs.items() if t.startswith("Layer 1: fan-out norm"))
    assert len(arr(fan["data"][0]["y"])) == 20
    # both bar charts name their x axis, and rank 0 (already the best at init) is drawn
    assert luck["layout"]["xaxis"]["title"]["text"] == "teacher node"
    assert fan["layout"]["xaxis"]["title"]["text"] == "student node"
    ranks = arr(luck["data"][0]["y"])
    zeros = [x for x, r in zip(arr(luck["data"][0]["x"]), ranks) if r == 0]
    assert zeros, ranks  # with 2 students per teacher node some best student was already best
    assert arr(luck["data"][1]["x"]) == zeros and set(luck["data"][1]["text"]) == {"0"}


def test_steady_learner_page_sweeps_frequency_with_seed_bands(store):
    small = {"n_samples": 20, "epochs": 5, "grid": 10}
    train("steady_learner", [{**small, "freq": f, "seed": s} for f in (0.25, 0.5, 0.75, 1.0) for s in (0, 1)], store)
    at = open_with("steady_learner", **small, n_seeds=2)
    figs = by_title(at)
    sweep = figs["final traj_len_total vs freq"]
    assert arr(sweep["data"][0]["x"]) == [0.25, 0.5, 0.75, 1.0]
    assert "array" in sweep["data"][0]["error_y"]  # std over the 2 seeds
    assert "final dist_init vs freq" in figs and "final bias_var_total vs freq" in figs
    assert any(t.startswith("Activation regions over") for t in figs)
    assert at.radio(key="sweep_axis").options == ["freq", "corruption"]
    boxes = next(f for t, f in figs.items() if t.startswith("Bias variance over the last"))
    assert [b["name"] for b in boxes["data"]] == ["freq=0.25", "freq=0.5", "freq=0.75", "freq=1.0"]


def test_feature_diversity_page_shows_variants_side_by_side_and_layer_heatmap(store):
    small = {"steps": 20, "eval_every": 10, "n_train": 100, "n_test": 50}
    variants = [{"init": "constant", "breaker": "none"}, {"init": "constant", "breaker": "dropout"},
                {"init": "constant", "breaker": "noise"}, {"init": "random", "breaker": "none"}]
    train("feature_diversity", [{**small, **v} for v in variants], store)
    at = open_with("feature_diversity", **small)
    figs = by_title(at)
    # one status line for the run and its variants (the run is one of them), not a second one
    # with another percentage under "Side by side"
    status = [m.value for m in at.markdown if m.value.startswith("**Status")]
    assert status == ["**Status (run and variants):** 4 done"], status
    assert not any(c.value.startswith("4 done") for c in at.caption), [c.value for c in at.caption]
    side = figs["test_acc: variants"]
    assert [t["name"] for t in side["data"]] == ["ConstNet, deterministic", "ConstNet + dropout",
                                                 "ConstNet + gradient noise", "random init"]
    heat = figs["feat_corr per layer over time"]
    assert heat["data"][0]["type"] == "heatmap"
    assert len(arr(heat["data"][0]["y"])) == 7  # stem + 6 convs


def test_preconditioner_page_draws_both_methods_and_init_bars(store):
    small = {"steps": 20, "eval_every": 10, "n_train": 100, "n_test": 50}
    train("preconditioner", [{**small, "method": m} for m in ("default", "static")], store)
    at = open_with("preconditioner", **small)
    figs = by_title(at)
    assert [t["name"] for t in figs["loss_smooth: variants"]["data"]] == ["default", "static"]
    bars = figs["Gradient std at each layer's output, at init"]
    assert [t["name"] for t in bars["data"]] == ["default", "static"]
    assert bars["layout"]["yaxis"]["type"] == "log"
    # the per-layer bars are drawn once (the artifact view shows both methods), not twice
    titles = [title(f) for f in figures(at)]
    assert titles.count("Gradient std at each layer's output, at init") == 1
    assert titles.count("Activation std per layer, at init") == 1


def test_the_first_page_imports_no_torch(store):
    """The dashboard's first page (Home) renders without loading torch in the server."""
    import subprocess
    import sys

    code = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
            f"at = AppTest.from_file({APP!r}, default_timeout={GUARD_S})\nat.run()\n"
            "assert not at.exception, at.exception\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.plugins(QUADRATIC)
def test_a_plugin_phenomenon_gets_its_page_from_the_registry(store):
    """The test plugin (tests/plugins/quadratic.py, nothing else) appears as a page with its charts."""
    train("quadratic", [{"steps": 5}], store)
    at = app("quadratic", query={"steps": "5"})
    assert "GD on a quadratic (test plugin)" in [t.value for t in at.title]
    figs = by_title(at)
    assert "Loss" in figs and "Iterate" in figs
    shapes = figs["Loss"]["layout"].get("shapes", [])
    assert [s["y0"] for s in shapes] == [0.5]  # the reference line declared in the PageSpec
    assert any(c.value.replace("\\", "") == "Starts at ½λ and falls by (1 − lr·λ)² per step."
               for c in at.caption)  # the chart's note, escaped as text


# --- issue 19: presets, status and ETA, chart readability, sweeps, feedback ------------------------------


def widget_values(at):
    kinds = ("select_slider", "slider", "selectbox", "text_input", "number_input", "checkbox")
    return {w.key: w.value for kind in kinds for w in getattr(at, kind)}


def test_every_preset_reaches_the_widgets_and_the_url(store):
    """A preset's values (also those off a log slider's 1-2-5 grid, e.g. epochs=60) become the
    widgets' values and the URL's, over the defaults, whatever was set before."""
    from labcore.core.params import format_value, specs
    from labcore.core.registry import REGISTRY

    for name, exp in REGISTRY.items():
        defaults = {s.name: s.default for s in specs(exp.config)}
        at = app(name, query={"seed": "7"})  # something set before: the preset replaces it
        for i, (label, values) in enumerate(exp.page.presets.items()):
            if i:  # the seed set again, and the previous preset's values: this one replaces both
                seed = next(w for kind in ("number_input", "slider", "select_slider", "text_input")
                            for w in getattr(at, kind) if w.key == "seed")
                seed.set_value(7 if not isinstance(seed.value, str) else "7")
            at.button(key=f"preset_{i}").click()
            at.run()
            assert not at.exception, (name, label, at.exception)
            want = {k: format_value(v) if isinstance(v, tuple) else v for k, v in {**defaults, **values}.items()}
            got = widget_values(at)
            assert {k: got[k] for k in want} == want, (name, label)
            by_name = {s.name: s for s in specs(exp.config)}
            for key, value in values.items():
                if value != defaults[key]:  # defaults are left out of the URL
                    assert by_name[key].coerce(at.query_params[key]) == value, (name, label, key)
            assert "seed" not in values or at.query_params.get("seed") != "7"


def test_steady_learner_cnn_preset_trains_60_epochs_not_the_default_300(store):
    at = app("steady_learner")
    label = next(i for i, lab in enumerate(REGISTRY_presets("steady_learner")) if lab.startswith("cnn"))
    at.button(key=f"preset_{label}").click()
    at.run()
    assert at.select_slider(key="epochs").value == 60 and at.query_params["epochs"] == "60"
    # a link carrying that URL shows the same settings
    again = app("steady_learner", query=dict(at.query_params))
    assert again.select_slider(key="epochs").value == 60 and again.selectbox(key="mode").value == "cnn"


def REGISTRY_presets(name):
    from labcore.core.registry import REGISTRY

    return list(REGISTRY[name].page.presets)


@pytest.mark.plugins(QUADRATIC)
def test_run_on_a_cached_config_says_it_shows_the_stored_run(store):
    train("quadratic", [{"steps": 5}], store)
    at = app("quadratic", query={"steps": "5"})
    next(b for b in at.button if b.label == "Run").click()
    at.run()
    assert any("Already computed: showing the stored run" in i.value for i in at.info)
    assert [r["attempt"] for r in store.runs()] == [1]  # nothing trained again


@pytest.mark.plugins(QUADRATIC)
def test_failed_run_error_list_is_shown_as_one_line(store):
    rid = jobs.run_id_for("quadratic", {"steps": 7})
    store.create(rid, "quadratic", {"lr": 0.1, "curvature": 1.0, "steps": 7, "sleep_ms": 0.0, "crash_at": -1,
                                    "seed": 0}, {"steps": 7})
    store.update(rid, status="failed", progress=0.4, error=["RuntimeError: boom", "RuntimeError: boom"])
    at = app("quadratic", query={"steps": "7"})
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any(e.endswith("failed: RuntimeError: boom") for e in errors), errors
    assert not any("['" in e for e in errors)
    status = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "1 failed (at 40%)" in status and "100%" not in status


@pytest.mark.plugins(QUADRATIC)
def test_multi_seed_status_and_legend_count_the_seeds_actually_there(store):
    train("quadratic", [{"steps": 5, "seed": 0}], store)
    at = app("quadratic", query={"steps": "5", "n_seeds": "3"})
    status = " ".join(m.value for m in at.markdown)
    assert "1 done, 2 not started" in status and "100%" not in status
    loss = by_title(at)["Loss"]
    assert [t["name"] for t in loss["data"] if t.get("showlegend", True)] == ["1 of 3 seeds (mean)"]


@pytest.mark.plugins(QUADRATIC)
def test_single_run_shows_no_sweep_chart_and_charts_hover_together(store):
    train("quadratic", [{"steps": 5}], store)
    at = app("quadratic", query={"steps": "5"})
    figs = by_title(at)
    assert not any(t.startswith("final loss vs") for t in figs)  # one finished point is not a sweep
    assert "Sweep over lr" not in [s.value for s in at.subheader]
    loss = figs["Loss"]
    assert loss["layout"]["hovermode"] == "x unified" and loss["layout"]["xaxis"]["showspikes"] is True
    # log axis: labelled ticks, not Plotly's bare digits; the title sits below the toolbar strip
    y = loss["layout"]["yaxis"]
    assert y["type"] == "log" and (y.get("dtick") == 1 or all(t for t in y.get("ticktext", [None])))
    assert loss["layout"]["title"]["pad"]["t"] >= 28 and loss["layout"]["margin"]["t"] > 28
    train("quadratic", [{"steps": 5, "lr": 1.0}], store)
    at.run()
    assert "final loss vs lr" in by_title(at)  # two finished points: the sweep appears


def test_categorical_sweep_is_bars_in_declared_order_from_zero(store):
    small = {"steps": 20, "eval_every": 10, "n_train": 100, "n_test": 50}
    train("preconditioner", [{**small, "method": m} for m in ("static", "default")], store)
    at = open_with("preconditioner", **small)
    sweep = next(f for t, f in by_title(at).items() if t.startswith("final") and "vs method" in t)
    bar = sweep["data"][0]
    assert bar["type"] == "bar" and list(bar["x"]) == ["default", "static"]  # declared, not alphabetical by luck
    assert sweep["layout"]["yaxis"]["rangemode"] == "tozero"


def test_steady_learner_counts_epochs_and_maps_regions_in_x1_x2(store):
    small = {"n_samples": 20, "epochs": 5, "grid": 10}
    train("steady_learner", [small], store)
    figs = by_title(open_with("steady_learner", **small))
    assert figs["Cumulative trajectory length"]["layout"]["xaxis"]["title"]["text"] == "epoch"
    regions = next(f for t, f in figs.items() if t.startswith("Activation regions over"))
    assert regions["layout"]["xaxis"]["title"]["text"] == "x₁"
    assert regions["layout"]["yaxis"]["title"]["text"] == "x₂"
    assert arr(regions["data"][0]["x"])[0] == -1.0 and arr(regions["data"][0]["x"])[-1] == 1.0


def test_steady_learner_says_why_a_run_stopped_before_its_last_epoch(store):
    small = {"n_samples": 20, "epochs": 300, "grid": 10, "target_loss": 0.1}
    train("steady_learner", [small], store)
    rec = store.get(jobs.run_id_for("steady_learner", small))
    stop = rec["meta"]["stopped_early"]
    assert 0 < stop["step"] < 300 and stop["of"] == 300
    frame = store.metrics(rec["id"])
    assert frame["step"].max() == stop["step"] and frame["loss"].iloc[-1] < 0.1 <= frame["loss"].iloc[-2]
    at = open_with("steady_learner", **small)
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert f"Stopped at epoch {stop['step']} of 300: training loss reached the target 0.1." in captions


@pytest.mark.plugins(QUADRATIC)
def test_home_queue_cards_name_the_phenomenon_and_settings(store):
    rid = jobs.submit("quadratic", {"steps": 100_000, "sleep_ms": 2, "lr": 0.01}, store)
    try:
        at = app()
        text = " ".join(m.value for m in at.markdown).replace("\\", "")
        assert "GD on a quadratic (test plugin)" in text and "lr=0.01, sleep_ms=2.0, steps=100000" in text
        assert not any("{'" in m.value for m in at.markdown)  # no raw dicts
    finally:
        jobs.cancel(rid, store)
        jobs.wait(rid, store, timeout=10)


def test_the_variants_status_has_an_eta_from_the_running_arm_and_the_queued_ones(store):
    """Issue 32: the side-by-side variants said "ETA estimating…" for their whole run. One arm
    half done at 1/30 per second (15 s left), three of its size queued (30 s each after a warm
    start-up): the page's one status line (run and variants, issue 32 item 5) gives their ETA."""
    import dataclasses
    import os

    from labcore.core.params import non_default, to_dict
    from labcore.core.registry import get
    from labcore.runs import pace

    exp = get("feature_diversity")
    now = time.time()
    for i, over in enumerate(exp.page.arms.variants.values()):
        cfg = dataclasses.replace(exp.config(), **over)
        rid = jobs.run_id_for(exp.name, cfg)
        store.create(rid, exp.name, to_dict(cfg), non_default(cfg))
        if i == 0:
            store.update(rid, status="running", progress=0.5, started=now - 20.0, moved=now - 15.0,
                         heartbeat=now, pid=os.getpid())
    at = app("feature_diversity")
    left = 15.0 + 3 * (pace.WARM_STARTUP_S + 30.0)
    from labcore.runs.analysis import duration

    lines = [m.value for m in at.markdown if m.value.startswith("**Status")]
    # the ETA comes from the records alone (their heartbeat is its clock, not the page's), so it
    # is exact up to float sums: 106.5 s sits on a rounding edge and shows as 1 min 46 or 47 s
    head = "**Status (run and variants):** 1 running, 3 queued · 12% · ETA "
    assert len(lines) == 1 and lines[0].startswith(head), lines
    minutes, seconds = re.fullmatch(r"(\d+) min (\d+) s", lines[0][len(head):]).groups()
    assert abs(60 * int(minutes) + int(seconds) - left) <= 0.5, (lines, duration(left))


def test_mode_connectivity_page_draws_paths_landscape_and_spectrum(store):
    cfg = {"width": 8, "depth": 2, "dataset": "digits", "n_train": 200, "n_test": 100,
           "steps": 20, "spawn_steps": (0, 5), "points": 5, "plane_points": 3, "hessian_examples": 50,
           "slq_steps": 10, "slq_vectors": 1, "hutchinson": 4}
    train("mode_connectivity", [cfg], store)
    query = {k: "-".join(map(str, v)) if isinstance(v, tuple) else str(v) for k, v in cfg.items()}
    figs = by_title(app("mode_connectivity", query=query))
    barrier = figs["Error barrier on the linear path vs spawn step k"]
    assert [arr(t["x"]) for t in barrier["data"][:1]] == [[0, 5]]
    path = figs["Test error along the path θa → θb"]
    assert sorted(t["name"] for t in path["data"]) == ["k = 0", "k = 5"]
    assert len(arr(path["data"][0]["x"])) == 5
    assert "Hessian spectral density (SLQ)" in figs
    assert any(t.startswith("log₁₀ training loss on a plane") for t in figs)
