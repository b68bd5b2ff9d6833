"""Worker starts by fork from a process that has already imported torch (a "zygote").

A worker is otherwise a fresh interpreter that imports torch (~1.3 s of CPU) and, at its
first optimiser, torch._dynamo (~1 s): most of a short run's cost, and the test suite's largest
one (docs/measurements.md, "Test suite"). A process that starts many workers over its life
(the dashboard, a notebook, a test process) calls `enable()`; from its second worker start on,
`start` forks the worker from a zygote, `python -m labcore.engine.zygote`, which imports
PRELOAD once and then only forks on request. The fork sets the environment, working directory,
log, session and thread budget that `subprocess.Popen` would have given a fresh
`python -m labcore.worker`, then runs that module's `main`.

Nothing of the lab is imported before the fork (only this module, whose top imports only the
standard library), so a forked worker reads its own environment (LAB_PLUGINS, LAB_WORKER_IDLE_S,
...) and the lab's code as it is on disk when it starts, as a fresh interpreter would.

Where `start` returns None the caller starts a fresh interpreter as before: before `enable()`,
for a process's first start (so a one-off CLI or the dashboard's first warm worker pay no
second torch import beside their worker's), while the zygote is still importing, after it died,
with $LAB_WORKER_START=exec, off Linux, and on a machine with an NVIDIA driver (a fork after
importing torch is safe while CUDA is uninitialised, but that has not been measured there).

Protocol, one JSON object a line on a socket pair: the parent sends {"argv", "env", "cwd",
"log"}; the zygote answers {"pid"} for each, and {"exit": pid, "rc"} when a child it forked
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
ANSWER_S = 60.0  # a zygote that has not answered a fork by then (stopped?) is given up for fresh interpreters
_lock = threading.Lock()  # one request at a time on the socket; guards the state below
_state: dict = {"enabled": False, "starts": 0, "client": None, "pid": os.getpid()}


def _mine() -> dict:
    """This process's state (a process forked from this one starts without the parent's zygote)."""
    if _state["pid"] != os.getpid():
        _state.update(starts=0, client=None, pid=os.getpid())
    return _state


def enable() -> None:
    """Let this process fork its workers from a zygote from its second start on."""
    _state["enabled"] = True


def prepare() -> "Zygote | None":
    """Enable forked workers and start this process's zygote now instead of at its second
    start (a benchmark's); returns it (its `ready` is set once imported), or None where
    forked workers are off."""
    with _lock:
        state = _mine()
        state["enabled"] = True
        if not usable():
            return None
        if state["client"] is None:
            state["client"] = Zygote()
        return state["client"]


def usable() -> bool:
    """Whether this machine and environment allow forked workers at all."""
    return (sys.platform.startswith("linux") and os.environ.get("LAB_WORKER_START", "fork") != "exec"
            and not os.path.exists("/dev/nvidiactl"))


def start(argv: list[str], env: dict[str, str], cwd: str, log: str):
    """Fork `python -m labcore.worker ARGV` from this process's zygote, with environment
    `env`, working directory `cwd` and stdout/stderr appended to `log`. Returns (pid, wait),
    where wait() blocks until the worker ends and returns its exit code (None when the zygote
    died first and nobody saw it end), or None: then the caller starts a fresh interpreter."""
    with _lock:
        state = _mine()
        if not (state["enabled"] and usable()):
            return None
        state["starts"] += 1
        client = state["client"]
        if client is None or client.dead:
            if state["starts"] >= 2 and client is None:
                state["client"] = Zygote()  # imports in the background; used once it says ready
            return None
        if not client.ready.is_set():
            return None
        return client.fork(argv, env, cwd, log)


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
        self.exits: dict[int, int | None] = {}
        self.ended = threading.Condition()
        fd = theirs.fileno()
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.proc = subprocess.Popen([sys.executable, "-m", "labcore.engine.zygote", str(fd)], cwd=root,
                                     pass_fds=(fd,), stdin=subprocess.DEVNULL)
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

    def fork(self, argv: list[str], env: dict[str, str], cwd: str, log: str):
        """Fork a worker (see `start`; one caller at a time) and return (pid, wait), or None
        when the zygote is gone."""
        request = {"argv": argv, "env": env, "cwd": cwd, "log": log}
        try:
            self.sock.sendall((json.dumps(request) + "\n").encode())
        except OSError:
            self.dead = True
            return None
        with self.pid_ready:
            self.pid_ready.wait_for(lambda: self.pids or self.dead, timeout=ANSWER_S)
            pid = self.pids.pop(0) if self.pids else None
        if pid is None:  # gone, or stuck: not used again (a late answer would be taken for the next fork's)
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
            while pid not in self.exits and not self.dead:
                self.ended.wait(1.0)
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
    """Fork a worker per request line; report each child's end; return when the parent is gone."""
    import select

    children: set[int] = set()
    while True:
        ready, _, _ = select.select([sock], [], [], 0.2)
        for pid in list(children):  # report ends (reaped here: the parent is not their parent)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                children.discard(pid)
                say({"exit": pid, "rc": os.waitstatus_to_exitcode(status)})
        if not ready:
            continue
        line = reader.readline()
        if not line:
            return  # the parent is gone; the workers carry on without us
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the worker: no end of the socket may stay open in it, or the parent
            reader.close()  # would not see the zygote's death until the worker's
            out.close()
            sock.close()
            _child(**request)  # never returns
        children.add(pid)
        say({"pid": pid})


def _child(argv: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    """In the fork: become what `Popen(python -m labcore.worker ARGV, env=env, cwd=cwd,
    stdout=log, stderr=STDOUT, stdin=DEVNULL, start_new_session=True)` starts, run it, exit."""
    import atexit
    import traceback

    code = 1
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
        os.environ.clear()
        os.environ.update(env)
        # a fresh `python -m` has the working directory and $PYTHONPATH first on its path
        first = [cwd, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        sys.path[:0] = [p for p in first if p not in sys.path]
        _thread_budget(env)
        sys.argv = ["-m", *argv]
        from labcore.engine.worker_loop import main

        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - as an interpreter would: the traceback, then exit 1
        traceback.print_exc()
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()  # what an interpreter's exit runs; os._exit would skip it
            sys.stdout.flush()
            sys.stderr.flush()
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
