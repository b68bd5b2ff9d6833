"""Information bottleneck: the binned MI estimators against hand-computed values, the
12-bit task's construction, and the claim on a small run (tanh compresses, relu does not)."""
import numpy as np
import pandas as pd
import pytest

from labcore.core.recorder import Recorder
from labcore.phenomena.information_bottleneck import EXPERIMENT, data
from labcore.phenomena.information_bottleneck.measures import (bin_edges, codes, discretise, entropy,
                                                               layer_information, mutual_information)


def test_entropy_of_hand_computed_distributions():
    assert entropy(np.arange(8)) == pytest.approx(3.0)                 # uniform over 8 values
    assert entropy(np.zeros(10)) == 0.0
    assert entropy(np.array([0, 0, 0, 1])) == pytest.approx(-(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25)))
    rows = np.array([[0, 1], [0, 1], [1, 0], [1, 1]])                  # rows are the values: p = ½, ¼, ¼
    assert entropy(rows) == pytest.approx(1.5)


def test_mutual_information_identities():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, size=500)
    y = rng.integers(0, 2, size=500)
    assert mutual_information(x, x) == pytest.approx(entropy(x))        # T = X: I = H(X)
    assert mutual_information(np.zeros(500), y) == 0.0                  # a constant T carries nothing
    assert mutual_information(x, y) <= entropy(y) + 1e-12               # I(T;Y) ≤ H(Y)
    assert mutual_information(x, y) == pytest.approx(mutual_information(y, x))
    # Y a deterministic function of T: I(T;Y) = H(Y).
    assert mutual_information(x, x % 2) == pytest.approx(entropy(x % 2))


def test_mutual_information_of_a_hand_computed_joint():
    # p(a, b): (0,0) ½, (1,1) ¼, (1,0) ¼ -> H(A) = 1, H(B) = H(¾, ¼), H(A,B) = 1.5.
    a, b = np.array([0, 0, 1, 1]), np.array([0, 0, 1, 0])
    hb = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    assert mutual_information(a, b) == pytest.approx(1 + hb - 1.5)


def test_binning_tanh_fixed_range_relu_fixed_width():
    edges = bin_edges("tanh", np.array([[0.1]]), 4)
    assert np.allclose(edges, [-1, -0.5, 0, 0.5, 1])
    t = discretise(np.array([[-1.0, -0.2, 0.2, 1.0]]), edges)
    assert t.tolist() == [[0, 1, 2, 3]]                                 # the ends fall in the end bins
    relu = bin_edges("relu", np.array([[0.0, 2.1]]), 4)                 # width 2/4 = 0.5 up to 2.1
    assert np.allclose(relu, [0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert discretise(np.array([[0.0, 0.49, 0.5, 2.1]]), relu).tolist() == [[0, 0, 1, 4]]


def test_layer_information_collapses_when_all_activations_share_a_bin():
    x_ids = np.arange(16)
    y = np.arange(16) % 2
    same = np.full((16, 3), 0.99)                                        # saturated: one bin
    assert layer_information(same, x_ids, y, "tanh", 30) == (0.0, 0.0)
    spread = np.linspace(-0.99, 0.99, 16)[:, None]                       # 16 distinct bins of 30
    ixt, ity = layer_information(spread, x_ids, y, "tanh", 30)
    assert ixt == pytest.approx(4.0) and ity == pytest.approx(1.0)


def test_twelve_bit_task():
    x, y = data.twelve_bit()
    assert x.shape == (4096, 12) and len(np.unique(codes(x))) == 4096   # each pattern its own X
    assert 0.45 < y.mean() < 0.55 and data.label_entropy() > 0.99
    v = data.icosahedron()
    assert np.allclose(np.linalg.norm(v, axis=1), 1) and np.allclose(v.sum(0), 0)
    # Spherical symmetry: relabelling the bits by a rotation of the icosahedron keeps y.
    c, s = np.cos(2 * np.pi / 5), np.sin(2 * np.pi / 5)
    axis = v[0]
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rot = np.eye(3) + s * k + (1 - c) * k @ k                            # 72° about a vertex
    perm = np.argmin(np.linalg.norm((v @ rot.T)[:, None] - v[None], axis=2), axis=1)
    assert sorted(perm) == list(range(12))
    index = (x[:, perm] * (1 << np.arange(12))).sum(1).astype(int)      # the rotated pattern's row
    assert (y[index] == y).all()
    tr, te = data.split(4096, 0.85, np.random.default_rng(0))
    assert len(tr) == 3482 and len(set(tr) | set(te)) == 4096 and not set(tr) & set(te)


def _run(**over):
    import torch

    torch.set_num_threads(1)
    rec = Recorder()
    EXPERIMENT.run(EXPERIMENT.make_config(**over), rec)
    return pd.DataFrame(rec.rows).groupby("step").last()


def test_tiny_run_logs_every_layer_within_bounds():
    f = _run(epochs=3, points=3, widths=(6, 3), batch_size=4096)
    mi = f.dropna(subset=["ixt_l1"])
    assert 0 in mi.index and 3 in mi.index                              # init and the end
    assert {"ixt_l1", "ixt_l2", "ity_l1", "ity_l2", "last_ixt", "last_ity"} <= set(f.columns)
    assert (mi["ixt_l1"] <= 12 + 1e-9).all() and (mi["ity_l2"] <= data.label_entropy() + 1e-9).all()
    assert (mi["last_ixt"] == mi["ixt_l2"]).all()


@pytest.mark.slow
def test_tanh_compresses_relu_does_not():
    """The claim on a short run: tanh's last hidden layer loses I(X;T) after its peak; relu's not."""
    common = dict(epochs=400, lr=1.5e-3, points=15, seed=0)
    tanh = _run(activation="tanh", **common)["last_ixt"].dropna()
    relu = _run(activation="relu", **common)["last_ixt"].dropna()
    assert tanh.iloc[-1] < 0.7 * tanh.max() and 0 < tanh.idxmax() < 400
    assert relu.iloc[-1] > 0.95 * relu.max() > 0


def test_information_plane_figure_has_one_trace_per_layer_coloured_by_epoch():
    from labcore.phenomena.information_bottleneck.ui import plane_figure

    frame = pd.DataFrame({"step": [0, 1, 10, 100], "loss": [0.7, 0.6, 0.5, 0.4],
                          "ixt_l1": [5.0, 6.0, 7.0, 6.5], "ity_l1": [0.1, 0.5, 0.9, 1.0],
                          "ixt_l2": [3.0, 4.0, 3.5, 2.0], "ity_l2": [0.0, 0.4, 0.9, 1.0]})
    fig = plane_figure(frame, "tanh", h_y=1.0)
    points = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in points] == ["layer 1", "layer 2"]
    assert list(points[1].x) == [3.0, 4.0, 3.5, 2.0] and list(points[1].customdata) == [0, 1, 10, 100]
    assert list(points[0].marker.color) == sorted(points[0].marker.color)   # later epochs, higher colour
    assert [s.y0 for s in fig.layout.shapes] == [1.0]
