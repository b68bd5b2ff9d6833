"""The induction-heads claims (Olsson et al. 2022), judged on each seed's curves.

ln V (V the vocabulary) is the loss of a uniform guess: the repeated-half loss starts there.
Thresholds, once, with their sources:
- the drop: the first measured step where the repeated-half loss is below HALF · ln V;
- abrupt: the loss gets below LOW · ln V at step t, and at least MOST of its whole fall
  (ln V − its lowest value) happens inside one window of ABRUPT · t steps: the plateau before the
  drop is at least three times as long as the drop. (Before the drop the loss slides slowly from
  ln V to ~0.7 ln V, the 1-layer net's level: copying some earlier token; the induction drop is
  the rest.) The paper: the phase change is a narrow band of training after a flat start.
- the 1-layer control: its repeated-half loss never falls below FLAT · ln V.
- prefix matching: some layer-2 head attends from a repeated token to the token after its first
  occurrence with weight ≥ PREFIX at the end (the paper: induction heads' prefix matching ≈ 1;
  measured 0.90-0.93 here).
- ICL score: ends ≤ −ICL_END · ln V and first crosses −HALF · ln V within WINDOW × the drop's
  step (plus two measurements) of the step where the repeated-half loss crosses HALF · ln V.
"""
from __future__ import annotations

import math

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, Claim, Evidence, Verdict
from labcore.core.judging import per_run

HALF = 0.5
LOW = 0.3      # dropped: the repeated-half loss below 0.3 ln V (after the drop it is 0.4-0.8 nats, ~0.1-0.2 ln V)
ABRUPT = 0.25  # the window: a quarter of the steps it took to drop
MOST = 0.5     # "most of the drop": at least half of (ln V − the lowest loss) inside the window
FLAT = 0.5
PREFIX = 0.5
ICL_END = 0.5
WINDOW = 0.25  # the ICL score's turn within a quarter of the drop's step (plus two measurements) of the drop
TWO = {"n_layers": 2}


def _cfg(rows, name, default=None):
    col = f"cfg_{name}"
    return rows[col].iloc[0] if col in rows else default


def _ln_v(rows) -> float:
    return math.log(float(_cfg(rows, "vocab", 64)))


def _curve(rows, metric: str):
    return rows.dropna(subset=[metric]).set_index("step")[metric] if metric in rows else rows.iloc[0:0]


def first_below(curve, level: float) -> int | None:
    """The first step where `curve` (a Series indexed by step) is below `level` (None: never)."""
    hit = curve[curve < level]
    return int(hit.index[0]) if len(hit) else None


def _done(ev: Evidence, rid: str) -> bool:
    return ev.statuses.get(rid) == "done"


def _layers(rows) -> int:
    return int(_cfg(rows, "n_layers", 2))


def fastest_fall(curve, window: float) -> float:
    """The largest fall of `curve` (a Series indexed by step) between two steps at most `window` apart."""
    steps, values = list(curve.index), list(curve.to_numpy())
    best = 0.0
    for i, (t, v) in enumerate(zip(steps, values)):
        for t2, v2 in zip(steps[i + 1:], values[i + 1:]):
            if t2 - t > window:
                break
            best = max(best, v - v2)
    return best


def abrupt_drop(ev: Evidence) -> Verdict:
    """Every 2-layer seed's repeated-half loss drops below LOW·ln V, and at least MOST of its fall
    from ln V happens within ABRUPT of the steps it took to get there."""
    def one(rid, rows):
        if _layers(rows) < 2:
            return NOT_APPLICABLE, "one layer: no induction head can form"
        lnv, rep = _ln_v(rows), _curve(rows, "rep_loss")
        lo = first_below(rep, LOW * lnv)
        if lo is None:
            if not _done(ev, rid):
                return NOT_YET, f"repeated-half loss {rep.iloc[-1]:.2f} at step {rep.index[-1]} (ln V {lnv:.2f})"
            return FAILS, f"no drop: repeated-half loss {rep.min():.2f} at best (ln V {lnv:.2f})"
        total = lnv - float(rep.min())
        fall = fastest_fall(rep[rep.index >= rep[rep <= lnv].index[0]], ABRUPT * lo)
        ok = fall >= MOST * total
        return (HOLDS if ok else FAILS), (f"below {LOW:g} ln V at step {lo}; {fall:.2f} of its {total:.2f}-nat fall "
                                          f"within {ABRUPT * lo:.0f} steps ({fall / total:.0%})")
    return per_run(ev, one)


