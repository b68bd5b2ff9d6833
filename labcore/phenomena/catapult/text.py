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
    "seed 0): c = 0.5 and 1.5: the loss falls monotonically and λ moves 0.4-0.5 %. c = 2.5, 3, 3.5: the "
    "loss peaks 82×, 257× and 534× its start at steps 10, 7 and 5, λ falls 43-72 % and the final η·λ is "
    "1.43, 0.87 and 1.28, below 2; the loss ends far below its start. c ≥ 3.8 diverges (the loss "
    "overflows within ~10 steps) on seeds 0-2: this net's maximal rate is about 3.6-3.8/λ₀, close to the "
    "paper's uv model (4/λ₀), not the ≈ 12/λ₀ the paper measured for its ReLU networks.")
