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


# Adam (Cohen et al. 2022, Fig. 1 and Sec. 3): full-batch Adam's preconditioned sharpness
# λmax(P⁻¹H) rises to (2 + 2β₁)/((1 − β₁)η) = 38/η at β₁ = 0.9 and hovers there. Judged with the
# SGD claims' bands (REACHED, BELOW, TAIL, HOVER_MEAN, HOVER_ALL) at ADAM_LR on the defaults'
# net (digits, fc-tanh 200-200, MSE): edge by step ~75 of 1,000, then 0.93-1.06 × 38/η (seed 0).
ADAM_LR = 2e-3


def limit(frame) -> float:
    """The threshold of the judged runs' optimiser: 2/η (GD), (2 + 2β₁)/((1 − β₁)η) (Adam)."""
    row = frame.iloc[0]
    lr = float(row["cfg_lr"])
    if str(row.get("cfg_optimizer", "sgd")) == "adam":
        beta1 = float(row.get("cfg_beta1", 0.9))
        return (2 + 2 * beta1) / ((1 - beta1) * lr)
    return 2.0 / lr


def _sharpness(ev: Evidence):
    """(steps, sharpness / threshold) of the seed-mean sharpness curve of a single setting
    (threshold 2/η for GD; Adam's preconditioned sharpness over (2 + 2β₁)/((1 − β₁)η))."""
    curve = ev.curve("sharpness")
    return curve.index.to_numpy(), curve.to_numpy() / limit(ev.frame)


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
    measured = f"{fmt(ratio[0], 2)} × 2/η at step {int(steps[0])} → max {fmt(ratio.max(), 2)} × 2/η"
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
def adam_edge(ev: Evidence) -> Verdict:
    """Full-batch Adam: the preconditioned sharpness starts below BELOW x 38/η, reaches REACHED x
    38/η and hovers there (the SGD bands, `sharpening` and `hovers`, on the Adam threshold)."""
    if str(ev.frame["cfg_optimizer"].iloc[0] if "cfg_optimizer" in ev.frame else "sgd") != "adam":
        return Verdict(NOT_APPLICABLE, "judged on optimizer=adam (the preconditioned sharpness)")
    rises, stays = sharpening(ev), hovers(ev)
    status = HOLDS if rises.status == HOLDS and stays.status == HOLDS else (
        NOT_APPLICABLE if NOT_APPLICABLE in (rises.status, stays.status) else FAILS)
    beta1 = float(ev.frame["cfg_beta1"].iloc[0]) if "cfg_beta1" in ev.frame else 0.9
    label = f"{(2 + 2 * beta1) / (1 - beta1):.3g}/η"  # 38/η at β₁ = 0.9
    return Verdict(status, f"{rises.measured}; {stays.measured}".replace("2/η", label))


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
    Claim("adam_edge", "Full-batch Adam: the preconditioned sharpness λmax(P⁻¹H) rises to (2 + 2β₁)/((1 − β₁)η) "
          "= 38/η and hovers there", paper="rises to 38/η, hovers", source="Cohen et al. 2022, Fig. 1, Sec. 3",
          metrics=("sharpness",), judge=adam_edge, settings={"optimizer": "adam", "lr": ADAM_LR}, seeds=1,
          needs=f"set optimizer = adam, lr = {ADAM_LR:g}, then press Run"),
)
# seeds=1: GD is full batch, so a seed only changes the init; the defaults sit well inside every
# band (edge at step 380 of 1,000, tail 0.99-1.07 × 2/η, sweep slope -0.98).
