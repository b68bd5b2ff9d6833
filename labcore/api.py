"""The lab from a notebook: the same engine and store as the dashboard, returning DataFrames.

Importable without Streamlit; torch is imported only by the worker processes that train.
Every run goes through `labcore.engine.jobs` into the store the dashboard reads
(`$LAB_CACHE_DIR` or ./cache), so a run started here is a cache hit there and vice versa.

    >>> from labcore import api
    >>> handles = api.sweep("lazy_training", seeds=[0, 1], width=[16, 256], steps=50)
    >>> api.metrics([h.id for h in handles]).head()   # run, seed, step, metric, value

Errors are the lab's one-line errors as exceptions: `ParamError` (a parameter and its
range), `UnknownExperiment`, `UnknownRun`.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from labcore.core.params import ParamError, from_dict
from labcore.core.registry import UnknownExperiment  # noqa: F401 - one of the errors the docstring names
from labcore.core.registry import get as get_experiment
from labcore.core.run_states import FINISHED, UnknownRun
from labcore.runs import analysis
from labcore.runs.store import Store

POLL_S = 0.25


@dataclass(frozen=True)
class Run:
    """A handle on one stored run: its id and the store it lives in.

    >>> h = api.run("lazy_training", width=64, steps=50)
    >>> h.status, h.metrics()["loss"].iloc[-1]
    """

    id: str
    store: Store

    @property
    def record(self) -> dict:
        """The run's current record (status, config, progress, error, ...)."""
        rec = self.store.get(self.id)
        if rec is None:
            raise UnknownRun(f"no run {self.id!r} in {self.store.dir}")
        return rec

    @property
    def status(self) -> str:
        """queued, running, done, diverged, failed, cancelled or interrupted."""
        return self.record["status"]

    @property
    def config(self) -> dict:
        """The run's settings, every field (plain JSON values)."""
        return dict(self.record["config"])

    def metrics(self) -> pd.DataFrame:
        """The run's rows in wide form: `step` and one column per metric.

        >>> api.run("lazy_training", steps=20).metrics().columns[:3].tolist()
        ['step', 'loss', 'train_acc']
        """
        return self.store.metrics(self.id)

    def wait(self, timeout: float | None = None, progress: bool = True) -> "Run":
        """Block until the run finished (or `timeout` seconds passed); returns self.

        >>> api.run("lazy_training", wait=False).wait(timeout=60).status
        'done'
        """
        _wait([self.id], self.store, timeout, progress)
        return self

    def cancel(self) -> str:
        """Cancel the run (queued: at once; running: within about a second); returns its status.

        >>> h = api.run("lazy_training", steps=100000, wait=False); h.cancel()
        """
        from labcore.engine import jobs

        rec = jobs.cancel(self.id, self.store)
        return rec["status"] if rec else "unknown"

    def __repr__(self) -> str:
        rec = self.store.get(self.id)
        return f"Run({self.id!r}, {rec['experiment'] if rec else '?'}, {rec['status'] if rec else 'missing'})"


def _store(store: Store | str | None) -> Store:
    return store if isinstance(store, Store) else Store(store)


def run(name: str, *, wait: bool = True, progress: bool = True, force: bool = False,
        timeout: float | None = None, store: Store | str | None = None, config: str | Path | None = None,
        **params: Any) -> Run:
    """Train (or find in the store) one run of phenomenon `name` with `params`.

    Values are checked like the dashboard's form: a bad one raises ParamError naming the
    parameter and its range, before anything is written. `wait=False` returns at once.
    `config`: a TOML recipe (a run's exported `config.toml`, a `recipes/*.toml`) whose settings
    come first, `params` over them; `force=True` trains it again instead of finding it stored.

    >>> h = api.run("lazy_training", width=64, steps=50)
    >>> h.status
    'done'
    >>> api.run("lazy_training", config="out/w64/config.toml", force=True)
    """
    if config is not None:
        from labcore.core import recipes

        _, _, base = recipes.read(config, get_experiment(name))
        params = {**base, **params}
    return sweep(name, wait=wait, progress=progress, force=force, timeout=timeout, store=store,
                 **params)[0]


def sweep(name: str, *, seeds: Sequence[int] | None = None, wait: bool = True, progress: bool = True,
          force: bool = False, timeout: float | None = None, store: Store | str | None = None,
          **axes: Any) -> list[Run]:
    """Train the grid of `axes` (a list of values per parameter; a scalar is one value) times
    `seeds`; returns one Run per grid point, in grid order (seeds innermost).

    Every config is validated first: nothing is submitted when one value is out of range.
    Seeds of one setting train as one seed group, exactly as the dashboard's "N seeds".

    >>> runs = api.sweep("lazy_training", seeds=[0, 1, 2], width=[16, 256, 4096], steps=100)
    >>> len(runs)
    9
    """
    from labcore.engine import jobs

    exp = get_experiment(name)
    grid = {k: list(v) if isinstance(v, (list, tuple, range)) and not _is_tuple_param(exp, k) else [v]
            for k, v in axes.items()}
    if seeds is not None:
        seeds = list(seeds)
        if not seeds:
            raise ParamError("seeds is empty; give at least one seed, e.g. seeds=[0]")
        grid["seed"] = seeds
    points = [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())] or [{}]
    configs = [from_dict(exp.config, values) for values in points]  # validate everything first
    from labcore.admission import admit_all

    admit_all(exp, configs)  # the machine's checks (device, dataset, memory), as the CLI and pages do
    st = _store(store)
    jobs.fork_workers()  # a notebook starts runs again and again
    ids = jobs.submit_many(name, configs, st, force=force)
    if wait:
        _wait(ids, st, timeout, progress)
    return [Run(rid, st) for rid in ids]


