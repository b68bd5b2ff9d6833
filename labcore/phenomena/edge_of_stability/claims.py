"""Claims of the edge of stability (Cohen et al. 2021), pure functions over Evidence."""
from __future__ import annotations

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, Claim, Evidence, Verdict
from labcore.core.judging import by_value, final, fmt, slope

# "Reaching 2/η": the paper's figures mark the edge where the sharpness first crosses ~2/η; we
# count it reached at 0.9 × 2/η (defaults: step 380, page text / DESIGN.md §5).
REACHED = 0.9
# Progressive sharpening starts below the edge: the defaults start at 0.32 × 2/η.
BELOW = 0.75
# Hovering: DESIGN.md §5 "hovers around it (within ~±20%)"; the defaults stay at 0.99-1.07 × 2/η
# over the last 30% of steps. Mean within ±12% and every estimate within 0.8-1.25 ×.
TAIL = 0.3
HOVER_MEAN = (0.88, 1.12)
HOVER_ALL = (0.8, 1.25)
# The loss keeps falling after the edge (defaults 0.087 → 0.040) with upticks (148).
LOSS_FALL = 0.8
UPTICKS = 5
LRS = (0.12, 0.17, 0.24, 0.34)   # the page's η sweep
SLOPE_BAND = (-1.2, -0.8)        # final sharpness ∝ (2/η)^1 (defaults sweep: 0.98)


def _sharpness(ev: Evidence):
    """(steps, sharpness / (2/η)) of the seed-mean sharpness curve of a single setting."""
    curve = ev.curve("sharpness")
    lr = float(ev.frame["cfg_lr"].iloc[0])
    return curve.index.to_numpy(), curve.to_numpy() * lr / 2.0


def _edge(ev: Evidence):
    """The first step at which the sharpness reached REACHED × 2/η (None if never)."""
    steps, ratio = _sharpness(ev)
    hit = [s for s, r in zip(steps, ratio) if r >= REACHED]
    return hit[0] if hit else None


@final
def sharpening(ev: Evidence) -> Verdict:
    """Starts below BELOW × 2/η and rises to REACHED × 2/η."""
    steps, ratio = _sharpness(ev)
    if ratio[0] >= BELOW:
        return Verdict(NOT_APPLICABLE, f"starts at {fmt(ratio[0], 2)} × 2/η: already at the edge (η too large "
                                       "for this net)")
    edge = _edge(ev)
    measured = f"{fmt(ratio[0], 2)} × 2/η at step 0 → max {fmt(ratio.max(), 2)} × 2/η"
    if edge is None:
        return Verdict(FAILS, measured + f": 2/η not reached in {int(steps[-1])} steps")
    return Verdict(HOLDS, measured + f", reached {REACHED} × 2/η at step {int(edge)}")


@final
def hovers(ev: Evidence) -> Verdict:
    """Over the last TAIL of the steps, after reaching the edge, the sharpness stays near 2/η."""
    steps, ratio = _sharpness(ev)
    edge = _edge(ev)
    if edge is None:
        return Verdict(NOT_APPLICABLE, f"2/η never reached (max {fmt(ratio.max(), 2)} × 2/η): η too small for "
                                       f"{int(steps[-1])} steps")
    tail = ratio[steps >= (1 - TAIL) * steps[-1]]
    if edge > (1 - TAIL) * steps[-1]:
        return Verdict(NOT_APPLICABLE, f"edge reached only at step {int(edge)}: too late to see it hover")
    mean = float(tail.mean())
    measured = (f"{fmt(mean, 3)} × 2/η on average over the last {int(100 * TAIL)}% of steps "
                f"(range {fmt(tail.min(), 3)}-{fmt(tail.max(), 3)})")
    ok = HOVER_MEAN[0] <= mean <= HOVER_MEAN[1] and tail.min() >= HOVER_ALL[0] and tail.max() <= HOVER_ALL[1]
    return Verdict(HOLDS if ok else FAILS, measured)


@final
def loss_falls(ev: Evidence) -> Verdict:
    """After the edge the loss keeps falling (final ≤ LOSS_FALL × loss at the edge), not monotonically."""
    edge = _edge(ev)
    if edge is None:
        return Verdict(NOT_APPLICABLE, "2/η never reached: ordinary (stable) gradient descent")
    loss = ev.curve("loss")
    after = loss[loss.index >= edge]
    ups = int((after.diff().dropna() > 0).sum())
    ratio = float(after.iloc[-1] / after.iloc[0])
    measured = f"loss {fmt(after.iloc[0])} at the edge → {fmt(after.iloc[-1])} (× {fmt(ratio, 2)}), {ups} upticks"
    return Verdict(HOLDS if ratio <= LOSS_FALL and ups >= UPTICKS else FAILS, measured)


@final
def follows_lr(ev: Evidence) -> Verdict:
    """Final sharpness ∝ 2/η over the η sweep: log-log slope against η in SLOPE_BAND."""
    table = by_value(ev, "lr", "sharpness")
    if len(table) < 2:
        return Verdict(NOT_APPLICABLE, "needs two or more step sizes")
    s = slope(table["value"], table["mean"])
    ratios = table["mean"] * table["value"] / 2.0
    measured = (f"final sharpness ∝ η^{fmt(s, 2)}; final × η/2 = "
                + ", ".join(f"{r:.2f}" for r in ratios) + f" at η = {', '.join(fmt(v) for v in table['value'])}")
    ok = SLOPE_BAND[0] <= s <= SLOPE_BAND[1]
    return Verdict(HOLDS if ok else FAILS, measured)


CLAIMS = (
    Claim("progressive_sharpening", "The sharpness starts below 2/η and rises until it reaches 2/η "
          "(progressive sharpening)", paper="rises to 2/η", source="Fig. 1",
          metrics=("sharpness", "loss"), judge=sharpening, seeds=1, needs="press Run"),
    Claim("hovers_at_edge", "Once there, the sharpness hovers at 2/η instead of exceeding it",
          paper="≈ 2/η (within ~±20%)", source="Fig. 1, §3",
          metrics=("sharpness",), judge=hovers, seeds=1, needs="press Run"),
    Claim("loss_keeps_falling", "At the edge the loss keeps falling over long timescales, non-monotonically",
          paper="loss falls, non-monotone", source="Fig. 1, §3",
          metrics=("loss", "sharpness"), judge=loss_falls, seeds=1, needs="press Run"),
    Claim("sharpness_follows_lr", "Over step sizes, the sharpness settles at 2/η (slope −1 against η)",
          paper="final sharpness ≈ 2/η", source="Fig. 1 (several η)",
          metrics=("sharpness",), judge=follows_lr, scope="sweep", axis="lr", values=LRS, seeds=1,
          needs="press Sweep lr (4 runs)"),
)
# seeds=1: GD is full batch, so a seed only changes the init; the defaults sit well inside every
# band (edge at step 380 of 1,000, tail 0.99-1.07 × 2/η, sweep slope -0.98).
