"""The interface every sink implements (shared memory, WebRTC, recorder, NDI, ...).

The frame bus calls ``start`` once, then ``write`` with the latest frame whenever the sink is
ready for one (a slow sink skips frames; it never holds up the render loop or another sink),
then ``stop`` once. ``write`` must not block the event loop: heavy work goes to a thread.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from oscserver.frame import Frame, FrameFormat


@runtime_checkable
class Sink(Protocol):
    name: str

    async def start(self, frame_format: FrameFormat) -> None: ...

    async def write(self, frame: Frame) -> None: ...

    async def stop(self) -> None: ...
