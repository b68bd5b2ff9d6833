"""The catapult lesson: lazy below η·λ₀ = 2, a spike and a flatter kernel above, divergence past the maximum."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="The catapult: a step too large that still works",
    summary="A step size past the stability limit makes the loss blow up for a few steps, flatten the "
            "network's kernel and then train.",
    steps=(
        Step("A safe step",
             "Gradient descent on a wide network with step η = 1.5/λ₀, where λ₀ is the largest eigenvalue "
             "of its tangent kernel at the start. On a quadratic this is stable: η·λ₀ < 2.",
             question="Will the loss ever go up? Will the kernel's eigenvalue λ move?",
             action="seeds", n_seeds=3, settings={"lr_factor": 1.5}, claims=("lazy_below_two",)),
        Step("Past the limit",
             "Now η·λ₀ = 3: on a quadratic, gradient descent would diverge. Watch the loss for the first "
             "20 steps and η·λ on the second chart.",
             question="The loss rises at first. Does it ever come back down, and where does η·λ end up?",
             action="seeds", n_seeds=3, settings={"lr_factor": 3.0}, claims=("catapult",)),
        Step("Much too far",
             "η·λ₀ = 8: the same network, a step more than twice as large again.",
             question="Can the kernel flatten fast enough this time?",
             settings={"lr_factor": 8.0}),
        Step("Find the maximal rate",
             "Sweep η·λ₀ from 0.5 to 16. The summary chart shows, per rate, the peak loss over the initial "
             "loss and the final η·λ.",
             question="The paper's toy model diverges past η·λ₀ = 4. Where does this ReLU network stop training?",
             action="sweep", claims=("maximal_rate",)),
    ),
)
