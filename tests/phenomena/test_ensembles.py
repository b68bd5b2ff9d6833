"""Seed ensembles (`run_seeds`): each seed's rows equal its solo run's.

Tolerances (measured on these configs, 2 CPU cores, torch's CPU kernels):
- lazy_training (full-batch GD, vmap(functional_call)): every metric of every row to 1e-5
  relative in float32 (measured max 2.3e-7 over 50 steps, standard and ntk).
- steady_learner (batch-1 SGD, batched-linear layout): in float64 every metric to 1e-9
  (measured 1.7e-13 over 60 epochs), i.e. the same computation. In float32 the stacked
  kernels round differently from the solo ones and batch-1 SGD carries that along: loss and
  dist_init stay within 1e-5 over the first 50 epochs (measured 4e-6), the trajectory
  measures, which difference nearly equal biases (‖b_{t+1} − b_t‖ against ‖b‖), within 1e-3
  (measured 1.7e-4), and the region counts within 2 regions.
"""
import math

import pytest
import torch

from labcore.core.recorder import Recorder
from labcore.core.registry import get


def solo_and_group(name: str, seeds, **values):
    exp = get(name)
    cfgs = [exp.make_config(**{**values, "seed": s}) for s in seeds]
    solo = []
    for cfg in cfgs:
        rec = Recorder()
        exp.run(cfg, rec)
        solo.append(rec)
    group = [Recorder() for _ in cfgs]
    outcomes = exp.run_seeds(cfgs, group)
    assert outcomes == [None] * len(cfgs) or all(o is None or o["status"] == "done" for o in outcomes)
    return solo, group


def worst(solo, group, metrics=None, upto: int | None = None) -> dict[str, float]:
    """Max relative difference per metric over every row (up to step `upto`) of every seed."""
    out: dict[str, float] = {}
    for a, b in zip(solo, group):
        assert [r["step"] for r in a.rows] == [r["step"] for r in b.rows]
        for ra, rb in zip(a.rows, b.rows):
            if upto is not None and ra["step"] > upto:
                break
            assert ra.keys() == rb.keys()
            for k in metrics or ra:
                rel = abs(ra[k] - rb[k]) / max(abs(ra[k]), 1e-12)
                out[k] = max(out.get(k, 0.0), rel)
    return out


@pytest.mark.parametrize("parametrization", ["standard", "ntk"])
def test_lazy_training_seeds_equal_their_solo_runs(parametrization):
    solo, group = solo_and_group("lazy_training", [0, 1, 2], width=32, steps=50, n_train=48, n_test=48,
                                 eval_every=1, probe=4, parametrization=parametrization)
    diffs = worst(solo, group)
    assert max(diffs.values()) <= 1e-5, diffs
    assert solo[0].rows[-1]["loss"] != solo[1].rows[-1]["loss"]  # the seeds really differ


def test_steady_learner_seeds_are_the_same_computation_in_float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        solo, group = solo_and_group("steady_learner", [0, 1, 2], n_samples=16, epochs=50, grid=10)
    finally:
        torch.set_default_dtype(old)
    diffs = worst(solo, group)
    assert max(diffs.values()) <= 1e-9, diffs


def test_steady_learner_seeds_match_their_solo_runs_in_float32():
    solo, group = solo_and_group("steady_learner", [0, 1], n_samples=16, epochs=50, grid=10)
    assert max(worst(solo, group, ("loss", "dist_init"), upto=50).values()) <= 1e-5
    assert max(worst(solo, group, ("traj_len", "traj_len_total", "bias_var", "bias_var_total")).values()) <= 1e-3
    for a, b in zip(solo, group):
        assert all(abs(ra["regions"] - rb["regions"]) <= 2 for ra, rb in zip(a.rows, b.rows))
        assert a.artifacts["regions"].shape == b.artifacts["regions"].shape == (10, 10)


def test_steady_learner_seed_stops_at_its_own_target_loss():
    # a loose target: each seed stops at the first measured epoch below it, as its solo run does
    solo, group = solo_and_group("steady_learner", [0, 1, 2], n_samples=16, epochs=200, target_loss=0.02,
                                 grid=10)
    ends = [a.rows[-1]["step"] for a in solo]
    assert [b.rows[-1]["step"] for b in group] == ends and max(ends) < 200


