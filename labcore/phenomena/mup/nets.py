"""The MLP of the μP page and its three parametrisations (imports torch; used by `run`).

A parametrisation is, per layer (input, hidden, readout), three numbers: the std of the
initial weights, a constant multiplier applied in the forward pass, and a multiplier of
Adam's learning rate. With fan-in d, width n and width multiplier m = n / base_width
(Yang & Hu 2021; Yang et al. 2022, "Tensor Programs V", Table 3 for Adam):

- sp (standard): every layer N(0, 1/fan_in), no multipliers, Adam lr η everywhere;
- ntk: every layer N(0, 1) times 1/√fan_in in the forward pass, lr η everywhere;
- mup: input N(0, 1/d), lr η; hidden N(0, 1/n), lr η/m; readout zero, logits / m, lr η.

At the base width (m = 1) μP and SP differ only by the readout's zero init.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

PARAMETRIZATIONS = ("mup", "sp", "ntk")
LAYERS = ("input", "hidden", "readout")


@dataclass(frozen=True)
class Rule:
    """How one layer is initialised, multiplied and stepped."""

    init_std: float    # std of the initial weights (0: zero init)
    multiplier: float  # constant factor in the forward pass: out = multiplier · W x
    lr_mult: float     # Adam's lr of this layer = η · lr_mult


def rules(parametrization: str, d_in: int, width: int, base_width: int) -> dict[str, Rule]:
    """The (init std, forward multiplier, lr multiplier) of each layer, keyed by LAYERS."""
    m = width / base_width
    if parametrization == "sp":
        return {"input": Rule(1 / math.sqrt(d_in), 1.0, 1.0), "hidden": Rule(1 / math.sqrt(width), 1.0, 1.0),
                "readout": Rule(1 / math.sqrt(width), 1.0, 1.0)}
    if parametrization == "ntk":
        return {"input": Rule(1.0, 1 / math.sqrt(d_in), 1.0), "hidden": Rule(1.0, 1 / math.sqrt(width), 1.0),
                "readout": Rule(1.0, 1 / math.sqrt(width), 1.0)}
    if parametrization == "mup":
        return {"input": Rule(1 / math.sqrt(d_in), 1.0, 1.0), "hidden": Rule(1 / math.sqrt(width), 1.0, 1 / m),
                "readout": Rule(0.0, 1 / m, 1.0)}
    raise ValueError(f"unknown parametrization {parametrization!r}; known: {', '.join(PARAMETRIZATIONS)}")


class MLP(torch.nn.Module):
    """d_in → n → n → classes, ReLU, no biases; each layer's weight times its rule's multiplier."""

    def __init__(self, d_in: int, width: int, n_classes: int, layer_rules: dict[str, Rule],
                 generator: torch.Generator) -> None:
        super().__init__()
        self.rules = layer_rules
        shapes = {"input": (width, d_in), "hidden": (width, width), "readout": (n_classes, width)}
        self.weights = torch.nn.ParameterDict({
            name: torch.nn.Parameter(torch.randn(*shapes[name], generator=generator) * layer_rules[name].init_std)
            for name in LAYERS})

    def forward(self, x: torch.Tensor, hidden: bool = False):
        """x (B, d_in) -> logits (B, classes); with hidden=True also (h1, h2), each (B, n)."""
        w, r = self.weights, self.rules
        h1 = torch.relu(r["input"].multiplier * (x @ w["input"].T))      # (B, n)
        h2 = torch.relu(r["hidden"].multiplier * (h1 @ w["hidden"].T))   # (B, n)
        out = r["readout"].multiplier * (h2 @ w["readout"].T)            # (B, C)
        return (out, h1, h2) if hidden else out


def adam(model: MLP, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> torch.optim.Adam:
    """Adam with one parameter group per layer, each at lr · its rule's lr multiplier."""
    groups = [{"params": [model.weights[name]], "lr": lr * model.rules[name].lr_mult, "layer": name}
              for name in LAYERS]
    return torch.optim.Adam(groups, lr=lr, betas=betas, eps=eps)