def _is_tuple_param(exp, key: str) -> bool:
    """True for a tuple-valued parameter (e.g. hidden widths): a tuple is one value there."""
    from labcore.core.params import specs

    return any(s.name == key and s.type is tuple for s in specs(exp.config))


def _wait(ids: list[str], store: Store, timeout: float | None, progress: bool) -> list[dict]:
    """Poll until every run finished; a tqdm.auto bar (Jupyter or terminal) shows progress.
    Like `jobs.wait`, it settles its runs when their worker died and restarts workers for
    them while they are queued (`jobs.tend`), whoever else is alive."""
    from labcore.engine import jobs

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ids), unit="run", desc="training", leave=False)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        last_tend = float("-inf")
        while True:
            if time.monotonic() - last_tend >= jobs.REAP_EVERY_S:
                jobs.tend(store, ids)
                last_tend = time.monotonic()
            recs = [store.get(rid) for rid in ids]
            frac = sum(1.0 if r is None or r["status"] in FINISHED else r.get("progress", 0.0) for r in recs)
            if bar is not None:
                bar.n = round(frac, 2)
                bar.refresh()
            if all(r is None or r["status"] in FINISHED for r in recs):
                return recs
            if deadline is not None and time.monotonic() > deadline:
                return recs
            time.sleep(POLL_S)
    finally:
        if bar is not None:
            bar.close()


def _ids(ids: str | Run | Iterable[str | Run]) -> list[str]:
    if isinstance(ids, (str, Run)):
        ids = [ids]
    return [i.id if isinstance(i, Run) else str(i) for i in ids]


def _records(st: Store, ids) -> list[dict]:
    """The records of `ids`, in order; an unknown id raises UnknownRun before anything is read."""
    recs = [st.get(rid) for rid in _ids(ids)]
    missing = [rid for rid, r in zip(_ids(ids), recs) if r is None]
    if missing:
        raise UnknownRun(f"no run {missing[0]!r} in {st.dir}")
    return recs


def runs(name: str | None = None, status: str | None = None, *, store: Store | str | None = None,
         **filters: Any) -> pd.DataFrame:
    """The stored runs as a DataFrame: id, phenomenon, status, name, one column per setting,
    and `final_<metric>` for each metric's last value. Filter by phenomenon `name`, `status`
    and any setting (`width=256`).

    >>> api.runs("lazy_training", status="done", width=256)[["id", "seed", "final_rel_change"]]
    """
    from labcore.runs.tables import summary

    st = _store(store)
    if name is not None:
        get_experiment(name)  # an unknown name is an error, not an empty frame
    rows = []
    for rec in st.runs():
        if name is not None and rec["experiment"] != name:
            continue
        if status is not None and rec["status"] != status:
            continue
        cfg = rec["config"]
        if any(str(analysis.show(cfg.get(k))) != str(v) for k, v in filters.items()):
            continue
        final = summary(rec, st.metrics(rec["id"]))["final"]
        rows.append({"id": rec["id"], "phenomenon": rec["experiment"], "status": rec["status"],
                     "name": rec.get("name") or "", "created": pd.to_datetime(rec["created"], unit="s"),
                     **{k: analysis.show(v) for k, v in cfg.items()},
                     **{f"final_{k}": v for k, v in final.items()}})
    return pd.DataFrame(rows, columns=None if rows else ["id", "phenomenon", "status", "name", "created"])


def metrics(ids: str | Run | Iterable[str | Run], *, store: Store | str | None = None) -> pd.DataFrame:
    """The long frame the pages draw: one row per (run, step, metric) with columns run,
    phenomenon, seed, step, metric, value (NaN-free; a metric measured at some steps only has
    rows at those steps).

    >>> api.metrics(["3f2a..."]).pivot_table(index="step", columns="metric", values="value")
    """
    st = _store(store)
    parts = []
    for rec in _records(st, ids):
        rid = rec["id"]
        wide = st.metrics(rid)
        if wide.empty:
            continue
        long = wide.melt(id_vars="step", var_name="metric", value_name="value").dropna(subset=["value"])
        long.insert(0, "seed", rec["config"].get("seed"))
        long.insert(0, "phenomenon", rec["experiment"])
        long.insert(0, "run", rid)
        parts.append(long)
    if not parts:
        return pd.DataFrame(columns=["run", "phenomenon", "seed", "step", "metric", "value"])
    return pd.concat(parts, ignore_index=True)


