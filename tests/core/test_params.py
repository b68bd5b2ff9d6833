import pytest

from labcore.core.registry import get
from labcore.core.params import ParamError, from_dict, non_default, specs, to_dict


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
