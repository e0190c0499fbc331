"""The video track each viewer receives: the newest frame whenever its encoder is ready.

aiortc pulls: its sender calls ``recv``, encodes (in an executor) and calls again. So a
viewer whose encoder or network is slow skips frames here (latest frame wins) and never
holds up the render loop or another viewer. Timing comes from the server's frame clock.
"""

from __future__ import annotations

from fractions import Fraction

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from oscserver.frame_bus import LatestFrameSlot

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


def to_video_frame(pixels, clock_time: float) -> av.VideoFrame:
    """RGB pixels to a frame stamped with the server's frame-clock time."""
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
    frame.pts = round(clock_time / VIDEO_TIME_BASE)
    frame.time_base = VIDEO_TIME_BASE
    return frame
