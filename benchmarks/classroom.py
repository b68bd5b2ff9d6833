"""A class on one laptop (issue 31): K students watching one dashboard while a run trains.

    python benchmarks/classroom.py                 # K = 0, 1, 8, 30; finished and live
    python benchmarks/classroom.py --k 0,8 --window 10

Starts `streamlit run app.py` on a fresh store, pinned to core 0 (`taskset`); this process
(the students) is pinned to the last core. A student is a Streamlit session driven over the
websocket protocol the browser's frontend speaks (`/_stcore/stream`: BackMsg / ForwardMsg
protobufs): it asks for the page, keeps the fragments' auto-reruns (`auto_rerun` messages)
at the interval the server asks for, answers cached-message references, and decodes the
Plotly charts it receives. Chromium cannot hold thirty tabs on one core; a websocket session
costs the server exactly what a tab costs it (the same messages), the client side almost
nothing.

Printed side by side, per scenario (a finished run; a live run) and K:
- server CPU: core-seconds per second of the server process (its worker processes excluded),
- training speed: the live run's steps per second, relative to its speed with nobody
  watching in the window just before (the run's own pace drifts over minutes: edge of
  stability's estimates cost more HVPs near the edge), and its worker's CPU share of a core
  relative to that window (the pace without the drift),
- staleness: seconds a session's chart is behind the store (0 while it shows the latest
  stored step; else how long ago the store first held a newer one), median and max over
  sessions and 0.5 s samples,
- first chart: seconds from a new session's connect to its first chart, with K watching.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = "edge_of_stability"
LIVE_QUERY = "steps=60000"      # a run that outlasts the live measurements
CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` (all its threads, not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def _array(value) -> list:
    """A Plotly JSON array: a list, or the typed-array form {"dtype", "bdata"} of plotly 6."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).tolist()
    return list(value or [])


_STEPS: dict[int, float | None] = {}  # spec hash -> its step: each distinct chart parsed once


def shown_step(spec: str) -> float | None:
    """The largest step a chart draws (its curves' x), or None for a chart without curves."""
    key = hash(spec)
    if key not in _STEPS:
        _STEPS[key] = _largest_x(json.loads(spec))
    return _STEPS[key]


def _largest_x(fig: dict) -> float | None:
    xs = [x for trace in fig.get("data", ()) if len(_array(trace.get("x"))) > 2
          for x in _array(trace.get("x")) if isinstance(x, (int, float))]
    return max(xs) if xs else None


