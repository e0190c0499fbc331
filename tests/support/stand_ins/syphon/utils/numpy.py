"""Stand-in for ``syphon.utils.numpy``: an RGBA image copied into a texture."""

from __future__ import annotations

import numpy as np

from syphon.utils.raw import Texture


def copy_image_to_mtl_texture(image: np.ndarray, texture: Texture) -> None:
    assert len(image.shape) == 3, "Image has to be of shape (m, n, 4)"
    assert image.shape[2] == 4, "Image has to be of shape (m, n, 4)"
    data = image.tobytes()
    texture.pixels[:] = np.frombuffer(data, np.uint8).reshape(texture.pixels.shape)
