"""Superposition: the measures on hand-built W (a pentagon, orthogonal pairs, a dropped
feature), the sparsity grid, a smoke run, the trend (a sparse instance represents more features
than the dense one), and the claims on hand-made frames: holds, fails, not yet, and two
settings outside each claim's regime."""
import math

import pandas as pd
import pytest
import torch

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, evaluate
from labcore.core.params import ParamError
from labcore.core.recorder import Recorder
from labcore.phenomena.superposition import EXPERIMENT, Config, grid, measures
from tests.phenomena import claimkit

CLAIMS = {c.key: c for c in EXPERIMENT.claims}


def pentagon_w(n_inst: int = 1) -> torch.Tensor:
    """(I, 2, 5): five unit columns 72° apart."""
    a = torch.arange(5, dtype=torch.float64) * 2 * math.pi / 5
    return torch.stack([torch.cos(a), torch.sin(a)])[None].repeat(n_inst, 1, 1)


def test_measures_on_a_pentagon_a_pair_of_orthogonal_features_and_a_dropped_one():
    w = pentagon_w()
    # each column of a regular pentagon: D = 2/5, superposition Σ_{j≠i} cos² = 2·cos²72° + 2·cos²144°
    assert torch.allclose(measures.dimensionality(w), torch.full((1, 5), 0.4, dtype=torch.float64))
    expect = 2 * math.cos(math.radians(72)) ** 2 + 2 * math.cos(math.radians(144)) ** 2
    assert torch.allclose(measures.superposition(w), torch.full((1, 5), expect, dtype=torch.float64))
    assert torch.allclose(measures.dims_per_feature(w), torch.tensor([0.4], dtype=torch.float64))
    gaps = sorted(measures.angles(w)[0].tolist())
    assert gaps == pytest.approx([0, 72, 144, 216, 288])
    w2 = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])            # two features on the axes, one dropped
    assert measures.dimensionality(w2)[0].tolist() == [1.0, 1.0, 0.0]
    assert measures.superposition(w2)[0].tolist() == [0.0, 0.0, 0.0]
    assert measures.norms(w2)[0].tolist() == [1.0, 1.0, 0.0]
    anti = torch.tensor([[[1.0, -1.0]]])                                 # an antipodal pair in one dimension
    assert measures.dimensionality(anti)[0].tolist() == [0.5, 0.5]


def test_sparsity_grid_is_the_notebooks_and_the_config_needs_fewer_dimensions_than_features():
    s = grid.sparsities(10, 0.95)
    assert s[0] == 0 and s[-1] == pytest.approx(0.95)
    assert [1 - v for v in s] == pytest.approx([20 ** (-k / 9) for k in range(10)])  # 20 ** -linspace(0, 1, 10)
    assert grid.importances(3, 0.9) == pytest.approx([1, 0.9, 0.81])
    with pytest.raises(ParamError, match="n_hidden"):
        Config(n_features=5, n_hidden=5)


def _run(**kw):
    cfg = EXPERIMENT.make_config(**kw)
    rec = Recorder()
    EXPERIMENT.run(cfg, rec)
    return cfg, pd.DataFrame(rec.rows), rec


def test_smoke_emits_per_instance_columns_and_the_weights():
    cfg, rows, rec = _run(n_instances=3, batch_size=64, steps=20, eval_every=5, snapshot_every=10)
    last = rows.iloc[-1]
    assert {"loss", "loss_s2", "n_rep_s0", "dpf_s1", "norm_s2_f4", "dim_s0_f0", "angle_s1_f3"} <= set(rows.columns)
    assert last["loss"] == pytest.approx(sum(last[f"loss_s{k}"] for k in range(3)), rel=1e-5)
    w = rec.artifacts["W"]
    assert len(w) == 3 * 5 and {"w0", "w1", "norm", "superposition", "dimensionality", "sparsity"} <= set(w.columns)


@pytest.mark.slow
def test_trend_the_sparse_instance_represents_more_features_than_the_dense_one():
    torch.set_num_threads(1)
    _, rows, _ = _run(n_instances=2, s_max=0.95, batch_size=256, steps=1500, eval_every=500, snapshot_every=1500)
    last = rows.iloc[-1]
    assert last["n_rep_s0"] <= 2 < last["n_rep_s1"]


# ---- claims on hand-made frames ------------------------------------------------------------------

def snapshot(norms: list[list[float]], angles: list[list[float]] | None = None, dims=None) -> dict:
    row = {}
    for k, ns in enumerate(norms):
        for i, v in enumerate(ns):
            row[f"norm_s{k}_f{i}"] = v
            if angles is not None:
                row[f"angle_s{k}_f{i}"] = angles[k][i]
            if dims is not None:
                row[f"dim_s{k}_f{i}"] = dims[k][i]
    return row


