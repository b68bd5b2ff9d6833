"""What every phenomenon declares: `Experiment` (Config, run, metric and artifact names,
cost) and a Streamlit-free `PageSpec` that the ui renders.

Metric and artifact names may be patterns (`corr_l*_mean`, `corr_l{k}`): `{k}` and `*`
stand for any run of characters. The contract test checks, for every registry entry on a
tiny Config, that emitted names ⊆ declared names ⊇ charted names.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Chart:
    """One live chart: metric columns (patterns allowed) against `x` on a shared axis.

    `hlines(cfg)` gives labelled reference lines ({label: y}) where theory predicts a value;
    they are drawn with single runs and with seed bands alike. `note` says what to see.
    `x_label` names the x axis when `x` is not what it counts (default: the page's).
    `log_x` draws x on a log axis (a phenomenon that spans decades of steps; step 0 is not drawn).
    `vlines` names metrics whose value is a step (e.g. the epoch a phase begins): each is drawn
    as a dotted vertical line at its mean over the plotted runs that logged it.
    `marks(cfg)` gives labelled vertical lines at x values ({label: x}), e.g. a threshold.
    """

    title: str
    metrics: tuple[str, ...]
    log_y: bool = False
    log_x: bool = False
    hlines: Callable[[Any], dict[str, float]] | None = None
    note: str = ""
    marks: Callable[[Any], dict[str, float]] | None = None
    x: str = "step"
    x_label: str = ""
    vlines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SweepView:
    """A sweep: the page trains every value of an axis (× the N seeds) and plots the final
    value of each of `metrics` against it. The first axis is the phenomenon's key axis.
    `vlines(frame, axis)` marks values found in the finished runs (e.g. a threshold width).

    `seeds`: the fewest seeds the sweep trains per value (the page's N seeds when larger), for a
    trend that one seed's noise hides."""

    axes: dict[str, tuple]
    metrics: tuple[str, ...]
    loglog: bool = False
    reference_exponent: float | None = None
    log_x: bool = False  # the swept values on a log axis (when all are > 0), the metric on a linear one
    vlines: Callable[[Any, str], dict[str, float]] | None = None  # (finished runs' long frame, axis) -> {label: x}
    seeds: int = 1

    @property
    def key_axis(self) -> str:
        """The first axis of `axes`: the phenomenon's key axis."""
        return next(iter(self.axes))


@dataclass(frozen=True)
class Arms:
    """Named variants of the current settings trained side by side (e.g. breaker on/off).

    `log_x` draws the step axis of their charts on a log scale, as the page's charts do when
    the phenomenon spans decades of steps (Chart.log_x; step 0 is not drawn); `log_y` the
    metric axis, for metrics that fall by orders of magnitude (neural collapse's NC1)."""

    variants: dict[str, dict]
    metrics: tuple[str, ...]
    log_x: bool = False
    log_y: bool = False


@dataclass(frozen=True)
class PageSpec:
    """Everything a phenomenon page shows, as plain data (no Streamlit).

    `panels` and `artifact_view` name functions of the phenomenon's optional `ui.py`: a panel
    is called with (data, Selection), the artifact view with (data, record, key), where `data`
    is the page's reader (`record(rid)`, `frame(rid)`, `artifact(rid, name)`, `run_id(cfg)`;
    `labcore.ui.reader.RunData`): a phenomenon never opens the store itself.
    `x_label` names what the `step` column counts on this page's charts (e.g. "epoch").
    `what_to_look_for` keeps the idea in two or three sentences; `details` (recipes, reference
    numbers) is shown in an expander below it; the claims panel shows the verdicts.
    `summary` is the Home card: one sentence saying what the phenomenon is.
    """

    what_to_look_for: str
    reference: str
    charts: tuple[Chart, ...]
    sweep: SweepView | None = None
    arms: Arms | None = None
    layer_heatmap: str | None = None
    presets: dict[str, dict] = field(default_factory=dict)
    panels: tuple[str, ...] = ()
    artifact_view: str | None = None
    x_label: str = "step"
    details: str = ""
    summary: str = ""


@dataclass(frozen=True)
class Experiment:
    """Registry entry for one phenomenon.

    `run(cfg, recorder)` trains and writes through the Recorder; `metrics`/`artifacts` are the
    names it may emit; `cost(cfg) -> (bytes, flops)` estimates peak memory and compute so
    oversized configs are refused at admission (`labcore.admission`), before anything is
    written; `run_seeds(cfgs, recorders)`, given only where stacking seeds pays, trains several
    seeds on one seed axis (`run` is then its group of one). `smoke` adjusts the contract test's
    automatically shrunk Config where a phenomenon needs it (see tests/core/test_contract.py).
    """

    name: str
    title: str             # the page's heading
    config: type
    run: Callable[[Any, Any], None]
    metrics: tuple[str, ...]
    artifacts: tuple[str, ...]
    page: PageSpec
    icon: str = ":material/science:"
    cost: Callable[[Any], tuple[float, float]] | None = None
    run_seeds: Callable[[list, list], None] | None = None
    smoke: dict = field(default_factory=dict)  # overrides that make a contract-test run tiny
    claims: tuple = ()     # labcore.core.claims.Claim: the paper's claims, judged on runs
    lesson: Any = None     # labcore.core.lessons.Lesson: a guided walk through the page
    # The recipe's version: raised when a changed default makes a run at the same settings
    # train something else, so a store's older runs of this phenomenon stop matching (their
    # run ids differ) instead of being shown as the new defaults' results.
    recipe: int = 1
    # The training loss above this multiple of its first value ends a run `diverged`
    # (labcore.core.recorder); raise it (or None: only non-finite) where a loss legitimately grows.
    divergence_factor: float | None = 100.0
    # The sidebar's label: a long title is cut there with "…" (about 30 characters fit at
    # 1280 px), so the default is the title's part before ":" ("Grokking").
    nav_title: str = ""

    def __post_init__(self) -> None:
        from labcore.core import recipes

        # the package's checked-in recipes (`recipes/*.toml` beside the module defining `run`)
        # join the presets declared in code: one place, no code in any phenomenon
        self.page.presets.update(recipes.of_module(self.run.__module__, self))
        keys = [c.key for c in self.claims]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: claim keys must be unique, got {keys}")
        if self.lesson is not None:
            unknown = {k for step in self.lesson.steps for k in step.claims} - set(keys)
            if unknown:
                raise ValueError(f"{self.name}: lesson steps name unknown claims {sorted(unknown)}")

    @property
    def nav_label(self) -> str:
        """The page's name in the sidebar: `nav_title`, else the title up to its first ":"."""
        return self.nav_title or self.title.split(":")[0].strip()

    @property
    def module(self) -> str:
        """The package that defines the phenomenon (its optional `ui.py` lives there)."""
        return self.run.__module__

    def sweep_axes(self) -> dict[str, tuple]:
        """Every sweep axis, the key one first (empty when the page has no sweep)."""
        return dict(self.page.sweep.axes) if self.page.sweep else {}

    def make_config(self, **values: Any) -> Any:
        """A validated Config from (possibly string) values; see labcore.core.params.from_dict."""
        from labcore.core.params import from_dict

        return from_dict(self.config, values)

    def declares_metric(self, name: str) -> bool:
        """True when `name` matches one of the declared metric names or patterns."""
        return any(matches(p, name) for p in self.metrics)

    def declares_artifact(self, name: str) -> bool:
        """True when `name` matches one of the declared artifact names or patterns."""
        return any(matches(p, name) for p in self.artifacts)


def matches(pattern: str, name: str) -> bool:
    """Shell-style match where `{k}`-style placeholders count as `*`."""
    return fnmatch.fnmatchcase(name, re.sub(r"\{[^}]*\}", "*", pattern))
