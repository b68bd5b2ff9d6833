"""Claims of Luck Matters (Tian et al. 2019), pure functions over Evidence."""
from __future__ import annotations

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, Claim, Evidence, Verdict
from labcore.core.judging import by_value, final, fmt

# README of LuckMatters: "the lowest layer reaches 0.999 mean best-correlation, the second lowest
# ~0.95" after its 40 epochs (62,520 SGD steps). At the page's 2,000 steps both the original and
# this lab sit at l1 0.93-0.98, l2 ~0.76 (DESIGN.md §5): the lowest layer leads at any budget.
LEAD_L1 = 0.95      # the page's budget: lowest layer at least this (defaults 0.97)
PAPER_L1 = 0.99     # the original's budget: lowest layer at least this (README 0.999; seed 124: 0.9999)
PAPER_L2 = 0.9      # and the second lowest (README ~0.95; seed 124: 0.968)
STD_GAP = 0.2       # data_std 1: lowest layer at least this much below data_std 10 (defaults: 0.49 vs 0.97)
# The original recipe (recon_multilayer.py … , the page's "paper scale" preset): 100k fixed
# samples, 40 epochs of batch 64, eval on 192 re-drawn samples, seed 124.
PAPER_RECIPE = dict(data_std=10.0, node_multi=10, lr=0.05, d_output=100, seed=124, teacher=(10, 15, 20, 25),
                    n_train=100_000, steps=62_520, batch_size=64, eval_size=192, eval_redraw=True,
                    eval_every=1_563)

# The original's test_multilayer.py README command (the page's matrix preset): ks=[10, 20, 30], teacher
# bias 0, x ~ N(0, 1), 20,000 iterations of batch 64, every column renormalised after each step.
MATRIX_RECIPE = dict(mode="matrix", init="perturb", node_multi=2, lr=0.05, init_std=0.1, batch_size=64,
                     seed=232, steps=20_000, d_input=10, teacher=(20,), d_output=30, data_std=1.0,
                     teacher_bias=False, n_train=0, eval_size=1024, eval_redraw=True, eval_every=100)
# README printout of that command: the 20 teacher copies keep fan-out ~1.1-1.3, the other nodes
# fall to ~1e-4..1e-3 ("~1e-4 of the aligned"; median ratio ~7e-4, DESIGN.md §5). The claim asks
# for less than 1e-2: ten times the README's largest unaligned/aligned ratio. Measured (one thread,
# the preset at each seed; 20 aligned nodes every time): seed 232 1.7e-3; seeds 0-4 3.5e-6, 7.2e-6,
# 1.3e-3, 1.2e-3, 1.8e-3; unseen seeds 100-109 1.2e-5, 2.3e-4, 1.6e-5, 2.0e-3, 3.0e-6, 7.0e-6,
# 2.1e-4, 4.3e-4, 1.5e-5, 1.5e-5 (15 of 15 below 1e-2, the largest 2.0e-3: a 5x margin).
FANOUT_RATIO = 1e-2


def _layers(ev: Evidence) -> tuple[float, float]:
    l1, l2 = ev.curve("corr_l1_mean"), ev.curve("corr_l2_mean")
    if l2.empty:
        raise ValueError("needs a teacher with two or more hidden layers")
    return float(l1.iloc[-1]), float(l2.iloc[-1])


def _lowest_leads(threshold_l1: float, threshold_l2: float | None):
    @final
    def judge(ev: Evidence) -> Verdict:
        if str(ev.frame["cfg_mode"].iloc[0]) != "sgd":
            return Verdict(NOT_APPLICABLE, "matrix mode checks fan-out norms, not layer alignment")
        if "corr_l2_mean" not in ev.frame:
            return Verdict(NOT_APPLICABLE, "one hidden layer: nothing to compare the lowest layer with")
        l1, l2 = _layers(ev)
        ok = l1 >= threshold_l1 and l1 > l2 and (threshold_l2 is None or l2 >= threshold_l2)
        return Verdict(HOLDS if ok else FAILS, f"lowest layer {fmt(l1, 4)}, second {fmt(l2, 3)}")
    return judge


