"""The pace a page sees and the ETA it shows for a group of runs (a seed group, a sweep, the
variants side by side), without Streamlit: the page's status line (`labcore.ui.progress`)
and `benchmarks/eta.py` call the same functions, so the benchmark measures what a page shows.

A run's time is its start-up (worker, data, model: from `started` to `moved`, its first
progress) plus its training. Training time is measured, per unit of the Experiment's cost
(`cost(cfg)` flops), on the group's own runs: the pace of the running ones (the samples a
page saw, else their records) and the training time of the finished ones. Runs not started
yet are sized by their cost, and the queue drains through the group's workers in order.
"""
from __future__ import annotations

import heapq
import statistics
from typing import Sequence

import numpy as np

from labcore.core.params import non_default
from labcore.runs.store import run_id

KEEP = 200          # samples kept per run: the last few minutes at about one a second
RESAMPLE_S = 5.0    # an unchanged progress is sampled again after this long (a stalled run shows as such)
WARMUP_S = 5.0      # a watched run's first seconds of progress (dense early measurements) say little of its pace
WINDOW_S = 30.0     # the pace is measured over the last half minute of progress the page has seen
EARLY_S = 1.0       # a run that has moved this long gives a first pace from its record (then refined)
# start-up of a run in a warm worker until one has been seen: the model and data of a default run
# take well under a second once torch is imported (docs/measurements.md, "ETA"); a cold worker's
# first run also imports torch (seconds more), which the runs after it in that worker do not repeat
WARM_STARTUP_S = 0.5
ALIKE = 2.0         # runs whose cost differs by less than this factor take time in proportion to it
# A run's own pace is trusted from this progress on: before it, an ETA needs a calibration
# (this phenomenon's finished runs on this machine, or the group's own finished runs), else the
# page says "estimating" (information bottleneck's first ETA said 24 min for 4 min 38 s:
# its first epochs are not its average pace)
CALIBRATED_AT = 0.2
# nor is a run more than REACH times the largest size measured (finished here, or past
# CALIBRATED_AT) sized by those measurements: a lazy width sweep's narrow widths are mostly
# per-step overhead, and sized on them the widest width's first ETA was 50-78 % short; at 3 the
# η sweep's runs (under 3x apart) still size each other (docs/measurements.md, "ETA"); "estimating"
# until the run, or one near its size, is measured
REACH = 3.0


def observe(history: dict, recs: list[dict], now: float) -> None:
    """Add the progress of `recs`' running runs at time `now` to `history` ({run id: [(time,
    progress), ...]}, shared by every page of a server): a sample when the progress moved,
    or RESAMPLE_S after the last one."""
    for rec in recs:
        if rec["status"] == "running":
            samples = history.setdefault(rec["id"], [])
            if not samples or samples[-1][1] != rec["progress"] or now - samples[-1][0] > RESAMPLE_S:
                samples.append((now, float(rec["progress"] or 0.0)))
            del samples[:-KEEP]


def work(exp, configs: list) -> dict:
    """{run id: flops} of `configs` from the Experiment's cost model ({} without one)."""
    if exp.cost is None:
        return {}
    return {run_id(exp.name, non_default(c)): float(exp.cost(c)[1]) for c in configs}


def eta(exp, recs: list[dict], configs: list, history: dict,
        calibration: list[tuple[float, float]] | None = None) -> float | None:
    """Seconds until the queued and running runs of `recs` (the runs of `configs` that have
    records) are done, from the pace in `history` and the cost model; None while unknown.
    `calibration`: (flops, seconds) of this phenomenon's finished runs here (`calibration`)."""
    return eta_seconds(recs, history, work(exp, configs), calibration)


def calibration(exp, records: list[dict], limit: int = 20) -> list[tuple[float, float]]:
    """(flops, training seconds) of the most recent `limit` finished runs of `exp` among
    `records` (a store's runs: this machine's), by the Experiment's cost model: what a group
    with no finished run of its own sizes its runs by before their own pace is trusted."""
    if exp.cost is None:
        return []
    from labcore.core.params import from_dict

    out = []
    done = sorted((r for r in records if r.get("experiment") == exp.name and r.get("status") == "done"),
                  key=lambda r: r.get("finished") or 0.0, reverse=True)
    for rec in done[:limit]:
        seconds = _training_s(rec, cold=True)
        if seconds is None:
            continue
        try:
            flops = float(exp.cost(from_dict(exp.config, rec["config"]))[1])
        except Exception:  # noqa: BLE001 - an old record whose fields changed: no calibration from it
            continue
        out.append((flops, seconds))
    return out


