"""Workers forked from a zygote (labcore.engine.zygote) are what a fresh interpreter would be:
their own environment, session and log, the run trained, the exit code seen by the parent."""
import os
import signal

import pytest

from labcore.engine import jobs, pool, scheduler, zygote
from labcore.engine.launch import ROOT, WORKER_MODULE as W, worker_args, worker_env
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S, eventually

pytestmark = pytest.mark.skipif(not zygote.usable(), reason="forked workers are off on this machine")


def _started() -> zygote.Zygote:
    z = zygote.Zygote()
    assert z.ready.wait(GUARD_S), "the zygote never said it was ready"
    return z


@pytest.fixture(scope="module")
def zyg():
    """This test process's own zygote when it has one ready (the suite forks its workers),
    else one for the module: each imports torch."""
    mine = zygote._state["client"]
    if mine is not None and not mine.dead and mine.ready.is_set():
        yield mine
        return
    z = _started()
    yield z
    z.close()


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.mark.plugins(QUADRATIC)
def test_a_forked_worker_trains_with_the_environment_it_was_given(zyg, store, monkeypatch):
    monkeypatch.setenv("LAB_THREADS", "3")  # set after the zygote started: only the request carries it
    monkeypatch.setattr(zygote, "_state", {"enabled": True, "starts": 5, "client": zyg})
    rid = jobs.submit("quadratic", {"steps": 10}, store)
    rec = jobs.wait(rid, store, timeout=GUARD_S)
    assert rec["status"] == "done" and list(store.metrics(rid)["step"]) == list(range(11))
    assert rec["versions"]["threads"] == 3
    pid = rec["pid"]  # still serving (idle for LAB_WORKER_IDLE_S = 20 s)
    assert _parent(pid) == zyg.proc.pid and os.getsid(pid) == pid  # a fork, in its own session


def test_the_parent_sees_a_forked_workers_exit_code_and_its_log(zyg, store, tmp_path):
    log = tmp_path / "w.log"
    pid, wait = zyg.fork(W, ["--store", str(store.dir)], worker_env(store), str(ROOT), str(log))  # no mode: exit 2
    assert wait() == 2
    assert "give a RUN_ID, --serve or --supervise" in log.read_text()
    assert not os.path.exists(f"/proc/{pid}")  # reaped by the zygote, not left a zombie


def test_a_killed_forked_worker_has_its_signal_recorded_by_the_pool(zyg, store, monkeypatch):
    monkeypatch.setattr(zygote, "_state", {"enabled": True, "starts": 5, "client": zyg})
    store.dir.mkdir(parents=True, exist_ok=True)  # as a submit leaves it
    pid = pool._spawn(store)  # the pool's own start: forked, with its reaper thread
    assert _parent(pid) == zyg.proc.pid
    os.kill(pid, signal.SIGKILL)
    assert eventually(lambda: str(pid) in (store.read("exits") or {}))  # reported by the zygote
    assert store.read("exits")[str(pid)]["rc"] == -signal.SIGKILL
    assert scheduler.exit_cause(store, pid) == f"worker process {pid} was killed (SIGKILL)"


def test_a_dead_zygote_leaves_its_workers_running_and_their_ends_unknown(store, tmp_path):
    zyg = _started()
    pid, wait = zyg.fork(W, worker_args(store, "--serve"), worker_env(store), str(ROOT), str(tmp_path / "w.log"))
    try:
        os.kill(zyg.proc.pid, signal.SIGKILL)
        assert wait() is None and zyg.dead  # nobody is left to say how the worker ends
        assert zyg.fork(W, ["--serve"], {}, str(ROOT), str(tmp_path / "x.log")) is None
        assert os.path.exists(f"/proc/{pid}")  # the worker itself lives on
    finally:
        os.kill(pid, signal.SIGKILL)


def test_start_forks_only_where_enabled_and_from_the_second_start(monkeypatch, tmp_path):
    monkeypatch.setattr(zygote, "_state", {"enabled": False, "starts": 0, "client": None})
    assert zygote.start(W, ["--serve"], {}, str(ROOT), str(tmp_path / "w.log")) is None
    assert zygote._state["client"] is None  # not enabled: no zygote started
    zygote.enable()
    assert zygote.start(W, ["--serve"], {}, str(ROOT), str(tmp_path / "w.log")) is None  # the first: exec
    assert zygote._state["client"] is None
    assert zygote.start(W, ["--serve"], {}, str(ROOT), str(tmp_path / "w.log")) is None  # the second: exec
    z = zygote._state["client"]
    try:
        assert z is not None  # ... and the zygote starts importing for the next ones
        monkeypatch.setenv("LAB_WORKER_START", "exec")
        assert not zygote.usable() and zygote.start(W, ["--serve"], {}, str(ROOT), str(tmp_path / "w.log")) is None
    finally:
        z.close()


def test_a_zygote_that_does_not_answer_is_killed_and_given_up(store, tmp_path, monkeypatch):
    zyg = _started()
    monkeypatch.setattr(zygote, "ANSWER_S", 0.5)
    log = tmp_path / "w.log"
    os.kill(zyg.proc.pid, signal.SIGSTOP)  # no mode below: a worker it forked would exit at once
    assert zyg.fork(W, ["--store", str(store.dir)], worker_env(store), str(ROOT), str(log)) is None
    assert zyg.dead and zyg.proc.wait(GUARD_S) == -signal.SIGKILL  # killed, so it forks nothing late
    assert not log.exists()


def test_a_worker_whose_import_time_settings_differ_starts_fresh(zyg, store, tmp_path, monkeypatch):
    monkeypatch.setattr(zygote, "_state", {"enabled": True, "starts": 5, "client": zyg})
    env = worker_env(store)
    argv = ["--store", str(store.dir)]  # no mode: exits at once
    assert zygote.import_env({**env, "OMP_NUM_THREADS": "7", "LAB_THREADS": "7"}) == zyg.import_env
    forked = zygote.start(W, argv, env, str(ROOT), str(tmp_path / "w.log"))
    assert forked is not None and forked[1]() == 2
    # read by torch when it is imported: the zygote's torch was imported without it
    assert zygote.start(W, argv, {**env, "TORCH_SHOW_CPP_STACKTRACES": "1"}, str(ROOT), str(tmp_path / "x.log")) is None


def test_a_process_forked_from_one_with_a_zygote_starts_without_it(zyg, store, tmp_path, monkeypatch):
    monkeypatch.setattr(zygote, "_state", {"enabled": True, "starts": 5, "client": zyg})
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it sees, then leave at once
        ok = zygote._state["client"] is None and zygote._state["starts"] == 0 and not zygote._lock.locked()
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.close(read)
    os.waitpid(pid, 0)
    # the child closed its copies only: the parent's zygote still answers
    forked = zyg.fork(W, ["--store", str(store.dir)], worker_env(store), str(ROOT), str(tmp_path / "w.log"))
    assert forked is not None and forked[1]() == 2
