"""The edge-of-stability lesson: sharpness rises to 2/η, hovers there, and follows η."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Gradient descent at the edge of stability",
    summary="Full-batch gradient descent drives the curvature up until it sits exactly at the stability limit 2/η.",
    steps=(
        Step("Watch the curvature grow",
             "A small network is trained with plain gradient descent on the whole data set at step size "
             "η = 0.15. The *sharpness* is the largest curvature of the loss; classical theory says GD is "
             "only stable while it stays below 2/η (the dashed line).",
             question="The sharpness starts well below 2/η. Will training keep it there, or push it up?",
             claims=("progressive_sharpening",)),
        Step("Stay at the edge",
             "Same run, later part. Once the sharpness reaches 2/η, GD should start to oscillate and blow "
             "up — yet the loss keeps going down.",
             question="After reaching 2/η, does the sharpness overshoot, fall back, or stay near the line?",
             claims=("hovers_at_edge", "loss_keeps_falling")),
        Step("Change the step size",
             "Now train four step sizes. If the edge is really set by η, each run's sharpness should "
             "settle at its own 2/η: a smaller step lets the curvature climb higher.",
             question="If η doubles, what happens to the final sharpness?",
             action="sweep", claims=("sharpness_follows_lr",)),
        Step("Adam at its own edge",
             "Switch to full-batch Adam at η = 0.002. Adam divides each step by √v̂, so the curvature that "
             "matters is the preconditioned sharpness λmax(P⁻¹H), and with momentum β₁ = 0.9 its stability "
             "threshold is (2 + 2β₁)/((1 − β₁)η) = 38/η.",
             question="Will the preconditioned sharpness stop at 38/η the way GD's stopped at 2/η, even though "
                      "Adam keeps changing P?",
             settings={"optimizer": "adam", "lr": 0.002}, claims=("adam_edge",)),
    ),
)
