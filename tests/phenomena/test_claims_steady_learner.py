"""Steady-learner claims on hand-made sweeps over f (seed means) and over label corruption."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, steps, verdict

FREQS = (0.25, 0.5, 0.75, 1.0)


def sweep(values, axis="freq", seeds=3, status="done", extra=None, **cfg):
    """values(f, seed) -> (traj, var, dist) final values."""
    out = []
    for f in (FREQS if axis == "freq" else (0.0, 0.2, 0.4)):
        for seed in range(seeds):
            t, v, d = values(f, seed)
            out.append(run({axis: f, "seed": seed, **cfg},
                           steps(3, traj_len_total=t, bias_var_total=v, dist_init=d), status))
    return out + (extra or [])


def rising(f, seed):
    return 10 + 200 * f + seed, 80 + 100 * f - 5 * seed, 0.4 + 0.6 * f


def test_rises_with_frequency():
    for key in ("trajectory_rises", "variance_rises", "distance_rises"):
        assert verdict("steady_learner", key, sweep(rising)).status == HOLDS
        assert verdict("steady_learner", key, sweep(lambda f, s: (100 - 50 * f, 100 - 50 * f, 1 - f / 2))
                       ).status == FAILS
        assert verdict("steady_learner", key, sweep(rising, status="running")).status == NOT_YET


def test_one_seed_swapping_neighbours_is_not_enough_and_a_diverged_seed_fails_the_claim():
    swapped = sweep(lambda f, s: {0.25: (10, 10, 1), 0.5: (30, 30, 3), 0.75: (20, 20, 2), 1.0: (12, 12, 1.2)}[f],
                    seeds=1)
    assert verdict("steady_learner", "trajectory_rises", swapped).status == FAILS
    # no run is left out of a verdict; at the defaults no seed diverges (seeds 0-2, 100-109)
    diverged = run({"freq": 0.75, "seed": 3}, steps(1, traj_len_total=float("nan")), "diverged")
    for key in ("trajectory_rises", "variance_rises", "distance_rises"):
        v = verdict("steady_learner", key, sweep(rising, extra=[diverged]))
        assert v.status == FAILS and v.measured.startswith("1 of 13 runs diverged"), key


def test_label_corruption():
    cnn = dict(mode="cnn")
    up = sweep(lambda c, s: (3 + 100 * c, 8 + 300 * c, 0.1 + c), axis="corruption", **cnn)
    assert verdict("steady_learner", "corruption_variance_rises", up).status == HOLDS
    flat = sweep(lambda c, s: (3, 8, 0.1), axis="corruption", **cnn)
    assert verdict("steady_learner", "corruption_variance_rises", flat).status == FAILS
    assert verdict("steady_learner", "corruption_variance_rises",
                   sweep(lambda c, s: (3, 8, 0.1), axis="corruption", status="queued", **cnn)).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    two = [r for r in sweep(rising) if r[0]["config"]["freq"] in (0.25, 1.0)]  # two values: no trend to rank
    assert verdict("steady_learner", "trajectory_rises", two).status == NOT_APPLICABLE
    mlp = sweep(lambda c, s: (3 + 100 * c, 8 + 300 * c, 0.1 + c), axis="corruption")  # corruption needs cnn mode
    assert verdict("steady_learner", "corruption_variance_rises", mlp).status == NOT_APPLICABLE
