"""The superposition and induction-heads pages draw their own views from a finished run: the
columns of W as arrows, WᵀW, the norms and the dimensionality chart; each head's attention."""
from tests.ui.test_pages import by_title, open_with, train


def test_superposition_page_draws_the_geometry_of_w(store):
    cfg = {"n_instances": 4, "batch_size": 64, "steps": 50, "eval_every": 10, "snapshot_every": 20}
    train("superposition", [cfg], store)
    figs = by_title(open_with("superposition", **cfg))
    arrows = next(f for t, f in figs.items() if t.startswith("Columns of W in the plane"))
    assert len(arrows["data"]) == 4 * 5                                    # one arrow per instance and feature
    assert any(t.startswith("WᵀW (s3: S = 0.95)") for t in figs), list(figs)            # the sparsest instance first
    assert any(t.startswith("‖Wᵢ‖ per feature") for t in figs)
    assert "Feature dimensionality Dᵢ against 1/(1 − S)" in figs
    assert any(t.startswith("Features represented") for t in figs), list(figs)
    represented = next(f for t, f in figs.items() if t.startswith("Features represented"))
    assert {t["name"] for t in represented["data"]} >= {f"n_rep_s{k}" for k in range(4)}


def test_induction_heads_page_draws_the_attention_of_a_layer_2_head(store):
    cfg = {"vocab": 8, "seq_len": 8, "d_model": 8, "batch_size": 4, "steps": 8, "eval_every": 2, "snapshot_every": 4}
    train("induction_heads", [cfg], store)
    figs = by_title(open_with("induction_heads", **cfg))
    assert any(t.startswith("Attention of l2h0 on a repeated sequence") for t in figs), list(figs)
    assert any(t.startswith("Loss on the repeated half") for t in figs), list(figs)
    heads = next(f for t, f in figs.items() if t.startswith("Prefix-matching score per head"))
    assert {t["name"] for t in heads["data"]} >= {"prefix_l1h0", "prefix_l2h1"}
