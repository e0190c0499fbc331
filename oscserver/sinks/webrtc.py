"""The WebRTC sink: every rendered frame goes to every connected viewer's track.

Each frame is converted to a video frame once (off the event loop) and offered to each
viewer; a viewer whose encoder is still busy skips to the newest (see webrtc/track.py).
"""

from __future__ import annotations

import asyncio
import logging

from oscserver.control.senders import Inbox
from oscserver.core.frame import Frame, FrameFormat
from oscserver.core.tasks import TaskManager
from oscserver.sinks.options import OutputOptions
from oscserver.webrtc.codecs import configure_bitrate
from oscserver.webrtc.track import to_video_frames
from oscserver.webrtc.viewer import Viewer

log = logging.getLogger("oscserver.webrtc")

MAX_VIEWERS = 32


class WebRTCSink:
    name = "webrtc"

    def __init__(
        self,
        inbox: Inbox,
        tasks: TaskManager,
        options: OutputOptions,
        token: str | None = None,
        max_viewers: int = MAX_VIEWERS,
    ) -> None:
        """Viewers' data-channel messages go to ``inbox`` (the router); ``options`` gives the
        codec and the bitrate to start at."""
        self.inbox = inbox
        self.codec = options.webrtc_codec
        self.bitrate = options.webrtc_bitrate
        self.token = token
        self.max_viewers = max_viewers
        self.viewers: dict[str, Viewer] = {}
        self.frame_format: FrameFormat | None = None
        self.connected_total = 0
        self._tasks = tasks

    async def start(self, frame_format: FrameFormat) -> None:
        self.frame_format = frame_format
        configure_bitrate(self.bitrate)

    async def write(self, frame: Frame) -> None:
        viewers = [v for v in self.viewers.values() if v.state == "connected"]
        if not viewers:
            return
        videos = await asyncio.to_thread(
            to_video_frames, frame.pixels, frame.clock_time, len(viewers)
        )
        for viewer, video in zip(viewers, videos, strict=True):
            viewer.track.offer(video)

    async def stop(self) -> None:
        await asyncio.gather(*(v.close() for v in list(self.viewers.values())))

    async def connect(self, sdp: str, kind: str) -> dict[str, str]:
        """Answer a viewer's offer; the viewer is tracked until its connection ends."""
        if len(self.viewers) >= self.max_viewers:
            raise ConnectionRefusedError(f"{self.max_viewers} viewers are connected already")
        viewer = Viewer(self.inbox, self._tasks, self.token, self._forget)
        self.viewers[viewer.id] = viewer
        self.connected_total += 1
        try:
            answer = await viewer.answer(sdp, kind, self.codec)
        except BaseException:
            await viewer.close()
            raise
        log.info("viewer %s: answered (%d connected)", viewer.id, len(self.viewers))
        return {"sdp": answer.sdp, "type": answer.type, "viewer": viewer.id}

    def _forget(self, viewer: Viewer) -> None:
        if self.viewers.pop(viewer.id, None) is not None:
            log.info("viewer %s: gone (%d connected)", viewer.id, len(self.viewers))

    def status(self) -> dict[str, object]:
        return {"viewers": self.describe()}

    def describe(self) -> list[dict[str, object]]:
        return [viewer.describe() for viewer in self.viewers.values()]
