"""Grokking: the modular-arithmetic table and its split, the loss on the '=' position (against a
full causal forward pass written here), float64 cross-entropy, the Fourier measures on hand-built
embeddings and logits, a smoke run, the trend (a high train fraction generalises within a few
hundred steps, a low one not yet), the claims on hand-made frames, and the page."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, Evidence, evaluate
from labcore.core.params import ParamError
from labcore.core.recorder import Recorder
from labcore.phenomena.grokking import EXPERIMENT, Config, data, measures
from labcore.phenomena.grokking.nets import OneLayerTransformer, PairMLP

CLAIMS = {c.key: c for c in EXPERIMENT.claims}


def _run(**kw):
    cfg = EXPERIMENT.make_config(**kw)
    rec = Recorder()
    EXPERIMENT.run(cfg, rec)
    return cfg, pd.DataFrame(rec.rows)


# ---- data ---------------------------------------------------------------------------------------

def test_symmetric_table_and_split_cover_every_pair_once():
    s = data.split(7, "add", 0.5, symmetric=True, rng=np.random.default_rng(0))
    x = np.concatenate([s.x_train, s.x_test])
    assert len(s.x_train) == int(0.5 * 28) and len(x) == 7 * 8 // 2        # pairs a <= b of 0..6
    assert sorted(map(tuple, x)) == [(a, b) for a in range(7) for b in range(a, 7)]
    y = np.concatenate([s.y_train, s.y_test])
    assert (y == (x[:, 0] + x[:, 1]) % 7).all()


def test_subtract_and_divide_labels_and_the_pair_notebook_split():
    x = data.pairs(11, "divide")
    assert len(x) == 11 * 10 and (x[:, 1] != 0).all()                   # nothing divided by zero
    y = data.labels(x, 11, "divide")
    assert ((y * x[:, 1]) % 11 == x[:, 0]).all()                        # a / b = y  <=>  y · b = a
    xs = data.pairs(11, "subtract")
    assert ((data.labels(xs, 11, "subtract") + xs[:, 1]) % 11 == xs[:, 0]).all()
    pair = data.split(67, "add", 0.4, True, split_seed=165)
    assert len(pair.x_train) == 911 and len(pair.x_test) == 2278 - 911  # the notebook's 911 / 1367
    np.random.seed(165)                                                  # the notebook's own calls
    order = np.random.permutation(2278)
    assert (pair.x_train == data.pairs(67, "add", True)[order[:911]]).all()


def test_config_rejects_settings_that_cannot_be_built():
    with pytest.raises(ParamError, match="symmetric"):
        Config(operation="subtract", symmetric=True)
    with pytest.raises(ParamError, match="p=12"):
        Config(operation="divide", symmetric=False, p=12)
    with pytest.raises(ParamError, match="n_heads"):
        Config(model="transformer", d_embed=10, n_heads=4)
    with pytest.raises(ParamError, match="train_frac"):
        Config(p=3, train_frac=0.05)


# ---- networks and loss --------------------------------------------------------------------------

def test_transformer_logits_are_those_of_the_equals_position_of_a_full_causal_pass():
    torch.manual_seed(0)
    p, d, heads, d_mlp = 7, 8, 2, 16
    net = OneLayerTransformer(p, d, heads, d_mlp, torch.Generator().manual_seed(0)).double()
    x = torch.tensor(data.pairs(p))                                      # (49, 2)
    tokens = torch.cat([x, torch.full((len(x), 1), p)], 1)               # [a, b, =]
    # independent full pass: every position, causal mask, then the MLP at every position
    r = net.W_E[tokens] + net.W_pos                                      # (n, 3, d)
    q = torch.einsum("nid,hde->nhie", r, net.W_Q)
    k = torch.einsum("nid,hde->nhie", r, net.W_K)
    v = torch.einsum("nid,hde->nhie", r, net.W_V)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
    scores = scores.masked_fill(~torch.tril(torch.ones(3, 3, dtype=torch.bool)), float("-inf"))
    z = (torch.softmax(scores, -1) @ v).permute(0, 2, 1, 3).reshape(len(x), 3, d)
    r = r + z @ net.W_O
    r = r + torch.relu(r @ net.W_in + net.b_in) @ net.W_out + net.b_out
    full = r @ net.W_U                                                   # (n, 3, p + 1)
    out = net(x)
    assert out.shape == (len(x), p + 1)
    assert torch.allclose(out, full[:, -1], atol=1e-12)                  # the loss reads position 2 only
    assert not torch.allclose(out, full[:, 1], atol=1e-3)


def test_pair_mlp_is_symmetric_and_starts_at_the_notebooks_norm():
    net = PairMLP(67, 500, 24, torch.Generator().manual_seed(0))
    x = torch.tensor(data.pairs(67))
    assert torch.allclose(net(x), net(x.flip(1)))                        # relu(E[a]W + E[b]W)
    # the notebook's L2 norm at step 0: 37.39 (Haiku's truncated-normal inits)
    assert measures.weight_norm(net.parameters()) == pytest.approx(37.4, abs=0.5)


def test_cross_entropy_is_float64_and_element_mean_is_the_notebooks():
    logits = torch.randn(20, 11, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 11, (20,), generator=torch.Generator().manual_seed(2))
    ce = measures.cross_entropy(logits, y)
    assert float(ce) == pytest.approx(float(torch.nn.functional.cross_entropy(logits.double(), y)), rel=1e-6)
    assert float(measures.cross_entropy(logits, y, "element")) == pytest.approx(float(ce) / 11, rel=1e-6)
    big = torch.tensor([[20.0, 0.0, 0.0]])                               # CE = log(1 + 2e^-20) ≈ 4.1e-9
    assert float(torch.nn.functional.cross_entropy(big, torch.tensor([0]))) == 0   # float32 rounds it away
    assert float(measures.cross_entropy(big, torch.tensor([0]))) == pytest.approx(2 * math.exp(-20), rel=1e-6)


# ---- Fourier measures ---------------------------------------------------------------------------

def test_fourier_sparsity_of_a_hand_built_embedding():
    p = 11
    t = torch.arange(p, dtype=torch.float64)
    w = lambda k: 2 * math.pi * k * t / p
    emb = torch.stack([torch.cos(w(3)), torch.sin(w(3)), 2 * torch.cos(w(5)), torch.ones(p)], 1)  # (p, 4)
    energy = measures.frequency_energy(emb)
    assert energy.shape == (p // 2,)
    assert energy[2] == pytest.approx(p / 2 * 2) and energy[4] == pytest.approx(4 * p / 2)  # ‖cos‖² = p/2
    assert float(energy.sum() - energy[2] - energy[4]) == pytest.approx(0, abs=1e-9)        # const left out
    assert measures.key_frequencies(emb, 2) == [5, 3]
    assert measures.fourier_sparsity(emb, 2) == pytest.approx(1.0)
    assert measures.fourier_sparsity(emb, 1) == pytest.approx(2 / 3)
    noise = torch.randn(p, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert measures.fourier_sparsity(noise, 1) < 0.45                    # ~1/5 for a random embedding


def test_restricted_and_excluded_losses_on_hand_built_logits():
    p, k = 11, 3
    grid = data.pairs(p)
    y = torch.tensor(data.labels(grid, p))
    a, b = torch.tensor(grid[:, 0], dtype=torch.float64), torch.tensor(grid[:, 1], dtype=torch.float64)
    c = torch.arange(p, dtype=torch.float64)
    # the modular-addition circuit: logit(c) = 8 cos(2πk(a + b − c)/p), only frequency k
    logits = 8 * torch.cos(2 * math.pi * k * (a[:, None] + b[:, None] - c[None, :]) / p)   # (p², p)
    train = torch.arange(0, p * p, 2)
    full = float(measures.cross_entropy(logits, y))
    restricted, excluded = measures.restricted_excluded(logits, y, train, [k])
    assert restricted == pytest.approx(full, rel=1e-9)                   # nothing outside frequency k
    assert excluded == pytest.approx(math.log(p), rel=1e-9)              # removing it leaves uniform logits
    restricted, _ = measures.restricted_excluded(logits, y, train, [1])
    assert restricted == pytest.approx(math.log(p), rel=1e-9)            # the wrong key frequency


# ---- runs ---------------------------------------------------------------------------------------

def test_smoke_tiny_run_logs_every_declared_metric():
    cfg, rows = _run(p=7, d_embed=8, d_hidden=8, train_frac=0.5, steps=6, eval_every=2, fourier_every=3, n_key=2)
    emitted = set(rows.columns) - {"step"}
    assert emitted == set(EXPERIMENT.metrics) - {"loss", "gen_step", "mem_step"} | (emitted & {"mem_step", "gen_step"})
    assert rows["step"].max() == 6 and rows["weight_norm"].notna().all()
    assert rows["restricted_loss"].notna().sum() >= 3                   # 0, 3, 6


def test_transformer_and_division_runs_log_their_measures():
    _, rows = _run(model="transformer", p=7, symmetric=False, d_embed=8, d_hidden=16, n_heads=2, warmup=2,
                   train_frac=0.5, steps=4, eval_every=2, fourier_every=2, n_key=2)
    assert rows["excluded_loss"].notna().any() and rows["test_acc"].notna().all()
    _, rows = _run(operation="divide", symmetric=False, p=7, d_embed=8, d_hidden=8, steps=3, fourier_every=1)
    assert "restricted_loss" not in rows and rows["fourier_sparsity"].notna().any()


# p = 11, all 121 ordered pairs: 90 % generalises by step ~250 (measured: 240), 30 % stays below 0.5.
TREND = dict(p=11, symmetric=False, d_embed=32, d_hidden=16, lr=1e-2, steps=400, eval_every=10, fourier_every=400,
             n_key=1)


@pytest.mark.slow
def test_a_high_train_fraction_generalises_within_a_few_hundred_steps_a_low_one_not():
    _, high = _run(**TREND, train_frac=0.9)
    _, low = _run(**TREND, train_frac=0.3)
    assert high["train_acc"].iloc[-1] == 1.0 and low["train_acc"].iloc[-1] == 1.0   # both memorise
    assert high["test_acc"].iloc[-1] >= 0.95 and high["gen_step"].notna().any()
    assert low["test_acc"].iloc[-1] < 0.5 and "gen_step" not in low.columns


# ---- claims on hand-made frames -----------------------------------------------------------------

def frame(runs, **cfg):
    """Long frame from {seed: [(step, train_acc, test_acc, norm)]} with mem_step/gen_step as train.py logs them."""
    parts = []
    for seed, points in runs.items():
        found = {}
        for step, tr, te, norm in points:
            if "mem_step" not in found and tr >= 0.99:
                found["mem_step"] = step
            if "gen_step" not in found and te >= 0.95:
                found["gen_step"] = step
            parts.append(dict(run_id=f"r{seed}", cfg_seed=seed, cfg_steps=cfg.get("steps", 3000),
                              cfg_train_frac=cfg.get("train_frac", 0.6), step=step, train_acc=tr, test_acc=te,
                              weight_norm=norm, **found))
    return pd.DataFrame(parts)


GROK = [(0, 0.02, 0.02, 20.0), (100, 1.0, 0.02, 30.0), (1000, 1.0, 0.03, 25.0), (2000, 1.0, 1.0, 20.0),
        (3000, 1.0, 1.0, 19.0)]
EARLY_GEN = [(0, 0.02, 0.02, 20.0), (100, 1.0, 0.5, 30.0), (300, 1.0, 1.0, 29.5), (3000, 1.0, 1.0, 29.0)]
NEVER = [(0, 0.02, 0.02, 20.0), (100, 1.0, 0.02, 30.0), (3000, 1.0, 0.04, 40.0)]


def judge(key, runs, status="done", config=None, **cfg):
    f = frame(runs, **cfg)
    return evaluate(CLAIMS[key], Evidence(f, {r: status for r in f["run_id"].unique()}, config or Config()))


def test_seed_claims_hold_fail_and_wait():
    good = {0: GROK, 1: GROK}
    for key in ("memorises", "generalises", "delayed", "norm_falls"):
        assert judge(key, good).status == HOLDS, key
    assert judge("delayed", {0: EARLY_GEN}).status == FAILS                       # 3× only
    # the seed mean: one seed at 3× beside one at 20× is 11.5× over both, each seed's ratio said
    mixed = judge("delayed", {0: GROK, 1: EARLY_GEN})
    assert mixed.status == HOLDS and mixed.measured.startswith("mean of 2 seeds: memorised at 100, generalised at 1150")
    assert "seed 1: 100 → 300 (3×)" in mixed.measured
    assert judge("generalises", good).measured.startswith("holds on 2 of 2 seeds")
    assert judge("generalises", {0: GROK, 1: NEVER}).measured.startswith("holds on 1 of 2 seeds")
    assert judge("norm_falls", {0: EARLY_GEN}).status == FAILS                    # 29.5 -> 29.5
    assert judge("generalises", {0: NEVER}).status == FAILS
    assert judge("generalises", {0: NEVER}, status="running").status == NOT_YET
    assert judge("delayed", {0: NEVER[:2]}, status="running").status == NOT_YET
    late = [(0, 0.02, 0.02, 20.0), (400, 0.5, 0.02, 30.0), (3000, 1.0, 0.02, 40.0)]
    assert judge("memorises", {0: late}).status == FAILS                          # 0.99 only after 10 %
    assert "2000" in judge("delayed", good).measured


def test_claims_outside_their_regime():
    no_wd = Config(weight_decay=0.0)
    assert judge("generalises", {0: NEVER}, config=no_wd).status == NOT_APPLICABLE
    assert judge("delayed", {0: NEVER}, config=no_wd).status == NOT_APPLICABLE
    assert judge("no_weight_decay", {0: NEVER}).status == HOLDS
    assert judge("no_weight_decay", {0: GROK}).status == FAILS                    # it generalised anyway
    assert judge("no_weight_decay", {0: NEVER[:2]}, status="running").status == NOT_YET


def test_the_train_fraction_sweep_claim():
    def sweep(gens, status="done"):
        parts = []
        for frac, gen in gens.items():
            pts = [(0, 0.02, 0.02, 20.0), (50, 1.0, 0.02, 30.0)] + ([(gen, 1.0, 1.0, 20.0)] if gen else [])
            parts.append(frame({0: pts + [(3000, 1.0, 1.0 if gen else 0.02, 19.0)]}, train_frac=frac)
                         .assign(run_id=f"f{frac}"))
        f = pd.concat(parts, ignore_index=True)
        return evaluate(CLAIMS["more_data_faster"], Evidence(f, {r: status for r in f["run_id"].unique()}, Config()))

    fracs = CLAIMS["more_data_faster"].values
    falling = dict(zip(fracs, (2000, 1000, 600, 300)))
    assert sweep(falling).status == HOLDS
    assert sweep(dict(zip(fracs, (None, 1000, 600, 300)))).status == HOLDS         # never = later than the end
    assert sweep(dict(zip(fracs, (600, 1000, 600, 300)))).status == FAILS
    assert sweep(dict(zip(fracs[:2], (2000, 1000)))).status == NOT_YET


# ---- the page -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_page_draws_log_step_charts_of_a_stored_run_and_its_wd0_arm(store):
    from tests.ui.test_pages import app, by_title, train

    small = dict(p=7, d_embed=8, d_hidden=8, train_frac=0.5, steps=20, eval_every=5, fourier_every=10, n_key=2)
    train("grokking", [small, {**small, "weight_decay": 0.0}], store)
    at = app("grokking", query={k: str(v) for k, v in small.items()})
    figs = by_title(at)
    acc = figs["Accuracy: train and test"]
    assert acc["layout"]["xaxis"]["type"] == "log"                       # the phenomenon spans decades
    assert {t["name"] for t in acc["data"]} >= {"train_acc", "test_acc"}
    assert [s["y0"] for s in acc["layout"].get("shapes", [])] == [pytest.approx(1 / 7)]
    assert figs["Restricted and excluded loss (Nanda et al.)"]["layout"]["yaxis"]["type"] == "log"
    assert "Weight norm ‖θ‖₂" in figs
    # The side-by-side arms (with / without weight decay) share the page's log step axis.
    for metric in ("test_acc", "train_acc", "weight_norm"):
        arm = figs[f"{metric}: variants"]
        assert arm["layout"]["xaxis"]["type"] == "log", metric
        assert [t["name"] for t in arm["data"]] == ["with weight decay (these settings)", "no weight decay"]


def test_the_stop_rule_ends_a_run_once_generalisation_has_held():
    """stop_after: once test accuracy has stayed >= 0.95 for that many steps the run ends, saying
    why; 0 runs every step."""
    kw = dict(EXPERIMENT.smoke)
    cfg, rows = _run(**{**kw, "stop_after": 50})
    gen = rows["gen_step"].dropna().iloc[0]
    assert rows["step"].max() < cfg.steps and rows["step"].max() >= gen + 50
    assert (rows[rows["step"] >= gen]["test_acc"].dropna() >= 0.95).all()
    _, full = _run(**{**kw, "stop_after": 0})
    assert full["step"].max() == cfg.steps
    # the rows up to the stop are the same rows a full run logs (the rule only ends the run)
    pd.testing.assert_frame_equal(full[full["step"] <= rows["step"].max()].reset_index(drop=True)[rows.columns],
                                  rows.reset_index(drop=True))
