"""Sends the frames as a Syphon server (macOS), for TouchDesigner's Syphon Spout In TOP,
Resolume, MadMapper, VDMX, OBS (with the Syphon plugin) and the like.

Needs syphon-python (``pip install syphon-python``: Syphon's Metal server through PyObjC), and is
imported only on macOS (``--syphon NAME``; ``OutputOptions.check_platform`` refuses it
elsewhere). Each frame is copied as RGBA into one Metal texture and published; rows go top first
with ``is_flipped=True``, as syphon-python's own example publishes OpenCV frames. Syphon talks to
its clients through the thread's run loop, so the sink's thread turns its run loop once after
every frame (without it, clients may never see the server). With no client connected, the copy
is skipped. What Syphon raises becomes :class:`SinkError`, which the frame bus counts and logs.

Not yet run on macOS: tests/sinks/test_spout_syphon.py drives it against stand-in modules that
have syphon-python's and PyObjC's API (read from their source), so the calls, the pixels handed
over and the failures are checked, but not Syphon itself.
"""

from __future__ import annotations

from typing import Any

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat
from oscserver.sinks.rgba import RgbaFrames
from oscserver.sinks.threaded import ThreadedSink


class SyphonPublisher:
    """One Syphon Metal server. Not thread-safe: make it, publish and close it on one thread."""

    def __init__(self, name: str, frame_format: FrameFormat) -> None:
        try:
            import syphon
            from Cocoa import NSDate, NSDefaultRunLoopMode, NSRunLoop
            from syphon.utils.numpy import copy_image_to_mtl_texture
            from syphon.utils.raw import create_mtl_texture
        except ImportError as exc:
            raise SinkError(
                f"--syphon needs syphon-python: pip install syphon-python ({exc})"
            ) from exc
        self.name = name
        self.rgba = RgbaFrames(frame_format)
        self._copy = copy_image_to_mtl_texture
        self._run_loop: Any = NSRunLoop.currentRunLoop()
        self._mode, self._date = NSDefaultRunLoopMode, NSDate
        try:
            self._server: Any = syphon.SyphonMetalServer(name)
            self._texture = create_mtl_texture(
                self._server.device, frame_format.width, frame_format.height
            )
        except Exception as exc:  # PyObjC and Metal raise their own kinds
            raise SinkError(f"Syphon: could not make the server {name!r}: {exc}") from exc

    def write(self, frame: Frame) -> None:
        try:
            if self._server.has_clients:
                self._copy(self.rgba.convert(frame.pixels), self._texture)
                self._server.publish_frame_texture(self._texture, is_flipped=True)
        except Exception as exc:
            raise SinkError(f"Syphon did not take frame {frame.index}: {exc}") from exc
        finally:
            self._run_loop.runMode_beforeDate_(
                self._mode, self._date.dateWithTimeIntervalSinceNow_(0.0)
            )

    def close(self) -> None:
        self._server.stop()


class SyphonSink(ThreadedSink[SyphonPublisher]):
    """The :class:`~oscserver.core.frame_bus.Sink` that publishes every frame it gets to Syphon."""

    def __init__(self, name: str) -> None:
        self.server_name = name
        super().__init__(
            "syphon",
            lambda fmt: SyphonPublisher(name, fmt),
            label=f"Syphon server {name!r}",
            thread_name="syphon-sink",
        )
