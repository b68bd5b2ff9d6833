"""One meaning per verdict (DESIGN.md §2), on every registered phenomenon: a claim that needs
several runs, judged on the first of them alone, says "needs N ..." and is never ✗; a diverged
run among its runs is named and fails it; and the page's judge, the Runs page's, `api.claims`
and `check` give the same verdict on the same runs."""
import dataclasses

import pandas as pd
import pytest

from labcore.core.claims import FAILS, MISSING, NOT_YET, Evidence, evaluate, runs_for
from labcore.core.registry import REGISTRY
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

CLAIMS = [(name, claim) for name, exp in sorted(REGISTRY.items()) for claim in exp.claims]
# the claims that need several runs (one trained, the rest can be missing) and those a diverged
# run fails (a claim about divergence itself reads diverged runs: Claim.diverging)
SEVERAL = [(n, c) for n, c in CLAIMS if len(runs_for(c, REGISTRY[n].config())) > 1]
FAILABLE = [(n, c) for n, c in CLAIMS if not c.diverging]


def _frame(cfgs, ids):
    """A row at step 0 of each run, with the run's settings as cfg_ columns and no metric."""
    return pd.DataFrame([{"run_id": rid, "step": 0, **{f"cfg_{k}": v for k, v in dataclasses.asdict(cfg).items()}}
                         for cfg, rid in zip(cfgs, ids)])


@pytest.mark.parametrize("name,claim", SEVERAL, ids=[f"{n}.{c.key}" for n, c in SEVERAL])
def test_one_run_of_several_is_needs_runs_never_fails(name, claim):
    cfgs = runs_for(claim, REGISTRY[name].config())
    ids = [f"r{i}" for i in range(len(cfgs))]
    statuses = {rid: ("done" if i == 0 else MISSING) for i, rid in enumerate(ids)}
    got = evaluate(claim, Evidence(_frame(cfgs[:1], ids[:1]), statuses, REGISTRY[name].config()))
    assert got.status == NOT_YET
    unit = "seeds" if claim.scope != "sweep" else "runs"
    assert got.measured.startswith(f"needs {len(cfgs)} {unit} (1 so far)")


@pytest.mark.parametrize("name,claim", FAILABLE, ids=[f"{n}.{c.key}" for n, c in FAILABLE])
def test_a_diverged_run_in_the_evidence_is_named_and_fails_the_claim(name, claim):
    cfgs = runs_for(claim, REGISTRY[name].config())
    ids = [f"r{i}" for i in range(len(cfgs))]
    statuses = {rid: ("diverged" if i == len(ids) - 1 else "done") for i, rid in enumerate(ids)}
    got = evaluate(claim, Evidence(_frame(cfgs, ids), statuses, REGISTRY[name].config(),
                                   about={ids[-1]: "seed 9: loss became nan at step 0"}))
    assert got.status == FAILS
    runs = f"run{'s' if len(ids) > 1 else ''}"
    assert got.measured == f"1 of {len(ids)} {runs} diverged: seed 9: loss became nan at step 0"


@pytest.mark.slow
@pytest.mark.plugins(QUADRATIC)
def test_the_page_the_runs_page_the_api_and_check_agree_on_the_same_runs(store, tmp_path):
    from labcore import api
    from labcore.check import run_check
    from labcore.engine import jobs
    from labcore.runs.verdicts import concerned, judge, judge_selection
    from labcore.ui.reader import RunData

    exp = REGISTRY["quadratic"]
    base = exp.config()
    cfgs = {rid: cfg for c in exp.claims for cfg, rid in concerned(exp, c, base)}
    # one run first: the sweep claim needs its second run in every view
    first = jobs.submit_many("quadratic", [next(iter(cfgs.values()))], store)
    assert jobs.wait(first[0], store, timeout=GUARD_S)["status"] == "done"
    data = RunData(store, exp.name)
    page = {c.key: judge(exp, c, base, data, data.frame).verdict for c in exp.claims}
    runs_page = {j.claim.key: j.verdict for j in judge_selection(exp, [store.get(first[0])], store.metrics)}
    notebook = api.claims(first, store=store).set_index("claim")["verdict"].to_dict()
    assert page["faster_with_larger_lr"].status == NOT_YET
    assert page["faster_with_larger_lr"].measured.startswith("needs 2 runs (1 so far)")
    assert runs_page == page and notebook == {k: v.status for k, v in page.items()}
    # all of them: check trains nothing new for the converges claim and agrees with every view
    status, rows = run_check(["quadratic"], store=store, out=tmp_path / "report")
    assert status == 0
    ids = list(cfgs)
    data = RunData(store, exp.name)
    page = {c.key: judge(exp, c, base, data, data.frame).verdict for c in exp.claims}
    runs_page = {j.claim.key: j.verdict for j in judge_selection(exp, [store.get(r) for r in ids], store.metrics)}
    notebook = api.claims(ids, store=store).set_index("claim")
    assert runs_page == page
    checked = {r["claim"]: (r["status"], r["measured"]) for r in rows}
    assert checked == {k: (v.status, v.measured) for k, v in page.items()}
    assert notebook["verdict"].to_dict() == {k: v.status for k, v in page.items()}
    assert notebook["measured"].to_dict() == {k: v.measured for k, v in page.items()}
