"""Lazy-training claims on hand-made width sweeps."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, steps, verdict

WIDTHS = (16, 64, 256, 1024, 4096)


def sweep(exponent=-0.5, kernel_exponent=-0.5, loss_end=0.3, widths=WIDTHS, status="done", **cfg):
    return [run({"width": w, **cfg}, steps(3, loss=lambda s: 2.3 if s == 0 else loss_end,
                                          rel_change=lambda s: 0.0 if s == 0 else w ** exponent,
                                          kernel_change=lambda s: 0.0 if s == 0 else w ** kernel_exponent),
                status) for w in widths]


def test_rel_change_falls_like_a_power_of_width():
    assert verdict("lazy_training", "rel_change_falls", sweep(-0.7)).status == HOLDS
    assert verdict("lazy_training", "rel_change_falls", sweep(-0.05)).status == FAILS  # barely falls
    assert verdict("lazy_training", "rel_change_falls", sweep(0.3)).status == FAILS    # grows
    partial = sweep(-0.5)[:3] + sweep(-0.5, widths=(1024,), status="running")
    assert verdict("lazy_training", "rel_change_falls", partial).status == NOT_YET


def test_ntk_slope_is_one_half():
    assert verdict("lazy_training", "ntk_half_power", sweep(-0.5, parametrization="ntk")).status == HOLDS
    assert verdict("lazy_training", "ntk_half_power", sweep(-0.75, parametrization="ntk")).status == FAILS
    assert verdict("lazy_training", "ntk_half_power", sweep(-0.5, status="queued")).status == NOT_YET


def test_kernel_change_falls_with_width():
    assert verdict("lazy_training", "kernel_change_falls", sweep(kernel_exponent=-0.5)).status == HOLDS
    assert verdict("lazy_training", "kernel_change_falls", sweep(kernel_exponent=0.0)).status == FAILS
    assert verdict("lazy_training", "kernel_change_falls", sweep(status="running")).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    one = sweep(-0.5, widths=(256,))  # a single width: no sweep to judge
    assert verdict("lazy_training", "rel_change_falls", one).status == NOT_APPLICABLE
    assert verdict("lazy_training", "kernel_change_falls", one).status == NOT_APPLICABLE
    frozen = sweep(-0.5, loss_end=2.29)  # lr so small that nothing trains: nothing moved to compare
    assert verdict("lazy_training", "rel_change_falls", frozen).status == NOT_APPLICABLE
    no_probe = [(rec, frame.drop(columns="kernel_change")) for rec, frame in sweep(-0.5, probe=0)]
    assert verdict("lazy_training", "kernel_change_falls", no_probe).status == NOT_APPLICABLE
