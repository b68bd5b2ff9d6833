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


def matrix(ratio, aligned=20, status="done", n=5, **cfg):
    """A matrix-mode run whose fan-out ratio falls geometrically from 0.3 to `ratio` (None: no
    unaligned node, so no ratio is logged)."""
    cols = dict(aligned_nodes=aligned, corr_l1_mean=0.999)
    if ratio is not None:
        cols["unaligned_fanout_ratio"] = lambda s: 0.3 * (ratio / 0.3) ** (s / (n - 1))
    return run({"mode": "matrix", "init": "perturb", "node_multi": 2, "teacher": [20], **cfg}, steps(n, **cols),
               status)


def test_unaligned_fanout_collapses_below_a_hundredth():
    key = "unaligned_fanout_collapses"
    held = verdict("teacher_student", key, [matrix(7e-4)])  # the README's median ratio
    assert held.status == HOLDS and "0.0007" in held.measured
    assert verdict("teacher_student", key, [matrix(0.047)]).status == FAILS  # the lab before (issue 38)
    assert verdict("teacher_student", key, [matrix(0.012)]).status == FAILS
    assert verdict("teacher_student", key, [matrix(0.2, aligned=0)]).status == FAILS  # nothing aligned
    assert verdict("teacher_student", key, [matrix(7e-4, status="running")]).status == NOT_YET
    assert verdict("teacher_student", key, [matrix(7e-4, status="diverged")]).status == FAILS


def test_the_fanout_check_is_the_matrix_modes():
    key = "unaligned_fanout_collapses"
    assert verdict("teacher_student", key, [ts(0.97, 0.76)]).status == NOT_APPLICABLE  # sgd mode
    sgd = run({"mode": "sgd"}, steps(3, aligned_nodes=20, unaligned_fanout_ratio=1e-4))  # even with the numbers
    assert verdict("teacher_student", key, [sgd]).status == NOT_APPLICABLE
    all_aligned = matrix(None, aligned=20, node_multi=1)  # node_multi 1: no unaligned node to shrink
    assert verdict("teacher_student", key, [all_aligned]).status == NOT_APPLICABLE
