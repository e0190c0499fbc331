"""Encoding the server's own OSC messages: replies, pushed values, OSCQuery streams.

Only what the server sends: ints (``i``, or ``h`` beyond 32 bits), floats (``f``), strings,
blobs, booleans, nil, and numpy arrays (a run of ``f``). Runs of floats are packed in one
call, so a 1000-float ``/class`` costs microseconds.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def encode_message(address: str, args: Iterable[object] = ()) -> bytes:
    """One OSC message as bytes."""
    tags = [","]
    parts: list[bytes] = []
    floats: list[float] = []  # a run of floats, packed in one call

    def flush() -> None:
        if floats:
            tags.append("f" * len(floats))
            parts.append(struct.pack(f">{len(floats)}f", *floats))
            floats.clear()

    for arg in args:
        if type(arg) is float or isinstance(arg, np.floating):
            floats.append(float(arg))
            continue
        flush()
        if isinstance(arg, np.ndarray):
            values = arg.astype(">f4").reshape(-1)
            tags.append("f" * values.size)
            parts.append(values.tobytes())
        elif arg is True or arg is False:
            tags.append("T" if arg else "F")
        elif arg is None:
            tags.append("N")
        elif isinstance(arg, int | np.integer):
            value = int(arg)
            if _INT32_MIN <= value <= _INT32_MAX:
                tags.append("i")
                parts.append(struct.pack(">i", value))
            else:
                tags.append("h")
                parts.append(struct.pack(">q", value))
        elif isinstance(arg, str):
            tags.append("s")
            parts.append(_string(arg))
        elif isinstance(arg, bytes | bytearray):
            tags.append("b")
            parts.append(struct.pack(">i", len(arg)) + _pad(bytes(arg)))
        else:
            raise TypeError(f"cannot send {type(arg).__name__} over OSC")
    flush()
    return _string(address) + _string("".join(tags)) + b"".join(parts)


def _string(text: str) -> bytes:
    raw = text.encode("utf-8") + b"\x00"
    return _pad(raw)


def _pad(raw: bytes) -> bytes:
    return raw + b"\x00" * (-len(raw) % 4)
