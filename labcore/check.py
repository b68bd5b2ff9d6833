"""`python -m labcore check NAME... | --all`: the reproduction report.

For each phenomenon, every run its claims need (from the defaults, or a preset) is trained
through the engine (cache hits reused, seeds as one ensemble job, sweeps included), then each
claim is judged on them. One table (phenomenon, claim, paper, measured, verdict) is printed and
written as `reproduction.md` and `claims.csv`. The exit status is 0 only when every claim
expected to hold holds; a claim declared `expected=False` is reported with its reason and never
fails the check. CPU time of the training processes is measured per phenomenon (user + sys
of the worker processes, read from /proc, plus this process's own).

Robustness (`--seeds N --seed-base B --threads T`): every claim is judged N times, from the
defaults with seed B, B+1, ..., B+N-1 (a 3-seed claim's groups then overlap: B..B+2,
B+1..B+3, ...: N groups from N+2 seeds), on runs trained with T torch threads; the report
says on how many of the N it holds, and the check passes when every claim expected to hold
holds on at least ROBUST of them (9 of 10). Runs are keyed by their settings, not their
thread count: check another thread count in a fresh store (LAB_CACHE_DIR); a run reused with
another thread count is named in a warning.
"""
from __future__ import annotations

import csv
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

from labcore.core.claims import HOLDS
from labcore.core.registry import REGISTRY, get as get_experiment
from labcore.runs.scheduling import WORKERS

COLUMNS = ("phenomenon", "claim", "paper", "measured", "verdict")
ROBUST = 0.9  # a claim declared to hold must hold on >= 90 % of the seed bases (DESIGN.md §2: 9 of 10)


class CheckError(ValueError):
    """A bad argument of `check` (one line, exit status 2)."""


def base_config(exp: Any, preset: str | None) -> Any:
    """The defaults, or the defaults with `preset` applied (a CheckError if it has none such)."""
    cfg = exp.config()
    if preset is None:
        return cfg
    if preset not in exp.page.presets:
        allowed = ", ".join(repr(p) for p in exp.page.presets) or "none"
        raise CheckError(f"--preset {preset!r} is not a preset of {exp.name}; allowed: {allowed}")
    return dataclasses.replace(cfg, **exp.page.presets[preset])


def bases_of(base: Any, seeds: int, seed_base: int | None) -> list[Any]:
    """The base Configs a claim is judged from: `base` itself, or with seeds seed_base, +1, ...."""
    if seeds <= 1 and seed_base is None:
        return [base]
    if not hasattr(base, "seed"):
        return [base]
    first = base.seed if seed_base is None else seed_base
    return [dataclasses.replace(base, seed=first + i) for i in range(max(1, seeds))]


def train(exp: Any, claims: tuple, bases: list[Any], store: Any, log=print) -> float:
    """Submit every run the claims need from every base and wait for them; returns the CPU
    seconds spent by the training processes (and this one) meanwhile."""
    from labcore.engine import jobs
    from labcore.runs.verdicts import concerned

    cfgs: dict[str, Any] = {}
    for claim in claims:
        for base in bases:
            cfgs.update({rid: cfg for cfg, rid in concerned(exp, claim, base)})
    meter = CpuMeter(store)
    ids = jobs.submit_many(exp.name, list(cfgs.values()), store) if cfgs else []
    pending = set(ids)
    while pending:
        for rid in sorted(pending):
            rec = jobs.wait(rid, store, timeout=1.0, poll=0.25)
            meter.sample()
            if rec is None or rec["status"] in ("done", "diverged", "failed", "cancelled", "interrupted"):
                pending.discard(rid)
                log(f"  {exp.name}: {rid} {rec['status'] if rec else 'missing'} "
                    f"({len(ids) - len(pending)}/{len(ids)})")
    return meter.total()


