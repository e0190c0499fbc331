"""Codec choice and bitrate for the video sent to browsers."""

from __future__ import annotations

from aiortc import RTCRtpSender, RTCRtpTransceiver
from aiortc.codecs import h264, vpx

CODECS = {"vp8": "video/VP8", "h264": "video/H264"}
DEFAULT_CODEC = "vp8"
# 512x512 at 30 fps looks clean at about 2 Mbit/s in VP8; the browser's bandwidth estimate
# (REMB) may still lower it, never below the codec's floor.
DEFAULT_BITRATE = 2_000_000


def configure_bitrate(bitrate: int) -> None:
    """Start every new encoder at ``bitrate`` bits/s and let it rise that high.

    aiortc keeps these as module constants read when an encoder starts and when the browser's
    estimate arrives; there is no per-connection setting."""
    if bitrate <= 0:
        raise ValueError(f"bitrate must be positive, got {bitrate}")
    vpx.DEFAULT_BITRATE = max(vpx.MIN_BITRATE, bitrate)
    vpx.MAX_BITRATE = max(vpx.MAX_BITRATE, bitrate)
    h264.DEFAULT_BITRATE = max(h264.MIN_BITRATE, bitrate)
    h264.MAX_BITRATE = max(h264.MAX_BITRATE, bitrate)


def prefer_codec(transceiver: RTCRtpTransceiver, codec: str) -> None:
    mime = CODECS.get(codec)
    if mime is None:
        raise ValueError(f"unknown codec {codec!r}; expected one of {', '.join(CODECS)}")
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    preferred = [c for c in capabilities if c.mimeType == mime]
    # Keep retransmission (rtx) support: it refers to the chosen codec's payload type.
    preferred += [c for c in capabilities if c.mimeType == "video/rtx"]
    transceiver.setCodecPreferences(preferred)
