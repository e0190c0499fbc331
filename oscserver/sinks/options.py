"""Settings of the outputs of ``oscserver serve``: shared memory, NDI, Spout, Syphon, WebRTC
video."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from oscserver.core.errors import StartupError
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
    spout: str | None = option(
        None,
        "--spout",
        "Windows: also send frames as a Spout sender (needs pip install SpoutGL)",
        metavar="NAME",
    )
    syphon: str | None = option(
        None,
        "--syphon",
        "macOS: also send frames as a Syphon server (needs pip install syphon-python)",
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

    def check_platform(self, platform: str = sys.platform) -> None:
        """Refuse, in one line, an output this system does not have."""
        elsewhere = "elsewhere use --ndi NAME or the shared memory (--shm)"
        if self.spout and platform != "win32":
            raise StartupError(
                f"--spout needs Windows (Spout is Windows' texture sharing); {elsewhere}"
            )
        if self.syphon and platform != "darwin":
            raise StartupError(
                f"--syphon needs macOS (Syphon is macOS' texture sharing); {elsewhere}"
            )
