"""Page text of the information-bottleneck phenomenon, and H(Y) for its reference lines (kept apart so __init__
stays short)."""
from __future__ import annotations


def h_y() -> float:
    """H(Y) of the 12-bit task in bits (≈ 1): the ceiling of every I(T;Y)."""
    from labcore.phenomena.information_bottleneck import data

    return data.label_entropy()


REFERENCE = ("Shwartz-Ziv & Tishby 2017, *Opening the Black Box of Deep Neural Networks via "
             "Information* (code: ravidziv/IDNNs); Saxe et al. 2018, *On the Information Bottleneck "
             "Theory of Deep Learning* (code: artemyk/ibsgd).")

PAGE_TEXT = (
    "A 12-10-7-5-4-3-2 net learns a 12-bit rule; at log-spaced epochs the binned mutual information of each "
    "hidden layer with the input, I(X;T), and with the label, I(T;Y), is measured. **Tishby's claim**: with "
    "tanh each layer first *fits* (I(T;Y) rises to H(Y)) and then *compresses* (I(X;T) falls). **Saxe's "
    "answer**: the fall is tanh saturating; relu with the same binning does not compress.")

DETAILS = (
    "A 12-10-7-5-4-3-2 net learns a spherically symmetric rule on all 4096 12-bit patterns "
    "(85 % trained on). At log-spaced epochs every hidden layer's activations are cut into "
    "fixed-width bins (30 over [-1, 1] for tanh; the same width from 0 up for relu) and the "
    "mutual information of the binned layer T with the input X and the label Y is measured on "
    "all 4096 patterns (each pattern is its own X, so I(X;T) = H(T)). **Tishby's claim**: with "
    "tanh each layer first *fits* (I(T;Y) rises to H(Y) ≈ 1 bit) and then *compresses* (I(X;T) "
    "falls). **Saxe's answer**: the fall is tanh saturating into the end bins as the weights "
    "grow; relu with the same binning does not compress. Use *Run the 2 variants* (same seed) "
    "to fill both information planes. **What the defaults show** (Adam 4e-4 as the original, "
    "batch 512, 3000 epochs instead of 10^4; seeds 0/1/2): tanh's last hidden layer peaks at "
    "I(X;T) = 8.5/8.5/9.2 bits near epoch 110-170 and ends at 1.7/2.6/2.2 bits (a 80/69/76 % "
    "fall) with I(T;Y) = 1.000/0.999/1.000 of H(Y) = 1.000; relu's rises to 8.6/8.9 bits at "
    "the last epoch for seeds 0/1 (no fall), but seed 2 dips 12 % (8.4 bits at epoch 208 → 7.4 "
    "at 3000): its 3 relu units switch off (output exactly 0, all in bin 0) on 40-50 % of the "
    "patterns as they specialise, which is not saturation. **Paper scale** (10^4 epochs, "
    "≈ 1.5-2 min a run on one CPU core): relu ends at its maximum for all three seeds "
    "(9.5/9.3/8.4 bits, falls 0.0/0.2/0.0 %; seed 2's dip recovers) and tanh seed 0 falls 87 % "
    "(8.6 → 1.1 bits). Larger Adam steps (lr ≳ 4e-3) make the narrow relu layers die outright "
    "(I(X;T) = 0), so the default keeps the original 4e-4 and shortens the run instead."
)