def test_a_non_finite_seed_is_masked_and_ends_diverged_while_the_others_go_on():
    from labcore.nn import ensemble

    recs = [Recorder() for _ in range(3)]
    group = ensemble.SeedGroup(recs)
    params = [torch.ones(3, 2, requires_grad=True)]
    group.check(4, torch.tensor([0.5, math.inf, 0.25]))
    assert group.live == [True, False, True]
    assert group.outcomes[1] == {"status": "diverged", "diverged_step": 4, "error": "loss became inf at step 4"}
    with torch.no_grad():
        params[0][1] = math.nan
    ensemble.mask_dead(params, group.live_mask())
    assert params[0][1].tolist() == [0.0, 0.0] and params[0][0].tolist() == [1.0, 1.0]
    group.log(5, loss=torch.tensor([0.4, math.nan, 0.2]))  # the dead seed gets no more rows
    assert [len(r.rows) for r in recs] == [1, 1, 1] and recs[1].rows[0]["loss"] == math.inf
    assert ensemble.masked_sum(torch.tensor([1.0, math.nan, 2.0]), group.live_mask()).item() == 3.0


TINY_TS = dict(steps=50, eval_every=1, teacher=(4, 5), node_multi=2, d_output=8, eval_size=64, batch_size=16)


def test_teacher_student_seeds_are_the_same_computation_in_float64():
    # float64: 2.6e-11 measured over 60 steps (fresh batches) -- the same computation
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        solo, group = solo_and_group("teacher_student", [0, 1], **TINY_TS)
        solo2, group2 = solo_and_group("teacher_student", [0, 1], **{**TINY_TS, "steps": 20, "eval_every": 5},
                                       n_train=40, eval_redraw=True, init="perturb")
    finally:
        torch.set_default_dtype(old)
    assert max(worst(solo, group).values()) <= 1e-9
    assert max(worst(solo2, group2).values()) <= 1e-9
    assert set(group[0].artifacts) == set(solo[0].artifacts)  # corr, luck and fan-out tables per seed


def test_teacher_student_seeds_match_their_solo_runs_in_float32():
    # float32: data_std 10 and lr 0.05 amplify the rounding differences of batched matmuls:
    # measured ≤ 1e-6 on loss and mean correlations for the first ~13 steps (3e-5 on a min
    # correlation, a small number), ~1e-5 at 15-20, loss 1.4e-2 by step 50.
    solo, group = solo_and_group("teacher_student", [0, 1], **TINY_TS)
    means = ("loss", "corr_l1_mean", "corr_l2_mean", "corr_l1_mean_all", "corr_l2_mean_all")
    assert max(worst(solo, group, means, upto=12).values()) <= 1e-5
    assert max(worst(solo, group, upto=12).values()) <= 1e-3
    assert max(worst(solo, group, ("loss",)).values()) <= 5e-2  # measured 1.4e-2 by step 50


def test_batchnorm_teacher_student_trains_its_seeds_one_after_another():
    solo, group = solo_and_group("teacher_student", [0, 1], **{**TINY_TS, "steps": 5}, normalize=True)
    assert max(worst(solo, group).values()) == 0.0  # the solo code itself, so bit for bit


def test_edge_of_stability_seeds_equal_their_solo_runs():
    # float32, full-batch GD: measured 2e-7 (loss, sharpness) over 50 steps
    solo, group = solo_and_group("edge_of_stability", [0, 1, 2], steps=50, n_train=64, width=16, depth=2,
                                 eig_every=10)
    diffs = worst(solo, group)
    assert max(diffs.values()) <= 1e-5, diffs
    assert [r["step"] for r in group[0].rows if "sharpness" in r] == [0, 10, 20, 30, 40, 50]


@pytest.mark.parametrize("activation,batch_size", [("tanh", 256), ("relu", 4096)])
def test_information_bottleneck_seeds_equal_their_solo_runs(activation, batch_size):
    # float32, Adam on per-seed minibatches (or full batch): measured 2.6e-7 over 50 epochs;
    # the binned mutual information is identical
    solo, group = solo_and_group("information_bottleneck", [0, 1], epochs=50, widths=(6, 4, 3), points=8,
                                 activation=activation, batch_size=batch_size)
    diffs = worst(solo, group)
    assert max(diffs.values()) <= 1e-5, diffs


def test_packed_region_ids_equal_the_solo_runs_region_ids():
    from labcore.phenomena.steady_learner.ensemble import packed_region_ids
    from labcore.phenomena.steady_learner.measures import region_ids

    g = torch.Generator().manual_seed(0)
    for units, n in ((106, 2000), (7, 500), (20, 3000)):
        pats = torch.rand((n, units), generator=g) < torch.rand(units, generator=g)
        pats[:, :3] = pats[:, 3:6] & pats[:, 6:9]
        ids, count = region_ids(pats)
        ids2, count2 = packed_region_ids(pats)
        assert torch.equal(ids, ids2) and count == count2
