"""The contract every registry entry keeps, checked on a tiny Config of each:
emitted metric/artifact names ⊆ declared ⊇ names the PageSpec charts, and every charted
name is emitted (a chart whose metric `run` stopped emitting would be skipped silently on
the page); reference lines survive seed bands; the page's panels and artifact view exist in
the phenomenon's ui.py; a run pushed to a huge learning rate ends `diverged` with its step;
no phenomenon package imports the store, the engine or the page's session state; every
entry declares two or more claims on emitted metrics.
A new phenomenon is covered here with no change to this file."""
import ast
import dataclasses
import importlib
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from labcore.core.experiment import matches
from labcore.core.params import specs
from labcore.core.recorder import Diverged, Recorder
from labcore.core.registry import REGISTRY
from labcore.charts import plots
from labcore.runs import analysis
from tests.plugins import quadratic


def tiny_config(exp):
    """Every log-scaled int parameter (sizes, steps, cadences) shrunk to a few units, then
    the phenomenon's own `smoke` overrides."""
    values = {}
    for s in specs(exp.config):
        if s.type is int and s.log and s.lo is not None:
            values[s.name] = max(int(s.lo), min(s.default, 4))
    values.update(exp.smoke)
    return exp.make_config(**values)


def charted(exp) -> list[str]:
    page = exp.page
    names = [m for chart in page.charts for m in chart.metrics]
    if page.sweep:
        names += list(page.sweep.metrics)
    if page.arms:
        names += list(page.arms.metrics)
    if page.layer_heatmap:
        names.append(page.layer_heatmap)
    return names


# Overrides for the divergence test where a tiny run has no optimiser to poison and its few
# steps do not overflow: the quadratic (plain Python floats) needs ~26 steps at lr 1e6.
# double_descent: random features have no optimiser, the MLP diverges
DIVERGE: dict[str, dict] = {"quadratic": dict(steps=100), "double_descent": dict(model="mlp")}


# every registered phenomenon, and the test plugin (the docs' worked example: tests load it per test)
CONTRACTED = {**REGISTRY, quadratic.EXPERIMENT.name: quadratic.EXPERIMENT}


@pytest.fixture(scope="module", params=sorted(CONTRACTED))
def emitted(request):
    import torch

    torch.set_num_threads(1)
    exp = CONTRACTED[request.param]
    rec = Recorder()
    exp.run(tiny_config(exp), rec)
    return exp, rec


def test_emitted_metrics_and_artifacts_are_declared(emitted):
    exp, rec = emitted
    metrics = {k for row in rec.rows for k in row if k != "step"}
    assert metrics, "a run must log metrics"
    assert [m for m in sorted(metrics) if not exp.declares_metric(m)] == []
    assert [a for a in sorted(rec.artifacts) if not exp.declares_artifact(a)] == []


def test_charted_metrics_are_declared(emitted):
    exp, rec = emitted
    undeclared = [m for m in charted(exp) if not any(matches(d, m) or matches(m, d) for d in exp.metrics)]
    assert undeclared == []
    sweep = exp.page.sweep
    if sweep:
        for axis, values in sweep.axes.items():  # every sweep value is a valid setting
            for v in values:
                dataclasses.replace(tiny_config(exp), **{axis: v})


def one_switch_variants(exp):
    """The tiny Config with one switch changed: each bool flipped, each other choice of a
    str parameter (datasets and devices excepted: they may need the network or a GPU)."""
    from labcore.core import catalogue

    base = tiny_config(exp)
    for s in specs(exp.config):
        if s.type is bool:
            yield dataclasses.replace(base, **{s.name: not s.default})
        elif s.choices and s.type is str:
            for v in s.choices:
                if (v != s.default and v not in catalogue.DATASETS and v not in catalogue.DEVICES
                        and not str(v).endswith("*")):  # a pattern such as "file:*" is no value
                    yield dataclasses.replace(base, **{s.name: v})


def test_charted_metrics_are_emitted(emitted):
    exp, rec = emitted

    def missing_from(rec, wanted):
        names = {k for row in rec.rows for k in row if k != "step"}
        return [m for m in wanted if not any(matches(m, n) for n in names)]

    # every Chart and the sweep/arms/heatmap names: matched by a metric the tiny run emitted,
    # or (a metric of one mode, e.g. grad_noise with per_sample) the run with one switch changed
    missing = missing_from(rec, charted(exp))
    for cfg in one_switch_variants(exp) if missing else ():
        other = Recorder()
        try:
            exp.run(cfg, other)
        except Diverged:
            pass
        missing = missing_from(other, missing)
        if not missing:
            break
    assert missing == [], f"{exp.name} charts metrics no run of it emits: {missing}"


