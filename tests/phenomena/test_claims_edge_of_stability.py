"""Edge-of-stability claims on hand-made runs: holds, fails, not yet, and settings outside the regime."""
import math

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, steps, verdict

LR = 0.15
EDGE = 2 / LR


def eos_rows(n=100, start=0.3, edge_at=40, level=1.0, loss0=0.1):
    """Sharpness rising linearly from start×2/η to the edge at `edge_at`, then `level`×2/η with a
    small wobble; the loss falling with upticks every third step."""
    def sharp(s):
        if s < edge_at:
            return EDGE * (start + (1 - start) * s / edge_at)
        return EDGE * level * (1 + 0.03 * math.sin(s))

    def loss(s):
        return loss0 * math.exp(-s / 50) * (1.1 if s % 3 == 0 and s > edge_at else 1.0)
    return steps(n, sharpness=sharp, loss=loss)


def test_progressive_sharpening_holds_fails_and_waits():
    assert verdict("edge_of_stability", "progressive_sharpening", [run({"lr": LR}, eos_rows())]).status == HOLDS
    never = eos_rows(edge_at=1000)  # rises but never reaches 0.9 × 2/η in 100 steps
    assert verdict("edge_of_stability", "progressive_sharpening", [run({"lr": LR}, never)]).status == FAILS
    partial = verdict("edge_of_stability", "progressive_sharpening", [run({"lr": LR}, eos_rows()[:10], "running")])
    assert partial.status == NOT_YET and "so far" in partial.measured


def test_hovering_holds_fails_and_waits():
    assert verdict("edge_of_stability", "hovers_at_edge", [run({"lr": LR}, eos_rows())]).status == HOLDS
    over = eos_rows(level=1.5)  # settles far above 2/η: not hovering
    assert verdict("edge_of_stability", "hovers_at_edge", [run({"lr": LR}, over)]).status == FAILS
    assert verdict("edge_of_stability", "hovers_at_edge", [run({"lr": LR}, eos_rows(), "queued")]).status == NOT_YET


def test_loss_keeps_falling_non_monotonically():
    assert verdict("edge_of_stability", "loss_keeps_falling", [run({"lr": LR}, eos_rows())]).status == HOLDS
    flat = [dict(r, loss=0.1) for r in eos_rows()]  # stuck at the edge: no fall, no upticks
    assert verdict("edge_of_stability", "loss_keeps_falling", [run({"lr": LR}, flat)]).status == FAILS
    running = [run({"lr": LR}, eos_rows(), "running")]
    assert verdict("edge_of_stability", "loss_keeps_falling", running).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    # η so small that 2/η is never reached in the given steps: hovering and the edge loss say n/a
    tiny = run({"lr": 0.001}, steps(50, sharpness=lambda s: 5 + s * 0.01, loss=lambda s: 1 - s / 100))
    assert verdict("edge_of_stability", "hovers_at_edge", [tiny]).status == NOT_APPLICABLE
    assert verdict("edge_of_stability", "loss_keeps_falling", [tiny]).status == NOT_APPLICABLE
    # η so large that the net starts above the edge: no sharpening to see
    big = run({"lr": 1.0}, steps(50, sharpness=2.5, loss=0.1))
    assert verdict("edge_of_stability", "progressive_sharpening", [big]).status == NOT_APPLICABLE
    # a diverged run fails the claim
    assert verdict("edge_of_stability", "hovers_at_edge", [run({"lr": 5.0}, eos_rows(), "diverged")]).status == FAILS


def sweep(level_by_lr):
    return [run({"lr": lr}, steps(5, sharpness=2 / lr * level_by_lr(lr), loss=0.1)) for lr in (0.12, 0.17, 0.24, 0.34)]


def test_final_sharpness_follows_two_over_lr():
    assert verdict("edge_of_stability", "sharpness_follows_lr", sweep(lambda lr: 1.0)).status == HOLDS
    flat = [run({"lr": lr}, steps(5, sharpness=10.0, loss=0.1)) for lr in (0.12, 0.17, 0.24, 0.34)]
    assert verdict("edge_of_stability", "sharpness_follows_lr", flat).status == FAILS
    waiting = sweep(lambda lr: 1.0)[:2] + [run({"lr": 0.24}, steps(2, sharpness=8.0, loss=0.1), "running")]
    assert verdict("edge_of_stability", "sharpness_follows_lr", waiting).status == NOT_YET
    assert verdict("edge_of_stability", "sharpness_follows_lr", sweep(lambda lr: 1.0)[:1]).status == NOT_APPLICABLE


ADAM_LR = 2e-3
ADAM_EDGE = 38 / ADAM_LR


def test_adam_edge_holds_on_the_preconditioned_threshold_fails_off_it_and_is_not_for_sgd():
    adam = {"optimizer": "adam", "lr": ADAM_LR}
    rows = eos_rows()  # sharpness in units of 2/0.15: rescale to Adam's 38/η
    scaled = [{**r, "sharpness": r["sharpness"] / EDGE * ADAM_EDGE} for r in rows]
    v = verdict("edge_of_stability", "adam_edge", [run(adam, scaled)])
    assert v.status == HOLDS and "38/η" in v.measured
    # the same curve read against 2/η (settling at 19 × 2/η) is not at the edge
    assert verdict("edge_of_stability", "adam_edge", [run(adam, [{**r, "sharpness": 2 * r["sharpness"]}
                                                                 for r in scaled])]).status == FAILS
    never = [{**r, "sharpness": r["sharpness"] / EDGE * ADAM_EDGE} for r in eos_rows(edge_at=1000)]
    assert verdict("edge_of_stability", "adam_edge", [run(adam, never)]).status in (FAILS, NOT_APPLICABLE)
    # outside its regime: GD runs, and a β₁ whose threshold the curve does not sit at
    assert verdict("edge_of_stability", "adam_edge", [run({"lr": LR}, rows)]).status == NOT_APPLICABLE
    off = verdict("edge_of_stability", "adam_edge", [run({**adam, "beta1": 0.5}, scaled)])  # threshold 6/η
    assert off.status in (FAILS, NOT_APPLICABLE) and "6/η" in off.measured
    assert verdict("edge_of_stability", "adam_edge", [run(adam, scaled, "running")]).status == NOT_YET
