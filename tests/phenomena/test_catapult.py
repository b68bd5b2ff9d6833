"""catapult: the exact NTK eigenvalue against the Jacobian, the three regimes on a small net
(lazy, catapult, divergence), why the phenomenon turns the loss-growth rule off, and its claims
on hand-made runs (holds, fails, not yet, and settings outside each claim's regime)."""
import math

import pytest
import torch

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from labcore.core.recorder import Diverged, Recorder
from labcore.core.registry import get
from labcore.phenomena.catapult.nets import TwoLayer, loss_fn, ntk, prepare, top_eigenvalue
from tests.phenomena.claimkit import run, steps, verdict

SMALL = dict(width=512, n_train=32, steps=60, ntk_every=2)


def _rows(recorder=None, **overrides):
    exp = get("catapult")
    rec = recorder or Recorder(divergence_factor=exp.divergence_factor)
    exp.run(exp.make_config(**{**SMALL, **overrides}), rec)
    return rec.rows


def test_the_closed_form_kernel_is_the_jacobians_and_its_top_eigenvalue_matches():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    x, y = prepare(torch.randn(12, 5, generator=gen), torch.arange(12) % 4, 4)
    model = TwoLayer(5, 7, generator=gen)
    params = dict(model.named_parameters())

    def f(w_in, w_out):  # (n,): the net's outputs as a function of its parameters
        return torch.func.functional_call(model, {"weight_in": w_in, "weight_out": w_out}, (x,))

    jac = torch.autograd.functional.jacobian(f, (params["weight_in"], params["weight_out"]))
    j = torch.cat([part.reshape(12, -1) for part in jac], dim=1).double()  # (n, P)
    exact = j @ j.T / 12  # Θ = J Jᵀ / n: GD on ½ mean (f − y)² moves f by −η Θ (f − y)
    assert torch.allclose(ntk(model, x), exact, rtol=1e-5, atol=1e-8)
    assert math.isclose(top_eigenvalue(model, x), float(torch.linalg.eigvalsh(exact)[-1]), rel_tol=1e-6)
    # one GD step of size η changes the outputs by −η Θ ∇_f L to first order
    eta = 1e-3
    out = model(x)
    loss_fn(out, y).backward()
    with torch.no_grad():
        step = -eta * exact @ (out - y).double()  # Δθ = −η Jᵀ(f − y)/n, so Δf ≈ −η Θ (f − y)
        for p in model.parameters():
            p -= eta * p.grad
        assert torch.allclose((model(x) - out).double(), step, rtol=1e-2, atol=1e-7)


def test_lazy_below_two_catapult_above_and_divergence_far_above():
    lazy = _rows(lr_factor=1.0)
    loss = [r["loss"] for r in lazy]
    lam = [r["ntk_top"] for r in lazy if "ntk_top" in r]
    assert all(b <= a for a, b in zip(loss, loss[1:])) and loss[-1] < 0.2 * loss[0]
    assert max(abs(v / lam[0] - 1) for v in lam) < 0.05
    cat = _rows(lr_factor=3.0)
    assert max(r["loss"] for r in cat) > 10 * cat[0]["loss"]          # the spike
    assert cat[-1]["loss"] < cat[0]["loss"]                           # then it trains
    el = [r["eta_lambda"] for r in cat if "eta_lambda" in r]
    assert el[0] == pytest.approx(3.0, rel=1e-6) and el[-1] < 2       # λ fell below 2/η
    assert cat[-1]["peak_ratio"] == pytest.approx(max(r["loss"] for r in cat) / cat[0]["loss"])
    with pytest.raises(Diverged):
        _rows(lr_factor=16.0)


def test_the_loss_growth_rule_would_cut_the_catapult_so_the_phenomenon_turns_it_off():
    """At the defaults the loss peaks ~300× its start: a recorder with the house's 100× rule
    ends it `diverged` mid-spike; the Experiment sets divergence_factor None (non-finite only)."""
    assert get("catapult").divergence_factor is None
    with pytest.raises(Diverged, match="x its first value"):
        _rows(recorder=Recorder(), width=2048, n_train=128, steps=20)


C = 3.0


