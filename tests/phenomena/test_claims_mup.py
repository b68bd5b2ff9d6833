"""mup's claims on hand-made grids: holds, fails, not yet, and settings outside each claim's
regime (another parametrisation, too narrow a width span, a grid that does not bracket the
optimum, nets that learned nothing) that give ✗ or "not applicable", never a false ✓."""
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from tests.phenomena.claimkit import run, verdict

EXPS = (-11, -10, -9, -8, -7, -6, -5)


def grid(best: dict[int, int], init: float = 0.1, level: float = 0.01, coord=(0.3, 0.3, 0.3), grows=1.0,
         slope: float = 0.5):
    """Rows keyed by width: a V-shaped loss over the exponents (x 1 + slope per grid point) with its
    minimum at best[width],
    lower for wider nets (wider is better), and coordinate sizes × (width/64)^grows."""
    rows = []
    for i, (w, b) in enumerate(sorted(best.items())):
        row = {"step": w, "loss_init": init}
        for e in EXPS:
            row[f"loss_lr{-e}"] = level * (1 + slope * abs(e - b)) * (1 - 0.1 * i)
        scale = (w / 64) ** grows
        row.update(coord_h1=coord[0], coord_h2=coord[1] * scale, coord_out=coord[2] * scale)
        row["loss"] = min(v for k, v in row.items() if k.startswith("loss_lr"))
        rows.append(row)
    return rows


MUP = {"parametrization": "mup"}
SP = {"parametrization": "sp"}
WIDE = {64: -8, 256: -8, 1024: -7}
SAME = {64: -8, 256: -8, 1024: -8}


def test_transfer_holds_fails_waits_and_stays_out_of_other_regimes():
    assert verdict("mup", "mup_transfer", [run(MUP, grid(WIDE))]).status == HOLDS
    assert verdict("mup", "mup_transfer", [run(MUP, grid({64: -8, 256: -9, 1024: -10}))]).status == FAILS
    assert verdict("mup", "mup_transfer", [run(MUP, grid(WIDE), status="running")]).status == NOT_YET
    assert verdict("mup", "mup_transfer", [run(MUP, grid(WIDE), status="diverged")]).status == FAILS
    # outside the regime: SP rows, widths within 2x, an optimum at the grid's edge, nothing learned
    assert verdict("mup", "mup_transfer", [run(SP, grid(WIDE))]).status == NOT_APPLICABLE
    assert verdict("mup", "mup_transfer", [run(MUP, grid({64: -8, 128: -8}))]).status == NOT_APPLICABLE
    edge = verdict("mup", "mup_transfer", [run(MUP, grid({64: -8, 256: -8, 1024: -5}))])
    assert edge.status == NOT_APPLICABLE and "edge" in edge.measured
    assert verdict("mup", "mup_transfer", [run(MUP, grid(WIDE, init=0.012))]).status == NOT_APPLICABLE


def test_transfer_reads_the_seed_mean_not_one_seed():
    noisy = grid({64: -8, 256: -8, 1024: -10})  # one seed's optimum moved...
    calm = grid(WIDE)
    runs = [run({**MUP, "seed": s}, rows) for s, rows in ((0, calm), (1, calm), (2, noisy))]
    assert verdict("mup", "mup_transfer", runs).status == HOLDS  # ...the mean of three stays put


def test_transferred_rate_holds_near_the_optimum_fails_far_from_it_and_stays_out_of_sp():
    ok = verdict("mup", "tuned_rate_transfers", [run(MUP, grid(WIDE, slope=0.1))])  # 1 point off: 10 %
    assert ok.status == HOLDS
    assert verdict("mup", "tuned_rate_transfers", [run(MUP, grid(WIDE))]).status == FAILS  # a steep curve: 50 %
    drifted = verdict("mup", "tuned_rate_transfers", [run(MUP, grid({64: -8, 256: -9, 1024: -10}))])
    assert drifted.status == FAILS and "100.0 % at width 1024" in drifted.measured  # 2 points off: 2x the loss
    assert verdict("mup", "tuned_rate_transfers", [run(MUP, grid(WIDE), status="running")]).status == NOT_YET
    assert verdict("mup", "tuned_rate_transfers", [run(SP, grid(WIDE))]).status == NOT_APPLICABLE
    assert verdict("mup", "tuned_rate_transfers", [run(MUP, grid({64: -8, 128: -8}))]).status == NOT_APPLICABLE
    edge = grid({64: -11, 256: -8, 1024: -8})  # the narrowest width's optimum at the grid's edge
    assert verdict("mup", "tuned_rate_transfers", [run(MUP, edge)]).status == NOT_APPLICABLE