PENT = [0.0, 72.0, 144.0, 216.0, 288.0]
GOOD = snapshot([[1.0, 0.99, 0.1, 0.02, 0.0], [1.1] * 5], [[0, 90, 10, 20, 30], PENT])
CFG = dict(n_instances=2, s_max=0.95)


def judge(key, cfg, row, status="done", base=None):
    runs = [claimkit.run({**cfg, "seed": s}, [{"step": 0, "loss": 1.0}, {"step": 100, "loss": 0.1, **row}], status)
            for s in range(3)]
    return evaluate(CLAIMS[key], claimkit.evidence("superposition", runs, base))


def test_dense_top_m_holds_fails_waits_and_is_out_of_regime():
    assert judge("dense_top_m", CFG, GOOD).status == HOLDS
    bad = snapshot([[1.0, 0.99, 0.4, 0.02, 0.0], [1.1] * 5], [[0] * 5, PENT])     # a third feature half kept
    assert judge("dense_top_m", CFG, bad).status == FAILS
    assert judge("dense_top_m", CFG, GOOD, status="running").status == NOT_YET
    # outside the regime: equal importance (no 'most important'), and an untrained net (lr tiny)
    assert judge("dense_top_m", {**CFG, "importance": 1.0}, GOOD).status == NOT_APPLICABLE
    untrained = snapshot([[0.3, 0.4, 0.3, 0.35, 0.4], [0.3] * 5], [[0] * 5, PENT])
    assert judge("dense_top_m", {**CFG, "lr": 1e-6}, untrained).status == FAILS


def test_pentagon_holds_fails_waits_and_is_out_of_regime():
    assert judge("pentagon", CFG, GOOD).status == HOLDS
    square = snapshot([[1, 1, 0, 0, 0], [1.1, 1.1, 1.1, 1.1, 0.0]], [[0] * 5, [0, 90, 180, 270, 0]])
    assert judge("pentagon", CFG, square).status == FAILS                  # the only sparse instance: 4 features
    three = dict(n_instances=3, s_max=0.95)                                 # S 0, 0.78, 0.95
    assert judge("pentagon", {**three, "s_max": 0.99}, snapshot(          # S 0, 0.9, 0.99: one dead, one pentagon
        [[1, 1, 0, 0, 0], [1.1, 1.1, 1.1, 1.1, 0.0], [1.1] * 5], [[0] * 5, [0, 90, 180, 270, 0], PENT])).status == HOLDS
    skew = snapshot([[1, 1, 0, 0, 0], [1.1] * 5], [[0] * 5, [0, 60, 144, 216, 288]])  # one angle 12° off
    assert judge("pentagon", CFG, skew).status == FAILS
    assert judge("pentagon", CFG, GOOD, status="running").status == NOT_YET
    # outside the regime: no instance with S ≥ 0.9, and a model that is not n 5, m 2
    assert judge("pentagon", {**CFG, "s_max": 0.5}, GOOD).status == NOT_APPLICABLE
    six = snapshot([[1] * 6, [1] * 6], [[0] * 6, [0, 60, 120, 180, 240, 300]])
    assert judge("pentagon", {**CFG, "n_features": 6}, six).status == NOT_APPLICABLE


def test_dimensionality_clusters_holds_fails_waits_and_is_out_of_regime():
    cfg = dict(n_features=20, n_hidden=5, n_instances=2, s_max=0.95)
    ones = [1.0] * 20
    clustered = snapshot([ones, ones], dims=[[1.0] * 5 + [0.0] * 15, [0.5] * 8 + [0.4] * 5 + [0.38] * 4 + [0.0] * 3])
    assert judge("dimensionality_clusters", cfg, clustered).status == HOLDS
    spread = snapshot([ones, ones], dims=[[1.0] * 20, [0.12 + 0.04 * i for i in range(20)]])
    assert judge("dimensionality_clusters", cfg, spread).status == FAILS
    assert judge("dimensionality_clusters", cfg, clustered, status="running").status == NOT_YET
    # outside the regime: no sparse instance (S_max 0.3), and an untrained net (random W: D spread)
    assert judge("dimensionality_clusters", {**cfg, "s_max": 0.3}, clustered).status == NOT_APPLICABLE
    assert judge("dimensionality_clusters", {**cfg, "lr": 1e-6}, spread).status == FAILS


def test_a_diverged_seed_fails_every_claim_by_name_and_missing_seeds_are_needed():
    runs = [claimkit.run({**CFG, "seed": s}, [{"step": 0, "loss": 1.0}, {"step": 100, "loss": 0.1, **GOOD}],
                         "diverged" if s == 1 else "done") for s in range(3)]
    for key in ("dense_top_m", "pentagon"):
        v = evaluate(CLAIMS[key], claimkit.evidence("superposition", runs))
        assert v.status == FAILS and "diverged" in v.measured
