"""Page text of the mode-connectivity phenomenon (kept apart so __init__ stays short)."""
from __future__ import annotations

PAGE_TEXT = (
    "Two copies of a network branch off a shared training run at step k and finish training with different "
    "data orders. If the error stays flat on the straight line between their solutions (a **barrier below "
    "2 %**), training was already **stable to SGD noise** at k. A batch-normalised MLP on Fashion-MNIST is "
    "unstable at k = 0 but stable after a few steps; LeNet on MNIST is stable from the start.")

REFERENCE = (
    "Frankle, Dziugaite, Roy & Carbin 2020, *Linear Mode Connectivity and the Lottery Ticket Hypothesis*, "
    "ICML; Goodfellow, Vinyals & Saxe 2015, *Qualitatively Characterizing Neural Network Optimization "
    "Problems*, ICLR; Li, Xu, Taylor, Studer & Goldstein 2018, *Visualizing the Loss Landscape of Neural "
    "Nets*, NeurIPS; Ghorbani, Krishnan & Xiao 2019, *An Investigation into Neural Net Optimization via "
    "Hessian Eigenvalue Density*, ICML; Papyan 2019, *Measurements of Three-Level Hierarchical Structure in "
    "the Outliers in the Spectrum of Deepnet Hessians*, ICML; Yao, Gholami, Keutzer & Mahoney 2020, "
    "*PyHessian* (code: amirgholami/PyHessian).")

DETAILS = (
    "**Recipe.** A shared trunk trains from the init θ₀ with one data order; at each spawn step k its weights "
    "and momentum are copied into two children, which train the remaining steps − k steps with data orders "
    "of their own. Along the segment (1 − α)·θ_a + α·θ_b (α in 11 points) the test and train error are "
    "measured (BatchNorm on the batch's statistics); the **barrier** is the maximum minus the mean of the two "
    "ends. The link with [lottery tickets](/lottery_ticket): Frankle et al. find that rewinding a pruned net "
    "to step k works exactly when the dense net is stable from k, so late rewinding needs the same k as here.\n\n"
    "**What the defaults show** (Fashion-MNIST 3,000 train / 1,000 test, 5 × (Linear 128-BatchNorm-ReLU), "
    "SGD η = 0.2, momentum 0.9, batch 60, 400 steps, k = 0 / 10 / 30 / 100; mean of seeds 0/1/2; 22-43 s a "
    "seed on a loaded 2-core CPU): training-error barrier 6.4 % at k = 0, then 0.7 / 0.9 / 0.3 % (test error: "
    "4.6 %, then 1.0 / 1.1 / 0.4 %), so the net is stable from k = 10 (2.5 % of training); the children's "
    "test error ≈ 18 %. One seed's barrier at k = 0 ranges from 1 % to 11 %, hence three seeds. The claims "
    "read the training-error barrier: on 1,000 test examples the test barrier has a noise floor of about 1 %. "
    "The *LeNet on MNIST* preset (MNIST-5k, LeNet-300-100, plain SGD η = 0.1; 12-20 s): barrier 0.4 % "
    "(test) and 0.3 % (train) at k = 0.\n\n"
    "**The landscape** (artifacts of the k = 0 child a): the 1-D slice from θ₀ to the solution (Goodfellow "
    "et al.: monotone on the way down) and the loss on a plane through the solution in two random "
    "filter-normalised directions (Li et al.: each row of a weight matrix of the direction rescaled to the "
    "norm of that row of the weights; biases and BatchNorm parameters held fixed).\n\n"
    "**The Hessian's spectrum** there, from Hessian-vector products on 500 training examples: the sharpness "
    "by Lanczos, the density by stochastic Lanczos quadrature (2 Rademacher vectors × 40 steps, Gaussian "
    "broadening 1 % of its width), the trace by Hutchinson (20 samples) and the top eigenvalue of each "
    "layer's block. LeNet's spectrum is a bulk near 0 with 9 outliers for 10 classes on each of seeds 0-2 "
    "(C − 1 under cross-entropy; top 9.1-9.4, the 11th eigenvalue 0.07-0.08 × that; trace 72-82 by "
    "Hutchinson, ± 5-6), and SLQ's top Ritz value is the "
    "Lanczos sharpness to 1e-5; the batch-normalised net's top eigenvalues decay without a clear gap.")
