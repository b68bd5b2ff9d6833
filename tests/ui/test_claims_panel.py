"""The Claims panel through AppTest: verdicts judged on the stored runs, a button that trains
exactly the runs a claim still needs, and the Runs page judging the user's selection."""
from tests.ui.test_pages import app, train
import pytest
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def markdown(at):
    return "\n".join(m.value for m in at.markdown)


def test_claims_panel_renders_verdicts_and_offers_the_missing_runs(store):
    train("quadratic", [{"steps": 20}], store)  # the defaults: the run-scope claim can be judged
    at = app("quadratic")
    text = markdown(at)
    assert "**Claims** — ✓ 1 · … 1" in text
    assert "✓ **GD below 2/λ converges**" in text and "measured: loss × 0.0148" in text
    assert "… **A larger stable lr converges faster**" in text and "press Sweep lr \\(2 runs\\)" in text
    buttons = [b for b in at.button if b.key and b.key.startswith("claim_train_")]
    assert [b.label for b in buttons] == ["Train 1"]  # lr 0.1 is the run above; lr 0.5 is missing
    buttons[0].click()
    at.run()
    assert not at.exception
    from labcore.engine import jobs

    rid = jobs.run_id_for("quadratic", {"lr": 0.5})
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    at = app("quadratic")
    assert "**Claims** — ✓ 2" in markdown(at)


def test_a_setting_outside_the_regime_shows_not_applicable(store):
    # lr > 2/λ: grows 2.25x a step (57x in 5: under the 100x divergence rule)
    train("quadratic", [{"lr": 2.5, "steps": 5}], store)
    at = app("quadratic", query={"lr": "2.5", "steps": "5"})
    text = markdown(at)
    assert "✓ **GD below 2/λ converges**" not in text
    assert "✗ **GD below 2/λ converges**" in text or "– **GD below 2/λ converges**" in text


def test_runs_page_judges_the_selection(store):
    from labcore.engine import jobs

    train("quadratic", [{"lr": 0.1}, {"lr": 0.5}], store)
    ids = [jobs.run_id_for("quadratic", {"lr": v}) for v in (0.1, 0.5)]
    at = app("runs", query={"runs": ",".join(ids)})
    text = markdown(at)
    assert "**Claims of GD on a quadratic \\(test plugin\\)**, judged on the 2 selected runs" in text
    assert "✓ **A larger stable lr converges faster**" in text


def test_a_claim_line_says_which_runs_it_judged():
    """Issue 44: the claims panel says which runs it judged (not those still missing)."""
    from labcore.core.claims import MISSING, Verdict
    from labcore.core.registry import REGISTRY
    from labcore.runs.verdicts import Judged
    from labcore.ui.claims import line

    claim = REGISTRY["quadratic"].claims[1]
    j = Judged(claim, Verdict("not yet", "needs 2 runs (1 so far)"), ("aaa111", "bbb222"),
               {"aaa111": "done", "bbb222": MISSING})
    text = line(j)
    assert ":gray[judged on run aaa111]" in text and "bbb222" not in text
