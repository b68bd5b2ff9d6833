import sys
from pathlib import Path

import pytest

from labcore.core.registry import get
from labcore.core.params import ParamError, from_dict, non_default, specs, to_dict

ROOT = Path(__file__).resolve().parents[2]


def lazy():
    return get("lazy_training").config


def test_specs_carry_declared_metadata():
    by_name = {s.name: s for s in specs(lazy())}
    assert {"width", "init", "lr", "seed"} <= set(by_name)
    width = by_name["width"]
    assert (width.type, width.lo, width.hi, width.log) == (int, 2, 100_000, True)
    assert by_name["parametrization"].choices == ("standard", "ntk")


def test_strings_from_cli_or_url_are_coerced():
    cfg = from_dict(lazy(), {"width": "64", "lr": "0.5", "steps": "1e2", "parametrization": "ntk"})
    assert (cfg.width, cfg.lr, cfg.steps, cfg.parametrization) == (64, 0.5, 100, "ntk")
    assert non_default(cfg) == {"width": 64, "lr": 0.5, "steps": 100, "parametrization": "ntk"}
    assert to_dict(cfg)["seed"] == 0


@pytest.mark.parametrize("values, message", [
    ({"width": 1}, "width=1 is out of range; allowed: 2..100000"),
    ({"width": "200000"}, "width=200000 is out of range; allowed: 2..100000"),
    ({"lr": "nan"}, "lr=nan is out of range"),
    ({"width": "abc"}, "width='abc' is not a valid int"),
    ({"width": 3.5}, "width=3.5 is not a valid int"),
    ({"init": "orthogonal"}, "init='orthogonal' is not allowed; allowed: one of kaiming, xavier, pytorch"),
    ({"widht": 3}, "unknown parameter 'widht'"),
])
def test_bad_values_name_the_parameter_and_range(values, message):
    with pytest.raises(ParamError) as info:
        from_dict(lazy(), values)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_cross_field_check():
    with pytest.raises(ParamError, match="probe=64 is out of range; allowed: 0..n_train"):
        from_dict(lazy(), {"probe": 64, "n_train": 32})


def test_bad_values_get_one_line_naming_the_parameter():
    exp = get("lazy_training")
    cases = {
        "width": (10**400, "width=1000"),            # huge ints: no OverflowError
        "steps": (True, "steps=True is not a valid int"),  # booleans are not numbers
        "seed": ("２", "seed='２' is not a valid int"),   # full-width digits
    }
    for name, (value, message) in cases.items():
        with pytest.raises(ParamError, match=message) as info:
            exp.make_config(**{name: value})
        assert "\n" not in str(info.value) and "allowed:" in str(info.value)
    with pytest.raises(ParamError, match=r"seed=2147483648 is out of range; allowed: 0\.\.2147483647"):
        exp.make_config(seed=2**31)


def test_oversized_configs_are_refused_at_admission_naming_size_parameters_and_the_limit(monkeypatch):
    from labcore.admission import admit

    monkeypatch.setenv("LAB_MAX_MEMORY_GB", "1")
    exp = get("lazy_training")
    big = exp.make_config(width=100_000, n_train=1700, n_test=90)  # a Config is pure data: built
    with pytest.raises(ParamError, match=r"needs about \d+\.\d GB .*width=100000, n_train=1700.*at most 1\.0 GB"):
        admit(exp, big)
    with pytest.raises(ParamError, match=r"teacher=1000-1000"):
        admit(get("teacher_student"), get("teacher_student").make_config(teacher="1000-1000", node_multi=50))
    admit(exp, exp.make_config(width=4096))  # a normal size passes


def test_ranges_are_checked_at_construction_and_the_machine_at_admission(monkeypatch):
    from labcore import admission

    with pytest.raises(ParamError, match=r"n_train \+ n_test = 5512 is out of range for dataset=digits"):
        get("lazy_training").make_config(n_train=5000)
    cfg = get("lazy_training").make_config(device="cuda")  # loads on any machine
    monkeypatch.setattr(admission, "_gpus", lambda: ())
    with pytest.raises(ParamError, match="device=cuda is not available") as info:
        admission.admit(get("lazy_training"), cfg)
    assert "\n" not in str(info.value)
    monkeypatch.setattr(admission, "_gpus", lambda: ("a GPU",))
    admission.admit(get("lazy_training"), cfg)


def test_core_imports_nothing_of_nn_and_a_config_never_probes_the_machine(monkeypatch):
    import subprocess

    # every core module imported, and a Config built, in a fresh interpreter: no labcore.nn, no torch
    code = ("import importlib, pkgutil, sys, labcore.core as core\n"
            "for m in pkgutil.iter_modules(core.__path__): importlib.import_module(f'labcore.core.{m.name}')\n"
            "from labcore.core.registry import get\n"
            "get('lazy_training').make_config(device='cuda', dataset='cifar10')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[:2] == ['labcore', 'nn'] or m == 'torch'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout

    def probe(*args, **kwargs):
        raise AssertionError("a Config probed the machine")

    monkeypatch.setattr(subprocess, "run", probe)
    import socket

    monkeypatch.setattr(socket, "create_connection", probe)
    get("lazy_training").make_config(device="cuda", dataset="cifar10")


def test_an_unsupported_field_type_is_named():
    from dataclasses import dataclass

    from labcore.core.params import BaseConfig, param

    @dataclass(frozen=True)
    class Bad(BaseConfig):
        ratio: complex = param(1j)

    with pytest.raises(TypeError, match="Bad.ratio: unsupported parameter type 'complex'"):
        specs(Bad)
