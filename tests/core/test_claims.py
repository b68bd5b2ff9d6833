"""The claims framework: runs_for (settings, sweeps, variants, seeds), declaration checks, the
shared `final` wrapper (fails on divergence, waits for runs, leaves diverged seeds out), and
judging claims from a store (runs/verdicts)."""
import pandas as pd
import pytest

from labcore.core.claims import FAILS, HOLDS, NOT_YET, Claim, Evidence, Verdict, evaluate, runs_for
from labcore.core.judging import MISSING, by_value, final, rank_corr, slope
from labcore.core.registry import REGISTRY

QUAD = REGISTRY["quadratic"]


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


def test_final_waits_fails_on_divergence_and_can_leave_diverged_seeds_out():
    judge = final(ok)
    f = frame(("a", 0.1, [1, 0.5]), ("b", 0.1, [1, 0.4]))
    assert judge(Evidence(f, {"a": "done", "b": "done"})).status == HOLDS
    waiting = judge(Evidence(f, {"a": "done", "b": "running"}))
    assert waiting.status == NOT_YET and "1 of 2 runs done; so far 2 runs" == waiting.measured
    missing = judge(Evidence(f, {"a": "done", "b": "done", "c": MISSING}))
    assert missing.status == NOT_YET and "1 not trained" in missing.measured
    assert judge(Evidence(f, {"a": "done", "b": "diverged"})).status == FAILS
    tolerant = final(ok, drop_diverged=True)(Evidence(f, {"a": "done", "b": "diverged"}))
    assert tolerant.status == HOLDS and tolerant.measured == "1 runs (1 diverged run left out)"


def test_evaluate_never_raises_and_says_not_yet_without_rows():
    def broken(ev):
        raise KeyError("x")
    c = Claim("k", "s", "p", "src", ("loss",), broken, needs="press Run")
    empty = pd.DataFrame(columns=["run_id", "step"])
    assert evaluate(c, Evidence(empty, {"a": MISSING})) == Verdict(NOT_YET, "no rows yet (press Run)")
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
