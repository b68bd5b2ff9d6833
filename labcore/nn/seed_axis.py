"""The seed axis: N copies of one network, one per seed, trained together in one process.

Used where stacking seeds pays (steady_learner's batch-1 SGD, dispatch-bound; the
compute-bound phenomena train a group's seeds one after another, benchmarks/ensembles.py).
Each seed's module is built on its own seed streams, then `stack` turns the N modules into
one dict of stacked leaf tensors (S, ...) with `torch.func.stack_module_state`. The loss is
the sum of the per-seed losses, so one backward gives every seed its own gradient (the
seeds share no computation), and an update over the stacked leaves applies each seed's own
update: SGD and Adam are elementwise, so one stacked step equals N single-seed steps.

`SeedRecorder` stands in for a Recorder inside `train_loop`: a row of per-seed values is fanned
out to one Recorder per seed; a seed whose value turns non-finite is ended `diverged` (with
its step) and masked while the others go on; a seed whose `until` holds ends `done`.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch import nn

from labcore.core.recorder import Cancelled, Diverged


def stack(models: Sequence[nn.Module]) -> dict[str, torch.Tensor]:
    """{name: (S, *shape) leaf tensor requiring grad} of the trainable parameters of N
    identically shaped modules (seed i at index i)."""
    params, _ = torch.func.stack_module_state(list(models))
    return {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}


def optimizer(kind: str, params: Sequence[torch.Tensor], lr: float, **kw: Any) -> torch.optim.Optimizer:
    """torch.optim `kind` ("sgd" or "adam") over the stacked leaves, foreach. Chosen over a
    vmapped per-seed functional update after measuring both (benchmarks/ensembles.py part 0;
    docs/measurements.md, "Seed axis"); and it is the very update the solo runs make, elementwise."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[kind]
    return cls(list(params), lr=lr, foreach=True, **kw)


def sgd_step(params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor], lr: float) -> None:
    """In place p -= lr·g over the stacked leaves in one foreach call: the same elementwise
    update as torch.optim.SGD without its per-step bookkeeping (which costs more than the
    whole update on batch-1 nets)."""
    torch._foreach_add_(list(params), list(grads), alpha=-lr)


def sgd_vmapped(params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor], lr: float) -> list[torch.Tensor]:
    """The alternative measured against `optimizer`: a per-seed functional SGD update,
    vmapped over the seeds (returns new tensors)."""
    step = torch.func.vmap(lambda p, g: p - lr * g)
    return [step(p, g) for p, g in zip(params, grads)]


