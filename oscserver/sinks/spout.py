"""Sends the frames as a Spout sender (Windows), for TouchDesigner's Syphon Spout In TOP, Resolume,
OBS (with the Spout plugin), MadMapper and the like.

Needs SpoutGL (``pip install SpoutGL``, its wheel carries Spout), and is imported only on Windows
(``--spout NAME``; ``OutputOptions.check_platform`` refuses it elsewhere). Spout shares a GPU
texture; SpoutGL fills it from pixels through OpenGL, so the sink makes a hidden OpenGL context
(``createOpenGL``) on its own thread and does everything there. Each frame goes as RGBA with the
bottom row first, the order OpenGL reads pixels in (our frames are top row first), and a frame
sync tells receivers a new one is there. What SpoutGL refuses (no context, a frame not taken)
raises :class:`SinkError`, which the frame bus counts and logs; the other outputs go on.

Not yet run on Windows: tests/sinks/test_spout_syphon.py drives it against a stand-in module
that has SpoutGL's API (read from its source), so the calls, the pixels handed over and the
failures are checked, but not Spout itself.
"""

from __future__ import annotations

from typing import Any

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat
from oscserver.sinks.rgba import RgbaFrames
from oscserver.sinks.threaded import ThreadedSink


class SpoutSender:
    """One Spout sender. Not thread-safe: make it, send and close it on one thread."""

    def __init__(self, name: str, frame_format: FrameFormat) -> None:
        try:
            import SpoutGL
        except ImportError as exc:
            raise SinkError(f"--spout needs SpoutGL: pip install SpoutGL ({exc})") from exc
        self.name = name
        self.rgba = RgbaFrames(frame_format)
        self._format = SpoutGL.GL_RGBA
        self._sender: Any = SpoutGL.SpoutSender()
        if not self._sender.createOpenGL():
            raise SinkError("Spout: could not make an OpenGL context for the sender")
        self._sender.setSenderName(name)

    def write(self, frame: Frame) -> None:
        pixels = self.rgba.convert(frame.pixels, bottom_first=True)
        height, width = pixels.shape[:2]
        # SpoutGL's binding takes width then height, whatever its argument names say.
        if not self._sender.sendImage(pixels, width, height, self._format, False, 0):
            raise SinkError(f"Spout did not take frame {frame.index} ({width}x{height} RGBA)")
        self._sender.setFrameSync(self.name)

    def close(self) -> None:
        self._sender.releaseSender()
        self._sender.closeOpenGL()


class SpoutSink(ThreadedSink[SpoutSender]):
    """The :class:`~oscserver.core.frame_bus.Sink` that sends every frame it gets over Spout."""

    def __init__(self, name: str) -> None:
        self.sender_name = name
        super().__init__(
            "spout",
            lambda fmt: SpoutSender(name, fmt),
            label=f"Spout sender {name!r}",
            thread_name="spout-sink",
        )
