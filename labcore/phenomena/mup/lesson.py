"""The μP lesson: tune once at small width, transfer the learning rate; SP's optimum drifts."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="μP: tune the learning rate once, at small width",
    summary="Train the same MLP at three widths over a grid of learning rates, in μP and in the standard "
            "parametrisation, and see which one keeps its best learning rate as it grows.",
    steps=(
        Step("The transfer plot under μP",
             "Each run trains the MLP 784 → n → n → 10 at widths 64, 256 and 1024, once per learning rate of "
             "the grid, and plots the training loss of its last epoch against log₂ lr, one curve per width. "
             "Train 3 seeds.",
             question="Will the wider nets want a smaller learning rate, or the same one?",
             action="seeds", n_seeds=3, claims=("mup_transfer",)),
        Step("The same grid in the standard parametrisation",
             "Switch to SP: every layer N(0, 1/fan_in) and the same Adam rate everywhere, as most code does.",
             question="Where will the minimum of the width-1024 curve be, compared with width 64?",
             action="seeds", n_seeds=3, settings={"parametrization": "sp"}, claims=("sp_drift",)),
        Step("The coordinate check",
             "Train the three parametrisations side by side and compare the mean |activation| of each layer "
             "over the first four Adam steps at one fixed rate, against width.",
             question="Under SP an Adam step moves every hidden weight by about lr: what does that do to a sum "
                      "over n of them as n grows?",
             action="arms", claims=("coord_check",)),
        Step("Wider is better",
             "Back to μP: the chart of the training loss against width, one line per learning rate.",
             question="Is there a learning rate at which the wider net is worse?",
             action="seeds", n_seeds=3, claims=("wider_better",)),
        Step("μP with MSE",
             "Repeat the μP grid with loss = mse.",
             question="The minima lined up with cross-entropy. With MSE, is the widest net's curve still sharp at "
                      "its minimum, and does the rate tuned at width 64 still do well at width 1024?",
             action="seeds", n_seeds=3, settings={"loss": "mse"}),
    ),
)
