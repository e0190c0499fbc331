"""Pixels in and out of generators: a frame of one generator fitted to the output's format."""

from __future__ import annotations

import numpy as np
import pytest

from oscserver.core.frame import FrameFormat
from oscserver.generator.pixels import fit


def _picture(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, channels), dtype=np.uint8)


def test_fitting_scales_corner_to_corner_and_keeps_the_picture():
    small = _picture(4, 4, 3)
    big = fit(small, FrameFormat(width=8, height=8, channels=3))
    assert big.shape == (8, 8, 3) and big.dtype == np.uint8 and big.flags.c_contiguous
    for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        assert np.abs(big[y, x].astype(int) - small[y, x]).max() <= 2
    # Scaled back down, it is the same picture within a few levels (not a crop, not a corner).
    again = fit(big, FrameFormat(width=4, height=4, channels=3))
    assert np.abs(again.astype(int) - small).mean() < 40
    assert abs(float(big.mean()) - float(small.mean())) < 8


@pytest.mark.parametrize(
    ("have", "want", "check"),
    [
        (1, 3, lambda src, out: (out == np.repeat(src, 3, axis=2)).all()),
        (3, 4, lambda src, out: (out[:, :, :3] == src).all() and (out[:, :, 3] == 255).all()),
        (4, 3, lambda src, out: (out == src[:, :, :3]).all()),
        (3, 1, lambda src, out: out.shape[2] == 1 and abs(float(out.mean()) - src.mean()) < 40),
    ],
)
def test_fitting_gives_the_output_its_channels(have, want, check):
    source = _picture(6, 5, have, seed=have)
    out = fit(source, FrameFormat(width=5, height=6, channels=want))
    assert out.shape == (6, 5, want)
    assert check(source, out)


def test_a_frame_of_the_output_format_is_left_as_it_is():
    source = _picture(8, 8, 3)
    assert (fit(source, FrameFormat(width=8, height=8, channels=3)) == source).all()
