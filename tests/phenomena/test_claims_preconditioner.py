"""Preconditioner claims on hand-made runs (the default overtaking is declared not expected offline)."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from labcore.core.registry import REGISTRY
from tests.phenomena.claimkit import run, steps, verdict

N = 648  # 2 epochs of 324 steps at the defaults


def pre(static, default, status="done"):
    return [run({"method": "static"}, steps(N, loss_smooth=static)),
            run({"method": "default"}, steps(N, loss_smooth=default), status)]


def test_static_ahead_early():
    assert verdict("preconditioner", "static_ahead_early", pre(lambda s: 0.5, lambda s: 2.2)).status == HOLDS
    assert verdict("preconditioner", "static_ahead_early", pre(lambda s: 2.5, lambda s: 2.2)).status == FAILS
    assert verdict("preconditioner", "static_ahead_early", pre(lambda s: 0.5, lambda s: 2.2, "running")
                   ).status == NOT_YET


def test_default_overtakes_and_is_declared_not_expected_offline():
    crossing = pre(lambda s: 0.5, lambda s: 2.2 - 2.0 * s / N)  # default ends at 0.2, below static's 0.5
    assert verdict("preconditioner", "default_overtakes", crossing).status == HOLDS
    digits = pre(lambda s: 0.26, lambda s: 0.67)  # the defaults: static stays ahead
    assert verdict("preconditioner", "default_overtakes", digits).status == FAILS
    assert verdict("preconditioner", "default_overtakes", pre(lambda s: 1, lambda s: 2, "queued")).status == NOT_YET
    claim = next(c for c in REGISTRY["preconditioner"].claims if c.key == "default_overtakes")
    assert not claim.expected and "Fashion-MNIST" in claim.reason


def test_outside_the_regime_is_never_a_false_tick():
    one = pre(lambda s: 0.5, lambda s: 2.2)[:1]  # only one method trained: nothing to compare
    assert verdict("preconditioner", "static_ahead_early", one).status == NOT_APPLICABLE
    assert verdict("preconditioner", "default_overtakes", one).status == NOT_APPLICABLE
    diverged = [run({"method": "static"}, steps(5, loss_smooth=1.0), "diverged"),
                run({"method": "default"}, steps(N, loss_smooth=2.2))]
    assert verdict("preconditioner", "static_ahead_early", diverged).status == FAILS


def test_default_catches_up():
    n = 3000  # long enough to read the gap at step 500 and at the end
    melts = [run({"method": "static"}, steps(n, loss_smooth=lambda s: 0.7 if s < 500 else 0.5)),
             run({"method": "default"}, steps(n, loss_smooth=lambda s: 2.2 if s < 1000 else 0.505))]
    v = verdict("preconditioner", "default_catches_up", melts)  # the 1.5 gap at step 500 ends at 0.005
    assert v.status == HOLDS and "at step 500" in v.measured
    stays = [run({"method": "static"}, steps(n, loss_smooth=0.5)), run({"method": "default"}, steps(n, loss_smooth=1.5))]
    assert verdict("preconditioner", "default_catches_up", stays).status == FAILS  # the lead never shrinks
    short = pre(lambda s: 0.5, lambda s: 2.2)  # 648 steps: too short to tell early from late
    assert verdict("preconditioner", "default_catches_up", short).status == NOT_APPLICABLE
