"""Page text of the neural-collapse phenomenon (kept apart so __init__ stays short)."""
from __future__ import annotations

REFERENCE = ("Papyan, Han & Donoho 2020, *Prevalence of neural collapse during the terminal phase of deep "
             "learning training*, PNAS 117(40); the authors' Colab (neuralcollapse/neuralcollapse).")

CLAIM = (
    "**The claim** (Papyan, Han & Donoho 2020): keep training a classifier after its training error has "
    "reached zero (the *terminal phase*, which starts at the dotted line) and its last-layer features "
    "**collapse**. **NC1**: each training point's features move onto its class mean (the within-class "
    "variability Tr(Σ_W Σ_B⁺)/C vanishes). **NC2**: the centred class means become equally long and "
    "maximally separated, a *simplex equiangular tight frame*: every pairwise cosine → −1/(C−1) "
    "(−0.111 for 10 classes). **NC3**: the classifier's rows become the class means, up to scale. "
    "**NC4**: the net decides like a nearest-class-centre classifier. Test error does not suffer; it "
    "keeps improving.")

PAPER = (
    "**The paper's recipe** (the Colab): ResNet18 with a 3×3 stride-1 first conv and no max-pool, MNIST "
    "padded to 32×32, SGD lr 0.0679 (cross-entropy) or 0.0184 (MSE), momentum 0.9, weight decay 5e-4, batch "
    "128, 350 epochs, lr ×0.1 at epochs 116 and 233, measured at 50 log-spaced epochs on the training set "
    "in eval mode. Across 7 datasets and 3 nets, NC1 falls by one to three decades in the terminal phase, "
    "equiangularity and self-duality fall toward 0 and the mismatch with the nearest class centre goes to "
    "0. NC1 here is Tr(Σ_W Σ_B⁺)/C as in the paper's figures (the Colab logs it without the /C). The "
    "*paper scale* presets are that recipe on the MNIST subset (GPU).")

HOW = (
    "**Reading the page.** Epochs are on a log axis: the metrics fall by orders of magnitude. Train "
    "error is measured every epoch (so the zero-error epoch is exact), NC1-NC4 and test error at about "
    "`measure_points` log-spaced epochs and at the zero-error epoch. *N seeds* adds ±1 std bands; "
    "*Side by side* trains three weight decays; *Sweep weight_decay* plots the final values against it; "
    "*Artifacts* holds the centred class means' cosine matrix (−1/(C−1) off the diagonal at collapse). "
    "**Why BatchNorm and a constant lr**: an MLP without BatchNorm on digits reaches zero error but its "
    "class means stop short of equiangularity (avg |cos + 1/9| stays ~0.3), and the Colab's early lr decays "
    "freeze the collapse where it is (issue #30's measurement: NC2 0.21 → 0.245): the collapse needs a long "
    "terminal phase at an undecayed learning rate and enough weight decay (see the presets).")

PAGE_TEXT = "\n\n".join((CLAIM, PAPER, HOW))
