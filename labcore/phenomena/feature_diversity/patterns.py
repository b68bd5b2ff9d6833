"""LeakyNet init patterns: one letter per weighted layer (no torch, so Configs can check them).

  h  random (He normal)    i  identity (centre tap)    1  averaging    0  zero
"""
from __future__ import annotations

LETTERS = "hi10"


def layer_count(blocks: int, arch: str) -> int:
    """Weighted layers a pattern covers: resnet stem + conv1, conv2 per block; mlp hidden layers."""
    return 1 + 6 * blocks if arch == "resnet" else blocks


def pattern_for(init: str, pattern: str, blocks: int, arch: str) -> str:
    """One letter per weighted layer for an init name (`leaky` uses `pattern`)."""
    n = layer_count(blocks, arch)
    if init == "constant":  # averaging convs, zero residual branches (conv2)
        return "1" + "10" * (3 * blocks) if arch == "resnet" else "1" * n
    if init == "random":
        return "h" * n
    return pattern.replace("_", "")


def check_pattern(pattern: str, blocks: int, arch: str) -> str | None:
    """None if `pattern` fits the architecture, else one line saying what is expected."""
    n = layer_count(blocks, arch)
    letters = pattern.replace("_", "")
    if not set(letters) - set(LETTERS) and len(letters) == n:
        return None
    if arch == "resnet":
        group = ("ii11" * blocks)[: 2 * blocks]
        shape = (f"the stem, then 3 groups of {2 * blocks} (conv1, conv2 per block) joined by '_', "
                 f"e.g. 1_{group}_{group}_{group}")
    else:
        shape = f"one per hidden layer, e.g. {'1' * n}"
    return f"{n} letters from h (random), i (identity), 1 (averaging), 0 (zero): {shape}"
