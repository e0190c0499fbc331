"""Sends the frame stream as an NDI source, for OBS, TouchDesigner, Resolume, vMix and the like.

Needs the optional ``ndi`` extra (``pip install 'oscserver[ndi]'``: cyndilib, whose wheel
carries the NDI runtime library). NDI® is a trademark of Vizrt NDI AB.

Each frame is converted from RGB to RGBX and handed to NDI on the sink's own thread; NDI
compresses and sends it on its threads. The frame bus gives the sink only the newest frame
when it is ready for one, so a slow network or encoder skips frames and never holds up the
frame clock or another sink.

Discovery: an NDI sender announces itself over mDNS (multicast DNS) so receivers can list it
by name. To keep it off multicast, give NDI a configuration with a discovery server
(:func:`write_ndi_config`, then ``NDI_CONFIG_DIR``): senders then register with that server
instead of announcing over mDNS, and receivers connect by address (``127.0.0.1:5961``, the
first sender's port on a machine) or through the same discovery server.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat
from oscserver.sinks.threaded import ThreadedSink

CONFIG_FILE = "ndi-config.v1.json"
"""The file name NDI looks for in ``$NDI_CONFIG_DIR`` (and in ``~/.ndi``)."""


def write_ndi_config(folder: Path, discovery: str | None = None) -> Path:
    """Write an NDI configuration into ``folder``; point ``NDI_CONFIG_DIR`` at it before the
    NDI library loads (before the server starts).

    ``discovery``: "host:port" of an NDI discovery server. With one set, NDI senders register
    there and do not announce themselves over mDNS (NDI's documentation: "For senders, if a
    Discovery Service is specified, then mDNS will not be used"). Multicast video sending is
    turned off in any case.
    """
    ndi: dict[str, Any] = {"multicast": {"send": {"enable": False}}}
    if discovery:
        ndi["networks"] = {"ips": "", "discovery": discovery}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILE
    path.write_text(json.dumps({"ndi": ndi}, indent=2) + "\n")
    return path


class NdiSender:
    """One NDI video source. Not thread-safe: create, send and close it on one thread."""

    def __init__(
        self, source_name: str, frame_format: FrameFormat, fps: float, groups: str = ""
    ) -> None:
        try:
            from cyndilib.sender import Sender
            from cyndilib.video_frame import VideoSendFrame
            from cyndilib.wrapper.ndi_structs import FourCC
        except ImportError as exc:
            raise SinkError(
                f"NDI output needs the ndi extra ({exc.name} is missing): "
                "pip install 'oscserver[ndi]'"
            ) from exc
        if frame_format.channels != 3:
            raise SinkError(f"NDI sink sends RGB frames; these have {frame_format.channels}")
        self.source_name = source_name
        self.frames_sent = 0
        width, height = frame_format.width, frame_format.height
        video = VideoSendFrame()
        video.set_resolution(width, height)
        video.set_fourcc(FourCC.RGBX)
        video.set_frame_rate(Fraction(fps).limit_denominator(1001))
        # clock_video=False: the frame clock sets the pace; NDI must not throttle the thread.
        self._sender = Sender(source_name, ndi_groups=groups, clock_video=False, clock_audio=False)
        self._sender.set_video_frame(video)
        try:
            self._sender.open()
        except Exception as exc:  # cyndilib raises plain exceptions from the NDI library
            raise SinkError(f"NDI could not create source {source_name!r}: {exc}") from exc
        self._rgbx = np.empty((height, width, 4), dtype=np.uint8)
        self._rgbx[..., 3] = 255
        self._flat = self._rgbx.reshape(-1)

    @property
    def full_name(self) -> str:
        """The name receivers list: ``MACHINE (source_name)``."""
        source = self._sender.source
        return source.name if source is not None else self.source_name

    def send(self, pixels: np.ndarray) -> None:
        """Convert ``pixels`` (height, width, 3 uint8) to RGBX and hand them to NDI."""
        rgbx = self._rgbx
        # One copy per channel: numpy does these several times faster than rgbx[..., :3] = pixels
        # (0.9 ms against 9 to 17 ms at 1024x1024 on the 2-core test machine).
        for channel in range(3):
            rgbx[..., channel] = pixels[..., channel]
        if not self._sender.write_video_async(self._flat):
            raise SinkError(f"NDI source {self.source_name!r} is closed")
        self.frames_sent += 1

    def write(self, frame: Frame) -> None:
        """Send ``frame``'s pixels (the :class:`~oscserver.sinks.threaded.FrameWriter` call)."""
        self.send(frame.pixels)

    def connections(self) -> int:
        """How many receivers are connected now."""
        return int(self._sender.get_num_connections(0))

    def close(self) -> None:
        """Stop sending and free the NDI source. Safe to call twice."""
        self._sender.close()


class NdiSink(ThreadedSink[NdiSender]):
    """The :class:`~oscserver.core.frame_bus.Sink` that sends every frame it gets over NDI.

    The NDI source is created, fed and closed on the sink's own thread
    (:class:`~oscserver.sinks.threaded.ThreadedSink`): the NDI library may take a moment.
    """

    def __init__(self, source_name: str = "oscserver", fps: float = 30.0, groups: str = "") -> None:
        self.source_name = source_name
        self.fps = fps
        self.groups = groups
        super().__init__(
            "ndi", self._open, label=f"NDI sink {source_name!r}", thread_name="ndi-sink"
        )

    @property
    def sender(self) -> NdiSender | None:
        """The NDI source while the sink is started, else None."""
        return self.writer

    def _open(self, frame_format: FrameFormat) -> NdiSender:
        return NdiSender(self.source_name, frame_format, self.fps, self.groups)
