"""The claims framework: runs_for (settings, sweeps, variants, seeds), declaration checks, the
shared `final` wrapper (waits for runs), evaluate's rules shared by every
view (a diverged run is named and fails the claim, missing evidence is "needs N seeds", never
✗), `per_run` ("holds on k of n seeds"), and judging claims from a store and from a selection
(runs/verdicts)."""
import pandas as pd
import pytest

from labcore.core.claims import (FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, Claim, Evidence, Verdict, evaluate,
                                 runs_for)
from labcore.core.judging import MISSING, by_value, final, per_run, rank_corr, slope
from tests.plugins import QUADRATIC
from tests.plugins.quadratic import EXPERIMENT as QUAD
from tests.waiting import GUARD_S


def ok(ev):
    return Verdict(HOLDS, f"{ev.n_runs()} runs")


def test_runs_for_applies_settings_then_sweep_values_or_variants_times_seeds():
    base = QUAD.config(seed=5)
    c = Claim("k", "s", "p", "src", ("loss",), ok, scope="sweep", axis="lr", values=(0.1, 0.5), seeds=2,
              settings={"steps": 7})
    got = [(cfg.lr, cfg.seed, cfg.steps) for cfg in runs_for(c, base)]
    assert got == [(0.1, 5, 7), (0.1, 6, 7), (0.5, 5, 7), (0.5, 6, 7)]
    v = Claim("v", "s", "p", "src", ("loss",), ok, scope="sweep",
              variants=({"lr": 0.2, "curvature": 2.0}, {"lr": 0.3}))
    assert [(cfg.lr, cfg.curvature) for cfg in runs_for(v, base)] == [(0.2, 2.0), (0.3, 1.0)]
    assert [cfg.seed for cfg in runs_for(Claim("r", "s", "p", "src", ("loss",), ok, seeds=3), base)] == [5, 6, 7]


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="sweep claim needs"):
        Claim("k", "s", "p", "src", ("loss",), ok, scope="sweep", axis="lr", values=(0.1,))
    with pytest.raises(ValueError, match="must say why"):
        Claim("k", "s", "p", "src", ("loss",), ok, expected=False)
    with pytest.raises(ValueError, match="claim keys must be unique"):
        import dataclasses

        dataclasses.replace(QUAD, claims=(QUAD.claims[0], QUAD.claims[0]))


def frame(*runs):
    return pd.DataFrame([{"run_id": rid, "cfg_lr": lr, "step": s, "loss": v}
                         for rid, lr, values in runs for s, v in enumerate(values)])


def test_final_waits_for_every_run_then_judges():
    claim = Claim("k", "s", "p", "src", ("loss",), final(ok), scope="seeds", seeds=2)
    f = frame(("a", 0.1, [1, 0.5]), ("b", 0.1, [1, 0.4]))
    assert evaluate(claim, Evidence(f, {"a": "done", "b": "done"})) == Verdict(HOLDS, "2 runs")
    waiting = evaluate(claim, Evidence(f, {"a": "done", "b": "running"}))
    assert waiting == Verdict(NOT_YET, "1 of 2 runs done; so far 2 runs")
    # a diverged run never reaches the judge: evaluate fails the claim by name first
    assert evaluate(claim, Evidence(f, {"a": "done", "b": "diverged"})).measured == "1 of 2 runs diverged: b"


def test_evaluate_names_a_diverged_run_and_fails_the_claim_on_the_rest():
    c = Claim("k", "s", "p", "src", ("loss",), final(ok), scope="seeds", seeds=3)
    f = frame(("a", 0.1, [1, 0.5]), ("b", 0.1, [1, 0.4]), ("c", 0.1, [float("nan")]))
    ev = Evidence(f, {"a": "done", "b": "done", "c": "diverged"},
                  about={"c": "freq 0.75 seed 2: loss became nan at step 0"})
    got = evaluate(c, ev)
    assert got.status == FAILS
    assert got.measured == "1 of 3 runs diverged: freq 0.75 seed 2: loss became nan at step 0"
    # even while the others still train, and also for a failed run without a description
    assert evaluate(c, Evidence(f, {"a": "running", "b": "queued", "c": "failed"})).measured == "1 of 3 runs failed: c"
    # a claim about divergence itself reads diverged runs through its own judge
    about = Claim("d", "s", "p", "src", ("loss",), ok, diverging=True)
    assert evaluate(about, ev) == Verdict(HOLDS, "3 runs")


def test_missing_evidence_is_needs_seeds_never_fails():
    def strict(ev):  # a judge that would fail on too few seeds
        return Verdict(HOLDS if ev.n_runs() >= 3 else FAILS, f"{ev.n_runs()} seeds judged")
    c = Claim("k", "s", "p", "src", ("loss",), strict, scope="seeds", seeds=3, needs="press N seeds (3)")
    f = frame(("a", 0.1, [1, 0.5]))
    one = evaluate(c, Evidence(f, {"a": "done", "b": MISSING, "c": MISSING}))
    assert one == Verdict(NOT_YET, "needs 3 seeds (1 so far); press N seeds (3); so far: 1 seeds judged")
    training = evaluate(c, Evidence(f, {"a": "done", "b": "running", "c": MISSING}))
    assert training.status == NOT_YET and training.measured.startswith("needs 3 seeds (1 so far, 1 training)")
    again = evaluate(c, Evidence(f, {"a": "done", "b": "cancelled", "c": "done"}))
    assert again.status == NOT_YET and "1 cancelled or interrupted: train again" in again.measured
    sweep = Claim("w", "s", "p", "src", ("loss",), strict, scope="sweep", axis="lr", values=(0.1, 1.0))
    assert evaluate(sweep, Evidence(f, {"a": "done", "b": MISSING})).measured.startswith("needs 2 runs (1 so far)")


