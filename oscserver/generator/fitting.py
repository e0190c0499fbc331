"""A drawn frame brought to the output's size: how (``Fit``), and doing it on the host.

The output has one size for a server's whole life (``--size``). A generator that draws at any
size draws at ``--render-scale`` times it; a generator of a fixed size (BigGAN 128, a VAE, a
next-frame model) draws its own. Either way the frame is brought up (or down) to the output:

- ``stretch``: to the output's size, whatever the aspect;
- ``crop``: scaled to cover the output, its middle kept (nothing black, the edges cut);
- ``contain``: scaled to fit inside, the rest black (letterbox or pillarbox).

On a GPU this happens inside the ONNX graph (``generator/graph.py`` appends a Resize at load, so
the frame leaves the GPU at its final size); on the CPU FFmpeg's swscale (through PyAV) is the
fastest path measured (``oscserver bench sizes``; docs/benchmarks.md), and this module does it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from oscserver.core.frame import FrameFormat

FITS = ("crop", "contain", "stretch")
FILTERS = ("bilinear", "bicubic")
"""Bilinear, or the sharper bicubic."""
_SWSCALE = {"bilinear": "BILINEAR", "bicubic": "BICUBIC"}
_PIXEL_FORMATS = {1: "gray", 3: "rgb24", 4: "rgba"}


@dataclass(frozen=True, slots=True)
class Fit:
    """The output's format, and how a frame of another size is brought to it."""

    output: FrameFormat
    mode: str = "crop"
    filter: str = "bilinear"

    def __post_init__(self) -> None:
        if self.mode not in FITS:
            raise ValueError(f"fit {self.mode!r}: one of {', '.join(FITS)}")
        if self.filter not in FILTERS:
            raise ValueError(f"scale filter {self.filter!r}: one of {', '.join(FILTERS)}")


@dataclass(frozen=True, slots=True)
class Plan:
    """Scale to ``scaled`` (width, height), then cut (``crop``) or pad (``contain``) at
    ``offset`` (x, y: where the scaled frame's top left lands in the output; negative: cut)."""

    scaled: tuple[int, int]
    offset: tuple[int, int]


def plan(drawn: tuple[int, int], fit: Fit) -> Plan:
    """How a ``drawn`` (width, height) frame is brought to ``fit.output``."""
    width, height = fit.output.width, fit.output.height
    if fit.mode == "stretch":
        return Plan((width, height), (0, 0))
    across, down = width / drawn[0], height / drawn[1]
    if fit.mode == "crop":
        factor = max(across, down)
        scaled = (max(width, math.ceil(drawn[0] * factor - 1e-9)),
                  max(height, math.ceil(drawn[1] * factor - 1e-9)))  # fmt: skip
    else:
        factor = min(across, down)
        scaled = (min(width, max(1, round(drawn[0] * factor))),
                  min(height, max(1, round(drawn[1] * factor))))  # fmt: skip
    return Plan(scaled, ((width - scaled[0]) // 2, (height - scaled[1]) // 2))


def fit_pixels(pixels: np.ndarray, fit: Fit) -> np.ndarray:
    """``pixels`` (height x width x channels uint8) brought to ``fit.output``: scaled, cut or
    padded, and given the output's channels."""
    height, width, _ = pixels.shape
    out = fit.output
    if (width, height) != (out.width, out.height):
        steps = plan((width, height), fit)
        pixels = scale(pixels, *steps.scaled, fit.filter)
        pixels = _place(pixels, out.width, out.height, steps.offset)
    return np.ascontiguousarray(_channels(pixels, out.channels))


def scale(pixels: np.ndarray, width: int, height: int, filter: str = "bilinear") -> np.ndarray:
    """``pixels`` (height x width x 1, 3 or 4 uint8) scaled to ``width`` x ``height``."""
    if pixels.shape[:2] == (height, width):
        return pixels
    import av  # only here: running a generator needs no PyAV (the GPU check's machine has none)

    layout = _PIXEL_FORMATS[pixels.shape[2]]
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format=layout)
    scaled = frame.reformat(width=width, height=height, interpolation=_SWSCALE[filter])
    return scaled.to_ndarray().reshape(height, width, pixels.shape[2])


def _place(pixels: np.ndarray, width: int, height: int, offset: tuple[int, int]) -> np.ndarray:
    """The output's window onto ``pixels`` placed at ``offset``: cut where it overhangs, black
    where it does not reach."""
    x, y = offset
    if x <= 0 and y <= 0:
        return pixels[-y : -y + height, -x : -x + width]
    canvas = np.zeros((height, width, pixels.shape[2]), np.uint8)
    canvas[max(y, 0) : max(y, 0) + pixels.shape[0], max(x, 0) : max(x, 0) + pixels.shape[1]] = (
        pixels[max(-y, 0) : max(-y, 0) + height, max(-x, 0) : max(-x, 0) + width]
    )
    return canvas


def _channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    have = pixels.shape[2]
    if have == channels:
        return pixels
    colour = np.repeat(pixels, 3, axis=2) if have == 1 else pixels[:, :, :3]
    if channels == 1:
        weights = np.array([0.299, 0.587, 0.114], np.float32)
        return np.rint(colour @ weights)[:, :, None].astype(np.uint8)
    if channels == 4:
        opaque = np.full((*colour.shape[:2], 1), 255, np.uint8)
        return np.concatenate([colour, opaque], axis=2)
    return colour
