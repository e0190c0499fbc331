"""A drawn frame brought to the output's size: the geometry of each fit, the host path
(swscale) and the in-graph path (a Resize appended at load) agreeing, and a generator of any
size drawing at the size it is asked for."""

from __future__ import annotations

import numpy as np
import pytest

from oscserver.core.errors import GeneratorError
from oscserver.core.frame import FrameFormat
from oscserver.generator.fitting import FILTERS, FITS, Fit, fit_pixels, plan
from oscserver.generator.graph import describe, prepared
from oscserver.generator.reading import default_model_path
from oscserver.generator.runtime import GeneratorRuntime
from tests.support import build_tiny_generator


def _picture(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, channels), dtype=np.uint8)


def _smooth(height: int, width: int) -> np.ndarray:
    """A picture with no edges finer than a few pixels (scalers agree on it)."""
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    channels = [np.sin(6 * x + 1) * np.cos(4 * y), np.cos(5 * x * y + 2 * y), np.sin(3 * (x + y))]
    return np.rint(127.5 + 120 * np.stack(channels, axis=2)).astype(np.uint8)


def test_scaling_goes_corner_to_corner_and_keeps_the_picture():
    small = _smooth(16, 16)
    big = fit_pixels(small, Fit(FrameFormat(32, 32, 3), "stretch"))
    assert big.shape == (32, 32, 3) and big.dtype == np.uint8 and big.flags.c_contiguous
    for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        assert np.abs(big[y, x].astype(int) - small[y, x]).max() <= 12
    again = fit_pixels(big, Fit(FrameFormat(16, 16, 3), "stretch"))
    assert np.abs(again.astype(int) - small).mean() < 4


@pytest.mark.parametrize(
    ("drawn", "output", "mode", "scaled", "offset"),
    [
        ((128, 128), (1280, 720), "crop", (1280, 1280), (0, -280)),
        ((128, 128), (1280, 720), "contain", (720, 720), (280, 0)),
        ((128, 128), (1280, 720), "stretch", (1280, 720), (0, 0)),
        ((640, 360), (1280, 720), "crop", (1280, 720), (0, 0)),
        ((256, 256), (1080, 1920), "contain", (1080, 1080), (0, 420)),
        ((256, 256), (1080, 1920), "crop", (1920, 1920), (-420, 0)),
    ],
)
def test_each_fit_scales_and_places_the_frame(drawn, output, mode, scaled, offset):
    steps = plan(drawn, Fit(FrameFormat(*output, 3), mode))
    assert (steps.scaled, steps.offset) == (scaled, offset)


@pytest.mark.parametrize("mode", FITS)
def test_fitting_a_square_into_16_9(mode):
    square = _smooth(64, 64)
    out = fit_pixels(square, Fit(FrameFormat(160, 90, 3), mode))
    assert out.shape == (90, 160, 3)
    left, right = out[:, :30].astype(int), out[:, -30:].astype(int)
    if mode == "contain":
        assert left.max() == right.max() == 0  # pillarboxed in black
        assert out[:, 40:120].std() > 30
    else:
        assert left.std() > 20 and right.std() > 20  # the picture reaches the edges
    if mode == "crop":  # the middle rows of the square, scaled: its top and bottom are cut
        middle = fit_pixels(square[14:50], Fit(FrameFormat(160, 90, 3), "stretch"))
        assert np.abs(out.astype(int) - middle).mean() < 10


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
    out = fit_pixels(source, Fit(FrameFormat(width=5, height=6, channels=want)))
    assert out.shape == (6, 5, want)
    assert check(source, out)


def test_a_frame_of_the_output_format_is_left_as_it_is():
    source = _picture(8, 8, 3)
    assert (fit_pixels(source, Fit(FrameFormat(8, 8, 3))) == source).all()


def test_fits_and_filters_are_checked():
    with pytest.raises(ValueError, match="fit 'zoom': one of crop, contain, stretch"):
        Fit(FrameFormat(8, 8, 3), "zoom")
    with pytest.raises(ValueError, match="scale filter 'nearest'"):
        Fit(FrameFormat(8, 8, 3), filter="nearest")


@pytest.mark.parametrize("mode", FITS)
@pytest.mark.parametrize("filter", FILTERS)
def test_the_resize_in_the_graph_agrees_with_the_host(tmp_path, mode, filter):
    """A fixed-size generator (16x16) brought to 48x27: the Resize appended to the graph (the
    GPU path) and swscale on the host (the CPU path) make the same frame."""
    model = build_tiny_generator(tmp_path / "tiny.onnx", size=16)
    fit = Fit(FrameFormat(48, 27, 3), mode, filter)
    host = GeneratorRuntime(model, "cpu", 1, fit=fit, fit_in_graph=False)
    graph = GeneratorRuntime(model, "cpu", 1, fit=fit, fit_in_graph=True)
    assert graph.spec.output.frame_format == FrameFormat(48, 27, 3)  # the graph's own output
    assert host.spec.output.frame_format == FrameFormat(16, 16, 3)
    values = {"truncation": np.array([0.8], np.float32)}
    a, b = host.draw(values).astype(int), graph.draw(values).astype(int)
    assert a.shape == b.shape == (27, 48, 3)
    assert host.drawn is not None and host.drawn.shape == (16, 16, 3)
    # Random pixels are the hardest case for two scalers; their edges differ a little.
    assert np.abs(a - b).mean() < 6
    if mode == "contain":
        assert (a[:, :10] == 0).all() and (b[:, :10] == 0).all()


def test_a_generator_of_any_size_draws_the_size_asked(tmp_path):
    path = default_model_path()
    facts = describe(path)
    assert facts.resizable and not facts.feedback
    assert facts.frame_format == FrameFormat(256, 256, 3)  # its natural size
    wide = GeneratorRuntime(path, "cpu", 2, size=(96, 54))
    assert wide.frame_format == FrameFormat(96, 54, 3)
    assert wide.draw({}).shape == (54, 96, 3)
    assert {i.name for i in wide.session.get_inputs()} == {"class", "noise", "truncation"}
    # Half the size, brought up to the output: the same picture, a little softer.
    half = GeneratorRuntime(path, "cpu", 2, size=(48, 28), fit=Fit(FrameFormat(96, 54, 3)))
    assert half.spec.output.frame_format == FrameFormat(48, 28, 3)
    assert np.abs(half.draw({}).astype(int) - wide.draw({})).mean() < 12
    assert prepared(build_tiny_generator(tmp_path / "t.onnx"), None, None) is None


def test_files_that_are_not_generators_are_named(tmp_path):
    with pytest.raises(GeneratorError, match="does not exist"):
        describe(tmp_path / "none.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07not a model")
    with pytest.raises(GeneratorError, match=r"junk\.onnx"):
        describe(junk)
    bare = build_tiny_generator(tmp_path / "bare.onnx", contract=None)
    with pytest.raises(GeneratorError, match="not a generator"):
        describe(bare)
