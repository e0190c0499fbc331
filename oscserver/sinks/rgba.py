"""Frames as RGBA for the texture-sharing outputs (Spout, Syphon): one buffer per sink, filled in
place every frame, alpha opaque; rows top first or, for OpenGL's order, bottom first."""

from __future__ import annotations

import numpy as np

from oscserver.core.frame import FrameFormat


class RgbaFrames:
    """Converts frames of ``frame_format`` into one reused C-contiguous RGBA buffer."""

    def __init__(self, frame_format: FrameFormat) -> None:
        self.buffer = np.full((frame_format.height, frame_format.width, 4), 255, np.uint8)

    def convert(self, pixels: np.ndarray, bottom_first: bool = False) -> np.ndarray:
        """The buffer, holding ``pixels`` (1, 3 or 4 channels); valid until the next call."""
        if pixels.shape[:2] != self.buffer.shape[:2]:
            raise ValueError(
                f"frame is {pixels.shape[1]}x{pixels.shape[0]}, the output "
                f"{self.buffer.shape[1]}x{self.buffer.shape[0]}"
            )
        rows = pixels[::-1] if bottom_first else pixels
        channels = pixels.shape[2]
        if channels == 4:
            self.buffer[:] = rows
        else:
            self.buffer[:, :, :3] = rows if channels == 3 else rows[:, :, :1]
        return self.buffer
