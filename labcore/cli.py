"""`python -m labcore ...`: list, new, run, sweep, runs, export, check, bench.

Flags of `run`/`sweep` are generated from the experiment's Config specs. Invalid values
exit 2 with one line naming the parameter and its allowed range, before anything is
submitted or written.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sys
import time
from pathlib import Path

from labcore.core.params import ParamError, from_dict, specs
from labcore.core.registry import REGISTRY, UnknownExperiment, get as get_experiment
from labcore.core.run_states import FINISHED, UnknownRun
from labcore.runs.disk import full_disk_line  # the one line, also said by the pages


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line (UsageError), not 8 lines of usage."""

    def error(self, message: str):
        message = message.replace("unrecognized", "unrecognised")  # argparse's word; the lab's text is British
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _warm(owner: int) -> int:
    """Start the dashboard's warm worker (scripts/dashboard.sh, before the server starts:
    the first click then finds torch imported). LAB_WARM_WORKER=0: none."""
    from labcore.engine import jobs

    if os.environ.get("LAB_WARM_WORKER", "1") != "0":
        from labcore.runs.store import Store

        jobs.start_warm_worker(Store(), owner)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="python -m labcore", description="DL Theory Lab engine")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="experiments and their parameters")
    for name, helptext in (("run", "train one run"), ("sweep", "train a grid of runs")):
        p = sub.add_parser(name, help=helptext, add_help=False)
        p.add_argument("experiment", nargs="?")
    sub.add_parser("runs", help="runs in the store")
    p = sub.add_parser("export", help="write runs' files: csv (several: plus runs_long.csv, runs.csv), "
                                      "parquet, or tensorboard event files")
    p.add_argument("run_id", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=("csv", "parquet", "tensorboard"), default="csv")
    p = sub.add_parser("check", help="train what the claims need and write the reproduction report")
    p.add_argument("names", nargs="*", metavar="NAME", help="phenomena to check")
    p.add_argument("--all", action="store_true", help="every phenomenon that declares claims")
    p.add_argument("--seeds", type=int, default=1,
                   help="robustness: judge every claim from this many seeds (seed-base, +1, ...); it passes "
                        "when a claim holds on 9 of 10 (default 1: the defaults' seed)")
    p.add_argument("--seed-base", type=int, default=None, help="the first seed (default: the defaults' seed)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads per worker for the runs this check trains (default: $LAB_THREADS or "
                        "the machine's budget); use a fresh store per thread count")
    p.add_argument("--preset", default=None, help="check at this page preset instead of the defaults")
    p.add_argument("--out", default=None, help="directory for reproduction.md and claims.csv "
                                               "(default: <store>/check)")
    p = sub.add_parser("new", help="write a phenomenon package to change (default: into the user folder)")
    p.add_argument("name", metavar="NAME", help="its name: lowercase letters, digits and _ (e.g. my_first_lab)")
    p.add_argument("--dir", default=None, help="the folder to write NAME/ into (default: $LAB_EXPERIMENTS, "
                                               "else ./experiments)")
    sub.add_parser("doctor", help="check the run store's database; a damaged one is moved aside and "
                                  "rebuilt from what can still be read")
    p = sub.add_parser("warm", help="keep one worker warm while process PID (the dashboard) lives")
    p.add_argument("--for", dest="owner", type=int, required=True, metavar="PID")
    p = sub.add_parser("bench", help="lab overhead vs a bare PyTorch loop")
    p.add_argument("--repeats", type=int, default=11,
                   help="rounds (bare loop, lab loop, bare loop here) for part 1's ratio")
    p.add_argument("--part", type=int, action="append", choices=range(1, 6), metavar="N",
                   help="run only part N (1-5; repeat the option for several; default all)")
    try:
        args, rest = parser.parse_known_args(argv)
        if args.cmd in ("run", "sweep") and args.experiment is None:
            return _train_usage(args.cmd, rest)
        if args.cmd in ("run", "sweep"):
            return _train(args.cmd, args.experiment, rest)
        if rest:
            raise UsageError(f"unrecognised arguments: {' '.join(rest)}")
        if args.cmd == "list":
            return _list()
        if args.cmd == "runs":
            return _runs()
        if args.cmd == "doctor":
            return _doctor()
        if args.cmd == "warm":
            return _warm(args.owner)
        if args.cmd == "export":
            return _export(args.run_id, args.out, args.format)
        if args.cmd == "check":
            return _check(args)
        if args.cmd == "new":
            return _new(args.name, args.dir)
        from labcore.bench import PARTS, main as bench_main
        if args.repeats < 1:
            raise UsageError(f"--repeats={args.repeats} is out of range; allowed: 1 or more")
        return bench_main(args.repeats, tuple(sorted(set(args.part))) if args.part else PARTS)
    except OutFull as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (UsageError, ParamError, UnknownExperiment, UnknownRun) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        print(f"error: {_one_line(msg)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a full disk is one line too; anything else is a bug
        from labcore.runs.disk import ReadOnlyStore, StoreDamaged, is_disk_full

        if isinstance(exc, (ReadOnlyStore, StoreDamaged)):  # its message is the one line
            print(f"error: {exc.strerror if isinstance(exc, ReadOnlyStore) else exc}", file=sys.stderr)
            return 1
        if not is_disk_full(exc):
            raise
        from labcore.runs.store import default_dir

        print(f"error: {full_disk_line(default_dir())}", file=sys.stderr)
        return 1


MAX_LINE = 300  # an error line longer than this is cut: a 100,000-character value stays readable


def _one_line(msg: str) -> str:
    """`msg` on one line, cut to MAX_LINE characters."""
    msg = " ".join(str(msg).split())
    return msg if len(msg) <= MAX_LINE else msg[:MAX_LINE - 3] + "..."


def _join_negative_values(rest: list[str]) -> list[str]:
    """`--lr -inf` as `--lr=-inf`: argparse takes a value starting with '-' that is not a
    plain negative number for a flag and answers "expected one argument"."""
    out: list[str] = []
    i = 0
    while i < len(rest):
        tok = rest[i]
        if (tok.startswith("--") and "=" not in tok and i + 1 < len(rest)
                and rest[i + 1].startswith("-") and not rest[i + 1].startswith("--")):
            out.append(f"{tok}={rest[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def _train_parser(cmd: str, experiment: str) -> argparse.ArgumentParser:
    exp = get_experiment(experiment)
    p = _Parser(prog=f"python -m labcore {cmd} {experiment}")
    for s in specs(exp.config):
        meta = f"{s.allowed()}; default {s.default}" + (f" [{s.unit}]" if s.unit else "")
        flags = sorted({f"--{s.name}", f"--{s.name.replace('_', '-')}"}, key=len)
        p.add_argument(*flags, dest=s.name, default=None,
                       metavar="V[,V...]" if cmd == "sweep" else "V", help=f"{s.help} ({meta})")
    p.add_argument("--out", default=None, help="directory for metrics.csv, config.json, config.toml, summary.json")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="a TOML recipe (a run's exported config.toml, a recipes/*.toml file): its settings, "
                        "then the flags given here")
    p.add_argument("--no-cache", action="store_true", help="train again even if the run is stored")
    p.add_argument("--backend", choices=("local", "ray"), default=None,
                   help="where runs train: local worker processes or a Ray cluster at $RAY_ADDRESS "
                        "(default $LAB_BACKEND or local)")
    if cmd == "sweep":
        p.add_argument("--seeds", default=None, help="comma-separated seeds, e.g. 0,1,2")
    return p


def _train_usage(cmd: str, rest: list[str]) -> int:
    """`run --help` (or `run` alone) without an experiment: name the experiments and where
    their flags are, instead of pointing back at `run --help`."""
    names = ", ".join(REGISTRY)
    if not {"-h", "--help"} & set(rest):
        raise UsageError(f"give an experiment: python -m labcore {cmd} EXPERIMENT [flags]; one of {names}")
    print(f"usage: python -m labcore {cmd} EXPERIMENT [flags]\n\nexperiments: {names}\n\n"
          f"`python -m labcore {cmd} EXPERIMENT --help` lists that experiment's flags; "
          "`python -m labcore list` lists them all.")
    return 0


def _train(cmd: str, experiment: str, rest: list[str]) -> int:
    exp = get_experiment(experiment)
    parser = _train_parser(cmd, experiment)
    try:
        ns = parser.parse_args(_join_negative_values(rest))
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    given = {s.name: getattr(ns, s.name) for s in specs(exp.config) if getattr(ns, s.name) is not None}
    base: dict = {}
    if ns.config:  # the file's settings first (checked, typed), the flags over them
        from labcore.core import recipes

        _, _, base = recipes.read(ns.config, exp)
    if cmd == "run":
        grid = [{**base, **given}]
    else:
        if ns.seeds is not None:  # `--seeds ""` is an empty list, refused below, not the default seed
            given["seed"] = ns.seeds
        axes = {k: str(v).split(",") for k, v in given.items()}
        grid = [{**base, **dict(zip(axes, combo))} for combo in itertools.product(*axes.values())]
    from labcore.engine.scheduler import QueueFull, max_queued

    if len(grid) > max_queued():
        raise UsageError(f"{len(grid)} runs requested; allowed: at most {max_queued()} at once "
                         "(LAB_MAX_QUEUED): give fewer values or seeds")
    configs = [from_dict(exp.config, values) for values in grid]  # validate everything first
    from labcore.admission import admit_all

    admit_all(exp, configs)  # then what this machine can run: device, dataset, memory
    from labcore.engine import jobs
    from labcore.runs.export import export_run
    from labcore.runs.store import Store

    if ns.backend:  # read by engine.backends when runs are submitted (and by jobs.wait)
        os.environ["LAB_BACKEND"] = ns.backend
    store = Store()
    try:
        ids = jobs.submit_many(experiment, configs, store, force=ns.no_cache)  # seeds: one ensemble job
    except QueueFull as exc:  # others filled the queue meanwhile
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    records = _wait_all(store, ids)
    failed = [r for r in records if r["status"] != "done"]
    for rec in records:
        print(f"{rec['id']}  {rec['status']:<11} {json.dumps(rec['overrides'])}"
              + (f"  ({rec['error'].strip().splitlines()[-1]})" if rec.get("error") else ""))
    if ns.out:
        out = Path(ns.out)
        with _writing(out):
            if cmd == "run":
                export_run(store, ids[0], out)
            else:
                for rid in ids:
                    export_run(store, rid, out / rid)
                _sweep_table(store, ids).to_csv(out / "sweep.csv", index=False)
        print(f"wrote {out}")
    return 1 if failed else 0


def _sweep_table(store, ids: list[str]):
    import pandas as pd

    from labcore.runs.tables import summary

    rows = []
    for rid in ids:
        rec = store.get(rid)
        final = summary(rec, store.metrics(rid))["final"]
        rows.append({"run_id": rid, "status": rec["status"], **rec["config"], **final})
    return pd.DataFrame(rows)


def _wait_all(store, ids: list[str]) -> list[dict]:
    """Poll until every run finished, drawing one progress bar on stderr. Every second it
    also settles runs whose worker died and restarts workers for its queued runs
    (`jobs.tend`), so it never waits on a dead worker, supervisor or none."""
    from labcore.engine import jobs

    start = time.monotonic()
    tty = sys.stderr.isatty()
    last_drawn, last_tend = -1.0, time.monotonic()
    try:
        while True:
            if time.monotonic() - last_tend >= jobs.REAP_EVERY_S:
                jobs.tend(store, ids)
                last_tend = time.monotonic()
            recs = [store.get(rid) for rid in ids]
            store.check()  # a database found damaged meanwhile: its one line, not a wait forever
            frac = sum(1.0 if r["status"] in FINISHED else r["progress"] for r in recs) / len(recs)
            elapsed = time.monotonic() - start
            eta = f" ETA {elapsed / frac - elapsed:5.1f}s" if 0 < frac < 1 else ""
            done = sum(r["status"] in FINISHED for r in recs)
            bar = "#" * int(30 * frac) + "." * (30 - int(30 * frac))
            line = f"[{bar}] {100 * frac:5.1f}% {done}/{len(recs)} runs {elapsed:5.1f}s{eta}"
            if tty:
                print("\r" + line, end="", file=sys.stderr, flush=True)
            elif frac - last_drawn >= 0.1 or done == len(recs):
                print(line, file=sys.stderr, flush=True)
                last_drawn = frac
            if done == len(recs):
                if tty:
                    print(file=sys.stderr)
                return recs
            time.sleep(0.2)
    except KeyboardInterrupt:
        for rid in ids:
            jobs.cancel(rid, store)
        print("\ncancelled", file=sys.stderr)
        return [jobs.wait(rid, store, timeout=5) for rid in ids]


def _check(args) -> int:
    from labcore.check import CheckError, names_for, run_check

    if not 1 <= args.seeds <= 100:
        raise UsageError(f"--seeds={args.seeds} is out of range; allowed: 1..100")
    if args.seed_base is not None and not 0 <= args.seed_base <= 2**31 - 200:
        raise UsageError(f"--seed-base={args.seed_base} is out of range; allowed: 0..{2**31 - 200}")
    if args.threads is not None and not 1 <= args.threads <= 256:
        raise UsageError(f"--threads={args.threads} is out of range; allowed: 1..256")
    try:
        names = names_for(args.names, args.all, args.preset)
        for name in names:
            get_experiment(name)
        status, _ = run_check(names, seeds=args.seeds, preset=args.preset, out=args.out,
                              seed_base=args.seed_base, threads=args.threads)
    except CheckError as exc:
        raise UsageError(str(exc)) from None
    return status


def _new(name: str, folder: str | None) -> int:
    from labcore import scaffold
    from labcore.core.registry import ERRORS, user_dir

    mine = user_dir() or Path("experiments").resolve()
    target_dir = Path(folder).expanduser().resolve() if folder else mine
    try:
        target = scaffold.write(name, target_dir, set(REGISTRY) | set(ERRORS))
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {target}/ ({', '.join(sorted(p.name for p in target.iterdir()))})")
    env = "" if target_dir == mine else f"LAB_EXPERIMENTS={target_dir} "
    if target_dir != mine:
        print(f"it loads from the user folder: set LAB_EXPERIMENTS={target_dir}")
    print("next:")
    print(f"  {env}python -m labcore list                 # listed as {name} (yours)")
    print(f"  {env}python -m labcore check {name}         # trains what its two claims need: ✓ ✓")
    print(f"  {env}python -m pytest -q {target}           # its tests")
    print(f"  {env}bash ./scripts/dashboard.sh            # its page: /{name}")
    print("then change what the files' CHANGE comments point at (docs/adding-a-phenomenon.md)")
    return 0


def _list() -> int:
    from labcore.core.registry import ERRORS, is_user

    for name, exp in REGISTRY.items():
        print(f"{name}: {exp.title}" + ("  (yours)" if is_user(name) else ""))
        for s in specs(exp.config):
            print(f"  --{s.name.replace('_', '-'):<18} default {s.default!s:<10} {s.allowed():<28} {s.help}")
    for name, line in ERRORS.items():  # a broken phenomenon of the user folder: one line, the rest listed
        print(f"error: {name} not loaded: {_one_line(line)}", file=sys.stderr)
    return 0


def _existing_store(what: str = ""):
    """The store, if it exists (reading must not create an empty one); opening it to read
    writes nothing, so a full disk or a read-only directory can still be listed and exported."""
    from labcore.runs.store import Store, default_dir

    if not default_dir().is_dir():
        raise UsageError(f"{what}no run store at {default_dir()} (set LAB_CACHE_DIR, or train a run first)")
    return Store()


def _runs() -> int:
    store = _existing_store()
    store.check()  # a damaged database is one line, never an empty list
    print(f"store {store.dir} ({store.size_bytes() / 1e6:.1f} MB)")
    from labcore.engine.jobs import worker_trouble

    if (trouble := worker_trouble(store)) is not None:
        print(trouble)
    for rec in store.runs():
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec["created"]))
        print(f"{rec['id']}  {rec['experiment']:<16} {rec['status']:<11} {100 * rec['progress']:5.1f}%  "
              f"{created}  {json.dumps(rec['overrides'])}")
    return 0


