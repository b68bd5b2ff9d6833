"""Page text of the lottery-ticket phenomenon (kept apart so __init__ stays short)."""
from __future__ import annotations

REFERENCE = ("Frankle & Carbin 2019, *The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural "
             "Networks*, ICLR; late rewinding: Frankle, Dziugaite, Roy & Carbin 2020, *Linear Mode "
             "Connectivity and the Lottery Ticket Hypothesis*, ICML; MNIST-1D: Greydanus 2020, *Scaling "
             "Down Deep Learning*.")

CLAIM = (
    "**The claim** (Frankle & Carbin 2019): train a dense net, remove the fraction p of its hidden-layer "
    "weights with the smallest magnitude (over all layers at once), **reset the survivors to their "
    "initial values** and train again; repeat. The sparse nets found this way (*winning tickets*) "
    "train to the dense net's accuracy or better, and reach their minimum validation loss sooner, "
    "down to a small fraction of the weights. The same masks with a fresh init (**reinit**) or "
    "random masks with the same per-layer density (**random_prune**) learn slower and lose accuracy "
    "as the net gets sparser: the init matters, not only the architecture. Rewinding to step k "
    "(`rewind_step`) instead of 0 is *late rewinding* (Frankle et al. 2020), needed for larger nets.")

PAPER = (
    "**The paper's numbers** (LeNet-300-100 on MNIST, Gaussian Glorot init, Adam 1.2e-3, batch 60, "
    "50k iterations, 20 % per round of the hidden layers, 10 % of the output layer): winning tickets are "
    "found below 10-20 % of the weights; above that size they learn faster and reach higher test "
    "accuracy than the dense net. Learning is fastest at 21.1 % of the weights, slows below it "
    "(7.0 %), and at 3.6 % a winning ticket falls back to the dense net's performance; reinitialised "
    "tickets learn slower than the dense net and lose test accuracy after little pruning. The "
    "*paper scale* preset is that recipe (output layer left dense here; MNIST through torchvision, GPU).")

HOW = (
    "**Reading the page.** All three arms train in one run, round after round (round 0 is the dense "
    "net, density 1); the summary below draws test accuracy and the early-stop step (minimum "
    "validation loss) against density on a log axis, pruning to the right, with the dense net as a "
    "dashed line. *N seeds* adds ±1 std bands; the table gives the numbers; *Artifacts* holds each "
    "round's learning curves.")

MEASURED = "(measured numbers follow)"

PAGE_TEXT = "\n\n".join((CLAIM, PAPER, HOW, MEASURED))
