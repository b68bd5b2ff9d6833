"""Information-bottleneck claims on hand-made information curves (last hidden layer)."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from labcore.phenomena.information_bottleneck.text import h_y
from tests.phenomena.claimkit import run, steps, verdict


def ib(act, ixt, ity=None, status="done", seeds=3):
    ity = ity or (lambda s: h_y() * min(1.0, s / 10))
    return [run({"activation": act, "seed": k}, steps(40, last_ixt=ixt, last_ity=ity), status if k == 0 else "done")
            for k in range(seeds)]


def rise_fall(fall):
    return lambda s: 8.5 * s / 10 if s < 10 else 8.5 * (1 - fall * (s - 10) / 29)


def test_tanh_compresses():
    assert verdict("information_bottleneck", "tanh_compresses", ib("tanh", rise_fall(0.75))).status == HOLDS
    assert verdict("information_bottleneck", "tanh_compresses", ib("tanh", rise_fall(0.1))).status == FAILS
    unfit = ib("tanh", rise_fall(0.75), ity=lambda s: 0.6)  # compresses but never fits the labels
    assert verdict("information_bottleneck", "tanh_compresses", unfit).status == FAILS
    assert verdict("information_bottleneck", "tanh_compresses", ib("tanh", rise_fall(0.75), status="running")
                   ).status == NOT_YET


def test_relu_does_not_compress():
    assert verdict("information_bottleneck", "relu_no_compression", ib("relu", rise_fall(0.0))).status == HOLDS
    assert verdict("information_bottleneck", "relu_no_compression", ib("relu", rise_fall(0.6))).status == FAILS
    assert verdict("information_bottleneck", "relu_no_compression", ib("relu", rise_fall(0.0), status="queued")
                   ).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    # each claim is about one activation: the other one's runs are not evidence for it
    assert verdict("information_bottleneck", "tanh_compresses", ib("relu", rise_fall(0.75))).status == NOT_APPLICABLE
    assert verdict("information_bottleneck", "relu_no_compression", ib("tanh", rise_fall(0.0))
                   ).status == NOT_APPLICABLE
    # relu layers that die outright (I(X;T) = 0, lr ≳ 4e-3) have nothing to compress: not a ✓ for tanh's claim
    assert verdict("information_bottleneck", "tanh_compresses", ib("tanh", lambda s: 0.0)).status == FAILS