def _doctor() -> int:
    """Check the store; repair a damaged one (labcore.runs.doctor). 0: healthy or repaired."""
    from labcore.runs import doctor

    store = _existing_store()
    found = doctor.check(store.dir)
    if found is None:
        print(f"the run store at {store.dir} is healthy ({len(store.runs())} runs)")
        return 0
    print(f"the run store at {store.dir} is damaged ({found}); repairing")
    got = doctor.repair(store.dir)
    print(f"kept {got['kept']} entries ({got['runs']} runs); the damaged files are in {got['aside']}")
    return 0


class OutFull(Exception):
    """`--out` is on a full file system (not the store): one line, exit 1."""


@contextlib.contextmanager
def _writing(out):
    """Writes to `out`: a full file system there is said as such, not blamed on the store."""
    try:
        yield
    except OSError as exc:
        from labcore.runs.disk import is_disk_full

        if not is_disk_full(exc):
            raise
        raise OutFull(f"no space left on the file system of {out}: free space there or choose another --out") from None


def _export(ids: list[str], out: str, format: str = "csv") -> int:
    from labcore.runs.export import export

    store = _existing_store(f"no run {ids[0]!r}: ")
    with _writing(out):
        written = export(store, ids, out, format)
    print(f"wrote {written}")
    return 0