def test_a_run_whose_parameters_blow_up_ends_diverged_with_its_step(emitted):
    """Every phenomenon diverges once: the largest learning rate of its range and, after its
    second optimiser step, parameters poisoned with inf (a huge rate alone leaves ReLU nets with
    a finite, saturated loss, and Adam's step is bounded by the rate). The run must raise
    Diverged with the step and the metric, its bad row recorded, not crash elsewhere."""
    import torch

    exp, _ = emitted
    # `lr`, `*_lr`, or `lr_*` (catapult's lr_factor: the step in units of 1/λ₀)
    rates = {s.name: s.hi for s in specs(exp.config)
             if s.name == "lr" or s.name.endswith("_lr") or s.name.startswith("lr_")}
    assert rates, f"{exp.name}: no learning rate"
    cfg = dataclasses.replace(tiny_config(exp), **rates, **DIVERGE.get(exp.name, {}))
    steps = []

    def poison(opt, args, kwargs):
        steps.append(1)
        if len(steps) >= 2:
            with torch.no_grad():
                for group in opt.param_groups:
                    for p in group["params"]:
                        p.fill_(math.inf)

    from torch.optim.optimizer import register_optimizer_step_post_hook

    handle = register_optimizer_step_post_hook(poison)
    rec = Recorder()
    try:
        with pytest.raises(Diverged) as info:
            exp.run(cfg, rec)
    finally:
        handle.remove()
    assert info.value.step >= 0 and rec.rows, "the bad row is recorded"
    last = rec.rows[-1]
    assert last["step"] == info.value.step and last[info.value.metric] == pytest.approx(info.value.value, nan_ok=True)
    # non-finite, or (the one divergence rule) the loss grown past its limit over the first value
    assert not math.isfinite(info.value.value) or "x its first value" in str(info.value)


def test_no_phenomenon_imports_the_store_the_engine_or_the_session_state():
    """The built-in phenomena and the user folder's ($LAB_EXPERIMENTS)."""
    from labcore.core.registry import USER

    root = Path(importlib.import_module("labcore.phenomena").__file__).parent
    banned = ("labcore.runs.store", "labcore.engine", "labcore.ui.state")
    found = []
    user = [p for where in USER.values() for p in ([where] if where.is_file() else sorted(where.rglob("*.py")))]
    for path in [*sorted(root.rglob("*.py")), *user]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if isinstance(node, ast.ImportFrom) and node.module in ("labcore", "labcore.runs", "labcore.ui"):
                names = [f"{node.module}.{a.name}" for a in node.names]
            found += [f"{path.relative_to(root) if path.is_relative_to(root) else path}: {n}" for n in names
                      if any(n == b or n.startswith(b + ".") for b in banned)]
    assert found == []


def test_the_docs_worked_example_is_the_real_plugin_file():
    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "adding-a-phenomenon.md").read_text()
    block = doc.split("```python\n", 1)[1].split("```", 1)[0]
    assert block == (root / "tests" / "plugins" / "quadratic.py").read_text()


def test_reference_lines_survive_seed_bands(emitted):
    exp, rec = emitted
    cfg = tiny_config(exp)
    frame = pd.DataFrame(rec.rows)
    for chart in exp.page.charts:
        if chart.hlines is None:
            continue
        lines = chart.hlines(cfg)
        cols = analysis.expand(chart.metrics, frame.columns)
        long = pd.concat([frame.assign(run_id=f"r{i}", label="g") for i in range(2)], ignore_index=True)
        band = analysis.seed_bands(long, cols)
        fig = plots.bands(band, cols, chart.title, hlines=lines)
        assert sorted(s.y0 for s in fig.layout.shapes) == sorted(lines.values())


def test_page_panels_and_artifact_view_exist(emitted):
    exp, _ = emitted
    names = list(exp.page.panels) + ([exp.page.artifact_view] if exp.page.artifact_view else [])
    if names:
        ui = importlib.import_module(f"{exp.module}.ui")
        assert [n for n in names if not callable(getattr(ui, n, None))] == []


def test_claims_are_declared_on_metrics_the_phenomenon_emits(emitted):
    """Two or more claims, each reading declared metrics; a claim about the page's own settings
    (no `settings` deltas) reads only metrics the tiny run emits. Every claim's runs are valid
    Configs from the defaults."""
    exp, rec = emitted
    assert len(exp.claims) >= 2, f"{exp.name} declares {len(exp.claims)} claims; needs at least 2"
    emitted_names = {k for row in rec.rows for k in row if k != "step"}
    for claim in exp.claims:
        assert claim.metrics, claim.key
        assert [m for m in claim.metrics if not exp.declares_metric(m)] == [], claim.key
        if not claim.settings:
            assert [m for m in claim.metrics if m not in emitted_names] == [], claim.key
        from labcore.core.claims import runs_for

        assert runs_for(claim, exp.config())  # settings, values and variants are valid fields and values


def test_declared_cost_is_a_positive_estimate(emitted):
    exp, _ = emitted
    assert exp.cost is not None, "every phenomenon estimates its cost"
    nbytes, flops = exp.cost(exp.config())
    assert nbytes > 0 and flops > 0


def test_listing_and_the_registry_import_no_torch():
    code = ("import sys, io, contextlib\n"
            "from labcore import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()): cli.main(['list'])\n"
            "import labcore.core.registry, labcore.ui.form\n"
            "print(sorted(m for m in ('torch', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
