"""What a class sees (issue 44): a page keeps this session's earlier runs faintly on its charts
behind the latest, labelled by what differs, until cleared; the status line counts the runs
this session started from a claim's Train button while they queue and train."""
import re

from labcore.engine import jobs
from tests.ui.test_pages import app, figures
import pytest
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def _run(at, store, **values):
    at.select_slider(key="lr").set_value(values["lr"])
    at.run()
    next(b for b in at.button if b.label == "Run").click()
    at.run()
    rid = jobs.run_id_for("quadratic", {"steps": 5, "lr": float(values["lr"])})
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    at.run()
    return rid


def _loss_traces(at):
    loss = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Loss"))
    return {t["name"]: t for t in loss["data"] if t.get("mode", "").startswith("lines")}


def test_earlier_runs_stay_faint_behind_the_latest_until_cleared(store):
    at = app("quadratic", query={"steps": "5"})
    _run(at, store, lr="0.1")
    assert not any(n.startswith("earlier") for n in _loss_traces(at))
    _run(at, store, lr="0.2")
    traces = _loss_traces(at)
    faint = traces["earlier: lr=0.1"]
    assert faint["opacity"] == 0.35 and faint["line"]["dash"] == "dot"
    latest = [t for n, t in traces.items() if not n.startswith("earlier")]
    assert latest and all(t["line"]["width"] == 3 for t in latest)
    next(b for b in at.button if b.label.startswith("Clear the 1 earlier setting")).click()
    at.run()
    assert not any(n.startswith("earlier") for n in _loss_traces(at))


def test_the_status_line_counts_the_runs_a_claims_train_button_started(store):
    # the sweep claim needs lr 0.1 and 0.5; the page's own run is lr 0.1 only
    at = app("quadratic", query={"steps": "5", "sleep_ms": "200"})
    train = next(b for b in at.button if b.label == "Train 2")
    train.click()
    at.run()
    status = next(m.value for m in at.markdown if m.value.startswith("**Status"))
    assert "(run and 1 more you started)" in status and ("queued" in status or "running" in status)
    counts = re.findall(r"(\d+) (done|queued|running)", status)
    assert sum(int(n) for n, _ in counts) == 2                          # both runs counted


def test_a_chart_whose_metric_is_not_measured_yet_keeps_its_frame_while_the_run_is_live(store):
    """Information bottleneck logs its loss before its first I(X;T): the two information charts
    were a blank band while the run was live. They keep their waiting frames in place; once the
    run has finished, a chart with nothing measured is left out."""
    from tests.ui.test_runs_page import put_run

    put_run(store, "information_bottleneck", {"seed": 0}, status="running")
    at = app("information_bottleneck")
    titles = [f["layout"]["title"]["text"].replace("<br>", " ") for f in figures(at)]
    waiting = [f["layout"]["title"]["text"].replace("<br>", " ") for f in figures(at)
               if any("waiting" in a.get("text", "") for a in f["layout"].get("annotations", []))]
    assert titles[:4] == [c.title for c in at_charts("information_bottleneck")]
    assert waiting == titles[:2]                          # I(X;T) and I(T;Y): frames, not a gap
    put_run(store, "information_bottleneck", {"seed": 0}, status="done")
    at = app("information_bottleneck")
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert "Loss (cross-entropy)" in titles and not any(t.startswith("I(X;T)") for t in titles)


def at_charts(name):
    from labcore.core.registry import REGISTRY

    return REGISTRY[name].page.charts