def progress_rate(samples: Sequence[tuple[float, float]], started: float | None) -> float | None:
    """Progress per second of a running run from (time, progress) samples seen by a page,
    after the warm-up (WARMUP_S from the first progress seen: before it the worker was still
    loading data and building the model) and over the last WINDOW_S; None until two such
    samples are at least 4 s apart and progress moved."""
    if started is None:
        return None
    moving = [t for t, p in samples if p > 0]
    if not moving:
        return None
    pts = [(t, p) for t, p in samples if t >= max(started, moving[0]) + WARMUP_S]
    if len(pts) < 2:
        return None
    pts = [(t, p) for t, p in pts if t >= pts[-1][0] - WINDOW_S]
    (t0, p0), (t1, p1) = pts[0], pts[-1]
    if t1 - t0 < 4.0 or p1 <= p0:
        return None
    return (p1 - p0) / (t1 - t0)


def record_rate(rec: dict) -> float | None:
    """Progress per second from the record alone (a page that has just opened, or a run too
    young for `progress_rate`): progress over the time since the run first moved (`moved`,
    written by the store's heartbeat), else since its start, once EARLY_S have passed."""
    started, beat, p = rec.get("started"), rec.get("heartbeat"), float(rec.get("progress") or 0.0)
    moved = rec.get("moved")
    origin = moved if moved is not None and started is not None and moved >= started else started
    if origin is None or beat is None or beat - origin < EARLY_S or p <= 0:
        return None
    return p / (beat - origin)


def startup_s(rec: dict) -> float | None:
    """Seconds from a run's start to its first progress (`moved`), when recorded."""
    started, moved = rec.get("started"), rec.get("moved")
    return moved - started if started is not None and moved is not None and moved >= started else None


def time_model(measured: Sequence[tuple[float, float]]):
    """Seconds of training as a function of flops, from (flops, seconds) measurements: an
    affine fit a + b·flops (a, b ≥ 0) once two sizes differ by 1.5x or more, so that a per-
    step overhead measured on small runs is not scaled up as if it were compute (and, beyond
    the largest size measured, at least its time × √ the ratio); else (one
    size measured) proportional to the flops within ALIKE of the measured size, and by the
    square root of the ratio beyond (see below)."""
    f = np.asarray([m[0] for m in measured], float)
    t = np.asarray([m[1] for m in measured], float)
    if f.max() >= 1.5 * f.min():
        b, a = np.polyfit(f, t, 1)
        if b < 0:
            a, b = float(t.mean()), 0.0
        elif a < 0:
            a, b = 0.0, float((t * f).sum() / (f * f).sum())
        top, t_top = float(f.max()), float(t[f.argmax()])
        # beyond the largest measured size, at least its time × √ the ratio: small runs' times
        # are mostly noise around their overhead (a lazy sweep's small widths took about the
        # same time, and the fit said "no compute": docs/measurements.md, "ETA")
        return lambda flops: float(max(a + b * flops, t_top * max(1.0, flops / top) ** 0.5))
    f0, t0 = float(np.exp(np.mean(np.log(f)))), float(np.mean(t))

    def seconds(flops: float) -> float:
        # Runs within ALIKE of each other are the same net doing more or less of the same work
        # (η sweep: the HVPs of its estimates; benchmarks/eta.py): time ∝ flops. Further apart,
        # neither "all overhead" (same time whatever the size) nor "all compute" (∝ flops) is
        # known, so the square root of the rest of the ratio, between the two. Measured on the
        # lazy width sweep (docs/measurements.md, "ETA"): proportional was far too long.
        ratio = flops / f0
        near = min(max(ratio, 1.0 / ALIKE), ALIKE)
        return t0 * near * (ratio / near) ** 0.5

    return seconds


def _first_of_worker(recs: list[dict]) -> set[str]:
    """Ids of the runs that were the first of their worker process in `recs` (by start): a
    cold worker's first run imports torch during its start-up, the runs after it do not."""
    seen, first = set(), set()
    for r in sorted((r for r in recs if r.get("started") is not None), key=lambda r: r["started"]):
        pid = r.get("pid")
        if pid is None or pid not in seen:
            first.add(r["id"])
        seen.add(pid)
    return first


def _training_s(rec: dict, cold: bool) -> float | None:
    """Seconds a finished run trained: from its first progress to its end; a run that ended
    before its first heartbeat counts from its start when its worker was warm (its start-up
    is then a fraction of a second), and not at all on a cold worker (start-up unknown)."""
    finished, started = rec.get("finished"), rec.get("started")
    up = startup_s(rec)
    if finished is None or started is None:
        return None
    if up is not None and finished > started + up:
        return finished - started - up
    return None if cold else max(finished - started, 1e-3)


def _beyond_reach(active: list[dict], measured: list[tuple[float, float]], size: dict) -> bool:
    """True when a run of `active` that is not yet past CALIBRATED_AT of its own progress is
    more than REACH times the largest size measured (`measured`: (flops, seconds) of finished
    runs and the calibration; and the active runs past CALIBRATED_AT)."""
    trusted = [f for f, _ in measured]
    trusted += [size[r["id"]] for r in active if float(r.get("progress") or 0.0) >= CALIBRATED_AT]
    if not trusted:
        return False  # the earlier rules decided: a lone run past CALIBRATED_AT has no like to reach
    top = max(trusted)
    return any(size[r["id"]] > REACH * top for r in active
               if float(r.get("progress") or 0.0) < CALIBRATED_AT)


