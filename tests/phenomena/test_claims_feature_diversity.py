"""Feature-diversity claims on hand-made runs."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, steps, verdict


def fd(acc, corr, status="done", n=4, **cfg):
    return run(cfg, steps(n, test_acc=acc, fwd_corr=corr, bwd_corr=corr, feat_corr=corr), status)


CONST = dict(init="constant", breaker="none")


def test_constnet_stays_symmetric():
    assert verdict("feature_diversity", "constnet_stays_symmetric", [fd(0.35, 1.0, **CONST)]).status == HOLDS
    assert verdict("feature_diversity", "constnet_stays_symmetric", [fd(0.35, 0.97, **CONST)]).status == FAILS
    assert verdict("feature_diversity", "constnet_stays_symmetric", [fd(0.95, 1.0, **CONST)]).status == FAILS
    assert verdict("feature_diversity", "constnet_stays_symmetric", [fd(0.3, 1.0, "running", **CONST)]
                   ).status == NOT_YET


def arms(dropout=0.98, noise=0.98, he=0.99, corr=0.45, status="done"):
    return [fd(dropout, corr, init="constant", breaker="dropout"), fd(noise, corr, init="constant", breaker="noise"),
            fd(he, 0.05, status, init="random", breaker="none")]


def test_breakers_reach_he():
    assert verdict("feature_diversity", "breakers_reach_he", arms()).status == HOLDS
    assert verdict("feature_diversity", "breakers_reach_he", arms(noise=0.5)).status == FAILS
    assert verdict("feature_diversity", "breakers_reach_he", arms(status="running")).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    # without BatchNorm a dropout ConstNet breaks symmetry but does not train (DESIGN.md §5: 0.37 vs 0.99)
    assert verdict("feature_diversity", "breakers_reach_he", arms(dropout=0.37, noise=0.4)).status == FAILS
    # a breaker that does not break (correlation stays 1) is not a reproduction, whatever the accuracy
    assert verdict("feature_diversity", "breakers_reach_he", arms(corr=1.0)).status == FAILS
    # non-deterministic CUDA kernels are themselves a breaker: the symmetric claim does not apply
    cuda = fd(0.35, 1.0, deterministic=False, device="cuda", **CONST)
    assert verdict("feature_diversity", "constnet_stays_symmetric", [cuda]).status == NOT_APPLICABLE
    assert verdict("feature_diversity", "breakers_reach_he", arms()[:2]).status == NOT_APPLICABLE
