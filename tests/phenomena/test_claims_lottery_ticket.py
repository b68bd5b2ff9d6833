"""Lottery-ticket claims on hand-made per-round rows (step = pruning round)."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, verdict

DENS = [0.8 ** r for r in range(13)]


def rounds(win, ctrl, early_win, early_dense=425, n=13, arms="all"):
    rows = []
    for r in range(n):
        row = {"step": r, "round": r, "density": DENS[r], "test_acc_winning": win(r),
               "early_stop_step_winning": early_dense if r == 0 else early_win}
        if arms == "all":
            row.update(test_acc_reinit=ctrl(r), test_acc_random_prune=ctrl(r) - 0.005)
        rows.append(row)
    return rows


GOOD = dict(win=lambda r: 0.604 + 0.01 * (0 < r < 9), ctrl=lambda r: 0.604 - 0.012 * r, early_win=340)


def seeds(status="done", **kw):
    spec = {**GOOD, **kw}
    return [run({"seed": s}, rounds(**spec), status if s == 2 else "done") for s in range(3)]


def test_winning_ticket_matches_dense_at_20_percent():
    assert verdict("lottery_ticket", "winning_matches_dense", seeds()).status == HOLDS
    assert verdict("lottery_ticket", "winning_matches_dense", seeds(win=lambda r: 0.6 - 0.01 * r)).status == FAILS
    assert verdict("lottery_ticket", "winning_matches_dense", seeds("running")).status == NOT_YET


def test_winning_beats_controls_at_the_lowest_density():
    assert verdict("lottery_ticket", "beats_controls", seeds()).status == HOLDS
    close = dict(ctrl=lambda r: 0.604 + 0.01 * (0 < r < 9) - 0.005)
    assert verdict("lottery_ticket", "beats_controls", seeds(**close)).status == FAILS
    assert verdict("lottery_ticket", "beats_controls", seeds("queued")).status == NOT_YET


def test_winning_ticket_learns_faster():
    assert verdict("lottery_ticket", "learns_faster", seeds()).status == HOLDS
    assert verdict("lottery_ticket", "learns_faster", seeds(early_win=500)).status == FAILS
    assert verdict("lottery_ticket", "learns_faster", seeds("running")).status == NOT_YET


def test_outside_the_regime_is_never_a_false_tick():
    dense_only = [run({"rounds": 1}, rounds(**GOOD, n=1))]  # no pruning round
    assert verdict("lottery_ticket", "winning_matches_dense", dense_only).status == NOT_APPLICABLE
    assert verdict("lottery_ticket", "learns_faster", dense_only).status == NOT_APPLICABLE
    shallow = [run({"rounds": 2}, rounds(**GOOD, n=3))]  # pruned only to 64%: far from 20%
    assert verdict("lottery_ticket", "winning_matches_dense", shallow).status == NOT_APPLICABLE
    winning_only = [run({"arms": "winning"}, rounds(**GOOD, arms="winning"))]  # no controls trained
    assert verdict("lottery_ticket", "beats_controls", winning_only).status == NOT_APPLICABLE
