"""The video track each viewer receives: the newest frame whenever its encoder is ready.

aiortc pulls: its sender calls ``recv``, encodes (in an executor) and calls again. So a
viewer whose encoder or network is slow skips frames here (latest frame wins) and never
holds up the frame clock or another viewer. Timing comes from the server's frame clock.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from oscserver.core.frame_bus import LatestFrameSlot

VIDEO_TIME_BASE = Fraction(1, 90_000)


class ViewerTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.slot: LatestFrameSlot[av.VideoFrame] = LatestFrameSlot()
        self.sent = 0

    def offer(self, frame: av.VideoFrame) -> None:
        """Called on the event loop for every rendered frame; replaces an unsent one."""
        self.slot.put(frame)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self.slot.get()
        self.sent += 1
        return frame


def to_video_frames(pixels: np.ndarray, clock_time: float, count: int) -> list[av.VideoFrame]:
    """RGB pixels to ``count`` separate YUV 4:2:0 frames stamped with the frame-clock time.

    The colour conversion runs once; each viewer gets its own frame object, because
    encoders write to the frame they are given (pts rebasing, keyframe flags), so one
    object shared between encoder threads is a data race."""
    rgb = av.VideoFrame.from_ndarray(pixels, format="rgb24")
    yuv = rgb.reformat(format="yuv420p").to_ndarray()
    pts = round(clock_time / VIDEO_TIME_BASE)
    frames = []
    for _ in range(count):
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = pts
        frame.time_base = VIDEO_TIME_BASE
        frames.append(frame)
    return frames


def to_video_frame(pixels: np.ndarray, clock_time: float) -> av.VideoFrame:
    """One frame for one encoder (see ``to_video_frames``)."""
    return to_video_frames(pixels, clock_time, 1)[0]
