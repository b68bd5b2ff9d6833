"""Issue 39 item 7 in the CLI (in-process, nothing trains): settings that are not numbers,
`run --help` without an experiment, argparse's spelling, a Unicode pattern."""
import pytest

from labcore import cli as lab_cli
from tests.plugins import QUADRATIC

SETTINGS = ("LAB_MAX_MEMORY_GB", "LAB_MAX_JOBS", "LAB_MAX_QUEUED", "LAB_CACHE_BUDGET_MB", "LAB_LEASE_S",
            "LAB_LEASE_DEAD_S", "LAB_THREADS")


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.parametrize("value", ["abc", "-1"])
def test_a_setting_that_is_no_number_is_one_line_and_queues_nothing(name, value, tmp_path, monkeypatch, capsys):
    from labcore.engine import jobs

    def queued(*args, **kwargs):
        raise AssertionError("a run was queued with a bad setting")  # a fast failure, not a wait

    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(name, value)
    monkeypatch.setattr(jobs, "submit_many", queued)
    assert lab_cli.main(["run", "quadratic", "--steps", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {name}={value}") and "allowed: " in err[0], err
    assert "-1.0 GB" not in err[0]
    assert not (tmp_path / "cache").exists()  # nothing queued, nothing written


@pytest.mark.plugins(QUADRATIC)
def test_run_help_without_an_experiment_names_the_experiments(capsys):
    assert lab_cli.main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    assert "quadratic" in out and "run EXPERIMENT --help" in out
    assert lab_cli.main(["sweep"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "give an experiment" in err[0] and "--help`)" not in err[0]


@pytest.mark.plugins(QUADRATIC)
def test_the_lab_says_unrecognised(capsys):
    assert lab_cli.main(["run", "quadratic", "--no-such-flag", "1"]) == 2
    err = capsys.readouterr().err
    assert "unrecognised arguments" in err and "unrecognized" not in err


def test_a_unicode_pattern_is_refused_in_the_patterns_own_words():
    from labcore.core.params import ParamError, from_dict
    from labcore.core.registry import get

    exp = get("feature_diversity")
    with pytest.raises(ParamError) as info:
        from_dict(exp.config, {"init": "leaky", "pattern": "1_ïï_ii_ii"})
    assert "any str" not in str(info.value) and "pattern=" in str(info.value)


# ---- a full disk: a cache hit still prints its result; a full --out is not blamed on the store ----

def _hit(directory, capsys):
    assert lab_cli.main(["run", "quadratic", "--steps", "5"]) == 0
    out = capsys.readouterr()
    assert " done " in out.out and "error" not in out.err


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.parametrize("how", ["simulated", "mount"])
def test_a_cache_hit_on_a_full_disk_prints_its_result(how, tmp_path, monkeypatch, capsys):
    from labcore.runs.store import Store
    from tests.full_disk import fill, simulate, tmpfs
    from tests.ui.test_runs_page import put_run

    directory = tmp_path / "disk" / "cache"
    monkeypatch.setenv("LAB_CACHE_DIR", str(directory))
    if how == "simulated":
        put_run(Store(directory), "quadratic", {"steps": 5})
        simulate(monkeypatch)
        _hit(directory, capsys)
        return
    with tmpfs(tmp_path / "disk"):
        writer = Store(directory)
        put_run(writer, "quadratic", {"steps": 5})
        writer.close()
        fill(tmp_path / "disk")
        _hit(directory, capsys)


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.parametrize("how", ["simulated", "mount"])
def test_export_to_a_full_file_system_names_it_not_the_store(how, tmp_path, monkeypatch, capsys):
    import errno

    from labcore.runs import export
    from labcore.runs.store import Store
    from tests.full_disk import fill, tmpfs
    from tests.ui.test_runs_page import put_run

    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    rid = put_run(Store(tmp_path / "cache"), "quadratic", {"steps": 5}, steps=2000)
    out = tmp_path / "out" / "x"

    def check():
        assert lab_cli.main(["export", rid, "--out", str(out)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: no space left on the file system of {out}: free space there or choose another --out"]

    if how == "simulated":
        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(export, "export_runs", full)
        check()
        return
    with tmpfs(tmp_path / "out", size="64k"):
        fill(tmp_path / "out")
        check()
