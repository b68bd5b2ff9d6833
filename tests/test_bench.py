"""`labcore bench` part 1: the bare loop does the lab's computation, and runs in the pool
worker beside the lab's runs."""
import pytest

from labcore import bare_loop
from labcore.core.recorder import Recorder
from labcore.core.registry import REGISTRY, get


@pytest.mark.slow
def test_the_bare_loop_computes_exactly_what_lazy_training_logs():
    cfg = get("lazy_training").make_config(width=32, steps=12, eval_every=5, n_train=64, n_test=64)
    recorder = Recorder()
    get("lazy_training").run(cfg, recorder)
    wall, cpu, rows = bare_loop.bare_loop(cfg)
    lab = [tuple([r["step"]] + [r[k] for k in bare_loop.MEASURED]) for r in recorder.rows]
    assert [r[0] for r in rows] == [0, 5, 10, 12]
    assert rows == lab  # same data, init, updates and measurements: bit for bit
    assert wall > 0 and cpu > 0 and recorder.info["loop_s"] > 0 and recorder.info["loop_cpu_s"] > 0


def test_the_bare_loop_refuses_the_ntk_parametrization_it_does_not_write():
    cfg = get("lazy_training").make_config(parametrization="ntk", steps=2)
    with pytest.raises(ValueError, match="parametrization=standard"):
        bare_loop.EXPERIMENT.run(cfg, Recorder())


@pytest.mark.slow
def test_part_one_alone_runs_both_loops_in_the_pool_worker(capsys, monkeypatch):
    from labcore import bench

    monkeypatch.setattr(bench, "BENCH_CONFIG", dict(width=64, steps=30, eval_every=10, n_train=128))
    assert bench.main(repeats=1, parts=(1,)) == 0
    out = capsys.readouterr().out
    assert "1. lab loop / bare loop" in out and "CPU time: lab / bare" in out
    assert "2. submit" not in out and "3. one run" not in out  # part 1 alone
    assert bare_loop.NAME not in REGISTRY  # the bench's plugin is not left among the phenomena
