"""The quadratic test plugin with two claims and a three-step lesson: the fixture of the lesson
tests (AppTest and the browser walk). Loaded as a plugin by the browser test's server."""
from __future__ import annotations

import dataclasses

from labcore.core.claims import FAILS, HOLDS, NOT_YET, Claim, Verdict
from labcore.core.lessons import Lesson, Step
from tests.plugins import quadratic


def falls(ev) -> Verdict:
    """The seed-mean loss ends below where it started."""
    curve = ev.curve("loss")
    if len(curve) < 2:
        return Verdict(NOT_YET, "too few points")
    return Verdict(HOLDS if curve.iloc[-1] < curve.iloc[0] else FAILS,
                   f"loss {curve.iloc[0]:.3g} → {curve.iloc[-1]:.3g}")


def faster(ev) -> Verdict:
    """lr 1 (one step to the minimum when λ = 1) ends lower than lr 0.1."""
    slow, fast = ev.finals("loss", lr=0.1), ev.finals("loss", lr=1.0)
    if slow.empty or fast.empty:
        return Verdict(NOT_YET, "needs lr 0.1 and 1.0")
    return Verdict(HOLDS if fast.mean() < slow.mean() else FAILS, f"final loss {fast.mean():.3g} vs {slow.mean():.3g}")


CLAIMS = (
    Claim("loss_falls", "GD lowers the loss", paper="falls", source="test", metrics=("loss",), judge=falls,
          needs="press Run"),
    Claim("larger_lr_faster", "lr 1 ends lower than lr 0.1", paper="lower", source="test", metrics=("loss",),
          judge=faster, scope="sweep", axis="lr", values=(0.1, 1.0), needs="press Sweep lr (2 runs)"),
)
LESSON = Lesson("Quadratic lesson", "GD on a parabola.", (
    Step("One run", "Train the defaults.", "Will the loss fall?", claims=("loss_falls",)),
    Step("A larger step", "lr 1 jumps to the minimum.", "How fast now?", settings={"lr": 1.0, "steps": 10},
         n_seeds=2, action="seeds"),
    Step("Sweep lr", "Both step sizes.", "Which ends lower?", action="sweep", claims=("larger_lr_faster",)),
))

EXPERIMENT = dataclasses.replace(quadratic.EXPERIMENT, name="quadratic_lesson", title="GD on a quadratic, a lesson",
                                 claims=CLAIMS, lesson=LESSON)
