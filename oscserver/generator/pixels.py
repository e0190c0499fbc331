"""Pixels and generator tensors, both ways: what a generator outputs turned into the uint8 picture
every sink gets (``to_pixels``), and a picture turned back into the output tensor's layout, range
and type to feed a feedback generator (``from_pixels``), and a picture of one generator brought
to the output's format (``fit``).
"""

from __future__ import annotations

import numpy as np

from oscserver.core.frame import FrameFormat
from oscserver.generator.contract import OutputSpec


def to_pixels(raw: np.ndarray, layout: str, low: float, high: float) -> np.ndarray:
    """Turn a generator's output tensor into uint8 (height, width, channels)."""
    image = raw[0]
    if layout == "NCHW":
        image = image.transpose(1, 2, 0)
    if image.dtype == np.uint8 and low == 0 and high == 255:
        return np.ascontiguousarray(image)
    scaled = (image.astype(np.float32) - low) * (255.0 / (high - low))
    np.clip(scaled, 0, 255, out=scaled)
    return np.ascontiguousarray(scaled.astype(np.uint8))


def from_pixels(pixels: np.ndarray, output: OutputSpec) -> np.ndarray:
    """uint8 height x width x channels back to the output tensor's layout, range and type
    (the inverse of ``to_pixels``), batch 1."""
    values = pixels.astype(np.float32) * ((output.high - output.low) / 255.0) + output.low
    if output.dtype == np.uint8:
        values = np.rint(values)
    tensor = values[None]
    if output.layout == "NCHW":
        tensor = tensor.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(tensor.astype(output.dtype))


def fit(pixels: np.ndarray, frame_format: FrameFormat) -> np.ndarray:
    """A frame of one generator brought to the output's format: scaled to its size (bilinear,
    by FFmpeg's swscale through PyAV: a tenth of numpy's time) and given its channels (grey to
    colour, alpha added opaque or dropped). The server's output keeps one format whatever
    generator plays, so readers never see a resize."""
    height, width, _ = pixels.shape
    if (height, width) != (frame_format.height, frame_format.width):
        pixels = scale(pixels, frame_format.width, frame_format.height)
    return np.ascontiguousarray(_channels(pixels, frame_format.channels))


_PIXEL_FORMATS = {1: "gray", 3: "rgb24", 4: "rgba"}


def scale(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """``pixels`` (height x width x 1, 3 or 4 uint8) scaled to ``width`` x ``height``."""
    import av  # only here: running a generator needs no PyAV (the GPU check's machine has none)

    layout = _PIXEL_FORMATS[pixels.shape[2]]
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format=layout)
    scaled = frame.reformat(width=width, height=height, interpolation="BILINEAR").to_ndarray()
    return scaled.reshape(height, width, pixels.shape[2])


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
