"""Settings of the outputs of ``oscserver serve``: shared memory, NDI, WebRTC video."""

from __future__ import annotations

from dataclasses import dataclass

from oscserver.core.options import option
from oscserver.webrtc.codecs import CODECS, DEFAULT_BITRATE, DEFAULT_CODEC


@dataclass(frozen=True, slots=True)
class OutputOptions:
    shm: str | None = option(
        "oscserver", "--shm", "shared-memory name ('' to turn off)", lambda v: v or None
    )
    ndi: str | None = option(
        None,
        "--ndi",
        "also send frames as an NDI source (needs pip install 'oscserver[ndi]')",
        metavar="NAME",
    )
    webrtc_codec: str = option(
        DEFAULT_CODEC, "--webrtc-codec", "video codec for browsers", choices=tuple(CODECS)
    )
    webrtc_bitrate: int = option(
        DEFAULT_BITRATE,
        "--webrtc-bitrate",
        "video bitrate to start at, bits/s (the browser may lower it)",
        type=int,
    )
