"""Mode-connectivity claims on hand-made runs: holds, fails, not yet, and settings outside
each claim's regime (never a false ✓)."""
import pytest

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from labcore.phenomena.mode_connectivity.claims import LENET
from tests.phenomena import claimkit as ck

pytestmark = pytest.mark.unit
NAME = "mode_connectivity"


def barrier_runs(b: dict, seeds=(0, 1, 2), cfg=None, status="done"):
    """One run per seed whose barrier at spawn step k is b[k]."""
    return [ck.run({**(cfg or {}), "seed": s}, [{"step": k, "barrier_test": v, "barrier_train": v}
                                                for k, v in b.items()], status=status) for s in seeds]


def spectrum_runs(n_out, edge=0.5, top=9.0, slq=9.0, seeds=(0, 1, 2), classes=10):
    return [ck.run({**LENET, "seed": s}, [{"step": 0, "barrier_test": 0.0},
                                          {"step": 400, "sharpness": top, "slq_top": slq, "n_outliers": n_out,
                                           "classes": classes, "bulk_edge": edge}]) for s in seeds]


def test_unstable_at_init_holds_above_two_percent_only():
    assert ck.verdict(NAME, "unstable_at_init", barrier_runs({0: 0.05, 10: 0.01})).status == HOLDS
    assert ck.verdict(NAME, "unstable_at_init", barrier_runs({0: 0.015, 10: 0.01})).status == FAILS
    # judged on the training-error barrier: a test barrier alone does not make it hold
    runs = [ck.run({"seed": s}, [{"step": 0, "barrier_test": 0.05, "barrier_train": 0.01}]) for s in (0, 1, 2)]
    assert ck.verdict(NAME, "unstable_at_init", runs).status == FAILS
    assert ck.verdict(NAME, "unstable_at_init", barrier_runs({0: 0.05}, status="running")).status == NOT_YET
    # no k = 0 among the spawn steps: nothing to judge
    runs = barrier_runs({10: 0.05, 30: 0.01}, cfg={"spawn_steps": (10, 30)})
    assert ck.verdict(NAME, "unstable_at_init", runs).status == NOT_APPLICABLE


def test_stable_early_needs_a_fall_below_two_percent_early_and_for_good():
    assert ck.verdict(NAME, "stable_early", barrier_runs({0: 0.05, 10: 0.01, 30: 0.01, 100: 0.005})).status == HOLDS
    # already stable at init: nothing falls
    assert ck.verdict(NAME, "stable_early", barrier_runs({0: 0.01, 10: 0.01})).status == FAILS
    # stable only from k = 100 of 400 steps: 25 % > 10 %
    assert ck.verdict(NAME, "stable_early", barrier_runs({0: 0.05, 10: 0.04, 30: 0.03, 100: 0.01})).status == FAILS
    # dips under 2 % at k = 10 then rises again: stable only from k = 100
    v = ck.verdict(NAME, "stable_early", barrier_runs({0: 0.05, 10: 0.01, 30: 0.04, 100: 0.01}))
    assert v.status == FAILS and "k = 100" in v.measured
    assert ck.verdict(NAME, "stable_early", barrier_runs({0: 0.05, 10: 0.03, 30: 0.03})).status == FAILS  # never
    assert ck.verdict(NAME, "stable_early", barrier_runs({0: 0.05}, cfg={"spawn_steps": (0,)})).status == NOT_APPLICABLE


def test_lenet_stable_reads_its_own_variant():
    assert ck.verdict(NAME, "lenet_stable", barrier_runs({0: 0.005}, cfg=LENET)).status == HOLDS
    assert ck.verdict(NAME, "lenet_stable", barrier_runs({0: 0.05}, cfg=LENET)).status == FAILS
    # a stable batch-normalised net on Fashion-MNIST is not evidence about LeNet on MNIST
    assert ck.verdict(NAME, "lenet_stable", barrier_runs({0: 0.005})).status == NOT_APPLICABLE


def test_c_outliers_counts_against_c_minus_one_and_a_low_bulk():
    assert ck.verdict(NAME, "c_outliers", spectrum_runs(9, edge=0.8)).status == HOLDS
    assert ck.verdict(NAME, "c_outliers", spectrum_runs(10, edge=0.8)).status == HOLDS
    assert ck.verdict(NAME, "c_outliers", spectrum_runs(1, edge=0.8)).status == FAILS  # one outlier: no class structure
    assert ck.verdict(NAME, "c_outliers", spectrum_runs(9, edge=4.0)).status == FAILS  # the bulk reaches the top
    # one seed off fails the claim
    runs = spectrum_runs(9, edge=0.8)[:2] + spectrum_runs(6, edge=0.8, seeds=(2,))
    assert ck.verdict(NAME, "c_outliers", runs).status == FAILS


def test_top_is_sharpness_within_one_percent():
    assert ck.verdict(NAME, "top_is_sharpness", spectrum_runs(9, top=9.0, slq=9.05)).status == HOLDS
    assert ck.verdict(NAME, "top_is_sharpness", spectrum_runs(9, top=9.0, slq=7.0)).status == FAILS
    # no spectrum measured (slq_steps = 0): not applicable, never a ✓
    runs = [ck.run({**LENET, "seed": s, "slq_steps": 0}, [{"step": 0, "barrier_test": 0.0}]) for s in (0, 1, 2)]
    assert ck.verdict(NAME, "top_is_sharpness", runs).status in (NOT_APPLICABLE, NOT_YET)
