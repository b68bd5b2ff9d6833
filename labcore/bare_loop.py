"""`labcore bench` part 1's baseline: lazy_training's training written by hand, and a plugin
experiment that runs it inside a pool worker.

The hand-written loop trains the same model on the same data with the same measurements as
lazy_training (standard parametrization), with no Recorder, store or heartbeat. The bench
loads this module through $LAB_PLUGINS, so its pool worker registers `EXPERIMENT` and the
bare loop runs in the very process that trains the lab's runs, alternating with them: the
same thread budget (`runner.reset_torch`), memory limit, imports and CPU, so the ratio
counts the lab's machinery and nothing of where it runs. Not a phenomenon: it is registered
only where the bench asks for it.
"""
from __future__ import annotations

import math
import time

from labcore.core.experiment import Experiment, PageSpec
from labcore.phenomena.lazy_training import Config

NAME = "bench_bare_loop"


MEASURED = ("loss", "train_acc", "test_acc", "rel_change", "rel_change_l2", "kernel_change")


def bare_loop(cfg: Config) -> tuple[float, float, list[tuple]]:
    """(wall, CPU, rows) of the training loop of a hand-written version of lazy_training
    (standard parametrization): same data, model, steps and measurements, no lab machinery.
    CPU is this process's (every thread), as the lab loop's `loop_cpu_s`; a row is (step,
    *MEASURED), the values lazy_training logs at that step."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.core.rng import seed_everything
    from labcore.nn import data, device, models
    from labcore.nn.measures import basic as metrics
    from labcore.nn.measures.ntk import kernel_change, ntk_one_hidden

    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed)
    x, y = (split.x_train * cfg.input_scale).to(dev), split.y_train.to(dev)
    xt, yt = (split.x_test * cfg.input_scale).to(dev), split.y_test.to(dev)
    model = models.init_weights(models.mlp(x.shape[1], [cfg.width], split.n_classes), cfg.init).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr / math.sqrt(cfg.width))
    params0 = [p.detach().clone() for p in model.parameters()]
    probe = x[: cfg.probe]

    def kernel():
        return ntk_one_hidden(probe, model[0].weight, model[0].bias, model[2].weight, model[2].bias)

    k0, rows = kernel(), []
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for step in range(cfg.steps + 1):
        if step % cfg.eval_every == 0 or step == cfg.steps:
            with torch.no_grad():
                logits, params = model(x), list(model.parameters())
                rows.append((step, float(cross_entropy(logits, y)), metrics.accuracy(logits, y),
                             metrics.accuracy(model(xt), yt), metrics.rel_change(params0, params),
                             metrics.rel_change_l2(params0, params), kernel_change(k0, kernel())))
        if step == cfg.steps:
            break
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        float(loss.detach())  # the lab checks every step's loss for divergence; so does this loop
    # float() above synchronises, so CUDA work is included
    return time.perf_counter() - t0, time.process_time() - cpu0, rows


def _run(cfg: Config, recorder) -> None:
    """The plugin's run: stop the Recorder's heartbeat (nothing of the lab runs beside the
    loop), train by hand, and report the loop's times where the lab's loop reports its own."""
    if cfg.parametrization != "standard":
        raise ValueError("the bare loop is written for parametrization=standard")
    recorder.close()
    wall, cpu, _ = bare_loop(cfg)
    recorder.meta(loop_s=wall, loop_cpu_s=cpu)


EXPERIMENT = Experiment(
    name=NAME,
    title="Bench: lazy_training's loop by hand",
    config=Config,
    run=_run,
    metrics=(),
    artifacts=(),
    page=PageSpec(what_to_look_for="Not a phenomenon: `labcore bench` part 1 runs it in a pool worker.",
                  reference="", charts=()),
)
