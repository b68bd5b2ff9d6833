"""The μP claims, judged on the grids of one or two parametrisations (pure: pandas only).

A run holds a whole width x learning-rate grid of one parametrisation (rows keyed by width,
`loss_lr{k}` the training loss over the last epoch at lr = 2⁻ᵏ), so each claim reads the seed
mean of one or two settings: `labcore check` trains 3 μP runs and 3 SP runs (seeds 0-2) for all
five claims.
"""
from __future__ import annotations

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, Claim, Evidence, Verdict
from labcore.core.judging import final, fmt

# Yang et al. 2022 (Tensor Programs V), Fig. 1 and Fig. 3: under μP the optimal learning rate
# stays at the same point of a grid spaced by factors of 2 from width 2⁷ to 2¹³; we allow one
# grid point (a factor 2) between the narrowest and the widest net. With cross-entropy (the
# defaults) every width's 3-seed-mean optimum is 2⁻⁷; with MSE width 1024's curve is flat from
# 2⁻⁸ to 2⁻⁵ (within 13 %) and its argmin wanders over that plateau (2⁻⁵ by 2 % over 2⁻⁷).
TRANSFER = 1
# μTransfer as the paper uses it (Algorithm 1: tune on the narrow proxy, copy to the wide net):
# the rate that is best at the narrowest width, used at each wider width, ends within REGRET of
# that width's best grid point. Measured on 3-seed means: with MSE μP's transferred rate loses
# 8.5 % at width 1024 and SP's 60 %; with cross-entropy μP's loses nothing (the same grid point).
# We ask at most 20 %.
REGRET = 0.20
# SP's optimum moves down with width (Yang et al. 2022, Fig. 1 left). For Adam the hidden layer's
# stable rate falls like 1/width (Table 3), 16x over widths 64-1024; the run's optimum moves
# less because the input and output layers do not need it. Asked: at least 2 grid points (4x)
# over a 16x width span. Measured (3-seed means, seeds 0-2): with cross-entropy (the defaults)
# 2⁻⁷ → 2⁻⁹ → 2⁻¹⁰ at widths 64, 256, 1024 (per seed 2-3 points); with MSE 2⁻⁸ → 2⁻⁹ → 2⁻¹⁰
# (exactly 2 in every seed). Cross-entropy drifts more here, so the claim is judged with it.
DRIFT = 2
SPAN = 16     # the width span (widest / narrowest) the drift and the coordinate growth are judged over
MIN_SPAN = 4  # a transfer claim over less than a factor 4 of width says nothing
# Coordinate check (Yang & Hu 2021, Fig. 2-3; Tensor Programs V, Fig. 5): under μP every layer's
# mean |coordinate| after a few steps is Θ(1) in width; under SP with Adam the hidden and output
# coordinates grow like the width (16x over 64-1024). Flat: widest / narrowest within a factor
# FLAT; grows: the output layer's ratio at least GROW (a quarter of the predicted 16x).
FLAT = 2.0
GROW = 4.0
LAYERS = ("coord_h1", "coord_h2", "coord_out")
# Wider is better at every learning rate under μP (Tensor Programs V, Fig. 1 right and Fig. 3:
# the μP curves never cross). A wider width's seed-mean loss counts as a crossing only when it is
# above the narrower one's by more than TIE and by more than NOISE standard errors of the
# difference of the two means: past the optimum (2⁻⁴ at the defaults) single seeds differ by
# 10-30 %, near it by a few percent.
TIE = 0.05
NOISE = 2.0
TRAINED = 0.5  # every width's best loss at most half its initial loss: else nothing was learned


def _setting(ev: Evidence, key: str, default=None):
    """A config value of the judged runs (from the frame, else the base config)."""
    col = f"cfg_{key}"
    if col in ev.frame and len(ev.frame):
        return ev.frame[col].iloc[0]
    return getattr(ev.config, key, default)


