"""Judge a phenomenon's claims on the runs in a store: the one path shared by the page's Claims
panel, the Runs page and `labcore check` (no engine, no Streamlit).

`concerned(exp, claim, base)` lists (Config, run id) of the runs a claim needs from a base
Config; `judge(exp, claim, base, store)` reads them, builds the long frame and evaluates the
claim. `judge_selection` judges claims on runs a user picked (the Runs page, `api.claims`):
for each claim it finds the runs that claim needs around the selection (from the selected
run that covers most of them) and judges those, a needed run left out of the selection
counting as missing. So the same runs give the same verdict in every view, and a selection
that lacks seeds says "needs 3 seeds (1 so far)" as the page does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from labcore.core.claims import BAD, MISSING, NOT_APPLICABLE, Claim, Evidence, Verdict, evaluate, runs_for
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
    """Every claim of `exp` judged on the user's own selection of runs (their records): each on
    the runs it needs around the selection (see the module docstring); a claim none of whose
    runs is selected is `not applicable` to the selection, saying what it needs."""
    recs = {r["id"]: r for r in records if r.get("experiment") == exp.name}
    bases = []
    for rec in recs.values():
        try:
            bases.append(exp.make_config(**rec["config"]))
        except Exception:  # noqa: BLE001 - an old record whose fields changed: it cannot be a base
            continue
    out = []
    for claim in exp.claims:
        best: list[str] = []
        base_best = None
        for base in bases:
            ids = [rid for _, rid in concerned(exp, claim, base)]
            if sum(r in recs for r in ids) > sum(r in recs for r in best):
                best, base_best = ids, base
        if base_best is None:
            out.append(Judged(claim, Verdict(NOT_APPLICABLE, "none of the selected runs is one this claim needs"
                                             + (f" ({claim.needs})" if claim.needs else "")), (), {}))
            continue
        chosen = [recs[r] for r in best if r in recs]
        statuses = {r: recs[r]["status"] if r in recs else MISSING for r in best}
        out.append(_judge(claim, chosen, statuses, base_best, read, best))
    return out


def _judge(claim: Claim, recs: list[dict], statuses: dict, base: Any, read, ids: list[str]) -> Judged:
    frame = analysis.long_frame([(r, read(r["id"])) for r in recs])
    verdict = evaluate(claim, Evidence(frame, statuses, base, about=about(recs)))
    return Judged(claim, verdict, tuple(ids), statuses)


def about(recs: list[dict]) -> dict[str, str]:
    """How each diverged or failed run among `recs` is named in a verdict: the settings that
    vary among the runs, the seed, and where it ended ('freq 0.75 seed 2 at step 0: loss nan')."""
    configs = [r.get("config") or {} for r in recs]
    keys = [k for k in (configs[0] if configs else {})
            if k != "seed" and len({repr(c.get(k)) for c in configs}) > 1]
    out = {}
    for rec, cfg in zip(recs, configs):
        if rec.get("status") not in BAD:
            continue
        parts = [f"{k} {analysis.show(cfg.get(k))}" for k in keys] + ([f"seed {cfg['seed']}"] if "seed" in cfg else [])
        error = str(rec.get("error") or "").strip().splitlines()
        why = f": {error[-1][:80]}" if error else ""
        where = f" at step {rec['diverged_step']}" if rec.get("diverged_step") is not None and "step" not in why else ""
        out[rec["id"]] = " ".join(parts) + where + why
    return out