class Student:
    """One Streamlit session over the websocket, behaving like the browser's frontend."""

    def __init__(self, url: str, page: str, query: str) -> None:
        self.url, self.page, self.query = url, page, query
        self.step: float | None = None       # the latest step its charts show
        self.connected_at, self.first_chart_at = time.monotonic(), None
        self.cache: dict[str, object] = {}   # cacheable messages by hash (the frontend's cache)
        self.page_hash = ""
        self.reruns: dict[str, asyncio.Task] = {}
        self.ticks = 0                       # script runs (page or fragment) the server finished for it
        self.intervals: list[float] = []     # the auto-rerun intervals the server asked for

    def _rerun(self, fragment_id: str = "") -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = self.query, self.page
        state.page_script_hash = self.page_hash
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, True
        state.cached_message_hashes.extend(self.cache)
        return msg.SerializeToString()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch the page until `stop` is set."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.asyncio.client import connect

        async with connect(self.url, subprotocols=["streamlit"], max_size=None) as ws:
            await ws.send(self._rerun())
            receiving = asyncio.ensure_future(self._receive(ws, ForwardMsg))
            await stop.wait()
            receiving.cancel()
            for task in self.reruns.values():
                task.cancel()

    async def _receive(self, ws, ForwardMsg) -> None:
        async for data in ws:
            msg = ForwardMsg.FromString(data)
            if msg.WhichOneof("type") == "ref_hash":
                msg = self.cache.get(msg.ref_hash, msg)
            elif msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = msg
            self._handle(msg, ws)

    def _handle(self, msg, ws) -> None:
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            self.ticks += 1
        elif kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
        elif kind == "auto_rerun":
            fid, every = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            self.intervals.append(every)
            old = self.reruns.pop(fid, None)
            if old:
                old.cancel()
            self.reruns[fid] = asyncio.ensure_future(self._auto(ws, fid, every))
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                task = self.reruns.pop(fid, None)
                if task:
                    task.cancel()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "plotly_chart":
                step = shown_step(element.plotly_chart.spec)
                if step is not None:
                    self.step = max(step, self.step or 0.0)
                    if self.first_chart_at is None:
                        self.first_chart_at = time.monotonic()

    async def _auto(self, ws, fid: str, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await ws.send(self._rerun(fid))


class Monitor:
    """The store's latest step of one run, and when each step was first seen (every 0.25 s)."""

    def __init__(self, directory: Path) -> None:
        from labcore.runs.store import Store as LabStore

        self.store = LabStore(str(directory))
        self.rid, self.cursor, self.seen = None, 0, [(0.0, -1.0)]   # (time, step) as it grew

    def poll(self) -> None:
        if self.rid is None:
            return
        rows, self.cursor = self.store.read_rows(self.rid, self.cursor)
        steps = [r["step"] for r in rows if "step" in r]
        if steps and max(steps) > self.seen[-1][1]:
            self.seen.append((time.monotonic(), float(max(steps))))

    def worker(self) -> int | None:
        """The pid of the process training the live run (None before it is claimed)."""
        rec = self.store.get(self.rid) if self.rid else None
        return (rec or {}).get("pid") if (rec or {}).get("status") == "running" else None

    def latest(self) -> float:
        return self.seen[-1][1]

    def stale(self, shown: float | None, now: float) -> float:
        """Seconds since the store first held a step newer than `shown` (0 if none is)."""
        newer = [t for t, s in self.seen if s > (shown if shown is not None else -1.0)]
        return now - newer[0] if newer else 0.0


def start_server(cache: Path, port: int) -> subprocess.Popen:
    """The dashboard on core 0, as scripts/dashboard.sh starts it: its warm worker first,
    free to run on any core (the thread budget leaves one core to the dashboard: the worker
    trains beside the server, not under it), then the server in the same process, pinned."""
    env = {**os.environ, "LAB_CACHE_DIR": str(cache)}
    env.pop("LAB_WARM_WORKER", None)
    log = open(cache.parent / "streamlit.log", "w")
    start = (f"{sys.executable} -m labcore warm --for $$; exec taskset -c 0 {sys.executable} -m streamlit run "
             f"app.py --server.port {port} --server.headless true --browser.gatherUsageStats false")
    proc = subprocess.Popen(["bash", "-c", start],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the dashboard did not start")


async def measure(url: str, query: str, k: int, window: float, store: Monitor, server: int) -> dict:
    """K students on the page for `window` seconds (after they have all drawn), then one more."""
    stop = asyncio.Event()
    students = [Student(url, PAGE, query) for _ in range(k)]
    tasks = [asyncio.ensure_future(s.run(stop)) for s in students]
    deadline = time.monotonic() + 120
    if os.environ.get("LAB_CLASSROOM_DEBUG"):
        print(f"   {k} students connecting", flush=True)
    while any(s.first_chart_at is None for s in students) and time.monotonic() < deadline:
        store.poll()
        await asyncio.sleep(0.25)
    await asyncio.sleep(3.0)  # settle: first drawings done
    print(f"  measuring K={k} for {window:.0f} s", flush=True)  # (a profiler may attach now)
    worker = store.worker()
    cpu0, t0, step0 = cpu_seconds(server), time.monotonic(), store.latest()
    worker0 = cpu_seconds(worker) if worker else 0.0
    own0 = time.process_time()
    ticks0 = sum(s.ticks for s in students)
    stale = []
    while time.monotonic() - t0 < window:
        await asyncio.sleep(0.5)
        store.poll()
        now = time.monotonic()
        stale += [store.stale(s.step, now) for s in students]
    elapsed = time.monotonic() - t0
    cpu = (cpu_seconds(server) - cpu0) / elapsed
    students_cpu = (time.process_time() - own0) / elapsed
    speed = (store.latest() - step0) / elapsed
    # the live run's worker's share of a core: its pace without the run's own drift
    share = (cpu_seconds(worker) - worker0) / elapsed if worker else float("nan")
    ticks = sum(s.ticks for s in students) - ticks0
    if os.environ.get("LAB_CLASSROOM_DEBUG"):
        print("   ticks", sorted(s.ticks for s in students),
              "intervals", sorted({x for s in students for x in s.intervals}), flush=True)
    per_tick = cpu * elapsed / ticks if ticks else float("nan")   # server CPU s per script run served
    newcomer = Student(url, PAGE, query)
    extra = asyncio.ensure_future(newcomer.run(stop))
    while newcomer.first_chart_at is None and time.monotonic() - newcomer.connected_at < 60:
        await asyncio.sleep(0.05)
    first = (newcomer.first_chart_at or float("nan")) - newcomer.connected_at
    stop.set()
    await asyncio.gather(*tasks, extra, return_exceptions=True)
    return {"k": k, "cpu": cpu, "speed": speed, "share": share, "stale_med": statistics.median(stale) if stale else 0.0,
            "stale_max": max(stale) if stale else 0.0, "first": first,
            "students": students_cpu, "ticks": ticks / elapsed, "per_tick": per_tick}


def _store(cache: Path):
    from labcore.runs.store import Store as LabStore

    return LabStore(str(cache))


def _first_click(store: Monitor, query: str) -> float:
    """Submit the live run once the dashboard's warm worker waits; seconds to its first row."""
    from labcore import api
    from labcore.engine import pool

    deadline = time.monotonic() + 30  # (a dashboard without a warm worker: none comes)
    while not pool.live_workers(store.store) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(5.0)  # its torch import done
    values = {k: int(v) for k, v in (kv.split("=") for kv in query.split("&"))}
    students = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))  # a worker this submit starts: any core
    t0 = time.monotonic()
    store.rid = api.run(PAGE, wait=False, progress=False, **values).id
    os.sched_setaffinity(0, students)
    while store.latest() < 0:
        rows, store.cursor = store.store.read_rows(store.rid, store.cursor)
        if rows:
            store.seen.append((time.monotonic(), float(max(r["step"] for r in rows))))
        time.sleep(0.005)
    return store.seen[1][0] - t0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", default="0,1,8,30", help="numbers of students, comma-separated")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per K")
    parser.add_argument("--port", type=int, default=8599)
    parser.add_argument("--scenarios", default="finished,live", help="finished, live or both, comma-separated")
    args = parser.parse_args(argv)
    ks = [int(k) for k in args.k.split(",")]
    last = max(os.sched_getaffinity(0))
    from labcore import api
    from labcore.engine import jobs, pool

    tmp = Path(tempfile.mkdtemp(prefix="lab-classroom-"))
    cache = tmp / "cache"
    os.environ["LAB_CACHE_DIR"] = str(cache)
    os.sched_setaffinity(0, {last})  # the students' core (and the monitor's)
    chosen = args.scenarios.split(",")
    if "finished" in chosen:
        print(f"finished run: training {PAGE} at its defaults ...", flush=True)
        api.run(PAGE, progress=False)
        pool.shutdown(_store(cache))  # no worker of this process stays: the dashboard keeps its own
    server = start_server(cache, args.port)
    url = f"ws://127.0.0.1:{args.port}/_stcore/stream"
    store = Monitor(cache)
    rows, first_point = [], float("nan")
    try:
        for scenario, query in [s for s in (("finished", ""), ("live", LIVE_QUERY)) if s[0] in chosen]:
            if scenario == "live":
                first_point = _first_click(store, query)
            for k in ks:
                if scenario == "live" and k:  # the run's own pace drifts (edge of stability's
                    # estimates cost more HVPs near the edge): K sessions are compared with
                    # nobody watching just before, not with a K = 0 minutes earlier
                    alone = asyncio.run(measure(url, query, 0, args.window / 2, store, server.pid))
                row = asyncio.run(measure(url, query, k, args.window, store, server.pid))
                row["alone"] = alone if scenario == "live" and k else row
                rows.append((scenario, row))
                print(f"  {scenario:8s} K={k:2d}: server {row['cpu']:.3f} core, {row['speed']:.1f} steps/s, "
                      f"stale {row['stale_med']:.2f}/{row['stale_max']:.2f} s, first chart {row['first']:.2f} s "
                      f"worker {row['share']:.2f} core, {row['ticks']:.1f} ticks/s, "
                      f"{1e3 * row['per_tick']:.1f} ms CPU a tick "
                      f"(students' process {row['students']:.2f} core)",
                      flush=True)
            if scenario == "live":
                jobs.cancel(store.rid, store.store)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        pool.shutdown(store.store)
    print(f"\nclassroom: {PAGE}, server pinned to core 0, its warm worker on any core, students on core {last} "
          "(Streamlit sessions over the websocket protocol)")
    print(f"first click (submit -> first stored row, the dashboard's warm worker): {first_point:.3f} s")
    print(f"{'scenario':9s} {'K':>3s} {'server core/s':>14s} {'per session':>12s} {'training':>9s} {'worker CPU':>11s} "
          f"{'stale med':>10s} {'stale max':>10s} {'first chart':>12s} {'ms CPU/tick':>12s}")
    for scenario, r in rows:
        per = r["cpu"] / r["k"] if r["k"] else float("nan")
        live = scenario == "live"
        rel = r["speed"] / r["alone"]["speed"] if live and r["alone"]["speed"] else float("nan")
        rel_cpu = r["share"] / r["alone"]["share"] if live and r["alone"]["share"] else float("nan")
        print(f"{scenario:9s} {r['k']:3d} {r['cpu']:14.3f} {per:12.4f} {rel:9.2f} {rel_cpu:11.2f} "
              f"{r['stale_med']:10.2f} {r['stale_max']:10.2f} {r['first']:12.2f} {1e3 * r['per_tick']:12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
