"""labcore.api: the notebook API returns the same rows as the CLI export, shares the store
with the dashboard, raises the lab's one-line errors, and exports TensorBoard / parquet /
figures that read back as what was plotted."""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from labcore import api
from labcore.core.params import ParamError
from labcore.core.run_states import UnknownRun
from tests.ui.browser import require_chromium
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin

ROOT = Path(__file__).resolve().parent.parent


def test_sweep_returns_handles_and_metrics_match_the_cli_export(store, tmp_path):
    runs = api.sweep("quadratic", seeds=[0, 1], lr=[0.1, 0.5], steps=6, progress=False, store=store)
    assert len(runs) == 4 and all(r.status == "done" for r in runs)
    assert [(r.config["lr"], r.config["seed"]) for r in runs] == [(0.1, 0), (0.1, 1), (0.5, 0), (0.5, 1)]
    long = api.metrics(runs, store=store)
    assert list(long.columns) == ["run", "phenomenon", "seed", "step", "metric", "value"]
    first = runs[0]
    res = subprocess.run([sys.executable, "-m", "labcore", "export", first.id, "--out", str(tmp_path / "x")],
                         cwd=ROOT, env={**__import__("os").environ, "LAB_CACHE_DIR": str(store.dir)},
                         capture_output=True, text=True, timeout=GUARD_S)
    assert res.returncode == 0, res.stderr
    csv = pd.read_csv(tmp_path / "x" / "metrics.csv")
    mine = long[long["run"] == first.id].pivot_table(index="step", columns="metric", values="value")
    assert list(mine.index) == list(csv["step"])
    for metric in ("loss", "x"):
        assert mine[metric].tolist() == pytest.approx(csv[metric].tolist(), rel=1e-12)
    # GD on ½x² with lr 0.1 multiplies x by 0.9 per step, from x0 = 1 + seed
    assert mine["x"].iloc[-1] == pytest.approx(0.9 ** 6)


def test_run_is_a_cache_hit_and_runs_frame_filters(store):
    a = api.run("quadratic", lr=0.2, steps=5, progress=False, store=store)
    created = a.record["created"]
    b = api.run("quadratic", lr=0.2, steps=5, progress=False, store=store)
    assert b.id == a.id and b.record["created"] == created  # the same stored run, not retrained
    api.run("quadratic", lr=0.3, steps=5, progress=False, store=store)
    table = api.runs("quadratic", status="done", store=store)
    assert len(table) == 2 and set(table["lr"]) == {0.2, 0.3}
    only = api.runs("quadratic", store=store, lr=0.3)
    assert len(only) == 1 and only["final_x"].iloc[0] == pytest.approx(0.7 ** 5)


def test_errors_are_one_line_exceptions_and_nothing_is_submitted(store):
    with pytest.raises(ParamError, match=r"^lr=0 is out of range; allowed: 1e-06..1e\+06$"):
        api.sweep("quadratic", lr=[0.1, 0.0], progress=False, store=store)
    assert store.runs() == []  # the valid first value was not submitted either
    with pytest.raises(LookupError, match="unknown experiment"):
        api.run("no_such_phenomenon", store=store)
    with pytest.raises(UnknownRun):
        api.metrics(["000000000000"], store=store)
    with pytest.raises(ParamError, match="seeds is empty"):
        api.sweep("quadratic", seeds=[], store=store)


def test_wait_false_returns_at_once_and_wait_finishes(store):
    h = api.run("quadratic", steps=40, sleep_ms=20.0, wait=False, store=store)
    assert h.status in ("queued", "running")
    assert h.wait(progress=False).status == "done"


