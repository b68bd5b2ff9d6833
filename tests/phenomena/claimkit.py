"""Hand-made Evidence for claim tests: runs as (config, rows) built into the long frame the
page and `labcore check` build, with statuses."""
from __future__ import annotations

import dataclasses

import pandas as pd

from labcore.core.claims import Evidence, evaluate
from labcore.core.registry import REGISTRY
from labcore.runs import analysis


def run(cfg: dict, rows: list[dict] | dict, status: str = "done", rid: str | None = None):
    """One run: (record, metrics frame). `rows` is a list of row dicts (with `step`) or a dict of
    columns (equal-length lists, `step` included)."""
    frame = pd.DataFrame(rows)
    rid = rid or "r" + str(abs(hash((tuple(sorted(map(str, cfg.items()))), len(frame)))) % 10**8)
    return {"id": rid, "config": dict(cfg), "status": status}, frame


def evidence(exp_name: str, runs: list, base: dict | None = None) -> Evidence:
    """Evidence over `runs` (from `run`), each config completed with the experiment's defaults."""
    exp = REGISTRY[exp_name]
    cfg0 = exp.config()
    defaults = {f.name: (list(v) if isinstance(v := getattr(cfg0, f.name), tuple) else v)
                for f in dataclasses.fields(cfg0)}
    recs = []
    for i, (rec, frame) in enumerate(runs):
        rec = {**rec, "id": f"{rec['id']}_{i}", "config": {**defaults, **rec["config"]},
               "experiment": exp_name, "overrides": dict(rec["config"])}
        recs.append((rec, frame))
    frame = analysis.long_frame([(r, f) for r, f in recs])
    statuses = {r["id"]: r["status"] for r, _ in recs}
    return Evidence(frame, statuses, exp.make_config(**(base or {})) if base is not None else exp.config())


def verdict(exp_name: str, key: str, runs: list):
    """The verdict of claim `key` of `exp_name` on hand-made runs."""
    claim = next(c for c in REGISTRY[exp_name].claims if c.key == key)
    return evaluate(claim, evidence(exp_name, runs))


def steps(n: int, **cols):
    """Rows for steps 0..n-1 from columns given as functions of the step or constants."""
    return [{"step": s, **{k: (v(s) if callable(v) else v) for k, v in cols.items()}} for s in range(n)]
