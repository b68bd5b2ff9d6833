"""Claims of the Benevolent Training Hypothesis (Loukas, Poiitis & Jegelka 2021), judged on
sweeps over the target's frequency f and (cnn mode) the label corruption c."""
from __future__ import annotations

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, Claim, Evidence, Verdict
from labcore.core.judging import by_value, final, fmt, rank_corr

FREQS = (0.25, 0.5, 0.75, 1.0)     # the page's f sweep (the paper's Fig. 2 uses a similar range)
CORRUPTIONS = (0.0, 0.2, 0.4)      # the page's label-corruption sweep
# "Rises with f" over a noisy SGD statistic: the seed-mean per value must rank with the setting
# (Spearman ≥ 0.8: over 4 values at most one adjacent pair swapped) and the top value must be at
# least RISE × the bottom one. The paper's Fig. 2/3 show monotone means over 5+ seeds; a one-seed
# sweep at defaults swaps pairs, three seeds do not change the overall rise.
MIN_RANK = 0.8
RISE = 1.5
# the page's cnn preset (measured with the Kaiming init, which the conv net keeps)
CNN = dict(mode="cnn", n_samples=100, epochs=60, width=16, lr=0.01, target_loss=0.05, init="kaiming")


def rises(metric: str, axis: str):
    """A judge: the seed-mean final `metric` rises with config `axis`."""
    @final  # a diverged run fails the claim (no run is left out; the default init trains every seed)
    def judge(ev: Evidence) -> Verdict:
        table = by_value(ev, axis, metric)
        if len(table) < 3:
            return Verdict(NOT_APPLICABLE, f"needs three or more values of {axis}")
        if axis == "corruption" and str(ev.frame["cfg_mode"].iloc[0]) != "cnn":
            return Verdict(NOT_APPLICABLE, "label corruption applies to cnn mode only")
        rho = rank_corr(list(table["value"]), list(table["mean"]))
        lo, hi = float(table["mean"].iloc[0]), float(table["mean"].iloc[-1])
        ratio = hi / lo if lo > 0 else float("inf")
        n, most = int(table["n"].min()), int(table["n"].max())
        measured = (f"{metric} " + " → ".join(fmt(v, 3) for v in table["mean"])
                    + f" over {axis} {fmt(table['value'].iloc[0])}-{fmt(table['value'].iloc[-1])} "
                      f"(mean of {n if n == most else f'{n}-{most}'} seed{'s' if most > 1 else ''}; "
                      f"rank corr {fmt(rho, 2)}, × {fmt(ratio, 2)})")
        return Verdict(HOLDS if rho >= MIN_RANK and ratio >= RISE else FAILS, measured)
    return judge


def _freq_claim(key: str, metric: str, what: str) -> Claim:
    return Claim(key, f"A more complex target (higher f) gives a {what}",
                 paper=f"{metric} rises with f", source="Fig. 2",
                 metrics=(metric,), judge=rises(metric, "freq"), scope="sweep", axis="freq", values=FREQS,
                 seeds=3, needs="set N seeds = 3, then press Sweep freq (12 runs)")


CLAIMS = (
    _freq_claim("trajectory_rises", "traj_len_total", "longer bias trajectory"),
    _freq_claim("variance_rises", "bias_var_total", "larger bias variance"),
    _freq_claim("distance_rises", "dist_init", "bias further from init"),
    Claim("corruption_variance_rises", "Corrupting more labels (cnn mode) likewise gives a larger bias "
          "variance", paper="variance rises with c", source="Fig. 4",
          metrics=("bias_var_total",), judge=rises("bias_var_total", "corruption"), scope="sweep",
          axis="corruption", values=CORRUPTIONS, settings=CNN, seeds=3,
          needs="press the cnn preset, set N seeds = 3, then Sweep corruption (9 runs)"),
)
# seeds=3 everywhere: one seed swaps neighbouring frequencies; the 3-seed means at
# defaults rise 3.2 → 116 (trajectory), 0.14 → 47 (variance), 0.038 → 0.69 (distance) over f 0.25-1
# (seeds 0-2). Seeds 100-109 at defaults (no run diverged): the 3-seed means of 100-102,
# 103-105 and 106-108 hold all three claims; one seed alone holds the trajectory 8/10, the variance
# 10/10, the distance 8/10.