@final
def data_std_matters(ev: Evidence) -> Verdict:
    """With data_std 1 the lowest layer aligns clearly less than with data_std 10."""
    table = by_value(ev, "data_std", "corr_l1_mean")
    if len(table) < 2:
        return Verdict(NOT_APPLICABLE, "needs data_std 10 and 1")
    lo, hi = float(table["mean"].iloc[0]), float(table["mean"].iloc[-1])
    measured = f"lowest layer {fmt(hi, 3)} at data_std {fmt(table['value'].iloc[-1])}, {fmt(lo, 3)} at " \
               f"{fmt(table['value'].iloc[0])}"
    return Verdict(HOLDS if hi - lo >= STD_GAP else FAILS, measured)


@final
def unaligned_fanout_collapses(ev: Evidence) -> Verdict:
    """Matrix mode: the median fan-out norm of the unaligned lowest-layer student nodes is below
    FANOUT_RATIO × the aligned nodes' median (n/a outside matrix mode or with no unaligned node)."""
    if str(ev.frame["cfg_mode"].iloc[0]) != "matrix":
        return Verdict(NOT_APPLICABLE, "the fan-out check is the matrix mode's (renormalised columns)")
    aligned = ev.curve("aligned_nodes")
    if aligned.empty:
        return Verdict(NOT_APPLICABLE, "no fan-out measured")
    n_aligned = int(aligned.iloc[-1])
    if n_aligned == 0:
        return Verdict(FAILS, "no student node aligned with a teacher node (corr ≥ 0.95)")
    ratio = ev.curve("unaligned_fanout_ratio")
    if ratio.empty or ratio.index[-1] != aligned.index[-1]:  # no ratio at the end: every node aligned
        return Verdict(NOT_APPLICABLE, f"all {n_aligned} student nodes aligned: no unaligned node to shrink")
    r = float(ratio.iloc[-1])
    return Verdict(HOLDS if r < FANOUT_RATIO else FAILS,
                   f"median fan-out of the unaligned nodes {fmt(r, 2)} × the {n_aligned} aligned nodes' "
                   f"(below {fmt(FANOUT_RATIO)} holds)")


CLAIMS = (
    Claim("lowest_layer_leads", "The lowest layer aligns first and best: its teacher nodes find a student "
          "node with correlation near 1, above the second layer",
          paper="l1 0.999 > l2 ~0.95 (after 40 epochs)", source="README",
          metrics=("corr_l1_mean", "corr_l2_mean"), judge=_lowest_leads(LEAD_L1, None), seeds=1,
          needs="press Run"),
    Claim("paper_budget", "At the original's budget (100k samples, 40 epochs) the lowest layer reaches 0.99 "
          "and the second 0.9", paper="l1 0.999, l2 ~0.95", source="README (recon_multilayer.py)",
          metrics=("corr_l1_mean", "corr_l2_mean"), judge=_lowest_leads(PAPER_L1, PAPER_L2),
          settings=PAPER_RECIPE, seeds=1, needs="press the paper-scale preset, then Run"),
    Claim("data_std_control", "With data_std 1 the inputs rarely reach the ReLU corners: the lowest layer "
          "aligns clearly less than with data_std 10", paper="std 10 needed", source="README",
          metrics=("corr_l1_mean",), judge=data_std_matters, scope="sweep", axis="data_std", values=(10.0, 1.0),
          seeds=1, needs="train data_std 10 and 1 (2 runs)"),
    Claim("unaligned_fanout_collapses", "Over-parameterisation check (matrix mode): the fan-out of student "
          "nodes that match no teacher node collapses, below 1% of the aligned nodes' fan-out",
          paper="aligned ~1.1-1.3, the rest ~1e-4..1e-3 (median ratio ~7e-4)",
          source="README (test_multilayer.py --perturb --node_multi 2 …)",
          metrics=("aligned_nodes", "unaligned_fanout_ratio"), judge=unaligned_fanout_collapses,
          settings=MATRIX_RECIPE, seeds=1, needs="press the test_multilayer.py preset, then Run"),
)
# seeds=1: the defaults' margins (l1 0.97 vs 0.95 and vs l2 0.76; paper budget 0.9999 / 0.968 at
# seed 124, the seed the original's README printout used) are far larger than the seed spread.
