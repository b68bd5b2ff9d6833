"""The lottery-ticket lesson: sparse subnetworks that train as well as the dense net."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Winning tickets",
    summary="Prune a trained network, rewind the survivors to their initial values, retrain: the sparse net "
            "learns as well as the dense one.",
    steps=(
        Step("Prune and rewind",
             "Each round trains the network, removes the 20% smallest remaining weights and rewinds the rest "
             "to their starting values. After 12 rounds only about 7% of the weights are left.",
             question="How accurate will a network with 7% of its weights be, compared with the full one?"),
        Step("Is the ticket as good as the dense net?",
             "Train three seeds so the comparison is not luck. The winning ticket is compared with the "
             "dense net, with the same mask reinitialised at random, and with a random mask.",
             question="Which matters more: which weights are kept, or the values they start from?",
             action="seeds", n_seeds=3, claims=("winning_matches_dense", "beats_controls")),
        Step("Do tickets learn faster?",
             "Look at the early-stopping step: when each pruned net reached its lowest validation loss.",
             question="Will sparser tickets need more steps or fewer than the dense net?",
             action="seeds", n_seeds=3, claims=("learns_faster",)),
    ),
)
