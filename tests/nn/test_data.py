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


def test_missing_mnist_without_network_gives_one_line_message(tmp_path, monkeypatch):
    import torchvision

    def no_network(self):
        raise RuntimeError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", no_network)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    with pytest.raises(data.DatasetUnavailable) as info:
        data.load("mnist", 10, 10)
    assert "use the offline dataset 'digits'" in str(info.value)
    assert "\n" not in str(info.value)


def test_unavailable_torchvision_dataset_is_refused_at_admission(tmp_path, monkeypatch):
    import socket

    from labcore.core.params import ParamError
    from labcore.core.registry import get

    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(data, "_REACH", {})

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", offline)
    from labcore.admission import admit

    def check(name, **values):
        admit(get(name), get(name).make_config(**values))

    with pytest.raises(ParamError, match="dataset=mnist is not available: .* allowed now: digits, synthetic"):
        check("lazy_training", dataset="mnist")
    with pytest.raises(ParamError, match="allowed now: digits, mnist1d$"):  # the page's own offline choices
        check("lottery_ticket", dataset="mnist")
    marker = tmp_path / data.ON_DISK["mnist"]  # once the files are there, it is accepted offline
    marker.parent.mkdir(parents=True)
    marker.write_bytes(b"")
    check("lazy_training", dataset="mnist", n_train=1024)
