"""Worker starts by fork from a process that has already imported torch (a "zygote").

A worker is otherwise a fresh interpreter that imports torch (~1.3 s of CPU) and, at its
first optimiser, torch._dynamo (~1 s): most of a short run's cost, and the test suite's largest
one (docs/measurements.md, "Test suite"). A process that starts many workers over its life
(the dashboard, a notebook, a test process) calls `enable()`; from its second worker start on,
`start` forks the worker from a zygote, `python -m labcore.engine.zygote`, which imports
PRELOAD once and then only forks on request. The fork sets the environment, working directory,
log, session and thread budget that `subprocess.Popen` would have given a fresh
`python -m MODULE ARGS` (MODULE: `labcore.worker`, named by the caller), then runs MODULE as
`python -m` does (runpy).

Nothing of the lab is imported before the fork (only this module, whose top imports only the
standard library), so a forked worker reads its own environment (LAB_PLUGINS, LAB_WORKER_IDLE_S,
...) and the lab's code as it is on disk when it starts, as a fresh interpreter would.

Where `start` returns None the caller starts a fresh interpreter as before: before `enable()`,
for a process's first start (so a one-off CLI or the dashboard's first warm worker pay no
second torch import beside their worker's), while the zygote is still importing, after it died
or failed to answer, when the worker's environment differs from the zygote's in a variable the
preloaded libraries read at import (IMPORT_ENV: TORCH_*, OPENBLAS_*, PYTHONHASHSEED, ...), with
$LAB_WORKER_START=exec, off Linux, and on a machine with an NVIDIA driver (a fork after
importing torch is safe while CUDA is uninitialised, but that has not been measured there).

Protocol, one JSON object a line on a socket pair: the parent sends {"module", "args", "env",
"cwd", "log"}; the zygote answers {"pid"} for each, and {"exit": pid, "rc"} when a child it forked
ends (rc as `subprocess` gives it: -N for signal N). The zygote exits when the parent's end
closes; its children live on (their own sessions), as exec'd workers outlive their starter.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import threading

PRELOAD = ("numpy", "torch", "torch._dynamo")  # third-party only: nothing that reads LAB_* at import
# Settings read when the interpreter or PRELOAD start, so a fork keeps the zygote's values: a
# worker whose environment differs in one of them starts fresh. Not among them: the thread
# counts the fork sets itself (_thread_budget), PYTHONPATH (it rebuilds sys.path), and what
# libraries set for themselves once loaded (KMP_DUPLICATE_LIB_OK by scikit-learn,
# TORCHINDUCTOR_CACHE_DIR by torch), which would otherwise differ for every worker.
IMPORT_ENV = ("TORCH_", "TORCHDYNAMO_", "PYTORCH_", "OMP_", "MKL_", "OPENBLAS_", "GOTO_", "CUDA_",
              "PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONOPTIMIZE", "PYTHONMALLOC", "LD_PRELOAD",
              "LD_LIBRARY_PATH")
SET_BY_FORK = {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}
# The store's write lock is held while a worker starts: a zygote that has not answered a fork
# within this (a fork takes milliseconds) is killed and given up for fresh interpreters.
ANSWER_S = 10.0
_lock = threading.Lock()  # one request at a time on the socket; guards the state below
_state: dict = {"enabled": False, "starts": 0, "client": None}


_ORPHANS: list = []  # in a forked child: the parent's client, kept so that nothing collects it


def _forget_after_fork() -> None:
    """In a process forked from this one: no zygote (the parent's stays the parent's) and a
    fresh lock (the parent's may have been held at the fork)."""
    global _lock
    _lock = threading.Lock()
    client, _state["client"], _state["starts"] = _state["client"], None, 0
    if client is not None:
        # Close this process's copy of the socket only (a shutdown would cut the parent's
        # connection too), by its fd: the file objects' locks may have been held by the
        # parent's reader thread at the fork, so closing or collecting them here could hang.
        _ORPHANS.append(client)
        try:
            os.close(client.sock.detach())
        except OSError:
            pass


os.register_at_fork(after_in_child=_forget_after_fork)


def import_env(env: dict[str, str]) -> dict[str, str]:
    """The variables of `env` that the interpreter or PRELOAD read at import (IMPORT_ENV)."""
    return {k: v for k, v in env.items() if k.startswith(IMPORT_ENV) and k not in SET_BY_FORK}


def enable() -> None:
    """Let this process fork its workers from a zygote from its second start on."""
    _state["enabled"] = True


def prepare() -> "Zygote | None":
    """Enable forked workers and start this process's zygote now instead of at its second
    start (a benchmark's); returns it (its `ready` is set once imported), or None where
    forked workers are off."""
    with _lock:
        _state["enabled"] = True
        if not usable():
            return None
        if _state["client"] is None:
            _state["client"] = Zygote()
        return _state["client"]


def usable() -> bool:
    """Whether this machine and environment allow forked workers at all."""
    return (sys.platform.startswith("linux") and os.environ.get("LAB_WORKER_START", "fork") != "exec"
            and not os.path.exists("/dev/nvidiactl"))


def start(module: str, args: list[str], env: dict[str, str], cwd: str, log: str):
    """Fork `python -m MODULE ARGS` from this process's zygote, with environment
    `env`, working directory `cwd` and stdout/stderr appended to `log`. Returns (pid, wait),
    where wait() blocks until the worker ends and returns its exit code (None when the zygote
    died first and nobody saw it end), or None: then the caller starts a fresh interpreter."""
    with _lock:
        if not (_state["enabled"] and usable()):
            return None
        _state["starts"] += 1
        client = _state["client"]
        if client is None or client.dead:
            if _state["starts"] >= 2 and client is None:
                _state["client"] = Zygote()  # imports in the background; used once it says ready
            return None
        if not client.ready.is_set() or import_env(env) != client.import_env:
            return None
        return client.fork(module, args, env, cwd, log)


class Zygote:
    """A zygote process and this process's end of it: the socket, and a reader thread that
    hands each answer to whoever waits for it. `ready` is set once it has imported PRELOAD."""

    def __init__(self) -> None:
        import subprocess

        mine, theirs = socket.socketpair()
        self.sock, self.dead, self.ready = mine, False, threading.Event()
        self.file = mine.makefile("r", encoding="utf-8")
        self.pids: list[int] = []           # answered pids, in request order (one request at a time)
        self.pid_ready = threading.Condition()
        self.exits: dict[int, int] = {}
        self.ended = threading.Condition()
        self.import_env = import_env(dict(os.environ))  # what the zygote's imports read
        fd = theirs.fileno()
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        # its own session: a Ctrl-C in the dashboard's terminal is not for it (it leaves when
        # the dashboard's end of the socket closes); its stderr stays the starter's
        self.proc = subprocess.Popen([sys.executable, "-m", "labcore.engine.zygote", str(fd)], cwd=root,
                                     pass_fds=(fd,), stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        threading.Thread(target=self._read, name="zygote-reader", daemon=True).start()
        threading.Thread(target=self.proc.wait, name="reap-zygote", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.file:
                msg = json.loads(line)
                if "ready" in msg:
                    self.ready.set()
                elif "pid" in msg:
                    with self.pid_ready:
                        self.pids.append(msg["pid"])
                        self.pid_ready.notify_all()
                elif "exit" in msg:
                    with self.ended:
                        self.exits[msg["exit"]] = msg["rc"]
                        self.ended.notify_all()
        except (OSError, ValueError):
            pass
        self.dead = True  # the zygote is gone: nobody will report the exits still awaited
        for cond in (self.pid_ready, self.ended):
            with cond:
                cond.notify_all()

    def fork(self, module: str, args: list[str], env: dict[str, str], cwd: str, log: str):
        """Fork `python -m MODULE ARGS` (see `start`; one caller at a time) and return
        (pid, wait), or None when the zygote is gone."""
        request = {"module": module, "args": args, "env": env, "cwd": cwd, "log": log}
        try:
            self.sock.sendall((json.dumps(request) + "\n").encode())
        except OSError:
            self.dead = True
            return None
        with self.pid_ready:
            self.pid_ready.wait_for(lambda: self.pids or self.dead, timeout=ANSWER_S)
            pid = self.pids.pop(0) if self.pids else None
        if pid is None:  # gone, or stuck: killed (so it forks nothing late) and not used again
            self.proc.kill()
            self.close()
            return None
        return pid, lambda: self._wait(pid)

    def close(self) -> None:
        """Close this end: the zygote exits (the workers it forked live on)."""
        self.dead = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread, which then ends
        except OSError:
            pass
        self.sock.close()

    def _wait(self, pid: int) -> int | None:
        with self.ended:
            self.ended.wait_for(lambda: pid in self.exits or self.dead)
            return self.exits.pop(pid, None)


# ---- the zygote process: `python -m labcore.engine.zygote FD` ----------------------------------

def _serve(fd: int) -> None:
    """Import PRELOAD, say ready, then fork a worker per request and report each child's end."""
    import importlib

    sock = socket.socket(fileno=fd)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    out = sock.makefile("w", encoding="utf-8")
    reader = sock.makefile("r", encoding="utf-8")

    def say(msg: dict) -> None:
        out.write(json.dumps(msg) + "\n")
        out.flush()

    try:
        say({"ready": True})
        _loop(sock, reader, out, say)
    except OSError:  # the parent's end is closed: nobody is left to answer
        pass


def _loop(sock: socket.socket, reader, out, say) -> None:
    """Fork a worker per request line; report each child's end as it happens; return when
    the parent is gone."""
    import select

    children: dict[int, int | None] = {}  # pid -> its pidfd (readable once it has exited), None: polled
    while True:
        fds = [fd for fd in children.values() if fd is not None]
        polled = any(fd is None for fd in children.values())
        ready, _, _ = select.select([sock, *fds], [], [], 0.05 if polled else None)
        for pid, fd in list(children.items()):  # reaped here: the parent is not their parent
            if fd is not None and fd not in ready:
                continue
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                del children[pid]
                if fd is not None:
                    os.close(fd)
                say({"exit": pid, "rc": os.waitstatus_to_exitcode(status)})
        if sock not in ready:
            continue
        line = reader.readline()
        if not line:
            return  # the parent is gone; the workers carry on without us
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the worker: no end of the socket (nor a pidfd) may stay open in it, or
            reader.close()  # the parent would not see the zygote's death until the worker's
            out.close()
            sock.close()
            for fd in children.values():
                if fd is not None:
                    os.close(fd)
            _child(**request)  # never returns
        try:
            children[pid] = os.pidfd_open(pid)  # Linux 5.3+: its end is reported at once
        except (AttributeError, OSError):
            children[pid] = None  # then polled every 50 ms
        say({"pid": pid})


def _child(module: str, args: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    """In the fork: become what `Popen(python -m MODULE ARGS, env=env, cwd=cwd,
    stdout=log, stderr=STDOUT, stdin=DEVNULL, start_new_session=True)` starts, run it, and
    exit as that interpreter would (the traceback and 1 for an exception, -SIGINT for an
    uncaught KeyboardInterrupt, a SystemExit's message printed)."""
    import atexit
    import runpy
    import signal
    import traceback

    code, interrupted = 1, False
    try:
        os.setsid()
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.close(null)
        os.chdir(cwd)
        own = set(filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)))  # the zygote's
        os.environ.clear()
        os.environ.update(env)
        # a fresh `python -m` has the working directory, then $PYTHONPATH, then the rest
        first = [cwd, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        rest = [p for p in sys.path[1:] if p not in own and p not in first]
        sys.path[:] = list(dict.fromkeys(first)) + rest
        _thread_budget(env)
        sys.argv = ["-m", *args]  # runpy puts the module's path first, as `python -m` does
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        traceback.print_exc()
        interrupted = True
    except BaseException:  # noqa: BLE001 - as an interpreter would: the traceback, then exit 1
        traceback.print_exc()
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()  # what an interpreter's exit runs; os._exit would skip it
            sys.stdout.flush()
            sys.stderr.flush()
            if interrupted:  # an interpreter ends an uncaught Ctrl-C by SIGINT: -2, not a crash
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
        finally:
            os._exit(code)


def _thread_budget(env: dict[str, str]) -> None:
    """Give the fork the intra-op thread budget a fresh interpreter reads from
    $OMP_NUM_THREADS at start: torch's, and numpy's BLAS (loaded in the zygote before it was set)."""
    raw = env.get("OMP_NUM_THREADS", "")
    if not raw.isdigit() or int(raw) < 1:
        return
    import torch

    torch.set_num_threads(int(raw))
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(int(raw))
    except ImportError:
        pass


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
