"""The contract every registry entry keeps, checked on a tiny Config of each:
emitted metric/artifact names ⊆ declared ⊇ names the PageSpec charts; two or more claims on
emitted metrics; reference lines
survive seed bands; the page's panels and artifact view exist in the phenomenon's ui.py.
A new phenomenon is covered here with no change to this file."""
import dataclasses
import importlib
import subprocess
import sys

import pandas as pd
import pytest

from labcore.core.experiment import matches
from labcore.core.params import specs
from labcore.core.recorder import Recorder
from labcore.core.registry import REGISTRY
from labcore.runs import analysis, plots


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


@pytest.fixture(scope="module", params=sorted(REGISTRY))
def emitted(request):
    import torch

    torch.set_num_threads(1)
    exp = REGISTRY[request.param]
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
