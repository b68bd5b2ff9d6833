"""The neural-collapse lesson: the terminal phase, seeds, weight decay, what stops the collapse."""
from __future__ import annotations

from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Neural collapse in the terminal phase",
    summary="Training past zero error shrinks every class to a point and spreads the classes into a simplex.",
    steps=(
        Step("Past zero training error",
             "Run the defaults on three seeds (the claims are judged on three): an MLP with BatchNorm on 500 "
             "digits, constant learning rate, weight decay 5e-3, 300 epochs. Training error reaches 0 within "
             "about ten epochs (the dotted line). Watch NC1 and NC4 after the line.",
             "Once every training point is classified right, is there anything left for SGD to change?",
             action="seeds", n_seeds=3, claims=("nc1", "nc4")),
        Step("Three seeds, and the simplex",
             "Train three seeds. Look at the equiangularity and self-duality charts, then at the cosine "
             "matrix in Artifacts: the off-diagonal cosines gather at −1/9.",
             "Why −1/(C−1), and not 0 (orthogonal class means)?",
             action="seeds", n_seeds=3, claims=("nc2_angle", "nc3", "test_error")),
        Step("Weight decay drives it",
             "Run the three weight decays side by side (5e-3, the Colab's 5e-4, and 0).",
             "Without weight decay the loss can still fall by growing the weights; what does weight decay "
             "force the features to do instead?",
             action="arms", claims=("weight_decay",)),
        Step("What stops the collapse",
             "Apply the preset *MLP without BatchNorm, 1,500 digits, the Colab's step schedule*: weight decay "
             "5e-4 and the lr divided by 10 at epochs 100 and 200. Compare the equiangularity with the defaults'.",
             "What happens to the collapse after the first lr decay, and why?",
             action="seeds", n_seeds=3, preset="MLP without BatchNorm, 1,500 digits, the Colab's step schedule",
             claims=("nc2_angle",)),
        Step("Another loss",
             "Apply the preset *MSE loss*: the same net trained on the squared error to one-hot targets.",
             "Does the collapse depend on cross-entropy?",
             action="seeds", n_seeds=3, preset="MSE loss", claims=("nc1", "nc3")),
    ),
)
