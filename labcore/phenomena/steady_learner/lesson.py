"""The steady-learner lesson: harder functions make the network's biases wander further."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="The steady learner",
    summary="Training on a more complex function makes the first layer's biases travel further and wobble more.",
    steps=(
        Step("Learn one function",
             "An MLP learns a wavy 2-d function with frequency f = 0.5, one sample per step. The charts "
             "follow the first layer's bias: how far it travels, how much it wobbles, how far it ends up "
             "from its start. A run stops early once it reaches its target loss.",
             question="While the loss falls, does the bias settle quickly or keep moving?"),
        Step("Make the function harder",
             "Sweep the frequency from 0.25 to 1 with three seeds each: higher frequency means a more "
             "complex function to fit.",
             question="Which frequency will give the longest bias trajectory?",
             action="sweep", n_seeds=3,
             claims=("trajectory_rises", "variance_rises", "distance_rises")),
        Step("Corrupt the labels",
             "A small CNN on digits, with a fraction of labels replaced at random. Memorising noise is "
             "another kind of complexity.",
             question="With 40% of the labels wrong, will the bias wobble more or less than with clean labels?",
             action="sweep", n_seeds=3, preset="cnn + label corruption",
             claims=("corruption_variance_rises",)),
    ),
)
