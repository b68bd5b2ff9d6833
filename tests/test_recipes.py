"""Recipes as TOML files (labcore.core.recipes): a phenomenon's presets in `recipes/*.toml`, the
format a run's export writes as `config.toml`, and `labcore run NAME --config FILE` /
`api.run(NAME, config=FILE)`, which re-run an exported run exactly."""
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from labcore import cli
from labcore.core import recipes
from labcore.core.params import ParamError, to_dict
from labcore.core.registry import REGISTRY
from tests.plugins import QUADRATIC

ROOT = Path(__file__).resolve().parents[1]


def test_a_recipe_reads_back_to_the_same_values_bit_for_bit():
    values = {"a": 0.1, "b": 1e-06, "c": 1e300, "d": 5e-324, "e": math.inf, "f": -math.inf, "g": 3.0, "h": 7,
              "i": True, "j": (300, 100), "k": 'quote " and \\ and ü\nnewline', "l": -0.0, "m": 1 / 3}
    experiment, name, back = recipes.loads(recipes.dumps("x", values, name="a name"))
    assert (experiment, name) == ("x", "a name")
    assert back.keys() == values.keys()
    for k, v in values.items():
        assert type(back[k]) is type(v) and (back[k] == v), k
    assert math.copysign(1, back["l"]) == -1


@pytest.mark.plugins(QUADRATIC)
def test_every_phenomenon_offers_its_checked_in_recipes_as_presets():
    """The presets moved from code to recipes/*.toml: each file loads, in file-name order, and each
    preset is a valid Config of its phenomenon (checked when the lab loads)."""
    found = 0
    for name, exp in REGISTRY.items():
        folder = ROOT / "labcore" / "phenomena" / name / "recipes"
        files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        labels = [recipes.read(f)[1] or f.stem for f in files]
        assert labels == [k for k in exp.page.presets if k in labels], name  # file-name order
        assert set(labels) <= set(exp.page.presets)
        for label in labels:
            exp.make_config(**exp.page.presets[label])
        found += len(files)
    assert found >= 20
    lazy = REGISTRY["lazy_training"].page.presets["python run_ntk.py (MNIST, raw pixels)"]
    assert lazy["input_scale"] == 255.0 and lazy["dataset"] == "mnist" and lazy["width"] == 1000
    assert REGISTRY["quadratic"].page.presets == {"tiny lr": {"lr": 1e-4}}  # a dict preset still works


def test_a_bad_recipe_is_one_line(tmp_path):
    exp = REGISTRY["lazy_training"]
    cases = {"not toml": "width = = 3\n", "unknown key": 'experiment = "lazy_training"\nwhat = 1\n',
             "unknown param": "[config]\nwidthh = 3\n", "out of range": "[config]\nwidth = 0\n",
             "other experiment": 'experiment = "grokking"\n[config]\n', "wrong type": '[config]\nwidth = "wide"\n'}
    for why, text in cases.items():
        path = tmp_path / f"{why.replace(' ', '_')}.toml"
        path.write_text(text)
        with pytest.raises(ParamError) as info:
            recipes.read(path, exp)
        msg = str(info.value)
        assert str(path) in msg and "\n" not in msg.strip(), (why, msg)


def test_run_config_refuses_a_bad_file_in_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[config]\nwidth = 0\n")
    for path in (bad, tmp_path / "missing.toml"):
        assert cli.main(["run", "lazy_training", "--config", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err and str(path) in err
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_a_run_exported_as_toml_reruns_with_the_same_metrics_exactly(tmp_path):
    """Trained, exported (config.toml), then re-trained from that file with --no-cache (the
    same run, a new attempt) in the same store and thread count: the same rows, bit for bit.
    A flag given beside --config wins over the file; api.run(config=...) reads it too."""
    env = {**os.environ, "LAB_CACHE_DIR": str(tmp_path / "cache"), "LAB_THREADS": "1", "LAB_WARM_WORKER": "0"}

    def lab(*args):
        out = subprocess.run([sys.executable, "-m", "labcore", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    first = lab("run", "lazy_training", "--width", "8", "--steps", "6", "--n-train", "20", "--n-test", "20",
                "--probe", "2", "--eval-every", "2", "--seed", "3", "--out", str(tmp_path / "a"))
    rid = first.split()[0]
    toml = (tmp_path / "a" / "config.toml").read_text()
    assert "threads 1" in toml and 'experiment = "lazy_training"' in toml and "seed = 3" in toml
    again = lab("run", "lazy_training", "--config", str(tmp_path / "a" / "config.toml"), "--no-cache",
                "--out", str(tmp_path / "b"))
    assert again.split()[0] == rid  # the same settings: the same run, trained again
    from labcore.runs.store import Store

    assert Store(tmp_path / "cache").get(rid)["attempt"] >= 2
    a, b = (pd.read_csv(tmp_path / d / "metrics.csv") for d in ("a", "b"))
    assert len(a) == 4
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (tmp_path / "a" / "config.toml").read_text().split("\n", 2)[2] == \
        (tmp_path / "b" / "config.toml").read_text().split("\n", 2)[2]  # every setting equal

    other = lab("run", "lazy_training", "--config", str(tmp_path / "a" / "config.toml"), "--width", "16")
    assert '"width": 16' in other and other.split()[0] != rid

    from labcore import api

    h = api.run("lazy_training", config=tmp_path / "a" / "config.toml", store=tmp_path / "cache", progress=False)
    assert h.id == rid and to_dict(REGISTRY["lazy_training"].make_config(**{
        k: v for k, v in h.config.items()})) == h.config
