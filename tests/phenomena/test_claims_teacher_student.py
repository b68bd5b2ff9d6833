"""Teacher-student claims on hand-made runs."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, steps, verdict


def ts(l1, l2, status="done", n=5, **cfg):
    return run(cfg, steps(n, corr_l1_mean=lambda s: l1 * (s + 1) / n, corr_l2_mean=lambda s: l2 * (s + 1) / n),
               status)


def test_lowest_layer_leads():
    assert verdict("teacher_student", "lowest_layer_leads", [ts(0.97, 0.76)]).status == HOLDS
    assert verdict("teacher_student", "lowest_layer_leads", [ts(0.80, 0.76)]).status == FAILS
    assert verdict("teacher_student", "lowest_layer_leads", [ts(0.96, 0.98)]).status == FAILS  # second ahead
    assert verdict("teacher_student", "lowest_layer_leads", [ts(0.5, 0.4, "running")]).status == NOT_YET


def test_paper_budget_needs_0_99():
    assert verdict("teacher_student", "paper_budget", [ts(0.9999, 0.968)]).status == HOLDS
    assert verdict("teacher_student", "paper_budget", [ts(0.97, 0.76)]).status == FAILS  # the page's budget
    assert verdict("teacher_student", "paper_budget", [ts(0.97, 0.76, "running")]).status == NOT_YET


def test_data_std_control():
    runs = [ts(0.97, 0.76, data_std=10.0), ts(0.49, 0.38, data_std=1.0)]
    assert verdict("teacher_student", "data_std_control", runs).status == HOLDS
    same = [ts(0.97, 0.76, data_std=10.0), ts(0.95, 0.7, data_std=1.0)]
    assert verdict("teacher_student", "data_std_control", same).status == FAILS
    assert verdict("teacher_student", "data_std_control", runs[:1] + [ts(0.4, 0.3, "queued", data_std=1.0)]
                   ).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    one_layer = run({"teacher": [10]}, steps(3, corr_l1_mean=0.999))  # nothing to compare with
    assert verdict("teacher_student", "lowest_layer_leads", [one_layer]).status == NOT_APPLICABLE
    matrix = ts(0.999, 0.5, mode="matrix")  # matrix mode is the fan-out check
    assert verdict("teacher_student", "lowest_layer_leads", [matrix]).status == NOT_APPLICABLE
    assert verdict("teacher_student", "data_std_control", [ts(0.97, 0.76)]).status == NOT_APPLICABLE