def lr_grid(frame) -> dict[int, dict[int, float]]:
    """{width: {exponent e: seed-mean last-epoch loss at lr = 2^e}} of a long frame (rows keyed by width)."""
    cols = [c for c in frame.columns if c.startswith("loss_lr")]
    if not cols or not len(frame):
        return {}
    means = frame.groupby("step")[cols].mean()
    return {int(w): {-int(c[len("loss_lr"):]): float(v) for c, v in row.items() if v == v}
            for w, row in means.iterrows()}


def lr_grid_se(frame) -> dict[int, dict[int, float]]:
    """{width: {exponent: standard error of the seed mean}} (0 with one run) of a long frame."""
    cols = [c for c in frame.columns if c.startswith("loss_lr")]
    if not cols or not len(frame):
        return {}
    grouped = frame.groupby("step")[cols]
    se = (grouped.std(ddof=1) / grouped.count() ** 0.5).fillna(0.0)
    return {int(w): {-int(c[len("loss_lr"):]): float(v) for c, v in row.items() if v == v} for w, row in se.iterrows()}


def best_exponents(grid: dict[int, dict[int, float]]) -> dict[int, int]:
    """{width: exponent of the lowest seed-mean loss} (the smaller rate on ties)."""
    return {w: min(losses, key=lambda e: (losses[e], e)) for w, losses in grid.items() if losses}


def _regime(ev: Evidence, parametrization: str, span: float) -> Verdict | None:
    """Not yet until every run is done; not applicable outside the claim's regime: another
    parametrisation, widths spanning less than `span`, a grid whose optimum sits at its edge at
    some width, or nets that learned nothing (best loss above TRAINED x the initial loss)."""
    if not ev.complete:
        return Verdict(NOT_YET if ev.active or not ev.statuses else FAILS, "runs not finished")
    got = str(_setting(ev, "parametrization", parametrization))
    if got != parametrization:
        return Verdict(NOT_APPLICABLE, f"judged on parametrization={parametrization} (got {got})")
    grid = lr_grid(ev.frame)
    if len(grid) < 2 or max(grid) / min(grid) < span:
        widths = "-".join(str(w) for w in sorted(grid)) or "none"
        return Verdict(NOT_APPLICABLE, f"widths {widths} span less than {span:g}x: the claim compares narrow and "
                                       f"wide nets over at least {span:g}x")
    exps = sorted({e for losses in grid.values() for e in losses})
    if len(exps) < 3:
        return Verdict(NOT_APPLICABLE, f"{len(exps)} learning rates: a grid of 3 or more is needed to find an optimum")
    best = best_exponents(grid)
    edge = {w: e for w, e in best.items() if e in (exps[0], exps[-1])}
    if edge:
        w, e = next(iter(edge.items()))
        return Verdict(NOT_APPLICABLE, f"at width {w} the best rate 2^{e} is the grid's edge "
                                       f"(2^{exps[0]}..2^{exps[-1]}): widen log2_lr_min..log2_lr_max to bracket "
                                       "the optimum")
    init = ev.frame.groupby("step")["loss_init"].mean() if "loss_init" in ev.frame else None
    if init is not None:
        for w, losses in grid.items():
            if losses[best[w]] > TRAINED * float(init.get(w, float("inf"))):
                return Verdict(NOT_APPLICABLE, f"at width {w} the best loss {fmt(losses[best[w]])} is above "
                                               f"{TRAINED:g}x the initial {fmt(init[w])}: too few steps to learn")
    return None


def _bests(best: dict[int, int]) -> str:
    return ", ".join(f"{w}: 2^{e}" for w, e in sorted(best.items()))


@final
def transfer(ev: Evidence) -> Verdict:
    """μP: the best grid exponent (seed-mean loss) differs by at most TRANSFER across widths."""
    skip = _regime(ev, "mup", MIN_SPAN)
    if skip:
        return skip
    best = best_exponents(lr_grid(ev.frame))
    spread = max(best.values()) - min(best.values())
    return Verdict(HOLDS if spread <= TRANSFER else FAILS,
                   f"best lr per width {_bests(best)}: spread {spread} grid point{'s' if spread != 1 else ''} "
                   f"(needs ≤ {TRANSFER}; {ev.n_runs()} seeds)")