def adam_vmapped(params, grads, m, v, t: int, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
    """Per-seed functional Adam update vmapped over the seeds (measured alternative);
    returns (params, m, v)."""
    b1, b2 = betas

    def one(p, g, mi, vi):
        mi = b1 * mi + (1 - b1) * g
        vi = b2 * vi + (1 - b2) * g * g
        denom = (vi / (1 - b2 ** t)).sqrt() + eps
        return p - lr / (1 - b1 ** t) * mi / denom, mi, vi

    out = [torch.func.vmap(one)(p, g, mi, vi) for p, g, mi, vi in zip(params, grads, m, v)]
    return [o[0] for o in out], [o[1] for o in out], [o[2] for o in out]


@torch.no_grad()
def mask_dead(params: Sequence[torch.Tensor], live: torch.Tensor) -> None:
    """Zero the parameters of dead seeds (live: (S,) bool), so their non-finite values never
    reach a shared reduction and no time is spent on inf/NaN arithmetic."""
    for p in params:
        keep = live.view(-1, *([1] * (p.dim() - 1)))
        p.copy_(torch.where(keep, torch.nan_to_num(p), torch.zeros((), dtype=p.dtype)))
        if p.grad is not None:
            p.grad.copy_(torch.where(keep, torch.nan_to_num(p.grad), torch.zeros((), dtype=p.dtype)))


class SeedRecorder:
    """The Recorder of a `train_loop` over N seeds: fans rows out to one Recorder per seed.

    `log(step, **row)` takes, per metric, a sequence of S values (a scalar is shared) and
    writes seed i's values to recorders[i]; a non-finite value ends seed i `diverged`. `until`
    (the solo run's early-stop rule on one seed's row) ends seed i `done` once it holds; when
    it returns a string (the reason) and `steps` (the planned total) is given, seed i's
    Recorder records it (`stopped_early(step, steps, why)`), as `train_loop` does for one run.
    `should_stop()` is True when any member was cancelled (or lost its claim) — cancel stops
    the group — and when no seed is left. `outcomes[i]` is None while seed i trains, then
    its final fields; a Recorder that has `end(**final)` (the engine's) is told at once.
    `reraise`: a solo run (the group of one) lets Diverged through, as every solo run does.
    """

    def __init__(self, recorders: Sequence[Any], until: Callable[[dict], bool | str] | None = None,
                 reraise: bool = False, steps: int | None = None) -> None:
        self.recorders = list(recorders)
        self.until = until
        self.steps = steps
        self.reraise = reraise
        self.outcomes: list[dict | None] = [None] * len(self.recorders)
        self.steps_done = [0] * len(self.recorders)

    def __len__(self) -> int:
        return len(self.recorders)

    @property
    def live(self) -> list[bool]:
        """Per seed: True while it trains (no outcome yet)."""
        return [o is None for o in self.outcomes]

    def live_mask(self, device: Any = "cpu") -> torch.Tensor:
        """(S,) bool: seeds still training."""
        return torch.tensor(self.live, dtype=torch.bool, device=device)

    def any_live(self) -> bool:
        """True while any seed still trains."""
        return any(self.live)

    def log(self, step: int, **row: Any) -> None:
        """Write each live seed its values of `row`; a non-finite value ends that seed `diverged`,
        and `until` holding on its row (after step 0) ends it `done`."""
        for i, recorder in enumerate(self.recorders):
            if self.outcomes[i] is not None:
                continue
            mine = {k: _pick(v, i) for k, v in row.items()}
            mine = {k: v for k, v in mine.items() if v is not None}  # None: not measured for this seed
            try:
                recorder.log(step, **mine)
            except Diverged as exc:
                self.end(i, status="diverged", diverged_step=exc.step, error=str(exc))
                if self.reraise:
                    raise
                continue
            why = self.until(mine) if self.until is not None and step > 0 else None
            if why:
                if isinstance(why, str) and self.steps is not None and step < self.steps \
                        and hasattr(recorder, "stopped_early"):
                    recorder.stopped_early(step, self.steps, why)
                self.end(i, status="done", progress=1.0)

    def check(self, step: int, losses: torch.Tensor, metric: str = "loss") -> None:
        """After an update: a live seed whose step loss (losses: (S,)) is non-finite gets the
        solo run's bad row at this step and ends `diverged`."""
        bad = ~torch.isfinite(losses.detach())
        if bool(bad.any()):
            values = losses.detach().tolist()
            for i in torch.nonzero(bad).flatten().tolist():
                if self.outcomes[i] is None:
                    self.log_one(i, step, **{metric: values[i]})

    def log_one(self, i: int, step: int, **row: float) -> None:
        """One row for seed i only (e.g. its non-finite step loss)."""
        try:
            self.recorders[i].log(step, **row)
        except Diverged as exc:
            self.end(i, status="diverged", diverged_step=exc.step, error=str(exc))
            if self.reraise:
                raise

    def end(self, i: int, **final: Any) -> None:
        """Seed i stops here (its rows are complete); the engine's Recorder writes it now."""
        self.outcomes[i] = final
        ender = getattr(self.recorders[i], "end", None)
        if ender is not None:
            ender(**final)

    def artifact(self, i: int, name: str, value: Any) -> None:
        """Store artifact `name` for seed i, unless seed i has ended."""
        if self.outcomes[i] is None:
            self.recorders[i].artifact(name, value)

    def progress(self, fraction: float) -> None:
        """Report the progress fraction to every live seed's Recorder."""
        for i, recorder in enumerate(self.recorders):
            if self.outcomes[i] is None:
                recorder.progress(fraction)

    def span(self, lo: float, hi: float) -> None:
        """Map the next loop's progress into [lo, hi] on every seed's Recorder."""
        for recorder in self.recorders:
            recorder.span(lo, hi)

    def meta(self, device: str | None = None, **info: Any) -> None:
        """Record `device` and `info` (plus `ensemble`, the group size) on every live seed."""
        for i, recorder in enumerate(self.recorders):
            if self.outcomes[i] is None:
                recorder.meta(device=device, ensemble=len(self.recorders), **info)

    def should_stop(self) -> bool:
        """True when no seed is left or a live member was cancelled (or lost its claim)."""
        return not self.any_live() or any(r.should_stop() for r, o in zip(self.recorders, self.outcomes) if o is None)

    def run(self, loop: Callable[[], Any]) -> list[dict | None]:
        """Call `loop()` (a train_loop over this group); a stop because every seed ended is
        a normal end, a cancel of a live member is raised. Returns `outcomes`."""
        try:
            loop()
        except Cancelled:
            if self.any_live():
                raise
        return self.outcomes


def _pick(value: Any, i: int) -> float | None:
    """Seed i's entry of a per-seed value (tensor (S,), list; None: not measured for seed i)
    or the shared scalar."""
    if isinstance(value, torch.Tensor):
        return float(value[i]) if value.dim() else float(value)
    if isinstance(value, (list, tuple)):
        return None if value[i] is None else float(value[i])
    return float(value)
