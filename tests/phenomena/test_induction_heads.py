"""Induction heads: the repeated-token data, the causal attention-only net, the measures on
hand-built attention and losses, a smoke run, the trend (with a fixed offset even one layer
learns to copy by position: why the default varies it), and the claims on hand-made frames:
holds, fails, not yet, and two settings outside each claim's regime."""
import math

import pandas as pd
import pytest
import torch

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, evaluate
from labcore.core.params import ParamError
from labcore.core.recorder import Recorder
from labcore.phenomena.induction_heads import EXPERIMENT, Config, data, measures
from labcore.phenomena.induction_heads.nets import AttnOnly
from tests.phenomena import claimkit

CLAIMS = {c.key: c for c in EXPERIMENT.claims}
LNV = math.log(64)


def test_repeated_tokens_copy_their_segment_right_aligned():
    g = torch.Generator().manual_seed(0)
    x, ell = data.repeated(50, 32, 10, True, g)
    assert ell.min() >= 8 and ell.max() <= 16 and len(set(ell.tolist())) > 3
    for row, n in zip(x, ell.tolist()):
        assert row[32 - n:].tolist() == row[32 - 2 * n: 32 - n].tolist()
    x, ell = data.repeated(5, 32, 10, False, g)
    assert (ell == 16).all() and (x[:, 16:] == x[:, :16]).all()          # first half, then its copy
    mask = data.repeat_mask(torch.tensor([16]), 32)                        # predictions of tokens 17..31
    assert mask[0].nonzero().flatten().tolist() == list(range(16, 31))
    with pytest.raises(ParamError, match="n_heads"):
        Config(d_model=10, n_heads=4)


def test_the_net_is_causal_and_keeps_its_attention_patterns():
    net = AttnOnly(10, 12, 8, 2, 2, torch.Generator().manual_seed(0))
    x = torch.randint(0, 10, (3, 12), generator=torch.Generator().manual_seed(1))
    y = x.clone()
    y[:, 7:] = (y[:, 7:] + 1) % 10                                         # change the future only
    a, b = net(x), net(y)
    assert torch.allclose(a[:, :7], b[:, :7]) and not torch.allclose(a[:, 7:], b[:, 7:])
    assert len(net.patterns) == 2 and net.patterns[0].shape == (3, 2, 12, 12)
    assert torch.allclose(net.patterns[1].sum(-1), torch.ones(3, 2, 12))


def test_prefix_matching_and_icl_score_on_hand_built_patterns_and_losses():
    t, ell = 8, torch.tensor([4, 4])
    induct = torch.zeros(2, 2, t, t)
    for i in range(t):
        induct[:, 0, i, max(0, i - 3)] = 1.0                                # head 0: i -> i - ℓ + 1
        induct[:, 1, i, i] = 1.0                                            # head 1: itself
    assert measures.prefix_matching(induct, ell).tolist() == [1.0, 0.0]
    losses = torch.tensor([[4.0] * 8 + [1.0] * 7])                          # 15 predictions: late ones cheap
    assert measures.icl_score(losses) == pytest.approx(1.0 - 4.0)
    assert measures.masked_mean(torch.tensor([[1.0, 3.0]]), torch.tensor([[True, False]])) == 1.0


def _run(**kw):
    cfg = EXPERIMENT.make_config(**kw)
    rec = Recorder()
    EXPERIMENT.run(cfg, rec)
    return cfg, pd.DataFrame(rec.rows), rec


def test_smoke_emits_losses_scores_and_patterns():
    _, rows, rec = _run(vocab=8, seq_len=8, d_model=8, n_heads=2, batch_size=4, steps=6, eval_every=2, snapshot_every=3)
    assert {"loss", "rep_loss", "icl_score", "prefix_l1h0", "prefix_l2h1"} <= set(rows.columns)
    assert rec.artifacts["attn_l2h1"].shape == (8, 8)


@pytest.mark.slow
def test_trend_with_a_fixed_offset_even_one_layer_learns_to_copy_by_position():
    torch.set_num_threads(1)
    _, rows, _ = _run(n_layers=1, vary_offset=False, vocab=16, seq_len=16, d_model=16, n_heads=2, batch_size=32,
                      lr=1e-2, steps=400, eval_every=100, snapshot_every=400)
    assert rows["rep_loss"].iloc[0] > 0.8 * math.log(16) and rows["rep_loss"].iloc[-1] < 0.5 * math.log(16)


# ---- claims on hand-made frames ------------------------------------------------------------------