@final
def transferred(ev: Evidence) -> Verdict:
    """μP: the narrowest width's best rate, used at each wider width, loses at most REGRET to that
    width's best grid point (seed-mean losses)."""
    skip = _regime(ev, "mup", MIN_SPAN)
    if skip:
        return skip
    grid = lr_grid(ev.frame)
    base = min(grid)
    e0 = best_exponents(grid)[base]
    losses = {w: grid[w][e0] / min(grid[w].values()) - 1 for w in sorted(grid) if w != base and e0 in grid[w]}
    worst = max(losses.values())
    return Verdict(HOLDS if worst <= REGRET else FAILS,
                   f"width {base}'s best rate 2^{e0} loses " + ", ".join(f"{100 * v:.1f} % at width {w}"
                                                                     for w, v in losses.items())
                   + f" to that width's best (needs ≤ {100 * REGRET:g} %; {ev.n_runs()} seeds)")


@final
def drift(ev: Evidence) -> Verdict:
    """SP: the best exponent at the widest net is at least DRIFT below the narrowest's."""
    skip = _regime(ev, "sp", SPAN)
    if skip:
        return skip
    grid = lr_grid(ev.frame)
    best = best_exponents(grid)
    lo, hi = min(best), max(best)
    moved = best[lo] - best[hi]
    regret = grid[hi].get(best[lo], float("nan")) / grid[hi][best[hi]] - 1  # width lo's rate used at hi
    return Verdict(HOLDS if moved >= DRIFT else FAILS,
                   f"best lr per width {_bests(best)}: {moved} grid points lower at width {hi} than at {lo} "
                   f"(needs ≥ {DRIFT}; loss {_setting(ev, 'loss', '?')}; {ev.n_runs()} seeds); width {lo}'s rate "
                   f"loses {100 * regret:.0f} % at width {hi}")


def coord_ratios(frame) -> dict[str, float]:
    """{layer metric: seed-mean value at the widest width / at the narrowest} of a long frame."""
    out = {}
    for m in LAYERS:
        if m in frame:
            per = frame.dropna(subset=[m]).groupby("step")[m].mean()
            if len(per) >= 2 and per.iloc[0] > 0:
                out[m] = float(per.iloc[-1] / per.iloc[0])
    return out


@final
def coord_check(ev: Evidence) -> Verdict:
    """μP: every layer's coordinate size within FLAT between the narrowest and widest net; SP:
    the output layer's grows at least GROW over a SPAN span of width."""
    if not ev.complete:
        return Verdict(NOT_YET if ev.active else FAILS, "runs not finished")
    arms = {p: ev.runs(parametrization=p) for p in ("mup", "sp")}
    if any(not len(f) for f in arms.values()):
        return Verdict(NOT_APPLICABLE, "needs a μP and an SP grid (parametrization mup and sp)")
    steps = sorted(arms["mup"]["step"].unique())
    if steps[-1] / steps[0] < SPAN:
        return Verdict(NOT_APPLICABLE, f"widths {steps[0]}-{steps[-1]} span less than {SPAN}x")
    mup, sp = coord_ratios(arms["mup"]), coord_ratios(arms["sp"])
    if not mup or "coord_out" not in sp:
        return Verdict(NOT_APPLICABLE, "no coordinate check measured")
    flat = all(1 / FLAT <= r <= FLAT for r in mup.values())
    grows = sp["coord_out"] >= GROW
    def ratios(table: dict[str, float]) -> str:
        return ", ".join(f"{k[6:]} ×{fmt(v, 2)}" for k, v in table.items())

    words = (f"widest/narrowest over {steps[0]}-{steps[-1]}: μP {ratios(mup)} (needs {1 / FLAT:g}..{FLAT:g}); "
             f"SP {ratios(sp)} (out needs ≥ {GROW:g})")
    return Verdict(HOLDS if flat and grows else FAILS, words)


