"""The one frame type that flows from the frame clock to every sink."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class FrameFormat:
    """Size and pixel layout of every frame a generator renders: height x width x channels uint8."""

    width: int
    height: int
    channels: int

    @property
    def nbytes(self) -> int:
        return self.width * self.height * self.channels

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.width, self.height


@dataclass(frozen=True, slots=True)
class Frame:
    """A rendered picture and where it came from.

    ``pixels`` is a C-contiguous ``uint8`` array of shape (height, width, channels), RGB order.
    Sinks must treat it as read-only: the same array goes to every sink.
    """

    pixels: np.ndarray
    index: int
    """Frame number since the server started (0, 1, 2, ...); gaps are frames that were dropped."""
    clock_time: float
    """Frame-clock time of the tick that produced it, seconds since the clock started."""
    render_ms: float
    """Time spent in inference and conversion for this frame, milliseconds."""
    osc_seq: int
    """Sequence number of the last control message applied before rendering (0: none yet)."""
    osc_arrival: float
    """Wall-clock time (seconds since the epoch) that message arrived (0.0: none yet)."""
    published: float
    """Wall-clock time (seconds since the epoch) the frame was finished."""
    tick_time: float = 0.0
    """Wall-clock time (seconds since the epoch) of the frame-clock tick it was made for."""
    beat: float = 0.0
    """Song position in beats at the tick, from the beat clock (free-running at 120 BPM from
    the start until a performer's tempo or beat arrives)."""

    @property
    def format(self) -> FrameFormat:
        height, width, channels = self.pixels.shape
        return FrameFormat(width=width, height=height, channels=channels)

    def metadata(self) -> dict[str, int | float]:
        """The per-frame facts that travel with the pixels (shared-memory metadata, status)."""
        return {
            "frame": self.index,
            "clock_time": self.clock_time,
            "render_ms": self.render_ms,
            "osc_seq": self.osc_seq,
            "osc_arrival": self.osc_arrival,
            "published": self.published,
            "tick_time": self.tick_time,
            "beat": self.beat,
        }
