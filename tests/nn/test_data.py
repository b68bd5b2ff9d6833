import struct

import numpy as np
import pytest
import torch

from labcore.nn import data


def _write_idx(path, array):
    """torchvision's raw MNIST format: big-endian magic, dims, then uint8 data."""
    magic = 0x0800 | array.ndim
    with open(path, "wb") as fh:
        fh.write(struct.pack(">I", magic))
        for dim in array.shape:
            fh.write(struct.pack(">I", dim))
        fh.write(array.astype(np.uint8).tobytes())


def test_digits_offline_split_is_seeded_and_disjoint():
    a = data.load("digits", 100, 50, seed=3)
    b = data.load("digits", 100, 50, seed=3)
    assert a.x_train.shape == (100, 64) and a.y_test.shape == (50,)
    assert a.x_train.dtype == torch.float32 and float(a.x_train.max()) <= 1.0
    assert torch.equal(a.x_train, b.x_train)
    assert not torch.equal(a.x_train, data.load("digits", 100, 50, seed=4).x_train)
    assert data.load("digits", 10, 5, flatten=False).input_shape == (1, 8, 8)


def test_mnist_is_read_from_lab_data_dir(tmp_path, monkeypatch):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 30), ("t10k", 20)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, size=(n, 28, 28)))
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    split = data.load("mnist", 25, 15, seed=0)
    assert split.x_train.shape == (25, 784) and split.x_test.shape == (15, 784)
    assert set(split.y_train.tolist()) <= set(range(10))
    assert 0.0 <= float(split.x_train.min()) and float(split.x_train.max()) <= 1.0


@pytest.fixture
def no_sockets(monkeypatch):
    """Any attempt to open a socket fails: the loaders must not need the network."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network is unplugged (test)")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(data, "_REACH", {})


def test_mnist_5k_loads_offline(tmp_path, monkeypatch, no_sockets):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))  # no full MNIST there: MNIST-5k stands in
    assert data.available("mnist") is None and data.pool_size("mnist") == 5000
    split = data.load("mnist", 4000, 1000, seed=1)
    assert split.x_train.shape == (4000, 784) and split.x_test.shape == (1000, 784)  # 5,000 in all
    with pytest.raises(ValueError, match="they share its 5000 examples"):  # never cut silently
        data.load("mnist", 4000, 1001, seed=1)
    assert float(split.x_train.min()) == 0.0 and float(split.x_train.max()) == 1.0
    assert sorted(set(split.y_train.tolist())) == list(range(10))
    counts = torch.bincount(torch.cat([split.y_train, split.y_test]), minlength=10)
    assert counts.tolist() == [500] * 10  # the first 500 of each class
    assert "MNIST-5k" in split.source
    image = data.load("mnist", 10, 10, seed=1, flatten=False)
    assert image.input_shape == (1, 28, 28)


def test_fashion_mnist_loads_offline_from_debian_files(no_sockets):
    if data.debian_fashion_dir() is None:
        pytest.skip("Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
    assert data.available("fashion_mnist") is None
    split = data.load("fashion_mnist", 600, 300, seed=0, flatten=False)
    assert split.input_shape == (1, 28, 28) and split.x_test.shape == (300, 1, 28, 28)
    assert 0.0 <= float(split.x_train.min()) and float(split.x_train.max()) == 1.0
    assert sorted(set(split.y_train.tolist())) == list(range(10))
    (x, y), (xt, yt), _ = data.debian_fashion_arrays()
    assert x.shape == (60_000, 1, 28, 28) and xt.shape == (10_000, 1, 28, 28)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10


def test_missing_fashion_mnist_without_network_gives_one_line_message(tmp_path, monkeypatch, no_sockets):
    import torchvision

    def no_network(self):
        raise RuntimeError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", no_network)
    monkeypatch.setattr(data, "DEBIAN_FASHION", tmp_path / "absent")
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    problem = data.available("fashion_mnist")
    assert problem.startswith("dataset=fashion_mnist is not available") and "\n" not in problem
    assert problem.endswith("allowed now: digits, synthetic, mnist")
    assert "apt-get install dataset-fashion-mnist" in problem
    with pytest.raises(data.DatasetUnavailable) as info:
        data.load("fashion_mnist", 10, 10)
    assert "allowed now: digits, synthetic, mnist" in str(info.value) and "\n" not in str(info.value)


def test_unavailable_dataset_is_refused_at_admission(tmp_path, monkeypatch, no_sockets):
    from labcore.admission import admit
    from labcore.core.params import ParamError
    from labcore.core.registry import get

    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(data, "_REACH", {})
    monkeypatch.setattr(data, "DEBIAN_FASHION", tmp_path / "absent")

    def check(name, **values):
        admit(get(name), get(name).make_config(**values))

    with pytest.raises(ParamError, match="dataset=fashion_mnist is not available: .* allowed now: "
                                         "digits, synthetic, mnist$"):
        check("lazy_training", dataset="fashion_mnist")
    with pytest.raises(ParamError, match=r"n_train \+ n_test = 5512 is out of range for dataset=mnist"):
        check("lazy_training", dataset="mnist", n_train=5000)
    check("lazy_training", dataset="mnist", n_train=1024)  # MNIST-5k offline
    marker = tmp_path / data.ON_DISK["fashion_mnist"]  # once the files are there, it is accepted offline
    marker.parent.mkdir(parents=True)
    marker.write_bytes(b"")
    check("lazy_training", dataset="fashion_mnist")

