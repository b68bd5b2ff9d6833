"""The catapult page's long text: what the defaults show and the paper's reference."""

REFERENCE = ("Lewkowycz, Bahri, Dyer, Sohl-Dickstein & Gur-Ari 2020, *The large learning rate phase of "
             "deep learning: the catapult mechanism*, arXiv:2003.02218.")

DETAILS = (
    "**Setting**: f(x) = vᵀ relu(Wx/√d)/√m with N(0, 1) weights (NTK parametrisation, no biases), "
    "loss ½·mean (f − y)², full-batch GD with η = c/λ₀, λ₀ the largest eigenvalue of Θ = JJᵀ/n on the "
    "training set at initialisation (exact: the n × n kernel in closed form, checked against the "
    "Jacobian). Linearised GD multiplies the error along λ's eigenvector by (1 − η·λ) a step, so it is "
    "stable only while η·λ < 2. Inputs are standardised and scaled to norm √d; targets are ±1 (lower "
    "vs upper half of the classes). **What the defaults show** (digits, n 128, width 2048, 300 steps, "
    "seed 0, this lab's runs): c = 0.5, 1 and 1.5: the loss falls monotonically and λ moves 0.5-0.6 %. "
    "c = 2.5, 3 and 3.5: the loss peaks 86×, 302× and 542× its start at steps 12, 8 and 6, λ falls 44 %, "
    "72 % and 72 % (η·λ below 2 from step 15, 10 and 10) and ends at η·λ = 1.42, 0.86 and 1.04; the loss "
    "ends 10⁻⁴-10⁻⁵ of its start. Seeds 0-2 train at c = 3.6 (peaks 550-780×) and diverge at c = 3.7 "
    "(the loss overflows by step 12-13), and at 5, 8, 12, 16 by step 5-8: this net's maximal rate is "
    "about 3.65/λ₀, close to the "
    "paper's uv model (4/λ₀), not the ≈ 12/λ₀ the paper measured for its ReLU networks (width 8192 "
    "leaves it at 3.6-3.7; MNIST-5k, n 256, seed 0 trains up to 3.2 and diverges at 3.3; the spike grows "
    "with the width: 666× at 2048, 1548× at 8192 for c = 3.6). Over seeds 100-109: c = 3 peaks 174-431× and "
    "ends at η·λ = 0.86-0.95, c = 3.5 "
    "321-840× and 0.81-1.63, and c = 5 diverges on every seed. A default run takes 4-8 s of one core "
    "on a loaded 2-core machine (an upper bound).")
