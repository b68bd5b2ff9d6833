"""Claims of the static diagonal preconditioner (seed: RLeike/NN-preconditioners)."""
from __future__ import annotations

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, Claim, Evidence, Verdict
from labcore.core.judging import final, fmt

METHODS = ("default", "static")
# The seed's observation (README / loss.png, DESIGN.md §5): static ahead early (it skips the
# default's plateau at loss 2.30), default ahead by the end of epoch 1 (smoothed loss). "Early"
# is a quarter epoch here; the overtaking is read over the last fifth of the steps.
EARLY = 0.25   # fraction of an epoch (n_train / batch_size steps) at which "early" is read
# Catching up: the default's early deficit (its 2.30 plateau) is read at FIRST steps and must have
# shrunk to at most CAUGHT_UP of itself by the last step. Measured on the Fashion-MNIST defaults
# (3 seeds, 15k steps): 1.03 at step 500 -> |0.008..0.020| at 15k, i.e. 1-2 % (page details).
FIRST = 500
CAUGHT_UP = 0.1
# Overtaking is read on window means, not at one step: a batch-4 smoothed loss moves by ~0.03-0.04
# between neighbouring evals, as much as the effect. LATE: the last fifth of the steps (steps
# 12k-15k at the defaults). OVERTAKE: the default's window mean must be below the static's by at
# least this much on every seed. Source: the original's lead after an epoch is ~0.05 (loss.png,
# one unseeded CIFAR-10 run); the window gap between seeds at matched settings spreads over
# -0.017..0.024 on Fashion-MNIST (seeds 0-2 at 15k and 30k steps, page details), so a lead under
# 0.02 is not told apart from seed noise.
LATE = 0.2
OVERTAKE = 0.02


def _at(ev: Evidence, method: str, step: float) -> float:
    curve = ev.curve("loss_smooth", method=method)
    return float(curve[curve.index <= step].iloc[-1])


def _both(ev: Evidence) -> Verdict | None:
    if any(ev.curve("loss_smooth", method=m).empty for m in METHODS):
        return Verdict(NOT_APPLICABLE, "needs both methods (default and static)")
    return None


@final
def static_ahead_early(ev: Evidence) -> Verdict:
    """Smoothed loss of static below default at EARLY of the first epoch."""
    skip = _both(ev)
    if skip:
        return skip
    epoch = int(ev.frame["cfg_n_train"].iloc[0]) // int(ev.frame["cfg_batch_size"].iloc[0])
    step = max(1, int(EARLY * epoch))
    s, d = _at(ev, "static", step), _at(ev, "default", step)
    return Verdict(HOLDS if s < d else FAILS, f"smoothed loss at step {step}: static {fmt(s)}, default {fmt(d)}")


def _window(rows, method: str, start: float) -> float | None:
    """Mean smoothed loss of one seed's `method` run over steps > start (None without rows)."""
    arm = rows[(rows["cfg_method"].astype(str) == method) & (rows["step"] > start)]
    values = arm["loss_smooth"].dropna()
    return float(values.mean()) if len(values) else None


@final
def default_overtakes(ev: Evidence) -> Verdict:
    """On every seed, the default's smoothed loss averaged over the last LATE of the steps is below
    the static's by at least OVERTAKE."""
    skip = _both(ev)
    if skip:
        return skip
    last = float(ev.frame["step"].max())
    start = (1 - LATE) * last
    seeds = sorted(ev.frame["cfg_seed"].unique()) if "cfg_seed" in ev.frame else [None]
    gaps, words = [], []
    for seed in seeds:
        rows = ev.frame if seed is None else ev.frame[ev.frame["cfg_seed"] == seed]
        d, s = _window(rows, "default", start), _window(rows, "static", start)
        if d is None or s is None:
            continue  # one arm of this seed has no late rows: nothing to compare on it
        gaps.append(s - d)
        words.append(f"{'' if seed is None else f'seed {int(seed)}: '}default {fmt(d)}, static {fmt(s)}")
    if not gaps:
        return Verdict(NOT_APPLICABLE, "needs both methods of one seed measured after step "
                                       f"{int(start)}")
    mean = sum(gaps) / len(gaps)
    status = HOLDS if min(gaps) >= OVERTAKE else FAILS
    return Verdict(status, f"smoothed loss, mean over steps {int(start)}-{int(last)}: " + "; ".join(words)
                   + (f" (static − default: mean {fmt(mean, 2)} over {len(gaps)} seeds" if len(gaps) > 1
                      else f" (static − default {fmt(mean, 2)}") + f"; needs ≥ {OVERTAKE} on every seed)")


@final
def default_catches_up(ev: Evidence) -> Verdict:
    """The default's deficit at FIRST steps has shrunk to at most CAUGHT_UP of itself by the last step."""
    skip = _both(ev)
    if skip:
        return skip
    last = float(ev.frame["step"].max())
    if last < 4 * FIRST:
        return Verdict(NOT_APPLICABLE, f"needs at least {4 * FIRST} steps to compare early and late (has {int(last)})")
    early = _at(ev, "default", FIRST) - _at(ev, "static", FIRST)
    if early <= 0:
        return Verdict(FAILS, f"static was not ahead at step {FIRST} (gap {fmt(early)})")
    late = _at(ev, "default", last) - _at(ev, "static", last)
    ratio = abs(late) / early
    return Verdict(HOLDS if ratio <= CAUGHT_UP else FAILS,
                   f"default − static: {fmt(early)} at step {FIRST} → {fmt(late)} at step {int(last)} "
                   f"({100 * ratio:.0f}% of the early gap)")


CLAIMS = (
    Claim("static_ahead_early", "Preconditioned training is faster at first: static's loss is below the "
          "default's early in epoch 1", paper="static ahead for about half an epoch", source="README, loss.png",
          metrics=("loss_smooth",), judge=static_ahead_early, scope="sweep", axis="method", values=METHODS,
          seeds=1, needs="press Run the 2 variants"),
    Claim("default_overtakes", "Later the default method overtakes it (the fixed factors go stale as the "
          "weights move)", paper="default ahead by the end of epoch 1 (~0.05 in loss)", source="loss.png",
          metrics=("loss_smooth",), judge=default_overtakes, scope="sweep", axis="method", values=METHODS,
          seeds=1, expected=False,
          reason="on Fashion-MNIST fed as CIFAR-10 the curves meet around 10k steps but stay level within "
                 "the noise between seeds: static − default over the last fifth of the steps is 0.015 / "
                 "−0.006 / −0.017 (seeds 0-2) after one epoch and 0.024 / 0.000 / 0.000 after two (30k steps); "
                 "on MNIST-5k "
                 "(several epochs) static stays level or ahead. The original's clear crossover is on CIFAR-10, "
                 "which needs a network",
          needs="press Run the 2 variants"),
    Claim("default_catches_up", "The default method catches up: the static method's early lead melts away "
          "as training goes on", paper="curves meet at 6-9k steps on CIFAR-10", source="loss.png",
          metrics=("loss_smooth",), judge=default_catches_up, scope="sweep", axis="method", values=METHODS,
          seeds=1, needs="press Run the 2 variants"),
)
# seeds=1: at the Fashion-MNIST defaults static leads by 0.4-1.0 in the first quarter epoch on
# every seed, and the early gap shrinks to 1-2 % of itself on every seed (3 measured), margins
# no seed changes.
# default_overtakes judges every seed it is given (the page's seed bands, or `check --seeds N`);
# seeds=1 keeps `labcore check` to one pair of 15k-step runs, as no seed shows the overtaking.
