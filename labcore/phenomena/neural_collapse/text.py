"""Page text of the neural-collapse phenomenon (kept apart so __init__ stays short)."""
from __future__ import annotations

# Formulas in page text are KaTeX ($...$, which st.markdown renders); as raw text "Σ_W" read as
# code, and Markdown took the underscores for emphasis. Plotly titles use <sub>/<sup> instead.
NC1_TEX = r"$\mathrm{Tr}(\Sigma_W \Sigma_B^{+})/C$"
NC1_TITLE = "Tr(Σ<sub>W</sub> Σ<sub>B</sub><sup>+</sup>)/C"

REFERENCE = ("Papyan, Han & Donoho 2020, *Prevalence of neural collapse during the terminal phase of deep "
             "learning training*, PNAS 117(40); the authors' Colab (neuralcollapse/neuralcollapse).")

CLAIM = (
    "**The claim** (Papyan, Han & Donoho 2020): keep training a classifier after its training error has "
    "reached zero (the *terminal phase*, which starts at the dotted line) and its last-layer features "
    "**collapse**. **NC1**: each training point's features move onto its class mean (the within-class "
    "variability " + NC1_TEX + " vanishes). **NC2**: the centred class means become equally long and "
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
    "0. NC1 here is " + NC1_TEX + " as in the paper's figures (the Colab logs it without the /C). The "
    "*paper scale* presets are that recipe on the MNIST subset (GPU).")

HOW = (
    "**Reading the page.** Epochs are on a log axis: the metrics fall by orders of magnitude. Train "
    "error is measured every epoch (so the zero-error epoch is exact), NC1-NC4 and test error at about "
    "`measure_points` log-spaced epochs and at the zero-error epoch. *N seeds* adds ±1 std bands; "
    "*Side by side* trains three weight decays; *Sweep weight_decay* plots the final values against it; "
    "*Artifacts* holds the centred class means' cosine matrix at the zero-error epoch and at the latest "
    "measurement (−1/(C−1) off the diagonal at collapse). "
    "**Why BatchNorm and a constant lr**: an MLP without BatchNorm on digits reaches zero error but its "
    "class means stop short of equiangularity (avg |cos + 1/9| stays ~0.3), and the Colab's early lr decays "
    "freeze the collapse where it is (measured here on CPU: NC2 0.21 → 0.245): the collapse needs a long "
    "terminal phase at an undecayed learning rate and enough weight decay (see the presets).")

MEASURED = (
    "**What the defaults show** (500 digits standardised, MLP 256-256-256 with BatchNorm, cross-entropy, SGD "
    "lr 0.05 momentum 0.9, weight decay 5e-3, batch 128, constant lr, 300 epochs; 5.5-7.7 s of CPU a seed on "
    "one core). Seeds 0 / 1 / 2 reach zero training error at epochs 8 / 9 / 7; from there to epoch 300: "
    "NC1 0.109 → 0.0010 / 0.100 → 0.0015 / 0.112 → 0.0025 (106x / 67x / 45x); equiangularity of the "
    "means 0.101 → 0.018 / 0.098 → 0.020 / 0.115 → 0.019; equinorm of the means 0.12 → 0.02-0.05; NC3 "
    "0.34 → 0.016 / 0.33 → 0.018 / 0.33 → 0.022; NC4 0.002-0.006 → 0; test error 5.0 → 2.4 % / 4.0 → 2.4 % "
    "/ 6.0 → 1.2 %. **Weight decay**: with 5e-4 (seed 0) NC1 ends at 0.040, equiangularity 0.054, NC3 "
    "0.21; with 0 (seeds 0, 1) at 0.060 / 0.059, 0.070 / 0.063, 0.25 / 0.25: the collapse starts the same "
    "way but stalls. **The step schedule** with the defaults: NC1 0.015 at epoch 100, then only 0.0087 at "
    "300 (NC3 0.137 → 0.121). **Without BatchNorm** (the preset: 1,500 digits, wd 5e-4, step "
    "decays): NC1 0.27 → 0.23, equiangularity 0.30 → 0.285, NC3 0.22 → 0.18, NC4 0.010 → 0.0007: NC1, "
    "NC3 and NC4 move a little, NC2 not at all. **MSE loss**: zero error at epoch 11, NC1 0.37 → 0.0008, "
    "equiangularity 0.14 → 0.020, NC3 1.27 → 0.062.")

INTRO = (
    "Keep training a classifier after its training error reaches zero (the *terminal phase*, from the "
    "dotted line) and its last-layer features **collapse**: each class shrinks onto its mean (NC1), the "
    "means spread into a simplex with every pairwise cosine −1/(C−1) (NC2), the classifier rows line up "
    "with them (NC3) and it decides like a nearest-class-centre rule (NC4). Test error keeps improving "
    "meanwhile.")

PAGE_TEXT = INTRO
DETAILS = "\n\n".join((CLAIM, PAPER, HOW, MEASURED))