def test_tensorboard_export_reads_back_as_the_csv(store, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = api.sweep("quadratic", seeds=[0, 1], steps=5, progress=False, store=store)
    out = api.export(runs, tmp_path / "tb", format="tensorboard", store=store)
    for r in runs:
        acc = EventAccumulator(str(out / r.id))
        acc.Reload()
        assert {"loss", "x"} <= set(acc.Tags()["scalars"])
        frame = r.metrics()
        got = [(e.step, e.value) for e in acc.Scalars("x")]
        assert [s for s, _ in got] == frame["step"].tolist()
        assert [v for _, v in got] == pytest.approx(frame["x"].tolist(), rel=1e-6)  # float32 events


def test_parquet_export_matches_the_long_frame(store, tmp_path):
    runs = api.sweep("quadratic", lr=[0.1, 0.3], steps=4, progress=False, store=store)
    out = api.export(runs, tmp_path / "pq", format="parquet", store=store)
    long = pd.read_parquet(out / "runs_long.parquet")
    assert sorted(long["run_id"].unique()) == sorted(r.id for r in runs)
    assert len(long) == 2 * 5 and set(pd.read_parquet(out / "runs.parquet")["run_id"]) == {r.id for r in runs}


@pytest.mark.slow
def test_figure_has_seed_bands_and_escapes_names(store):
    runs = api.sweep("quadratic", seeds=[0, 1, 2], steps=5, progress=False, store=store)
    fig = api.figure(runs, "x")
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert len(names) == 1 and "(mean)" in names[0]  # three seeds of one setting: one band
    mean = [t for t in fig.data if t.name == names[0]][0]
    assert list(mean.y)[0] == pytest.approx((1 + 2 + 3) / 3)  # x0 = 1 + seed
    with pytest.raises(ParamError, match="metric 'nope'"):
        api.figure(runs, "nope", store=store)


@pytest.mark.slow
def test_svg_export_contains_the_plotted_series(store, tmp_path):
    require_chromium("static export drives Debian's chromium")
    runs = api.sweep("quadratic", lr=[0.1, 0.5], steps=5, progress=False, store=store)
    path = api.save_figure(api.figure(runs, "loss", log_y=True, store=store), tmp_path / "loss.svg", width=500)
    svg = path.read_text()
    assert svg.startswith("<svg") and 'width="500"' in svg
    assert svg.count('class="trace scatter') >= 2 and "lr=0.5" in svg  # both runs, legend entries


def test_save_figure_tries_again_after_kaleidos_page_load_race_and_only_then(tmp_path, monkeypatch):
    import plotly.graph_objects as go

    class JavascriptError(Exception):  # kaleido's class, by name (it lives in a private module)
        pass

    calls = []

    def flaky(self, **kw):
        calls.append(kw)
        if len(calls) < 3:
            raise JavascriptError("ReferenceError: kaleido_scopes is not defined")
        return b"<svg/>"

    monkeypatch.setattr(go.Figure, "to_image", flaky)
    assert api.save_figure(go.Figure(), tmp_path / "f.svg").read_bytes() == b"<svg/>"
    assert len(calls) == 3 == api.EXPORT_TRIES
    calls.clear()
    monkeypatch.setattr(api, "EXPORT_TRIES", 2)
    with pytest.raises(JavascriptError):  # still failing on the last try: the error is the user's
        api.save_figure(go.Figure(), tmp_path / "g.svg")
    monkeypatch.setattr(go.Figure, "to_image", lambda self, **kw: calls.append(kw) or 1 / 0)
    with pytest.raises(ZeroDivisionError):  # any other error: at once, not tried again
        api.save_figure(go.Figure(), tmp_path / "h.svg")
    assert len(calls) == 3 and not (tmp_path / "g.svg").exists()


@pytest.mark.slow
def test_api_runs_show_on_the_runs_page_and_dashboard_runs_in_the_api(store):
    from tests.ui.test_pages import app, figures

    h = api.run("quadratic", lr=0.4, steps=6, progress=False, store=store)
    at = app("runs", query={"runs": h.id})
    assert at.multiselect(key="runs").value == [h.id]
    loss = next(f for f in figures(at) if f["layout"]["title"]["text"] == "loss vs step")
    assert len(loss["data"]) == 1
    # the other way: a run started with the page's Run button is in the API's frame
    page = app("quadratic", query={"steps": "7"})
    next(b for b in page.button if b.label == "Run").click()
    page.run()
    table = api.runs("quadratic", store=store, steps=7)
    assert len(table) == 1
    handle = api.Run(table["id"].iloc[0], store)
    assert handle.wait(progress=False).status == "done" and len(handle.metrics()) == 8


@pytest.mark.slow
def test_claims_are_judged_on_the_given_runs(store):
    runs = api.sweep("quadratic", lr=[0.1, 0.5], steps=20, progress=False, store=store)
    table = api.claims(runs, store=store).set_index("claim")
    assert list(table.index) == ["converges", "faster_with_larger_lr"]
    assert (table["verdict"] == "holds").all() and (table["phenomenon"] == "quadratic").all()
    slow_only = api.claims(runs[:1], store=store).set_index("claim")  # one lr: no sweep to compare
    assert slow_only.loc["faster_with_larger_lr", "verdict"] != "holds"