class CpuMeter:
    """CPU seconds (user + sys) of this process and of the store's worker processes since start."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.own0 = time.process_time()
        self.start = {pid: t for pid, t in self._workers().items()}
        self.last: dict[int, float] = dict(self.start)

    def _workers(self) -> dict[int, float]:
        out = {}
        for pid in WORKERS.read(self.store):
            t = _cpu_of(int(pid))
            if t is not None:
                out[int(pid)] = t
        return out

    def sample(self) -> None:
        """Read the workers' counters now (a worker that exits keeps its last reading)."""
        self.last.update(self._workers())

    def total(self) -> float:
        """CPU seconds spent since the meter started."""
        self.sample()
        workers = sum(t - self.start.get(pid, 0.0) for pid, t in self.last.items())
        return workers + time.process_time() - self.own0


def _cpu_of(pid: int) -> float | None:
    """user + sys CPU seconds of process `pid` (None when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_check(names: list[str], seeds: int = 1, preset: str | None = None,
              out: str | os.PathLike | None = None, store: Any = None, log=None,
              seed_base: int | None = None, threads: int | None = None) -> tuple[int, list[dict]]:
    """Train and judge the claims of `names` (on `seeds` seed bases from `seed_base`, with
    `threads` torch threads per worker); write the report; returns (exit status, rows)."""
    from labcore.runs.store import Store
    from labcore.runs.verdicts import judge

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    if threads is not None:
        os.environ["LAB_THREADS"] = str(threads)  # the workers this check starts inherit it
    store = store or Store()
    exps = [get_experiment(n) for n in names]
    bases = {e.name: bases_of(base_config(e, preset), seeds, seed_base) for e in exps}  # bad arguments first
    rows, per_base, cpu, reused = [], [], {}, set()
    for exp in exps:
        log(f"{exp.name}: {len(exp.claims)} claims" + (f" x {len(bases[exp.name])} seed bases" if seeds > 1 else ""))
        cpu[exp.name] = train(exp, exp.claims, bases[exp.name], store, log)
        for claim in exp.claims:
            judged = [judge(exp, claim, b, store) for b in bases[exp.name]]
            for b, j in zip(bases[exp.name], judged):
                per_base.append({"phenomenon": exp.name, "claim": claim.key, "seed": getattr(b, "seed", ""),
                                 "status": j.verdict.status, "measured": j.verdict.measured})
                if threads is not None:
                    reused |= {rid for rid in j.ids if _threads_of(store, rid) not in (None, threads)}
            rows.append(_row(exp, claim, judged, [getattr(b, "seed", None) for b in bases[exp.name]]))
    failed = [r for r in rows if not r["ok"]]
    print(table(rows))
    total = sum(cpu.values())
    print(f"\n{len(rows) - len(failed)} of {len(rows)} claims pass; CPU time {total:.0f} s "
          + "(" + ", ".join(f"{k} {v:.0f} s" for k, v in cpu.items()) + ")")
    if reused:
        print(f"warning: {len(reused)} run(s) came from the store trained with another thread count than "
              f"--threads {threads}; check in a fresh store (LAB_CACHE_DIR) to measure it")
    if out is None:
        out = store.dir / "check"
    write_report(Path(out), rows, cpu, preset, per_base if seeds > 1 else None, threads)
    print(f"wrote {Path(out) / 'reproduction.md'} and {Path(out) / 'claims.csv'}")
    return (1 if failed else 0), rows


def _row(exp: Any, claim: Any, judged: list, seeds: list) -> dict:
    """One report row for a claim judged from one base, or its robustness over several."""
    row = {"phenomenon": exp.name, "claim": claim.key, "statement": claim.statement,
           "paper": f"{claim.paper} ({claim.source})", "expected": claim.expected, "reason": claim.reason,
           "seeds": claim.seeds, "runs": len({r for j in judged for r in j.ids})}
    if len(judged) == 1:
        j = judged[0]
        return {**row, "measured": j.verdict.measured, "status": j.verdict.status,
                "verdict": verdict_text(claim, j.verdict.status), "ok": j.ok}
    holds = [s for s, j in zip(seeds, judged) if j.verdict.status == HOLDS]
    n, k = len(judged), len(holds)
    status = HOLDS if k >= ROBUST * n else "fails"
    misses = [f"seed {s}: {j.verdict.status}: {j.verdict.measured}" for s, j in zip(seeds, judged)
              if j.verdict.status != HOLDS]
    unit = "seed groups" if claim.seeds > 1 else "seeds"
    measured = f"holds on {k} of {n} {unit} (from seed {seeds[0]})" + (" — " + " | ".join(misses) if misses else "")
    return {**row, "measured": measured, "status": status, "holding": k, "of": n,
            "verdict": verdict_text(claim, status), "ok": status == HOLDS or not claim.expected}


def _threads_of(store: Any, rid: str) -> int | None:
    """The torch thread count a stored run recorded (None for an older record)."""
    rec = store.get(rid) or {}
    value = (rec.get("versions") or {}).get("threads")
    return int(value) if value is not None else None


def verdict_text(claim: Any, status: str) -> str:
    """'✓ holds', '✗ fails', or for a claim not expected to hold '✗ fails (known: not expected)'."""
    from labcore.core.claims import SYMBOL

    text = f"{SYMBOL[status]} {status}"
    if not claim.expected:
        text += " (known: not expected to hold)" if status != HOLDS else " (not expected, yet holds)"
    return text


def table(rows: list[dict]) -> str:
    """A plain-text table of the rows, one line each, columns cut to fit a terminal."""
    widths = {"phenomenon": 22, "claim": 26, "paper": 40, "measured": 70, "verdict": 22}
    cut = lambda s, w: s if len(s) <= w else s[: w - 1] + "…"
    head = "  ".join(c.ljust(widths[c]) for c in COLUMNS)
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append("  ".join(cut(str(r[c]), widths[c]).ljust(widths[c]) for c in COLUMNS))
    return "\n".join(lines)


def write_report(out: Path, rows: list[dict], cpu: dict[str, float], preset: str | None,
                 per_base: list[dict] | None = None, threads: int | None = None) -> None:
    """reproduction.md (the table, CPU times, known failures with reasons) and claims.csv; with
    several seed bases also claims_by_seed.csv (one row per claim and base)."""
    out.mkdir(parents=True, exist_ok=True)
    fields = ("phenomenon", "claim", "statement", "paper", "measured", "status", "expected", "reason",
              "seeds", "runs", "holding", "of")
    if per_base is not None:
        with open(out / "claims_by_seed.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=("phenomenon", "claim", "seed", "status", "measured"))
            writer.writeheader()
            writer.writerows(per_base)
    with open(out / "claims.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    lines = ["# Reproduction report", "",
             f"Settings: {'preset ' + repr(preset) if preset else 'defaults'}"
             + (f", {threads} torch thread(s) per worker" if threads else "") + "; "
             f"{sum(r['ok'] for r in rows)} of {len(rows)} claims pass "
             f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).", "",
             "| phenomenon | claim | paper | measured | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {esc(r['phenomenon'])} | {esc(r['claim'])} | {esc(r['paper'])} | {esc(r['measured'])} | "
              f"{esc(r['verdict'])} |" for r in rows]
    known = [r for r in rows if not r["expected"]]
    if known:
        lines += ["", "## Not expected to hold at these settings", ""]
        lines += [f"- {r['phenomenon']} / {r['claim']}: {r['reason']}" for r in known]
    lines += ["", "## CPU time (training processes + this one)", "", "| phenomenon | CPU s |", "|---|---|"]
    lines += [f"| {k} | {v:.0f} |" for k, v in cpu.items()] + [f"| total | {sum(cpu.values()):.0f} |"]
    (out / "reproduction.md").write_text("\n".join(lines) + "\n")


def names_for(names: list[str], all_: bool, preset: str | None = None) -> list[str]:
    """The phenomena to check: with --all every registry entry that declares claims (and, with a
    preset, has that preset)."""
    if all_ and names:
        raise CheckError("give phenomenon names or --all, not both")
    if all_:
        found = [n for n, e in REGISTRY.items() if e.claims and (preset is None or preset in e.page.presets)]
        if not found:
            raise CheckError(f"--preset {preset!r} is a preset of no phenomenon with claims")
        return found
    if not names:
        raise CheckError("name one or more phenomena, or --all")
    return names