@final
def wider_better(ev: Evidence) -> Verdict:
    """μP: at every rate of the grid, each wider net's seed-mean loss ≤ (1 + TIE) x the next narrower one's."""
    if not ev.complete:
        return Verdict(NOT_YET if ev.active else FAILS, "runs not finished")
    got = str(_setting(ev, "parametrization", "mup"))
    if got != "mup":
        return Verdict(NOT_APPLICABLE, f"judged on parametrization=mup (got {got})")
    grid = lr_grid(ev.frame)
    widths = sorted(grid)
    if len(widths) < 2:
        return Verdict(NOT_APPLICABLE, "one width: the claim compares widths")
    exps = sorted(set.intersection(*(set(grid[w]) for w in widths)))
    se = lr_grid_se(ev.frame)

    def crosses(e: int, a: int, b: int) -> bool:
        gap = grid[b][e] - grid[a][e]
        noise = NOISE * (se.get(a, {}).get(e, 0.0) ** 2 + se.get(b, {}).get(e, 0.0) ** 2) ** 0.5
        return gap > max(TIE * grid[a][e], noise)

    crossings = [(e, a, b) for e in exps for a, b in zip(widths, widths[1:]) if crosses(e, a, b)]
    named = "; ".join(f"lr 2^{e}: width {b} {fmt(grid[b][e])} > width {a} {fmt(grid[a][e])}"
                      for e, a, b in crossings[:3])
    words = (f"{len(exps)} rates x {len(widths)} widths: {named or 'no crossing'} "
             f"(a crossing: above by more than {TIE:.0%} and {NOISE:g} standard errors; {ev.n_runs()} seeds)")
    return Verdict(HOLDS if not crossings else FAILS, words)


NEEDS = "press N seeds = 3"
CLAIMS = (
    # seeds=3 for every claim: judged on the 3-seed mean loss, so one seed's minibatch noise at
    # a flat optimum does not move the best grid point
    Claim("mup_transfer", "Under μP the best learning rate is the same grid point (within 2x) at every width",
          paper="optimum stable from width 2⁷ to 2¹³", source="Yang et al. 2022, Fig. 1 and Fig. 3",
          metrics=("loss_lr{k}", "loss_init"), judge=transfer, scope="seeds", settings={"parametrization": "mup"},
          seeds=3, needs=NEEDS),
    Claim("tuned_rate_transfers", "Under μP the learning rate tuned at the narrowest width transfers: used at every "
          "wider width it ends within 20 % of that width's best loss",
          paper="tune the small proxy, copy its HPs (μTransfer)", source="Yang et al. 2022, Algorithm 1, Fig. 1",
          metrics=("loss_lr{k}", "loss_init"), judge=transferred, scope="seeds", settings={"parametrization": "mup"},
          seeds=3, needs=NEEDS),
    Claim("sp_drift", "Under the standard parametrisation the best learning rate falls with width: at least 2 grid "
          "points (4x) over 16x width, with cross-entropy (it drifts 3 points; MSE drifts 2)",
          paper="SP optimum shifts with width", source="Yang et al. 2022, Fig. 1 (left)",
          metrics=("loss_lr{k}", "loss_init"), judge=drift, scope="seeds", settings={"parametrization": "sp"},
          seeds=3, needs="set parametrization = sp, then " + NEEDS),
    Claim("coord_check", "The coordinate check is flat in width under μP (within 2x over 16x width) and grows under "
          "SP (the output ×4 or more)", paper="μP Θ(1); SP ∝ width", source="Yang & Hu 2021, Fig. 2-3; "
          "Yang et al. 2022, Fig. 5", metrics=LAYERS, judge=coord_check, scope="sweep", axis="parametrization",
          values=("mup", "sp"), seeds=3, needs="set N seeds = 3, then press the variants μP and SP"),
    Claim("wider_better", "Under μP wider is better at every learning rate of the grid",
          paper="μP loss curves never cross", source="Yang et al. 2022, Fig. 1 (right) and Fig. 3",
          metrics=("loss_lr{k}",), judge=wider_better, scope="seeds", settings={"parametrization": "mup"},
          seeds=3, needs=NEEDS),
)
