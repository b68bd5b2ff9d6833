"""Claims as code: a phenomenon's paper claims, each with the paper's own figure and a pure
function that judges the runs it concerns.

A `Claim` names the runs it needs relative to a base Config (the page's settings, or the
defaults for `labcore check`): `settings` (deltas applied first), `seeds` (how many seeds),
and, for a claim over several settings, `axis` + `values` (a sweep or two arms, e.g.
weight_decay (1.0, 0.0)), or `variants` (two or more dicts of deltas, for arms that differ
in several fields, e.g. {init: constant, breaker: dropout} vs {init: random}).
`runs_for(claim, base)` lists those configs; the page and
`labcore check` train them, build the long frame (`labcore.runs.analysis.long_frame`) and
call `evaluate(claim, Evidence(...))`.

The judge is pure: it reads `Evidence` (the long frame of the concerned runs, their
statuses, the base Config) and returns a `Verdict`: `holds`, `fails`, `not yet` (still
training, too few points) or `not applicable` (the settings are outside the claim's regime),
with the measured figures in words. Thresholds live in the claim's module, once, with a
comment saying where they come from.

`evaluate` is the one meaning of a verdict, for every view (page, Runs page, `api.claims`,
`check`), and it applies three rules before any judge:
- no evidence is dropped: a concerned run that diverged or failed makes the claim `fails`,
  named ("1 of 12 runs diverged: freq 0.75 seed 2 at step 0"), unless the claim is about
  divergence (`Claim.diverging`);
- missing evidence is never `fails`: a concerned run not trained yet (MISSING) makes it
  `not yet`, "needs 3 seeds (1 so far)", with the figures so far;
- a cancelled or interrupted run is `not yet` ("train again").
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

HOLDS, FAILS, NOT_YET, NOT_APPLICABLE = "holds", "fails", "not yet", "not applicable"
VERDICTS = (HOLDS, FAILS, NOT_YET, NOT_APPLICABLE)
SYMBOL = {HOLDS: "✓", FAILS: "✗", NOT_YET: "…", NOT_APPLICABLE: "–"}
SCOPES = ("run", "seeds", "sweep")
MISSING = "missing"  # a concerned run that is not in the store (or not in a user's selection)
BAD = ("diverged", "failed")
RETRY = ("cancelled", "interrupted")


@dataclass(frozen=True)
class Verdict:
    """The outcome of judging a claim: one of VERDICTS and the measured figures in words."""

    status: str
    measured: str = ""

    def __post_init__(self) -> None:
        if self.status not in VERDICTS:
            raise ValueError(f"verdict {self.status!r} is not one of {VERDICTS}")

    @property
    def symbol(self) -> str:
        """✓ / ✗ / … / – for the status."""
        return SYMBOL[self.status]


@dataclass(frozen=True)
class Evidence:
    """What a judge reads: the long frame of the runs a claim concerns.

    frame: `labcore.runs.analysis.long_frame` rows (run_id, group, cfg_<field>, step, metric
    columns); statuses: run_id -> status for every concerned run (also those with no row
    yet); config: the base Config the claim was judged from (page settings or defaults).
    """

    frame: Any
    statuses: dict[str, str]
    config: Any = None
    about: dict[str, str] = field(default_factory=dict)  # run id -> "freq 0.75 seed 2 at step 0"

    @property
    def complete(self) -> bool:
        """True when every concerned run has ended `done`."""
        return bool(self.statuses) and all(s == "done" for s in self.statuses.values())

    @property
    def active(self) -> bool:
        """True while some concerned run is still queued or running."""
        return any(s in ("queued", "running") for s in self.statuses.values())

    def runs(self, **settings: Any):
        """The rows of the runs whose config matches every `settings` value."""
        frame = self.frame
        for key, value in settings.items():
            column = f"cfg_{key}"
            if column not in frame:
                return frame.iloc[0:0]
            frame = frame[frame[column].astype(str) == str(value)]
        return frame

    def finals(self, metric: str, **settings: Any):
        """Last measured value of `metric` per run (a Series indexed by run_id)."""
        frame = self.runs(**settings)
        if metric not in frame:
            import pandas as pd

            return pd.Series(dtype=float)
        sub = frame.dropna(subset=[metric]).sort_values("step")
        return sub.groupby("run_id")[metric].last()

    def tail_means(self, metric: str, fraction: float, **settings: Any):
        """Mean of `metric` per run (a Series indexed by run_id) over the last `fraction` of
        the run's steps (its rows after step (1 - fraction) x its last step): what a run trained
        to, rather than its last evaluation alone, where the last is noisy."""
        frame = self.runs(**settings)
        if metric not in frame:
            import pandas as pd

            return pd.Series(dtype=float)
        sub = frame.dropna(subset=[metric])
        last = sub.groupby("run_id")["step"].transform("max")
        return sub[sub["step"] > (1.0 - fraction) * last].groupby("run_id")[metric].mean()

    def curve(self, metric: str, **settings: Any):
        """The seed-mean curve of `metric` (a Series indexed by step) over matching runs."""
        frame = self.runs(**settings)
        if metric not in frame:
            import pandas as pd

            return pd.Series(dtype=float)
        return frame.dropna(subset=[metric]).groupby("step")[metric].mean().sort_index()

    def n_runs(self, **settings: Any) -> int:
        """How many distinct runs have rows among those matching `settings`."""
        frame = self.runs(**settings)
        return int(frame["run_id"].nunique()) if "run_id" in frame else 0


@dataclass(frozen=True)
class Claim:
    """One claim of the paper, judged on runs.

    key: short id (unique within the phenomenon); statement: the claim in the paper's terms;
    paper: the paper's own figure or number; source: where it is stated ("Fig. 1",
    "README", "result.txt"); metrics: the metric columns the judge reads (the contract test
    checks they are emitted); judge: Evidence -> Verdict (pure).
    scope: "run" (each run alone), "seeds" (the seed mean of one setting) or "sweep" (over
    `axis` in `values`, or over `variants`: dicts of deltas); settings: deltas from the base Config
    that the claim is about;
    seeds: how many seeds `labcore check` trains for it (chosen so the verdict is robust);
    expected: False for a claim the defaults are known not to reproduce (`reason` says
    why): it is shown as it is judged, and `labcore check` does not fail on it;
    needs: what a page user presses to get the evidence ("press Sweep η (4 runs)");
    diverging: True for a claim about divergence itself, whose judge reads diverged runs
    (otherwise a diverged concerned run fails the claim before the judge is asked).
    """

    key: str
    statement: str
    paper: str
    source: str
    metrics: tuple[str, ...]
    judge: Callable[[Evidence], Verdict]
    scope: str = "run"
    axis: str | None = None
    values: tuple = ()
    variants: tuple = ()
    settings: dict = field(default_factory=dict)
    seeds: int = 1
    expected: bool = True
    reason: str = ""
    needs: str = ""
    diverging: bool = False

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"claim {self.key}: scope {self.scope!r} is not one of {SCOPES}")
        if self.scope == "sweep" and len(self.variants) < 2 and (not self.axis or len(self.values) < 2):
            raise ValueError(f"claim {self.key}: a sweep claim needs an axis and two or more values "
                             "(or two or more variants)")
        if not self.expected and not self.reason:
            raise ValueError(f"claim {self.key}: a claim not expected to hold must say why (reason)")


def runs_for(claim: Claim, base: Any) -> list[Any]:
    """The Configs a claim concerns, from the base Config: its settings applied, then one per
    sweep value or variant (scope sweep) times `claim.seeds` seeds (seed, seed+1, ...)."""
    cfg = dataclasses.replace(base, **claim.settings) if claim.settings else base
    if claim.scope == "sweep" and claim.variants:
        points = [dataclasses.replace(cfg, **v) for v in claim.variants]
    elif claim.scope == "sweep":
        points = [dataclasses.replace(cfg, **{claim.axis: v}) for v in claim.values]
    else:
        points = [cfg]
    seed0 = getattr(cfg, "seed", 0)
    return [dataclasses.replace(p, seed=seed0 + i) if hasattr(p, "seed") else p
            for p in points for i in range(max(1, claim.seeds))]


def evaluate(claim: Claim, evidence: Evidence) -> Verdict:
    """Judge `claim` on `evidence`, after the rules every view shares (module docstring): a
    diverged or failed run fails it by name, a missing one makes it `not yet` ("needs 3 seeds
    (1 so far)"); a judge that raises on partial data says `not yet` while runs are active,
    and `fails` with the error after."""
    statuses = evidence.statuses
    bad = [r for r, s in statuses.items() if s in BAD]
    if bad and not claim.diverging:
        return Verdict(FAILS, _named(bad, evidence))
    missing = sum(s == MISSING for s in statuses.values())
    retry = sum(s in RETRY for s in statuses.values())
    if missing or retry:
        sofar = ""
        if evidence.frame is not None and len(evidence.frame):
            try:
                sofar = claim.judge(evidence).measured
            except Exception:  # noqa: BLE001 - too few runs yet to compute anything
                sofar = ""
        return Verdict(NOT_YET, needs(claim, statuses) + (f"; so far: {sofar}" if sofar else ""))
    if evidence.frame is None or len(evidence.frame) == 0:
        return Verdict(NOT_YET, "no rows yet" + (f" ({claim.needs})" if claim.needs else ""))
    try:
        return claim.judge(evidence)
    except Exception as exc:  # noqa: BLE001 - a judge must never take the page down
        status = NOT_YET if evidence.active else FAILS
        return Verdict(status, f"could not judge: {type(exc).__name__}: {exc}"[:200])


def needs(claim: Claim, statuses: dict[str, str]) -> str:
    """What evidence is still missing, in words: 'needs 3 seeds (1 so far)', 'needs 8 runs
    (3 so far, 2 running)', plus what to press and cancelled runs to train again."""
    n = len(statuses)
    have = sum(s not in (MISSING, *RETRY, "queued", "running") for s in statuses.values())
    running = sum(s in ("queued", "running") for s in statuses.values())
    unit = "seeds" if claim.scope != "sweep" and n == max(1, claim.seeds) else "runs"
    what = f"needs {n} {unit if n > 1 else 'run'} ({have} so far" + (f", {running} training" if running else "") + ")"
    if n == 1:
        what = "not trained yet"
    retry = sum(s in RETRY for s in statuses.values())
    if retry:
        what += f"; {retry} cancelled or interrupted: train again"
    return what + (f"; {claim.needs}" if claim.needs and have + running < n else "")


def _named(bad: list[str], evidence: Evidence) -> str:
    """'1 of 12 runs diverged: freq 0.75 seed 2 at step 0' for the bad runs of the evidence."""
    n = len(evidence.statuses)
    kinds = " / ".join(sorted({evidence.statuses[r] for r in bad}))
    names = "; ".join(evidence.about.get(r, r) for r in bad[:3]) + ("; …" if len(bad) > 3 else "")
    return f"{len(bad)} of {n} run{'s' if n > 1 else ''} {kinds}: {names}"
