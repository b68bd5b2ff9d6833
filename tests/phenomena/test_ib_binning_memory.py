"""The relu binning's memory is bounded by the activations, not by their range (issue #24)."""
import numpy as np

from labcore.phenomena.information_bottleneck.measures import bin_edges, bin_ids, discretise, layer_information


def test_bin_ids_equal_the_edge_grid_where_the_grid_is_small():
    rng = np.random.default_rng(0)
    for bins in (4, 30, 100):
        acts = np.abs(rng.normal(size=(256, 12))) * 3.0  # (n, width)
        acts[0, :4] = [0.0, 2.0 / bins, 4.0 / bins, 1.0]  # values exactly on edges
        expect = discretise(acts, bin_edges("relu", acts, bins))
        assert (bin_ids("relu", acts, bins) == expect).all()


def test_blown_up_relu_activations_bin_without_a_huge_grid():
    acts = np.zeros((64, 8))
    acts[0, 0] = 1e15                 # ceil(1e15 / (2/30)) edges would be 1.2e17 floats
    acts[1, 1] = np.inf
    acts[2, 2] = np.nan
    ids = bin_ids("relu", acts, 30)
    assert ids.shape == (64, 8) and ids.dtype == np.int64
    assert ids[0, 0] == ids[1, 1] and ids[0, 0] > 0 and ids[2, 2] == 0
    x_ids = np.arange(64)
    y = np.arange(64) % 2
    ixt, ity = layer_information(acts, x_ids, y, "relu", 30)
    assert 0.0 <= ity <= ixt <= 6.0
