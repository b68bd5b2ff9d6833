"""Your own experiment (issue: a newcomer's detours): `python -m labcore new NAME` writes a
package that passes the contract test, its own tests and `labcore check` at once; the doc's
second worked example is that package, block for block; the user folder ($LAB_EXPERIMENTS,
else ./experiments) is discovered by the registry, the CLI and the workers, its phenomena
marked "(yours)", and a broken one is one line while the others load."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labcore import cli, scaffold
from labcore.engine import jobs
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "adding-a-phenomenon.md"


def doc_package(name: str = "my_lab") -> dict[str, str]:
    """The files of the doc's second worked example: each block fenced as ```python my_lab/FILE."""
    text = DOC.read_text()
    return {m.group(1): m.group(2) for m in re.finditer(rf"```python {name}/(\S+)\n(.*?)```", text, re.S)}


def lab(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m labcore ARGS` from the lab's root in a fresh process (its own registry)."""
    return subprocess.run([sys.executable, "-m", "labcore", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_the_docs_second_worked_example_is_what_new_writes():
    blocks = doc_package()
    assert sorted(blocks) == sorted(scaffold.render("my_lab"))
    assert blocks == scaffold.render("my_lab")


def test_the_doc_covers_what_the_newcomer_had_to_find_in_the_code():
    text = DOC.read_text()
    for needed in ("divergence_factor", "step 4", "Lesson", "Step(", "3 to 6", '"seeds"', '"arms"',
                   "ending in `_lr`", "torch.optim", "never poisoned", "Σ_W", "`^` power", "smoke",
                   "max(lo, min(default, 4))", "@pytest.mark.slow", "ck.verdict", "ck.steps", "ck.run",
                   "ev.curve", "ev.finals", "ev.runs", "cfg_<field>", "needs 3 seeds", "diverging=True",
                   "holds\non k of n seeds", "LAB_EXPERIMENTS", "(yours)", "labcore new", "recipes/"):
        assert needed in text, needed
    head = text.split("## Worked example: the package")[0]
    assert "at step 513.\n" not in head.replace("overflows to inf, at step 513", "")


def test_new_refuses_a_bad_or_taken_name_in_one_line_and_writes_nothing(tmp_path, capsys):
    for name in ("Bad-Name", "class", "lazy_training", "_hidden", "x" * 40):
        assert cli.main(["new", name, "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err, err
    assert list(tmp_path.iterdir()) == []
    assert cli.main(["new", "mine", "--dir", str(tmp_path)]) == 0
    assert cli.main(["new", "mine", "--dir", str(tmp_path)]) == 2  # exists already
    assert "exists already" in capsys.readouterr().err


def test_the_worker_env_names_the_user_folder_absolutely(tmp_path, monkeypatch):
    from labcore.engine.launch import worker_env
    from labcore.runs.store import Store

    monkeypatch.delenv("LAB_EXPERIMENTS", raising=False)
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "cache")
    assert "LAB_EXPERIMENTS" not in worker_env(store)
    (tmp_path / "experiments").mkdir()  # ./experiments of the caller's directory: workers start elsewhere
    assert worker_env(store)["LAB_EXPERIMENTS"] == str(tmp_path / "experiments")


def test_a_user_folder_phenomenon_is_listed_as_yours_and_a_broken_one_is_one_line(tmp_path):
    folder = tmp_path / "mine"
    assert cli.main(["new", "good_one", "--dir", str(folder)]) == 0
    (folder / "broken_syntax").mkdir()
    (folder / "broken_syntax" / "__init__.py").write_text("def f(:\n")
    (folder / "broken_name").mkdir()
    (folder / "broken_name" / "__init__.py").write_text("EXPERIMENT = Experiment(name='x')\n")
    (folder / "no_experiment.py").write_text("X = 1\n")
    (folder / "lazy_training.py").write_text(  # a name the lab has: refused, the built-in kept
        "from labcore.phenomena.lazy_training import EXPERIMENT as E\nimport dataclasses\n"
        "EXPERIMENT = dataclasses.replace(E, title='impostor')\n")
    out = lab("list", env={"LAB_EXPERIMENTS": str(folder)}, timeout=GUARD_S)
    assert out.returncode == 0, out.stderr
    assert "good_one: Good one  (yours)" in out.stdout
    assert "lazy_training: Lazy training vs width\n" in out.stdout and "impostor" not in out.stdout
    errors = out.stderr.strip().splitlines()
    assert len(errors) == 4 and all(line.startswith("error: ") for line in errors), out.stderr
    byname = {line.split()[1]: line for line in errors}
    assert "SyntaxError" in byname["broken_syntax"] and "line 1" in byname["broken_syntax"]
    assert "NameError" in byname["broken_name"] and "__init__.py, line 1" in byname["broken_name"]
    assert "defines no EXPERIMENT" in byname["no_experiment"]
    assert "already registered" in byname["lazy_training"]
    run = lab("run", "broken_name", env={"LAB_EXPERIMENTS": str(folder)}, timeout=GUARD_S)
    assert run.returncode == 2 and "NameError" in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.slow
def test_home_shows_a_broken_user_phenomenon_in_one_line(store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from labcore.core import registry

    monkeypatch.setitem(registry.ERRORS, "halfdone", "/x/halfdone: NameError: name 'Chart' is not defined")
    monkeypatch.setitem(registry.USER, "quadratic", Path("/x/quadratic.py"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=GUARD_S)
    at.run()
    assert not at.exception, at.exception
    assert any("halfdone" in w.value and "NameError" in w.value for w in at.warning)
    assert "GD on a quadratic (test plugin) (yours)" in [s.value for s in at.subheader]


@pytest.mark.slow
def test_the_docs_package_passes_the_contract_its_tests_and_check(tmp_path):
    """Built from the doc's own blocks into a user folder: the contract test and the user-text
    rules on it, its own tests, then `labcore check` trains its two claims in workers: ✓ ✓."""
    folder = tmp_path / "experiments"
    (folder / "my_lab").mkdir(parents=True)
    for name, text in doc_package().items():
        (folder / "my_lab" / name).write_text(text)
    env = {**os.environ, "LAB_EXPERIMENTS": str(folder), "LAB_CACHE_DIR": str(tmp_path / "cache"),
           "LAB_WARM_WORKER": "0"}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "my_lab",
                            "tests/core/test_contract.py", "tests/ui/test_user_text.py"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout[-3000:]
    assert "failed" not in tests.stdout and "deselected" in tests.stdout
    own = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "my_lab")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert own.returncode == 0 and "3 passed" in own.stdout, own.stdout[-3000:]
    check = subprocess.run([sys.executable, "-m", "labcore", "check", "my_lab"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
    assert "2 of 2 claims pass" in check.stdout


@pytest.mark.plugins(QUADRATIC)
def test_a_run_stored_before_a_field_was_added_is_judged_at_that_fields_default():
    """A newcomer adds `weight_decay` (default 0) and a claim sweeping it: the run at 0 is the
    same run id as before (a cache hit), stored without the field; its rows still carry
    cfg_weight_decay, at the default, so the sweep finds both values."""
    import pandas as pd

    from labcore.runs.analysis import long_frame

    old = {"id": "a", "experiment": "quadratic", "config": {"lr": 0.1, "steps": 3}, "overrides": {}}
    frame = long_frame([(old, pd.DataFrame({"step": [0, 1], "loss": [1.0, 0.5]}))])
    assert frame["cfg_curvature"].tolist() == [1.0, 1.0] and frame["cfg_crash_at"].tolist() == [-1, -1]


def test_an_unknown_name_says_where_your_phenomena_are_loaded_from(monkeypatch):
    from labcore.core.registry import UnknownExperiment, get

    monkeypatch.delenv("LAB_EXPERIMENTS", raising=False)
    with pytest.raises(UnknownExperiment, match="LAB_EXPERIMENTS"):
        get("my_lab")


def doc_blocks(tag: str) -> dict[str, str]:
    """The doc's blocks fenced as ```python TAG: my_lab/FILE (additions to the package)."""
    text = DOC.read_text()
    return {m.group(1): m.group(2) for m in re.finditer(rf"```python {tag}: my_lab/(\S+)\n(.*?)```", text, re.S)}


@pytest.fixture
def doc_lab(tmp_path, monkeypatch):
    """The doc's package with its panel (`view:` blocks) and its seed claim (`seeds:` block),
    registered in this process from a user folder (and in the workers, through
    LAB_EXPERIMENTS); the registry is left as it was."""
    from labcore.core import registry

    folder = tmp_path / "experiments"
    (folder / "my_lab").mkdir(parents=True)
    files = doc_package()
    view, seeds = doc_blocks("view"), doc_blocks("seeds")
    assert sorted(view) == ["__init__.py", "ui.py"] and sorted(seeds) == ["claims.py"]
    presets = '        presets={"slow (lr 0.01)": dict(lr=0.01)},  # or a file per preset in recipes/*.toml\n'
    assert presets in files["__init__.py"]
    files["__init__.py"] = files["__init__.py"].replace(presets, presets + view["__init__.py"])
    files["ui.py"] = view["ui.py"]
    files["claims.py"] += "\n" + seeds["claims.py"] + "\nCLAIMS = (*CLAIMS, GENERALISES)\n"
    for name, text in files.items():
        (folder / "my_lab" / name).write_text(text)
    monkeypatch.setenv("LAB_EXPERIMENTS", str(folder))
    saved = dict(registry.REGISTRY), dict(registry.USER), dict(registry.ERRORS)
    before = {k for k in sys.modules if k.split(".")[0] == registry.USER_PACKAGE}
    for k in before:
        monkeypatch.delitem(sys.modules, k)
    try:
        registry._discover_user(folder)
        assert "my_lab" in registry.REGISTRY, registry.ERRORS
        yield registry.REGISTRY["my_lab"]
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] == registry.USER_PACKAGE]:
            del sys.modules[k]
        for table, old in zip((registry.REGISTRY, registry.USER, registry.ERRORS), saved):
            table.clear()
            table.update(old)


@pytest.mark.slow
def test_the_docs_panel_draws_each_seeds_final_losses_on_the_page(doc_lab, store):
    """The doc's `ui.py` panel, named in the PageSpec as the doc says, is drawn under the charts:
    a line saying what to press before the runs, then the trained seeds' final losses."""
    from tests.ui.test_pages import app, train

    assert doc_lab.page.panels == ("final_losses",)
    at = app("my_lab", query={"steps": "30"})
    assert "Final losses, seed by seed" in [s.value for s in at.subheader]
    assert any("Press Run (or N seeds)" in c.value for c in at.caption)
    train("my_lab", [{"steps": 30}], store)
    at = app("my_lab", query={"steps": "30"})
    table = at.dataframe[-1].value
    rows = store.metrics(jobs.run_id_for("my_lab", {"steps": 30}))
    last = rows.dropna(subset=["test_loss"]).iloc[-1]
    assert table["seed"].tolist() == [0] and table["step"].tolist() == [30]
    assert table["train loss"].iloc[0] == pytest.approx(last["loss"])
    assert table["test / train"].iloc[0] == pytest.approx(last["test_loss"] / last["loss"])


def test_the_docs_seed_claim_needs_three_seeds_and_holds_on_each(doc_lab):
    """The doc's per-seed claim: three runs (seeds 0-2), `not yet` with what is missing until
    they are there, held at the defaults on each of three trained seeds, failed by one bad seed."""
    from labcore.core.claims import FAILS, HOLDS, MISSING, evaluate, needs, runs_for
    from labcore.core.recorder import Recorder
    from tests.phenomena import claimkit as ck

    claim = next(c for c in doc_lab.claims if c.key == "generalises")
    assert claim.seeds == 3 and [c.seed for c in runs_for(claim, doc_lab.config())] == [0, 1, 2]
    assert needs(claim, {"a": "done", "b": MISSING, "c": MISSING}) == "needs 3 seeds (1 so far); press N seeds (3)"
    runs = []
    for seed in range(3):  # the defaults, trained here (a few seconds each)
        rec = Recorder()
        doc_lab.run(doc_lab.make_config(seed=seed), rec)
        runs.append(ck.run({"seed": seed}, rec.rows))
    verdict = evaluate(claim, ck.evidence("my_lab", runs))
    assert verdict.status == HOLDS and verdict.measured.startswith("holds on 3 of 3 seeds"), verdict
    rec, frame = runs[1]
    worse = frame.assign(test_loss=frame["test_loss"] * 3 * frame["loss"].iloc[-1] / frame["test_loss"].iloc[-1])
    verdict = evaluate(claim, ck.evidence("my_lab", [runs[0], (rec, worse), runs[2]]))
    assert verdict.status == FAILS and "holds on 2 of 3 seeds" in verdict.measured and "seed 1: test / train 3" in \
        verdict.measured, verdict
