"""Stand-in for ``syphon.utils.raw``: a Metal texture of a size (RGBA8Unorm)."""

from __future__ import annotations

import numpy as np

MTLPixelFormatRGBA8Unorm = 70


class Texture:
    """A stand-in MTLTexture: ``width()`` and ``height()`` are methods, as in Metal."""

    def __init__(self, device: object, width: int, height: int, pixel_format: int) -> None:
        self.device = device
        self.pixel_format = pixel_format
        self.pixels = np.zeros((height, width, 4), np.uint8)

    def width(self) -> int:
        return self.pixels.shape[1]

    def height(self) -> int:
        return self.pixels.shape[0]


def create_mtl_texture(
    device: object, width: int, height: int, pixel_format: int = MTLPixelFormatRGBA8Unorm
) -> Texture:
    return Texture(device, width, height, pixel_format)
