"""Mode connectivity: the lesson, 3-6 steps on the page (`?lesson=N`)."""
from labcore.core.lessons import Lesson, Step

from labcore.phenomena.mode_connectivity.claims import LENET

LESSON = Lesson(
    title="Stability to SGD noise in four steps",
    summary="Branch two copies of a net at step k, train them with different data orders, and see when the "
            "straight line between them stays flat.",
    steps=(
        Step("Branch at init",
             "Train three seeds: two copies of the batch-normalised MLP start from the same init (k = 0) and "
             "from later points of one shared run, and finish with different data orders. The first chart "
             "gives the error barrier on the line between each pair.",
             question="Will two nets with the same init but different minibatch orders end in one basin?",
             action="seeds", n_seeds=3, claims=("unstable_at_init",)),
        Step("When does it become stable?",
             "Read the barrier of the same three seeds against k (they are stored: nothing re-trains): it falls "
             "below 2 % after a few steps of shared training.",
             question="What fraction of training has to be shared before the children are linearly connected?",
             action="seeds", n_seeds=3, claims=("unstable_at_init", "stable_early")),
        Step("A small net on an easy task",
             "Switch to LeNet on MNIST with plain SGD: Frankle et al. found it stable from initialisation.",
             question="Will the barrier at k = 0 be above or below 2 % now?", action="seeds", n_seeds=3,
             settings=dict(LENET), claims=("lenet_stable",)),
        Step("The Hessian at the solution",
             "Open the run's artifacts: the spectrum of the Hessian at LeNet's solution is a bulk near 0 and a "
             "handful of outliers; count them against the 10 classes, and compare the top one with the "
             "Lanczos sharpness.",
             question="How many eigenvalues stand out of the bulk for a 10-class classifier?",
             action="seeds", n_seeds=3, settings=dict(LENET), claims=("c_outliers", "top_is_sharpness")),
    ),
)
