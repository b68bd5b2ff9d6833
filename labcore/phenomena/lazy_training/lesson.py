"""The lazy-training lesson: wider networks move their weights less."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Wide networks barely move",
    summary="The wider a network, the less its weights travel while it learns: in the limit it is a fixed kernel.",
    steps=(
        Step("Train one width",
             "A one-hidden-layer network of 256 units learns to classify digits with full-batch gradient "
             "descent. *rel_change* is how far the weights moved, relative to their starting size.",
             question="The training loss will drop a lot. By what fraction do you think the weights change?"),
        Step("Sweep the width",
             "Train widths 16 to 4096. On a log-log plot a power law is a straight line; theory predicts "
             "a slope near −1/2.",
             question="A network 16 times wider: how much less will its weights move?",
             action="sweep", claims=("rel_change_falls", "kernel_change_falls")),
        Step("The NTK parametrization",
             "Scale the output by 1/√width (the neural tangent kernel parametrization) and sweep again. "
             "Here the theory is exact.",
             question="Will the slope come closer to −1/2 than in the standard parametrization?",
             action="sweep", settings={"parametrization": "ntk"}, claims=("ntk_half_power",)),
    ),
)
