"""Mode connectivity: the path measurements on hand-built states and nets (interpolation,
barrier, filter-normalised directions), and a tiny run's rows and artifacts."""
import numpy as np
import pytest
import torch

from labcore.core.params import ParamError
from labcore.core.recorder import Recorder
from labcore.core.registry import REGISTRY
from labcore.phenomena.mode_connectivity import measures
from labcore.phenomena.mode_connectivity.nets import build

EXP = REGISTRY["mode_connectivity"]
TINY = dict(arch="bn_mlp", width=8, depth=2, dataset="digits", n_train=200, n_test=100, steps=20,
            spawn_steps=(0, 5), points=5, plane_points=3, hessian_examples=50, slq_steps=10, slq_vectors=1,
            hutchinson=4)


@pytest.mark.unit
def test_barrier_is_the_peak_above_the_mean_of_the_ends():
    assert measures.barrier([0.1, 0.3, 0.2]) == pytest.approx(0.15)
    assert measures.barrier([0.1, 0.05, 0.1]) == pytest.approx(0.0)  # a dip is no barrier
    assert measures.barrier([0.2, 0.1, 0.0]) == pytest.approx(0.1)   # max is an end: max − mean of the ends


@pytest.mark.unit
def test_interpolation_is_linear_and_keeps_integer_buffers():
    a = {"w": torch.tensor([0.0, 2.0]), "n": torch.tensor(3)}
    b = {"w": torch.tensor([4.0, 0.0]), "n": torch.tensor(9)}
    mid = measures.interpolate(a, b, 0.25)
    assert torch.allclose(mid["w"], torch.tensor([1.0, 1.5]))
    assert int(mid["n"]) == 3


@pytest.mark.unit
def test_filter_normalised_directions_match_each_rows_norm_and_skip_biases_and_batchnorm():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0, 0], [0, 2, 0], [3, 4, 0], [0, 0, 0.5]]))  # row norms 1, 2, 5, 0.5
    params = dict(net.named_parameters())
    d = measures.filter_normalised_direction(params, torch.Generator().manual_seed(0))
    assert torch.allclose(d["0.weight"].norm(dim=1), torch.tensor([1.0, 2.0, 5.0, 0.5]), rtol=1e-6)
    assert torch.allclose(d["3.weight"].norm(dim=1), params["3.weight"].norm(dim=1), rtol=1e-6)
    for name in ("0.bias", "1.weight", "1.bias", "3.bias"):
        assert torch.count_nonzero(d[name]) == 0
    # the direction is random, not the weights themselves
    assert not torch.allclose(d["0.weight"].abs(), params["0.weight"].abs())
    # conv filters: one norm per output channel
    w = torch.randn(5, 2, 3, 3)
    dc = measures.filter_normalised_direction({"c": w}, torch.Generator().manual_seed(1))["c"]
    assert torch.allclose(dc.flatten(1).norm(dim=1), w.flatten(1).norm(dim=1), rtol=1e-5)
    center = {k: v.detach() for k, v in params.items()}
    same = measures.plane(center, d, d, 0.0, 0.0)
    assert all(torch.equal(same[k], center[k]) for k in center)


@pytest.mark.unit
def test_the_path_between_a_net_and_itself_is_flat():
    torch.manual_seed(0)
    net = build("lenet", 6, 3, 0, 0)
    x, y = torch.randn(50, 6), torch.randint(0, 3, (50,))
    state = {k: v.clone() for k, v in net.state_dict().items()}
    path = measures.path_errors(net, state, state, np.linspace(0, 1, 5), lambda m: {"err": measures.error(m, x, y)})
    errs = [p["err"] for p in path]
    assert len(set(errs)) == 1 and measures.barrier(errs) == 0.0


@pytest.mark.unit
def test_config_needs_a_spawn_step_below_steps():
    with pytest.raises(ParamError, match="spawn_steps"):
        EXP.make_config(steps=10, spawn_steps=(10, 20))


def test_a_tiny_run_logs_a_barrier_per_spawn_step_and_the_spectrum():
    rec = Recorder()
    EXP.run(EXP.make_config(**TINY), rec)
    rows = {r["step"]: r for r in rec.rows}
    for k in (0, 5):
        assert 0.0 <= rows[k]["barrier_test"] <= 1.0 and rows[k]["distance"] > 0
    end = rows[TINY["steps"]]
    assert end["slq_top"] == pytest.approx(end["sharpness"], rel=0.05)
    assert end["classes"] == 10 and end["n_outliers"] >= 1
    assert set(rec.artifacts) >= {"path_k0", "path_k5", "slice_init", "plane", "spectrum", "ritz"}
    path = rec.artifacts["path_k0"]
    assert list(path["alpha"]) == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert len(rec.artifacts["plane"]) == 9
    spec = rec.artifacts["spectrum"]
    assert np.trapezoid(spec["density"], spec["eigenvalue"]) == pytest.approx(1.0, abs=0.02)
