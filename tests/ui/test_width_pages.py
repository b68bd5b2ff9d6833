"""The catapult and diagonal-net pages: their charts from trained runs, the sweep summaries
(catapult's with its diverged rates left out of the summary and named in its status), and the
lazy-training page's link to the diagonal-net page."""
import pytest

from tests.ui.test_pages import app, arr, by_title, train
from tests.waiting import GUARD_S

pytestmark = pytest.mark.slow  # trains through workers and renders pages (AppTest)


def test_catapult_page_draws_loss_eta_lambda_and_the_sweep_without_the_diverged_rate(store):
    small = {"width": 256, "n_train": 16, "steps": 30, "ntk_every": 5}
    train("catapult", [{**small, "lr_factor": c} for c in (0.5, 3.0)], store)
    from labcore.engine import jobs
    rid = jobs.submit("catapult", {**small, "lr_factor": 16.0}, store)
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "diverged"
    at = app("catapult", query={k: str(v) for k, v in small.items()})
    figs = by_title(at)
    assert "Training loss" in figs
    eta = next(f for t, f in figs.items() if t.startswith("η·λ"))
    assert arr(eta["data"][0]["y"])[0] == 3.0
    sweep = figs["final eta_lambda vs lr_factor"]
    assert arr(sweep["data"][0]["x"]) == [0.5, 3.0]  # the diverged rate 16 is not a point
    assert "final peak_ratio vs lr_factor" in figs
    assert "diverged" in " ".join(m.value for m in at.caption)
    assert not at.exception


def test_diagonal_net_page_draws_test_error_with_the_references(store):
    small = {"d": 20, "n_train": 8, "k": 2, "steps": 3000}
    train("diagonal_net", [small], store)
    at = app("diagonal_net", query={k: str(v) for k, v in small.items()})
    figs = by_title(at)
    err = next(f for t, f in figs.items() if t.startswith("Test error"))
    names = {trace.get("name") for trace in err["data"]}
    assert {"test_error", "ref_l1_error", "ref_l2_error"} <= names, names
    assert not at.exception


def test_the_lazy_training_page_links_the_diagonal_net_page(store):
    at = app("lazy_training")
    assert any("](diagonal_net)" in m.value for m in at.markdown)
