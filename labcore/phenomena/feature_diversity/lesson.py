"""The feature-diversity lesson: a ConstNet stays symmetric until something breaks the symmetry."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Identical channels and how to break them",
    summary="A network whose channels all start identical never learns more than one channel, unless a "
            "tiny bit of randomness breaks the symmetry.",
    steps=(
        Step("Start with identical channels",
             "ConstNet starts every channel with the same weights and trains deterministically. The "
             "correlation charts measure how alike the channels are (1 = identical).",
             question="Gradient descent sees the same numbers in every channel. "
                      "Can two channels ever become different?",
             settings={"init": "constant", "breaker": "none"}, claims=("constnet_stays_symmetric",)),
        Step("Add a tiny symmetry breaker",
             "Same net, but dropout of 1% is switched on: each step drops a few random units, so channels "
             "see slightly different gradients.",
             question="Will such a small perturbation still matter after hundreds of steps?",
             settings={"init": "constant", "breaker": "dropout"}),
        Step("Compare with random init",
             "Train the variants side by side: deterministic ConstNet, ConstNet with dropout, ConstNet "
             "with gradient noise, and an ordinary randomly initialised net.",
             question="Which of the four will reach the best accuracy, and which the worst?",
             action="arms", claims=("breakers_reach_he",)),
        Step("LeakyNet: identity layers",
             "LeakyNet starts most layers as the identity with a leaky ReLU. It is another symmetric "
             "start that still trains once something breaks the symmetry.",
             question="Do the correlations fall as they did with dropout?",
             preset="LeakyNet", settings={"breaker": "dropout"}),
    ),
)
