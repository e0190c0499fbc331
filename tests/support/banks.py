"""Banks for the tiny generator (``build_tiny_generator(classes=CLASSES, noise=NOISE)``)."""

from __future__ import annotations

import numpy as np

from oscserver.control.bank import Bank

CLASSES, NOISE = 8, 4


def make_bank(path, count=5, noise=NOISE, generator="tiny", seed=0) -> Bank:
    rng = np.random.default_rng(seed)
    mixes = rng.dirichlet(np.ones(CLASSES), size=count).astype(np.float32)
    bank = Bank(
        inputs={"class": mixes, "noise": rng.uniform(-2, 2, (count, noise)).astype(np.float32)},
        labels=np.arange(count),
        probability=np.full(count, 0.31, np.float32),
        steps=np.full(count, 9),
        meta={"generator": generator},
    )
    bank.save(path)
    return bank
