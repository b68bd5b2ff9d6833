"""Claims of the static diagonal preconditioner (seed: RLeike/NN-preconditioners)."""
from __future__ import annotations

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, Claim, Evidence, Verdict
from labcore.core.judging import final, fmt

METHODS = ("default", "static")
# The seed's observation (README / loss.png, DESIGN.md §5): static ahead early (it skips the
# default's plateau at loss 2.30), default ahead by the end of epoch 1 (smoothed loss). "Early"
# is a quarter epoch here; the crossover is read at the last step.
EARLY = 0.25   # fraction of an epoch (n_train / batch_size steps) at which "early" is read
# Catching up: the default's early deficit (its 2.30 plateau) is read at FIRST steps and must have
# shrunk to at most CAUGHT_UP of itself by the last step. Measured on the Fashion-MNIST defaults
# (3 seeds, 15k steps): 1.03 at step 500 -> |0.008..0.020| at 15k, i.e. 1-2 % (page details).
FIRST = 500
CAUGHT_UP = 0.1


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


@final
def default_overtakes(ev: Evidence) -> Verdict:
    """By the last step the default method's smoothed loss is below the static method's."""
    skip = _both(ev)
    if skip:
        return skip
    last = float(ev.frame["step"].max())
    s, d = _at(ev, "static", last), _at(ev, "default", last)
    return Verdict(HOLDS if d < s else FAILS, f"smoothed loss at step {int(last)}: default {fmt(d)}, static {fmt(s)}")


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
          reason="on Fashion-MNIST fed as CIFAR-10 (one epoch, 15k steps) the curves meet around 10k steps "
                 "but stay level within the noise to the end over 3 seeds (default ahead on seed 0, static on "
                 "seeds 1-2, by 0.01-0.02); the original's clear crossover is on CIFAR-10, which needs a network",
          needs="press Run the 2 variants"),
    Claim("default_catches_up", "The default method catches up: the static method's early lead melts away "
          "as training goes on", paper="curves meet at 6-9k steps on CIFAR-10", source="loss.png",
          metrics=("loss_smooth",), judge=default_catches_up, scope="sweep", axis="method", values=METHODS,
          seeds=1, needs="press Run the 2 variants"),
)
# seeds=1: at the Fashion-MNIST defaults static leads by 0.4-1.0 in the first quarter epoch on
# every seed, and the early gap shrinks to 1-2 % of itself on every seed (3 measured), margins
# no seed changes.
