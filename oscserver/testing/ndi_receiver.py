"""Receive an NDI source by its address (no discovery), through the NDI library cyndilib ships.

cyndilib's own receiver connects only to sources a finder has discovered (over mDNS or a
discovery server). Tests, benchmarks and troubleshooting want to connect to a known address
without any discovery, which the NDI C API allows (``NDIlib_source_t.p_url_address`` with no
name), so this calls it through ctypes.

    with NdiUrlReceiver("127.0.0.1:5961") as receiver:
        got = receiver.capture(timeout=1.0)   # (height x width x 3 RGB uint8, timestamp) or None
"""

from __future__ import annotations

import ctypes
import platform
from pathlib import Path

import numpy as np

FRAME_VIDEO = 1
FRAME_ERROR = 4
COLOR_RGBX_RGBA = 2
BANDWIDTH_HIGHEST = 100
FOURCC_RGBX = int.from_bytes(b"RGBX", "little")
FOURCC_RGBA = int.from_bytes(b"RGBA", "little")


class _Source(ctypes.Structure):
    _fields_ = (("p_ndi_name", ctypes.c_char_p), ("p_url_address", ctypes.c_char_p))


class _RecvCreate(ctypes.Structure):
    _fields_ = (
        ("source_to_connect_to", _Source),
        ("color_format", ctypes.c_int),
        ("bandwidth", ctypes.c_int),
        ("allow_video_fields", ctypes.c_bool),
        ("p_ndi_recv_name", ctypes.c_char_p),
    )


class _VideoFrame(ctypes.Structure):
    _fields_ = (
        ("xres", ctypes.c_int),
        ("yres", ctypes.c_int),
        ("FourCC", ctypes.c_uint32),
        ("frame_rate_N", ctypes.c_int),
        ("frame_rate_D", ctypes.c_int),
        ("picture_aspect_ratio", ctypes.c_float),
        ("frame_format_type", ctypes.c_int),
        ("timecode", ctypes.c_int64),
        ("p_data", ctypes.POINTER(ctypes.c_uint8)),
        ("line_stride_in_bytes", ctypes.c_int),
        ("p_metadata", ctypes.c_char_p),
        ("timestamp", ctypes.c_int64),
    )


def ndi_library() -> ctypes.CDLL:
    """The NDI runtime inside cyndilib's wheel (Linux x86-64 and aarch64)."""
    try:
        import cyndilib.wrapper as wrapper
    except ImportError as exc:
        raise RuntimeError("NDI needs the ndi extra: pip install 'oscserver[ndi]'") from exc
    arch = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-rpi4-linux-gnueabi"}.get(
        platform.machine(), platform.machine()
    )
    path = Path(wrapper.__file__).parent / "bin" / arch / "libndi.so"
    if not path.exists():
        raise RuntimeError(f"no NDI library at {path}; this receiver supports Linux only")
    lib = ctypes.CDLL(str(path))
    lib.NDIlib_initialize.restype = ctypes.c_bool
    lib.NDIlib_recv_create_v3.restype = ctypes.c_void_p
    lib.NDIlib_recv_create_v3.argtypes = (ctypes.POINTER(_RecvCreate),)
    lib.NDIlib_recv_capture_v3.restype = ctypes.c_int
    lib.NDIlib_recv_capture_v3.argtypes = (
        ctypes.c_void_p,
        ctypes.POINTER(_VideoFrame),
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_uint32,
    )
    lib.NDIlib_recv_free_video_v2.argtypes = (ctypes.c_void_p, ctypes.POINTER(_VideoFrame))
    lib.NDIlib_recv_destroy.argtypes = (ctypes.c_void_p,)
    if not lib.NDIlib_initialize():
        raise RuntimeError("the NDI library does not run on this CPU")
    return lib


class NdiUrlReceiver:
    """Receives video from the NDI sender at ``address`` ("host:port"), RGB out."""

    def __init__(self, address: str, name: str = "oscserver-receiver") -> None:
        self.address = address
        self._lib = ndi_library()
        self._keep = (address.encode(), name.encode())  # ctypes keeps no reference
        create = _RecvCreate(
            _Source(None, self._keep[0]), COLOR_RGBX_RGBA, BANDWIDTH_HIGHEST, False, self._keep[1]
        )
        self._recv = self._lib.NDIlib_recv_create_v3(ctypes.byref(create))
        if not self._recv:
            raise RuntimeError(f"NDI could not create a receiver for {address}")

    def capture(self, timeout: float = 1.0) -> tuple[np.ndarray, int] | None:
        """The next video frame as (height x width x 3 RGB copy, sender timestamp in 100 ns),
        or None if none came within ``timeout`` seconds (other frame kinds are skipped)."""
        frame = _VideoFrame()
        kind = self._lib.NDIlib_recv_capture_v3(
            self._recv, ctypes.byref(frame), None, None, int(timeout * 1000)
        )
        if kind == FRAME_ERROR:
            raise ConnectionError(f"NDI connection to {self.address} was lost")
        if kind != FRAME_VIDEO:
            return None
        try:
            if frame.FourCC not in (FOURCC_RGBX, FOURCC_RGBA):
                raise RuntimeError(f"unexpected NDI pixel format 0x{frame.FourCC:08x}")
            rows = np.ctypeslib.as_array(
                frame.p_data, shape=(frame.yres, frame.line_stride_in_bytes)
            )
            pixels = rows[:, : frame.xres * 4].reshape(frame.yres, frame.xres, 4)[..., :3].copy()
            return pixels, int(frame.timestamp)
        finally:
            self._lib.NDIlib_recv_free_video_v2(self._recv, ctypes.byref(frame))

    def close(self) -> None:
        if self._recv:
            self._lib.NDIlib_recv_destroy(self._recv)
            self._recv = None

    def __enter__(self) -> NdiUrlReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m oscserver.testing.ndi_receiver HOST:PORT [SECONDS]``: count frames."""
    import sys
    import time

    args = sys.argv[1:] if argv is None else argv
    if not args:
        usage = "usage: python -m oscserver.testing.ndi_receiver HOST:PORT [SECONDS]"
        print(usage, file=sys.stderr)
        return 2
    seconds = float(args[1]) if len(args) > 1 else 5.0
    count, shape = 0, None
    end = time.monotonic() + seconds
    with NdiUrlReceiver(args[0]) as receiver:
        while time.monotonic() < end:
            got = receiver.capture(timeout=min(0.5, max(end - time.monotonic(), 0.01)))
            if got is not None:
                count, shape = count + 1, got[0].shape
    print(f"{count} frames from {args[0]} in {seconds:g} s" + (f", {shape}" if shape else ""))
    return 0 if count else 1


if __name__ == "__main__":
    raise SystemExit(main())
