"""The information-plane lesson: fitting, then compression with tanh, and none with relu."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Fitting and compression in the information plane",
    summary="How much a layer knows about the input, I(X;T), and about the label, I(T;Y), over training.",
    steps=(
        Step("Fit the labels",
             "A small tanh network learns a 12-bit toy task. Each dot in the information plane is one "
             "layer at one epoch: right means it keeps more about the input, up means more about the label.",
             question="As the network fits the labels, which way must the dots move first?"),
        Step("Does the last layer compress?",
             "Train three seeds of the same network. The claim from the paper is a second phase: after "
             "fitting, the last layer forgets input detail, so I(X;T) falls while I(T;Y) stays high.",
             question="After its peak, how far do you expect I(X;T) of the last layer to fall?",
             action="seeds", n_seeds=3, settings={"activation": "tanh"}, claims=("tanh_compresses",)),
        Step("Swap tanh for relu",
             "The same three seeds with relu. Saxe et al. argued that the compression comes from tanh "
             "saturating, not from learning itself.",
             question="Without saturation, will I(X;T) still fall after the fit?",
             action="seeds", n_seeds=3, settings={"activation": "relu"}, claims=("relu_no_compression",)),
        Step("Full batch",
             "Back to tanh, now with one full batch per step: no noise from mini-batches.",
             question="If compression were driven by gradient noise, what would happen here?",
             preset="full batch", settings={"activation": "tanh"}),
    ),
)
