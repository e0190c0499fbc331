"""Stand-in for SpoutGL (Windows): ``SpoutSender`` with the methods of the pybind11 class in
SpoutGL's ``src/PySpoutGL.cpp`` that the Spout sink uses, and the GL format enums it exports."""

from __future__ import annotations

import threading

import numpy as np

GL_RGBA = 0x1908
GL_BGRA_EXT = 0x80E1
GL_RGB = 0x1907
GL_BGR_EXT = 0x80E0
_BYTES_PER_PIXEL = {GL_RGBA: 4, GL_BGRA_EXT: 4, GL_RGB: 3, GL_BGR_EXT: 3}

SENDERS: list[SpoutSender] = []
"""Every sender made, newest last."""


class SpoutSender:
    refuse_opengl = False
    """Set on the class before a sender is made: ``createOpenGL`` returns False."""
    refuse_frames = False
    """Set on the class: ``sendImage`` returns False (Spout did not take the frame)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (method, thread name)
        self.name: str | None = None
        self.frames: list[dict] = []
        self.opengl = False
        SENDERS.append(self)

    def _called(self, method: str) -> None:
        self.calls.append((method, threading.current_thread().name))

    def __enter__(self) -> SpoutSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.releaseSender()

    def createOpenGL(self) -> bool:
        self._called("createOpenGL")
        self.opengl = not self.refuse_opengl
        return self.opengl

    def closeOpenGL(self) -> bool:
        self._called("closeOpenGL")
        self.opengl = False
        return True

    def setSenderName(self, name: str) -> bool:
        self._called("setSenderName")
        self.name = name
        return True

    def sendImage(
        self, buffer: object, width: int, height: int, glFormat: int, invert: bool, hostFbo: int
    ) -> bool:
        """The binding's checks (src/PySpoutGL.cpp), then Spout's own: a size and a format."""
        self._called("sendImage")
        view = memoryview(buffer)
        if view.nbytes < width * height * _BYTES_PER_PIXEL.get(glFormat, 0):
            raise BufferError("Buffer not large enough")
        if not view.c_contiguous:
            raise BufferError("Buffer must be contiguous")
        if not self.opengl or width == 0 or height == 0 or glFormat not in _BYTES_PER_PIXEL:
            return False
        pixels = np.frombuffer(view, np.uint8)[: width * height * _BYTES_PER_PIXEL[glFormat]]
        self.frames.append(
            {
                "pixels": pixels.reshape(height, width, -1).copy(),
                "format": glFormat,
                "invert": invert,
                "host_fbo": hostFbo,
            }
        )
        return not self.refuse_frames

    def setFrameSync(self, name: str) -> None:
        self._called("setFrameSync")

    def releaseSender(self) -> None:
        self._called("releaseSender")
