"""Deterministic truncated-normal noise, drawn as BigGAN's ``truncated_noise_sample`` draws it."""

from __future__ import annotations

import numpy as np
from scipy.stats import truncnorm


def truncated_noise(seed: int, length: int, truncation: float = 1.0) -> np.ndarray:
    """``length`` values of a standard normal truncated to [-2, 2], times ``truncation``.

    The same seed gives the same vector as BigGAN's tools:
    ``truncation * truncnorm(-2, 2).rvs(size=(1, length), random_state=RandomState(seed))``.
    """
    state = np.random.RandomState(seed)
    values = truncnorm(-2, 2).rvs(size=(1, length), random_state=state)
    return (truncation * values).astype(np.float32).reshape(length)