def test_sp_drift_holds_fails_and_needs_a_16x_span():
    assert verdict("mup", "sp_drift", [run(SP, grid({64: -8, 256: -9, 1024: -10}))]).status == HOLDS
    v = verdict("mup", "sp_drift", [run(SP, grid({64: -8, 256: -9, 1024: -9}))])
    assert v.status == FAILS and "1 grid points lower" in v.measured and "loss xent" in v.measured
    assert verdict("mup", "sp_drift", [run(SP, grid({64: -8, 256: -10}))]).status == NOT_APPLICABLE    # 4x only
    assert verdict("mup", "sp_drift", [run(MUP, grid({64: -8, 256: -9, 1024: -10}))]).status == NOT_APPLICABLE
    assert verdict("mup", "sp_drift", [run(SP, grid({64: -8, 256: -9, 1024: -11}))]).status == NOT_APPLICABLE


def test_coord_check_needs_flat_mup_and_growing_sp():
    flat, growing = grid(WIDE, grows=0.0), grid(WIDE, grows=1.0)
    assert verdict("mup", "coord_check", [run(MUP, flat), run(SP, growing)]).status == HOLDS
    assert verdict("mup", "coord_check", [run(MUP, growing), run(SP, growing)]).status == FAILS  # μP grows
    assert verdict("mup", "coord_check", [run(MUP, flat), run(SP, flat)]).status == FAILS        # SP flat
    assert verdict("mup", "coord_check", [run(MUP, flat), run(SP, growing, status="queued")]).status == NOT_YET
    narrow = {64: -8, 256: -8}  # a 4x span: the predicted 16x growth cannot show
    assert verdict("mup", "coord_check", [run(MUP, grid(narrow, grows=0.0)),
                                          run(SP, grid(narrow))]).status == NOT_APPLICABLE
    assert verdict("mup", "coord_check", [run(MUP, flat)]).status == NOT_APPLICABLE  # no SP grid


def test_wider_better_holds_fails_on_a_crossing_and_stays_out_of_sp():
    assert verdict("mup", "wider_better", [run(MUP, grid(SAME))]).status == HOLDS
    rows = grid(SAME)
    rows[2]["loss_lr5"] = 2 * rows[0]["loss_lr5"]  # the widest net worse at the largest rate
    v = verdict("mup", "wider_better", [run(MUP, rows)])
    assert v.status == FAILS and "lr 2^-5" in v.measured
    # a crossing within the seeds' noise is not one: three seeds whose spread covers the gap
    noisy = [grid(SAME) for _ in range(3)]
    for i, rows in enumerate(noisy):
        rows[2]["loss_lr5"] = rows[1]["loss_lr5"] * (1.5 if i == 0 else 0.95)  # mean 13 % above
    seeds = [run({**MUP, "seed": i}, rows) for i, rows in enumerate(noisy)]
    assert verdict("mup", "wider_better", seeds).status == HOLDS
    for rows in noisy:  # the same 20 % gap in every seed: a real crossing
        rows[2]["loss_lr5"] = rows[1]["loss_lr5"] * 1.2
    seeds = [run({**MUP, "seed": i}, rows) for i, rows in enumerate(noisy)]
    assert verdict("mup", "wider_better", seeds).status == FAILS
    assert verdict("mup", "wider_better", [run(SP, grid(SAME))]).status == NOT_APPLICABLE
    assert verdict("mup", "wider_better", [run(MUP, grid({64: -8}))]).status == NOT_APPLICABLE
    assert verdict("mup", "wider_better", [run(MUP, grid(SAME), status="running")]).status == NOT_YET
