"""n_train and n_test share one pool (digits, MNIST-5k): the range printed is the range enforced
and the test set is never cut silently (issue #24 item 9)."""
import re

import pytest

from labcore import cli
from labcore.admission import admit
from labcore.core.params import ParamError
from labcore.core.registry import get
from labcore.nn import data


def enforced_bound(message: str) -> int:
    """The largest n_train a refusal says is allowed ("so n_train ≤ N with ...")."""
    return int(re.search(r"so n_train ≤ (\d+) with", message).group(1))


def test_the_n_train_range_printed_is_the_range_enforced():
    lazy = get("lazy_training")
    with pytest.raises(ParamError) as info:
        lazy.make_config(n_train=1788)  # issue #24: accepted, and the test set cut to 9 examples
    message = str(info.value)
    assert message.startswith("n_train + n_test = 2300 is out of range for dataset=digits (n_train=1788, n_test=512)")
    assert "they share the digits pool of 1797 examples" in message and "n_train + n_test ≤ 1797" in message
    top = enforced_bound(message)
    assert top == 1797 - 512
    lazy.make_config(n_train=top)  # the bound itself is accepted ...
    with pytest.raises(ParamError):
        lazy.make_config(n_train=top + 1)  # ... and one more is not
    lazy.make_config(n_train=1787, n_test=10)  # the whole pool, as the old message promised


def test_the_cli_says_the_pool_is_shared_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["run", "lazy_training", "--n-train", "1788"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "n_train + n_test = 2300" in err and "they share the digits pool" in err
    assert not (tmp_path / "cache").exists()


def test_mnist_5k_counts_every_field_drawn_from_its_pool(monkeypatch):
    monkeypatch.setattr(data, "pool_size", lambda name: 5000 if name == "mnist" else None)
    monkeypatch.setattr(data, "available", lambda name, choices=None, probe=True: None)
    lottery = get("lottery_ticket")
    admit(lottery, lottery.make_config(dataset="mnist", n_train=3000, n_val=1000, n_test=1000))  # 5,000: fits
    with pytest.raises(ParamError, match=r"^n_train \+ n_val \+ n_test = 5001 .* pool of 5000 examples on this "
                                         r"machine\), so n_train ≤ 2999 with n_val \+ n_test = 2001$"):
        admit(lottery, lottery.make_config(dataset="mnist", n_train=3000, n_val=1000, n_test=1001))
    lazy = get("lazy_training")
    with pytest.raises(ParamError, match=r"they share the mnist pool of 5000 examples on this machine"):
        admit(lazy, lazy.make_config(dataset="mnist", n_train=4500))


def test_the_loader_never_cuts_the_test_set():
    split = data.load("digits", 1787, 10)  # the whole pool
    assert len(split.x_train) == 1787 and len(split.x_test) == 10
    with pytest.raises(ValueError, match=r"n_train \+ n_test = 1798 is out of range for dataset=digits"):
        data.load("digits", 1788, 10)  # before: 9 test examples, silently