def cat_rows(n=60, peak=300.0, at=8, end_el=0.9, end_loss=1e-3):
    """A catapult: loss rising to `peak`× at step `at`, then falling to `end_loss`×; η·λ from c to end_el."""
    def loss(s):
        return peak ** (s / at) if s <= at else peak * (end_loss / peak) ** ((s - at) / (n - 1 - at))
    return steps(n, loss=loss, eta_lambda=lambda s: C + (end_el - C) * min(1, s / 20),
                 ntk_top=lambda s: (C + (end_el - C) * min(1, s / 20)) / 10)


def lazy_rows(n=60, drift=0.005):
    return steps(n, loss=lambda s: 0.9 ** s, ntk_top=lambda s: 0.2 * (1 - drift * s / (n - 1)),
                 eta_lambda=lambda s: 1.5 * (1 - drift * s / (n - 1)))


def test_lazy_claim():
    seeds = [run({"lr_factor": 1.5, "seed": s}, lazy_rows()) for s in range(3)]
    got = verdict("catapult", "lazy_below_two", seeds)
    assert got.status == HOLDS and got.measured.startswith("holds on 3 of 3 seeds")
    # a narrow net: λ moves 20 % below 2 (finite width is not lazy)
    drifting = [run({"lr_factor": 1.5, "width": 16}, lazy_rows(drift=0.2))]
    assert verdict("catapult", "lazy_below_two", drifting).status == FAILS
    # out of the regime: a catapult run (c = 3) is not applicable, never a ✓
    assert verdict("catapult", "lazy_below_two", [run({"lr_factor": 3.0}, cat_rows())]).status == NOT_APPLICABLE
    bumpy = [dict(r, loss=r["loss"] * (1.5 if r["step"] == 10 else 1)) for r in lazy_rows()]
    assert verdict("catapult", "lazy_below_two", [run({"lr_factor": 1.5}, bumpy)]).status == FAILS
    young = [run({"lr_factor": 1.5}, lazy_rows()[:5], "running")]
    assert verdict("catapult", "lazy_below_two", young).status == NOT_YET


def test_catapult_claim():
    seeds = [run({"lr_factor": C, "seed": s}, cat_rows()) for s in range(3)]
    assert verdict("catapult", "catapult", seeds).status == HOLDS
    assert verdict("catapult", "catapult", [run({"lr_factor": C}, cat_rows(peak=2.0))]).status == FAILS  # no spike
    assert verdict("catapult", "catapult", [run({"lr_factor": C}, cat_rows(end_el=2.5))]).status == FAILS  # λ stayed up
    # out of the regime: lazy (c = 1.5) is not applicable; a diverged run (c = 8) fails by name
    assert verdict("catapult", "catapult", [run({"lr_factor": 1.5}, lazy_rows())]).status == NOT_APPLICABLE
    got = verdict("catapult", "catapult", [run({"lr_factor": 8.0}, cat_rows()[:8], "diverged")])
    assert got.status == FAILS and "diverged" in got.measured
    assert verdict("catapult", "catapult", [run({"lr_factor": C}, cat_rows()[:10], "running")]).status == NOT_YET


def sweep(diverge_from=5.0, values=(0.5, 1.0, 1.5, 2.5, 3.0, 3.5, 5.0, 8.0, 12.0, 16.0)):
    out = []
    for c in values:
        if c >= diverge_from:
            out.append(run({"lr_factor": c}, steps(8, loss=lambda s: 10.0 ** s), "diverged"))
        else:
            out.append(run({"lr_factor": c}, steps(20, loss=lambda s: 1 / (1 + s))))
    return out


def test_maximal_rate_claim():
    got = verdict("catapult", "maximal_rate", sweep())
    assert got.status == HOLDS and "trains up to η·λ₀ = 3.5, diverges from 5" in got.measured
    assert verdict("catapult", "maximal_rate", sweep(diverge_from=20.0)).status == FAILS   # c = 16 trains
    assert verdict("catapult", "maximal_rate", sweep(diverge_from=2.5)).status == FAILS    # c = 2.5 diverges
    # out of the regime: a sweep that never passes 2 (nothing to diverge) is not applicable
    assert verdict("catapult", "maximal_rate", sweep(values=(0.5, 1.0, 1.5))).status == NOT_APPLICABLE
    waiting = sweep()[:-1] + [run({"lr_factor": 16.0}, steps(2, loss=1.0), "running")]
    assert verdict("catapult", "maximal_rate", waiting).status == NOT_YET
