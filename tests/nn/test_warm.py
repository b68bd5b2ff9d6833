"""The warm worker's warm-up (issue 31): after it, a run's first optimiser, backward and
Hessian-vector product import nothing more, so the first click's first row waits only for
its own work."""
import subprocess
import sys

import pytest

FIRST_RUN = """
import sys, torch
from labcore.nn.warm import warm_up
{warm}
before = set(sys.modules)
torch.manual_seed(1)
model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
x, y = torch.randn(10, 6), torch.randint(0, 3, (10,))
for make in (torch.optim.SGD, torch.optim.AdamW):
    opt = make(model.parameters(), lr=0.1)
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
params = list(model.parameters())
grads = torch.autograd.grad(torch.nn.functional.cross_entropy(model(x), y), params, create_graph=True)
torch.autograd.grad(grads, params, grad_outputs=[torch.ones_like(p) for p in params])
from labcore.core.registry import REGISTRY
print(len(set(sys.modules) - before))
"""


def _imported_by_a_first_run(warm: bool) -> int:
    code = FIRST_RUN.format(warm="warm_up()" if warm else "")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


@pytest.mark.slow
def test_after_the_warm_up_a_first_run_imports_nothing():
    assert _imported_by_a_first_run(warm=False) > 50  # torch._dynamo and the phenomena, at least
    assert _imported_by_a_first_run(warm=True) == 0
