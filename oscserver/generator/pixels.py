"""Pixels and generator tensors, both ways: what a generator outputs turned into the uint8 picture
every sink gets (``to_pixels``), and a picture turned back into the output tensor's layout, range
and type to feed a feedback generator (``from_pixels``). Bringing a picture to the output's
size is ``fitting.py``.
"""

from __future__ import annotations

import numpy as np

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
