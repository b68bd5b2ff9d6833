"""Named random streams derived from one seed with numpy's SeedSequence.

Each purpose (init, data, noise, dropout, order, eval) gets its own stream, spawned from
`SeedSequence(seed)` with a fixed key per name, so seed s's noise never equals seed s+1's
init (as `manual_seed(seed + 1)` did) and seed bands are independent.
"""
from __future__ import annotations

import zlib

import numpy as np

STREAMS = ("init", "data", "noise", "dropout", "order", "eval", "mask")


def stream_seed(seed: int, name: str) -> int:
    """A 63-bit integer seed for stream `name` of `seed` (stable across processes)."""
    if name not in STREAMS:
        raise ValueError(f"unknown random stream {name!r}; known: {', '.join(STREAMS)}")
    seq = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()),))
    return int(seq.generate_state(1, np.uint64)[0] & np.uint64(2**63 - 1))


def numpy_rng(seed: int, name: str) -> np.random.Generator:
    """numpy Generator for stream `name`."""
    return np.random.default_rng(stream_seed(seed, name))


def torch_generator(seed: int, name: str, device: str | object = "cpu"):
    """torch.Generator (on `device`) for stream `name`."""
    import torch

    return torch.Generator(device=device).manual_seed(stream_seed(seed, name))


def seed_everything(seed: int) -> None:
    """Seed torch's global RNG (module default inits) from the `init` stream, numpy's
    legacy global RNG from the `data` stream."""
    import torch

    torch.manual_seed(stream_seed(seed, "init"))
    np.random.seed(stream_seed(seed, "data") % (2**32))