def claims(ids: str | Run | Iterable[str | Run], *, store: Store | str | None = None) -> pd.DataFrame:
    """The verdicts of each phenomenon's claims judged on the given runs (together, as the
    Runs page judges a selection): phenomenon, claim, statement, paper, source, measured,
    verdict, expected.

    >>> api.claims([h.id for h in api.sweep("lazy_training", width=[16, 256, 4096])])
    """
    from labcore.runs.verdicts import judge_selection

    st = _store(store)
    recs = _records(st, ids)
    rows = []
    for name in dict.fromkeys(r["experiment"] for r in recs):  # the Runs page's judging of a selection
        for judged in judge_selection(get_experiment(name), recs, st.metrics):
            claim, verdict = judged.claim, judged.verdict
            rows.append({"phenomenon": name, "claim": claim.key, "statement": claim.statement,
                         "paper": claim.paper, "source": claim.source, "measured": verdict.measured,
                         "verdict": verdict.status, "expected": claim.expected})
    return pd.DataFrame(rows, columns=["phenomenon", "claim", "statement", "paper", "source", "measured",
                                       "verdict", "expected"])


def figure(ids: str | Run | Iterable[str | Run], metric: str, *, store: Store | str | None = None,
           log_y: bool = False, log_x: bool = False, bands: bool = True):
    """The Plotly figure the dashboard draws for `metric` over these runs: runs of one setting
    with several seeds as mean ± std bands (`bands=True`), otherwise one line per run.
    Save it with `fig.write_image("fig.svg")` (kaleido; see docs/notebook.md).

    >>> fig = api.figure(ids, "rel_change", log_y=True); fig.write_image("rel_change.svg")
    """
    from labcore.charts import plots

    st = _store(store)
    recs = _records(st, ids)
    frame = analysis.long_frame([(r, st.metrics(r["id"])) for r in recs])
    if metric not in frame:
        known = ", ".join(c for c in frame.columns if c not in _NOT_METRICS and not c.startswith("cfg_"))
        raise ParamError(f"metric {metric!r} is not among these runs' metrics ({known})")
    frame = frame.assign(label=[_legend(r) for r in frame["run_id"].map({r["id"]: r for r in recs})])
    several_seeds = bands and frame.groupby("group")["run_id"].nunique().max() > 1
    if several_seeds:
        band = analysis.seed_bands(frame, [metric], by="group").rename(columns={"group": "label"})
        return plots.bands(band, [metric], metric, log_y=log_y, log_x=log_x)
    return plots.curves(frame, [metric], metric, log_y=log_y, log_x=log_x)


_NOT_METRICS = ("run_id", "label", "group", "step")


def _legend(rec: dict) -> str:
    """A run's legend entry: its name when it has one, else its settings."""
    return rec.get("name") or analysis.settings_label(rec) or rec["id"]


def export(ids: str | Run | Iterable[str | Run], out: str | Path, *, format: str = "csv",
           store: Store | str | None = None) -> Path:
    """Write runs to `out` as `csv` (the CLI's export), `parquet` or `tensorboard` event files
    (one directory per run; `tensorboard --logdir OUT` opens them). Returns `out`.

    >>> api.export(ids, "out/tb", format="tensorboard")
    """
    from labcore.runs import export as exports

    return exports.export(_store(store), _ids(ids), out, format)


EXPORT_TRIES = 3  # kaleido's page-load race (see save_figure)


def save_figure(fig, path: str | Path, *, width: int = 900, height: int | None = None) -> Path:
    """Write a Plotly figure as SVG, PNG or PDF (by the file's suffix) at `width` pixels, with
    Plotly's static export (kaleido driving a local Chromium: Debian's /usr/bin/chromium is
    used when no other browser is configured, so nothing is downloaded).

    >>> api.save_figure(api.figure(ids, "loss"), "loss.svg", width=600)
    """
    import os

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png", "pdf"):
        raise ParamError(f"figure file {path.name!r}: the suffix must be .svg, .png or .pdf")
    if not os.environ.get("BROWSER_PATH") and Path("/usr/bin/chromium").exists():
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"  # kaleido's choreographer looks here
    path.parent.mkdir(parents=True, exist_ok=True)
    size = {"width": width, "height": height or fig.layout.height or 450}
    for attempt in range(EXPORT_TRIES):
        try:
            data = fig.to_image(format=fmt, **size)
            break
        except Exception as exc:  # noqa: BLE001 - only kaleido's own race is retried, by its class name
            # kaleido (1.x) can run its render call before its page's script has defined
            # `kaleido_scopes` ("ReferenceError: kaleido_scopes is not defined"), seen once on a
            # loaded 2-core machine; a new try starts a fresh page. The class sits in a private
            # module of kaleido, so it is matched by name.
            if type(exc).__name__ != "JavascriptError" or attempt == EXPORT_TRIES - 1:
                raise
    path.write_bytes(data)
    return path
