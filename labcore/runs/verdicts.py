"""Judge a phenomenon's claims on the runs in a store: the one path shared by the page's Claims
panel, the Runs page and `labcore check` (no engine, no Streamlit).

`concerned(exp, claim, base)` lists (Config, run id) of the runs a claim needs from a base
Config; `judge(exp, claim, base, store)` reads them, builds the long frame and evaluates the
claim. `judge_selection` judges claims on runs a user picked (the Runs page).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from labcore.core.claims import Claim, Evidence, Verdict, evaluate, runs_for
from labcore.core.judging import MISSING
from labcore.core.params import non_default
from labcore.runs import analysis
from labcore.runs.store import run_id


@dataclass(frozen=True)
class Judged:
    """A claim's verdict and the runs it was judged on."""

    claim: Claim
    verdict: Verdict
    ids: tuple[str, ...]
    statuses: dict

    @property
    def missing(self) -> list[str]:
        """Concerned runs not in the store (to train)."""
        return [r for r in self.ids if self.statuses.get(r) == MISSING]

    @property
    def active(self) -> bool:
        """True while a concerned run is queued or running."""
        return any(s in ("queued", "running") for s in self.statuses.values())

    @property
    def ok(self) -> bool:
        """True when the claim holds, or is not expected to hold (it does not fail a check)."""
        return self.verdict.status == "holds" or not self.claim.expected


def concerned(exp: Any, claim: Claim, base: Any) -> list[tuple[Any, str]]:
    """(Config, run id) of every run `claim` needs from `base`, without duplicates, in order.
    Kept per (phenomenon, claim, base): a live Claims panel asks for it every poll of every
    session, and hashing the configs into run ids costs milliseconds (docs/measurements.md)."""
    key = (exp.name, claim.key, repr(base))
    if key not in _CONCERNED:
        seen: dict[str, Any] = {}
        for cfg in runs_for(claim, base):
            seen.setdefault(run_id(exp.name, non_default(cfg)), cfg)
        if len(_CONCERNED) > 4096:  # bounded: settings change, the old ones are dropped
            _CONCERNED.clear()
        _CONCERNED[key] = [(cfg, rid) for rid, cfg in seen.items()]
    return list(_CONCERNED[key])


_CONCERNED: dict[tuple, list] = {}


def judge(exp: Any, claim: Claim, base: Any, store: Any,
          read: Callable[[str], pd.DataFrame] | None = None) -> Judged:
    """Evaluate `claim` on the stored runs it needs from `base`; `read(run_id)` gives a run's
    metrics (default: `store.metrics`; the page passes its incremental reader)."""
    read = read or store.metrics
    ids = [rid for _, rid in concerned(exp, claim, base)]
    recs = {rid: store.get(rid) for rid in ids}
    return _judge(claim, [r for r in recs.values() if r is not None],
                  {rid: (rec or {}).get("status", MISSING) for rid, rec in recs.items()}, base, read, ids)


def judge_selection(exp: Any, records: list[dict], read: Callable[[str], pd.DataFrame]) -> list[Judged]:
    """Every claim of `exp` judged on the user's own selection of runs (its records)."""
    recs = [r for r in records if r.get("experiment") == exp.name]
    statuses = {r["id"]: r["status"] for r in recs}
    base = None
    if recs:
        try:
            base = exp.make_config(**recs[0]["config"])
        except Exception:  # noqa: BLE001 - an old record whose fields changed: judge without a base
            base = None
    return [_judge(c, recs, statuses, base, read, [r["id"] for r in recs]) for c in exp.claims]


def _judge(claim: Claim, recs: list[dict], statuses: dict, base: Any, read, ids: list[str]) -> Judged:
    frame = analysis.long_frame([(r, read(r["id"])) for r in recs])
    verdict = evaluate(claim, Evidence(frame, statuses, base))
    return Judged(claim, verdict, tuple(ids), statuses)
