"""The preconditioner lesson: per-layer gradient scales fixed at init help early, then go stale."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="A preconditioner fixed at initialisation",
    summary="Rescale each layer's gradient so every layer learns at the same pace, "
            "using factors computed once at the start.",
    steps=(
        Step("The default training",
             "A small convolutional network trained with SGD and momentum, PyTorch's default init. The "
             "per-layer charts show how large each layer's gradient is.",
             question="Do the lowest and the highest layers get gradients of the same size?",
             settings={"method": "default"}),
        Step("Static preconditioning",
             "Train both methods side by side. *static* multiplies each layer's gradient by a factor "
             "computed at initialisation so every layer's gradient starts at the same scale.",
             question="Which method will have the lower loss after the first few hundred steps?",
             action="arms", claims=("static_ahead_early",)),
        Step("Does the head start last?",
             "The factors are never updated. As the weights move, they go stale, and in the original code "
             "(CIFAR-10) the default method overtakes within an epoch. Here, on Fashion-MNIST, the curves "
             "meet but stay level within the noise between seeds, even over two epochs.",
             question="What would have to change for the default method to overtake?",
             action="arms", claims=("default_overtakes",)),
        Step("A deeper network",
             "Add six extra layers. Gradients now shrink or grow layer after layer, which is what the "
             "preconditioner corrects.",
             question="Will the gap between the two methods get larger or smaller?",
             action="arms", settings={"extra_layers": 6}),
    ),
)