def test_per_run_says_on_how_many_seeds_a_claim_holds():
    f = frame(("a", 0.1, [1, 0.5]), ("b", 0.1, [1, 2.0]), ("c", 0.1, [1, 0.2])).assign(
        cfg_seed=lambda d: d["run_id"].map({"a": 0, "b": 1, "c": 2}))

    def falls(rid, rows):
        last = float(rows["loss"].iloc[-1])
        return (HOLDS if last < 1 else FAILS), f"loss {last:g}"
    got = per_run(Evidence(f, {}), falls)
    assert got == Verdict(FAILS, "holds on 2 of 3 seeds: seed 0: loss 0.5; seed 1: loss 2; seed 2: loss 0.2")
    two = per_run(Evidence(f[f["run_id"] != "b"], {}), falls)
    assert two.status == HOLDS and two.measured.startswith("holds on 2 of 2 seeds")
    waiting = per_run(Evidence(f, {}), lambda rid, rows: (NOT_YET, "running") if rid == "c" else falls(rid, rows))
    assert waiting.status == NOT_YET and waiting.measured.startswith("1 of 3 seeds hold so far")
    assert per_run(Evidence(f, {}), lambda rid, rows: (NOT_APPLICABLE, "-")).status == NOT_APPLICABLE


def test_evaluate_never_raises_and_says_not_yet_without_rows():
    def broken(ev):
        raise KeyError("x")
    c = Claim("k", "s", "p", "src", ("loss",), broken, needs="press Run")
    empty = pd.DataFrame(columns=["run_id", "step"])
    assert evaluate(c, Evidence(empty, {"a": MISSING})) == Verdict(NOT_YET, "not trained yet; press Run")
    assert evaluate(c, Evidence(empty, {"a": "queued"})) == Verdict(NOT_YET, "no rows yet (press Run)")
    f = frame(("a", 0.1, [1]))
    assert evaluate(c, Evidence(f, {"a": "running"})).status == NOT_YET
    assert evaluate(c, Evidence(f, {"a": "done"})).status == FAILS


def test_helpers_by_value_slope_rank():
    f = frame(("a", 0.1, [1, 4]), ("b", 0.1, [1, 2]), ("c", 1.0, [1, 0.3]))
    table = by_value(Evidence(f, {}), "lr", "loss")
    assert table["value"].tolist() == [0.1, 1.0] and table["mean"].tolist() == [3.0, 0.3]
    assert table["n"].tolist() == [2, 1]
    assert slope([1, 10, 100], [1, 0.1, 0.01]) == pytest.approx(-1.0)
    assert rank_corr([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.slow
def test_judging_from_a_store_reads_the_runs_a_claim_needs(store):
    from labcore.engine import jobs
    from labcore.runs.verdicts import concerned, judge

    claim = next(c for c in QUAD.claims if c.key == "faster_with_larger_lr")
    base = QUAD.config()
    before = judge(QUAD, claim, base, store)
    assert before.verdict.status == NOT_YET and len(before.missing) == 2
    ids = jobs.submit_many("quadratic", [cfg for cfg, _ in concerned(QUAD, claim, base)], store)
    for rid in ids:
        assert jobs.wait(rid, store, timeout=60)["status"] == "done"
    after = judge(QUAD, claim, base, store)
    assert after.verdict.status == HOLDS and after.missing == [] and not after.active
    assert "at lr 0.1" in after.verdict.measured


@pytest.mark.slow
@pytest.mark.plugins(QUADRATIC)
def test_a_selection_is_judged_on_the_runs_each_claim_needs_as_the_page_judges_them(store):
    from labcore.engine import jobs
    from labcore.runs.verdicts import concerned, judge, judge_selection

    claim = next(c for c in QUAD.claims if c.key == "faster_with_larger_lr")
    base = QUAD.config()
    ids = jobs.submit_many("quadratic", [cfg for cfg, _ in concerned(QUAD, claim, base)], store)
    recs = [jobs.wait(rid, store, timeout=GUARD_S) for rid in ids]
    assert all(r["status"] == "done" for r in recs)
    page = judge(QUAD, claim, base, store)
    runs_page = {j.claim.key: j for j in judge_selection(QUAD, recs, store.metrics)}
    assert runs_page[claim.key].verdict == page.verdict                 # same runs, same verdict
    half = {j.claim.key: j for j in judge_selection(QUAD, recs[:1], store.metrics)}
    assert half[claim.key].verdict.status == NOT_YET                   # one of the two: needs runs
    assert half[claim.key].verdict.measured.startswith("needs 2 runs (1 so far)")