def one_layer_flat(ev: Evidence) -> Verdict:
    """The 1-layer control's repeated-half loss stays above FLAT·ln V while the 2-layer one drops
    below HALF·ln V (every seed of each)."""
    words, status = [], HOLDS
    frame = ev.frame
    if frame is None or "run_id" not in frame:
        return Verdict(NOT_YET, "no rows yet")
    for rid, rows in frame.groupby("run_id", sort=True):
        rows = rows.sort_values("step")
        lnv, rep, layers = _ln_v(rows), _curve(rows, "rep_loss"), _layers(rows)
        best = float(rep.min()) if len(rep) else float("nan")
        seed = int(_cfg(rows, "seed", 0))
        if layers == 1:
            ok = best >= FLAT * lnv
            words.append(f"1 layer seed {seed}: lowest {best:.2f} ({best / lnv:.0%} of ln V)")
        else:
            ok = best < HALF * lnv
            words.append(f"{layers} layers seed {seed}: lowest {best:.2f} ({best / lnv:.0%} of ln V)")
        if not ok:
            status = FAILS if (_done(ev, rid) or layers == 1) else (NOT_YET if status == HOLDS else status)
    if not any(w.startswith("1 layer") for w in words):
        return Verdict(NOT_YET, "no 1-layer run yet; " + "; ".join(words))
    return Verdict(status, "; ".join(words))


def prefix_head(ev: Evidence) -> Verdict:
    """After the drop, some layer-2 head of every seed has a prefix-matching score ≥ PREFIX."""
    def one(rid, rows):
        if _layers(rows) < 2:
            return NOT_APPLICABLE, "one layer: there is no layer 2"
        heads = [c for c in rows.columns if c.startswith("prefix_l2h")]
        if not _done(ev, rid):
            return NOT_YET, f"training (step {rows['step'].max():.0f})"
        last = rows.dropna(subset=heads[:1]).iloc[-1]
        best = max(heads, key=lambda c: float(last[c]))
        score = float(last[best])
        drop = first_below(_curve(rows, "rep_loss"), HALF * _ln_v(rows))
        if drop is None:
            return FAILS, f"no drop; best layer-2 head {best[7:]} scores {score:.2f}"
        return (HOLDS if score >= PREFIX else FAILS), f"head {best[7:]} of layer 2: {score:.2f} (drop at step {drop})"
    return per_run(ev, one)


def icl_negative(ev: Evidence) -> Verdict:
    """The ICL score turns negative at the phase change: it first crosses −HALF·ln V within
    WINDOW of the steps of the drop and ends ≤ −ICL_END·ln V."""
    def one(rid, rows):
        if _layers(rows) < 2:
            return NOT_APPLICABLE, "one layer: no phase change to compare with"
        lnv = _ln_v(rows)
        icl, rep = _curve(rows, "icl_score"), _curve(rows, "rep_loss")
        drop, turn = first_below(rep, HALF * lnv), first_below(icl, -HALF * lnv)
        if drop is None or turn is None:
            if not _done(ev, rid):
                return NOT_YET, f"ICL score {icl.iloc[-1]:+.2f} at step {icl.index[-1]}"
            where = f"at {drop}" if drop is not None else "none"
            return FAILS, f"ICL score {icl.min():+.2f} at best; drop {where}"
        end = float(icl.iloc[-1])
        ok = abs(turn - drop) <= WINDOW * drop + 2 * int(_cfg(rows, "eval_every", 25)) and end <= -ICL_END * lnv
        return (HOLDS if ok else FAILS), f"ICL score below −½ ln V at step {turn} (drop at {drop}), ends {end:+.2f}"
    return per_run(ev, one)


CLAIMS = (
    Claim("abrupt_drop", "The 2-layer model's loss on the repeated half stays near ln V, then drops abruptly: it falls "
                         "below 0.3 ln V, and at least half of its fall happens within a quarter of the steps it "
                         "took to get there.",
          "a phase change: a bump in the loss and a sudden fall of the repeated-token loss within a narrow band of "
          "training", "Olsson et al. 2022, Argument 1 (the phase change)",
          ("rep_loss",), abrupt_drop, scope="seeds", settings=TWO, seeds=3, needs="press N seeds (3)"),
    Claim("one_layer_flat", "The 1-layer control has no induction head: its repeated-half loss stays above ½ ln V "
                            "while the 2-layer model's drops below it.",
          "one-layer attention-only models form no induction heads and show no phase change",
          "Olsson et al. 2022, Argument 1 (one-layer models)",
          ("rep_loss",), one_layer_flat, scope="sweep", axis="n_layers", values=(2, 1), seeds=1,
          needs="press the variants (1 layer and 2 layers)"),
    Claim("prefix_head", "After the drop some layer-2 head is an induction head: from a repeated token it attends "
                         "to the token after that token's first occurrence (prefix-matching score ≥ 0.5).",
          "induction heads' prefix-matching scores near 1, appearing at the phase change",
          "Olsson et al. 2022, the definition of induction heads (prefix matching, copying)",
          ("prefix_l2h0", "rep_loss"), prefix_head, scope="seeds",
          settings=TWO, seeds=3, needs="press N seeds (3)"),
    Claim("icl_negative", "The in-context-learning score (late-token loss minus early-token loss) turns negative "
                          "at the phase change: it crosses −½ ln V at the step the repeated-half loss crosses ½ ln V "
                          "(within a quarter of that step) and ends below it.",
          "the ICL score (loss at token 500 − loss at token 50) falls at the phase change and barely moves after",
          "Olsson et al. 2022, Argument 1 (the in-context-learning score)", ("icl_score", "rep_loss"), icl_negative,
          scope="seeds",
          settings=TWO, seeds=3, needs="press N seeds (3)"),
)
