"""Pruning: global magnitude masks keep exactly the requested density, pruned weights stay
zero through training (forward and gradients masked), random masks keep each layer's count,
the output layer and biases are never pruned."""
import pytest
import torch
from torch import nn

from labcore.nn import pruning
from labcore.nn.pruning import MaskedLinear


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = MaskedLinear(6, 20)
        self.b = MaskedLinear(20, 10)
        self.out = nn.Linear(10, 3)  # dense: never pruned

    def forward(self, x):
        return self.out(torch.relu(self.b(torch.relu(self.a(x)))))


def _net(seed=0):
    torch.manual_seed(seed)
    return Net()


def test_global_magnitude_keeps_exactly_the_requested_density_round_after_round():
    net = _net()
    masks = pruning.dense_masks(net)
    total = sum(m.numel() for m in masks.values())  # 120 + 200
    alive = total
    for _ in range(6):
        masks = pruning.global_magnitude_masks(net, masks, 0.2)
        alive -= round(0.2 * alive)
        assert sum(int(m.sum()) for m in masks.values()) == alive
        assert pruning.density(masks) == pytest.approx(alive / total)
        pruning.apply_masks(net, masks)


def test_the_smallest_magnitudes_go_first_over_all_layers():
    net = _net()
    masks = pruning.global_magnitude_masks(net, pruning.dense_masks(net), 0.5)
    mag = {k: layer.weight.detach().abs() for k, layer in pruning.masked_layers(net).items()}
    kept = torch.cat([mag[k][masks[k]] for k in mag])
    gone = torch.cat([mag[k][~masks[k]] for k in mag])
    assert float(gone.max()) <= float(kept.min())


def test_ties_are_broken_so_the_count_is_exact():
    net = _net()
    with torch.no_grad():
        net.a.weight.fill_(0.5)
        net.b.weight.fill_(0.5)
    masks = pruning.global_magnitude_masks(net, pruning.dense_masks(net), 0.3)
    assert sum(int(m.sum()) for m in masks.values()) == 320 - 96


def test_pruned_weights_stay_zero_through_training_and_get_no_gradient():
    net = _net()
    masks = pruning.global_magnitude_masks(net, pruning.dense_masks(net), 0.7)
    pruning.apply_masks(net, masks)
    bias_before = net.a.bias.detach().clone()
    for opt in (torch.optim.Adam(net.parameters(), lr=0.05), torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)):
        for _ in range(30):
            x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            assert float(net.a.weight.grad[~masks["a"]].abs().max()) == 0.0
            opt.step()
        for name, layer in pruning.masked_layers(net).items():
            assert float(layer.weight.detach()[~masks[name]].abs().max()) == 0.0
            assert int((layer.weight[masks[name]] != 0).sum()) == int(masks[name].sum())  # survivors train
    assert not torch.equal(net.a.bias, bias_before)  # biases are not pruned: they train


def test_output_layer_and_biases_are_not_prunable():
    net = _net()
    assert list(pruning.masked_layers(net)) == ["a", "b"]
    masks = pruning.global_magnitude_masks(net, pruning.dense_masks(net), 0.9)
    pruning.apply_masks(net, masks)
    assert bool((net.out.weight != 0).all()) and bool((net.a.bias != 0).all())


def test_random_masks_keep_each_layers_count_and_differ():
    net = _net()
    masks = pruning.global_magnitude_masks(net, pruning.dense_masks(net), 0.6)
    rand = pruning.random_masks_like(masks, torch.Generator().manual_seed(1))
    assert {k: int(m.sum()) for k, m in rand.items()} == {k: int(m.sum()) for k, m in masks.items()}
    assert not all(torch.equal(rand[k], masks[k]) for k in masks)
    again = pruning.random_masks_like(masks, torch.Generator().manual_seed(1))
    assert all(torch.equal(rand[k], again[k]) for k in masks)


def test_mask_stats_and_round_arithmetic():
    net = _net()
    masks = pruning.dense_masks(net)
    masks["a"][:, :3] = False  # half of layer a (60 of 120)
    stats = pruning.mask_stats(masks)
    assert stats["density_l1"] == 0.5 and stats["density_l2"] == 1.0
    assert stats["density"] == pytest.approx(260 / 320) and stats["alive"] == 260
    assert pruning.rounds_to_reach(0.07, 0.2) == 12 and pruning.expected_density(0.2, 12) < 0.07
    with pytest.raises(ValueError):
        pruning.apply_masks(net, {"a": masks["a"]})