def curve(drop_at: int | None, width: int = 50, steps: int = 1000, every: int = 25, one_layer=False):
    """Rows: rep_loss at ln V until drop_at, then a fall of `width` steps to 0.1; ICL the same
    shape from 0 to −(ln V − 0.1); prefix scores 0.05 -> 0.9 for layer 2 head 1."""
    rows = []
    for s in range(0, steps + 1, every):
        f = 0.0 if drop_at is None or s <= drop_at else min(1.0, (s - drop_at) / width)
        rep = LNV - f * (LNV - 0.1)
        row = {"step": s, "loss": 0.5 * (LNV + rep), "rep_loss": rep, "icl_score": -f * (LNV - 0.1),
               "prefix_l1h0": 0.05}
        if not one_layer:
            row.update(prefix_l2h0=0.05, prefix_l2h1=0.05 + 0.85 * f)
        rows.append(row)
    return rows


def judge(key, runs):
    return evaluate(CLAIMS[key], claimkit.evidence("induction_heads", runs))


def seeds(rows, cfg=None, status="done"):
    return [claimkit.run({"n_layers": 2, "steps": 1000, **(cfg or {}), "seed": s}, rows, status) for s in range(3)]


def test_abrupt_drop_holds_fails_waits_and_is_out_of_regime():
    assert judge("abrupt_drop", seeds(curve(500))).status == HOLDS
    assert judge("abrupt_drop", seeds(curve(100, width=800))).status == FAILS     # a slow slide, no plateau
    assert judge("abrupt_drop", seeds(curve(None))).status == FAILS               # no drop at all
    assert judge("abrupt_drop", seeds(curve(None)[:10], status="running")).status == NOT_YET
    # outside the regime: one layer (n/a), and far too few steps (no drop yet: fails, never ✓)
    assert judge("abrupt_drop", seeds(curve(None, one_layer=True), {"n_layers": 1})).status == NOT_APPLICABLE
    assert judge("abrupt_drop", seeds(curve(None, steps=50), {"steps": 50})).status == FAILS


def test_one_layer_flat_holds_fails_waits_and_is_out_of_regime():
    two = claimkit.run({"n_layers": 2, "seed": 0}, curve(500))
    flat = claimkit.run({"n_layers": 1, "seed": 0}, curve(None, one_layer=True))
    copies = claimkit.run({"n_layers": 1, "seed": 0}, curve(400, one_layer=True))   # a positional copy
    assert judge("one_layer_flat", [two, flat]).status == HOLDS
    assert judge("one_layer_flat", [two, copies]).status == FAILS
    assert judge("one_layer_flat", [two]).status == NOT_YET
    # outside the regime: the 2-layer run never drops (too few steps), or a fixed offset where one layer copies
    short = claimkit.run({"n_layers": 2, "seed": 0, "steps": 50}, curve(None, steps=50))
    assert judge("one_layer_flat", [short, flat]).status == FAILS
    fixed = claimkit.run({"n_layers": 1, "seed": 0, "vary_offset": False}, curve(400, one_layer=True))
    assert judge("one_layer_flat", [two, fixed]).status == FAILS


def test_prefix_head_holds_fails_waits_and_is_out_of_regime():
    assert judge("prefix_head", seeds(curve(500))).status == HOLDS
    weak = [{**r, "prefix_l2h1": 0.2} for r in curve(500)]
    assert judge("prefix_head", seeds(weak)).status == FAILS
    assert judge("prefix_head", seeds(curve(500)[:10], status="running")).status == NOT_YET
    assert judge("prefix_head", seeds(curve(None, one_layer=True), {"n_layers": 1})).status == NOT_APPLICABLE
    assert judge("prefix_head", seeds(curve(None))).status == FAILS                 # no drop: no claim of a head


def test_icl_negative_holds_fails_waits_and_is_out_of_regime():
    assert judge("icl_negative", seeds(curve(500))).status == HOLDS
    late = curve(500)
    late = [{**r, "icl_score": r["icl_score"] if r["step"] > 800 else 0.0} for r in late]  # turns 300 steps late
    assert judge("icl_negative", seeds(late)).status == FAILS
    assert judge("icl_negative", seeds(curve(None)[:10], status="running")).status == NOT_YET
    assert judge("icl_negative", seeds(curve(None, one_layer=True), {"n_layers": 1})).status == NOT_APPLICABLE
    assert judge("icl_negative", seeds(curve(None))).status == FAILS


def test_a_diverged_seed_fails_every_claim_by_name():
    runs = [claimkit.run({"n_layers": 2, "seed": s}, curve(500), "diverged" if s == 2 else "done") for s in range(3)]
    for key in ("abrupt_drop", "prefix_head", "icl_negative"):
        v = judge(key, runs)
        assert v.status == FAILS and "diverged" in v.measured