def _run_seconds(rid: str, progress: float, rate: float | None, pairs: dict, size: dict) -> float:
    """Training seconds of a running run: its own pace, weighted by its progress against what
    the group's other measured runs of a like size (within ALIKE) took. A run's first seconds
    of progress are not its average pace (edge of stability: GD steps before the edge need a
    third of the HVPs of those at it), so a young run leans on its like, an old one on itself;
    a run unlike any measured one (a width sweep's next width) goes by its own pace."""
    if not rate:
        return time_model(list(pairs.values()))(size[rid])
    like = [pair for other, pair in pairs.items()
            if other != rid and 1.0 / ALIKE < pair[0] / size[rid] < ALIKE]
    if not like:
        return 1.0 / rate
    return progress / rate + (1.0 - progress) * time_model(like)(size[rid])


def eta_seconds(recs: list[dict], history: dict | None = None, work: dict | None = None,
                calibration: list[tuple[float, float]] | None = None) -> float | None:
    """Seconds until every queued and running run of `recs` is finished; None while unknown.

    history: {run_id: [(time, progress), ...]} samples a page has seen (`progress_rate`);
    without them (a fresh server) each running run's pace comes from its record.
    work: {run_id: flops} from the Experiment's `cost`, so that runs not started yet count
    with their size (runs missing from it count as the mean; no `work` at all: equal runs).
    A running run needs its remaining progress at its pace; one still starting, and each
    queued run, a warm start-up plus the training time `time_model` gives for its size,
    fitted on this group's measured runs. Runs on one worker process (a seed group) train
    one after another; queued runs go, in order, to whichever worker is free first. None
    only until the group's first run has moved for EARLY_S.
    calibration (a page passes it; None: not asked): (flops, seconds) of this phenomenon's
    finished runs on this machine. Asked for, an ETA is only given once calibrated: the
    group has a finished run, or a calibration sizes its young runs, or its runs are past
    CALIBRATED_AT of their own progress; else None ("estimating").
    """
    history, work = history or {}, work or {}
    active = [r for r in recs if r["status"] in ("queued", "running")]
    if not active:
        return None
    known = [float(work[r["id"]]) for r in recs if work.get(r["id"])]
    mean = float(np.mean(known)) if known else 1.0
    size = {r["id"]: float(work.get(r["id"]) or mean) for r in recs}
    cold = _first_of_worker(recs)
    running = [r for r in active if r["status"] == "running"]
    rates = {r["id"]: progress_rate(history.get(r["id"], ()), r.get("started")) or record_rate(r)
             for r in running}
    pairs = {rid: (size[rid], 1.0 / rate) for rid, rate in rates.items() if rate}
    done = {r["id"]: (size[r["id"]], d) for r in recs if r["status"] == "done"
            and (d := _training_s(r, r["id"] in cold)) is not None}
    pairs.update(done)
    if not pairs:
        return None
    if calibration is not None and not done:
        young = any(float(r.get("progress") or 0.0) < CALIBRATED_AT for r in running)
        if calibration:  # sized by the like runs finished here, until their own pace is trusted
            done = {f"_cal{i}": pair for i, pair in enumerate(calibration)}
            pairs.update(done)
        elif young or not running:
            return None
    if calibration is not None and _beyond_reach(active, [*done.values(), *calibration], size):
        return None
    # Runs yet to start are sized on the finished runs once there are any: a running run's
    # pace so far is not its whole time (edge of stability's steps before the edge need a
    # third of the HVPs of those at it; its young runs' paces put the η sweep 30% short)
    seconds = time_model(list((done or pairs).values()))
    warm = [s for r in recs if r["id"] not in cold and (s := startup_s(r)) is not None]
    startup = statistics.median(warm) if warm else WARM_STARTUP_S
    first = [s for r in recs if r["id"] in cold and (s := startup_s(r)) is not None]
    now = max(max(r.get(k) or 0.0 for k in ("heartbeat", "started", "finished")) for r in recs)
    workers: dict = {}  # per worker process: [the longest of its moving runs, its runs still to start]
    for r in running:
        progress, rate = float(r.get("progress") or 0.0), rates[r["id"]]
        slot = workers.setdefault(r.get("pid") or r["id"], [0.0, 0.0])
        if rate or progress > 0:
            left = (1.0 - progress) * _run_seconds(r["id"], progress, rate, pairs, size)
            slot[0] = max(slot[0], left)  # stacked seeds move together
        else:  # starting, or a seed-group member waiting for the one before it
            expect = (float(np.mean(first)) if first else 0.0) if r["id"] in cold else startup
            slot[1] += max(0.0, expect - (now - r["started"])) + seconds(size[r["id"]])
    free = [moving + waiting for moving, waiting in workers.values()] or [0.0]
    heapq.heapify(free)
    for r in sorted((r for r in active if r["status"] == "queued"), key=lambda r: r.get("created") or 0.0):
        heapq.heappush(free, heapq.heappop(free) + startup + seconds(size[r["id"]]))
    return max(free)
