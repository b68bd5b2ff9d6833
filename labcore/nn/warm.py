"""What a dashboard's warm worker does before the first click, so that the first run's first
row waits for its own work only (docs/measurements.md, "Warm worker").

Importing torch is not all of a first run's start-up: torch builds some of its machinery on
first use. Constructing the first optimiser imports `torch._dynamo` (seconds on one
core, most of a first run's start-up: docs/measurements.md), and the first backward and double backward (a
Hessian-vector product) set up autograd's engine. `warm_up` pays for all of it once, on a
toy model, together with the imports every run makes (the phenomena's definitions,
scikit-learn and its digits). It touches no random stream a run uses: every run seeds its
own generators first.
"""
from __future__ import annotations


def warm_up() -> None:
    """Import what the phenomena import and exercise torch's lazily built parts once."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.core.registry import REGISTRY  # noqa: F401 - imported for its side effect: the phenomena
    from labcore.nn import data

    data.digits_arrays()  # scikit-learn's import (seconds: docs/measurements.md) and the digits, once
    gen = torch.Generator().manual_seed(0)  # a private stream: the global one is the runs'
    x, y = torch.randn(8, 4, generator=gen), torch.randint(0, 2, (8,), generator=gen)  # (8, 4), (8,)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):  # the optimisers the lab uses
        opt = make(model.parameters(), lr=1e-3)
        opt.zero_grad(set_to_none=True)
        cross_entropy(model(x), y).backward()
        opt.step()
    params = list(model.parameters())
    grads = torch.autograd.grad(cross_entropy(model(x), y), params, create_graph=True)
    torch.autograd.grad(grads, params, grad_outputs=[torch.ones_like(p) for p in params])  # an HVP
