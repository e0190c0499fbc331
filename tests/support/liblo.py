"""liblo (Debian's liblo7, installed with liblo-tools) through ctypes: OSC packets built by a
C library nobody here wrote, byte for byte as liblo's own programs send them.

    data = liblo_message("/class/set", [("i", 3), ("f", 0.5)])
    data = liblo_bundle(when_unix_seconds, [("/truncation", [("f", 0.9)])])
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence

NTP_UNIX_OFFSET = 2_208_988_800


def _load() -> ctypes.CDLL | None:
    for name in ("liblo.so.7", ctypes.util.find_library("lo")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


LIBLO = _load()


class _TimeTag(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_uint32), ("frac", ctypes.c_uint32)]


def _bind() -> None:
    lo = LIBLO
    assert lo is not None
    p = ctypes.c_void_p
    lo.lo_message_new.restype = p
    lo.lo_message_free.argtypes = [p]
    for name, kind in (
        ("lo_message_add_int32", ctypes.c_int32),
        ("lo_message_add_float", ctypes.c_float),
        ("lo_message_add_int64", ctypes.c_int64),
        ("lo_message_add_double", ctypes.c_double),
        ("lo_message_add_string", ctypes.c_char_p),
        ("lo_message_add_symbol", ctypes.c_char_p),
        ("lo_message_add_char", ctypes.c_char),
    ):
        getattr(lo, name).argtypes = [p, kind]
        getattr(lo, name).restype = ctypes.c_int
    for name in (
        "lo_message_add_true",
        "lo_message_add_false",
        "lo_message_add_nil",
        "lo_message_add_infinitum",
    ):
        getattr(lo, name).argtypes = [p]
    lo.lo_message_add_midi.argtypes = [p, ctypes.c_uint8 * 4]
    lo.lo_message_add_blob.argtypes = [p, p]
    lo.lo_message_add_timetag.argtypes = [p, _TimeTag]
    lo.lo_blob_new.argtypes = [ctypes.c_int32, ctypes.c_void_p]
    lo.lo_blob_new.restype = p
    lo.lo_blob_free.argtypes = [p]
    lo.lo_message_length.argtypes = [p, ctypes.c_char_p]
    lo.lo_message_length.restype = ctypes.c_size_t
    lo.lo_message_serialise.argtypes = [p, ctypes.c_char_p, p, ctypes.POINTER(ctypes.c_size_t)]
    lo.lo_message_serialise.restype = p
    lo.lo_bundle_new.argtypes = [_TimeTag]
    lo.lo_bundle_new.restype = p
    lo.lo_bundle_add_message.argtypes = [p, ctypes.c_char_p, p]
    lo.lo_bundle_length.argtypes = [p]
    lo.lo_bundle_length.restype = ctypes.c_size_t
    lo.lo_bundle_serialise.argtypes = [p, p, ctypes.POINTER(ctypes.c_size_t)]
    lo.lo_bundle_serialise.restype = p
    lo.lo_bundle_free_recursive.argtypes = [p]


if LIBLO is not None:
    _bind()

Arg = tuple[str, object]


def _message(args: Sequence[Arg]) -> tuple[int, list[object]]:
    lo = LIBLO
    assert lo is not None, "liblo is not installed (apt-get install liblo-tools)"
    message = lo.lo_message_new()
    keep: list[object] = []
    for tag, value in args:
        if tag == "i":
            lo.lo_message_add_int32(message, value)
        elif tag == "f":
            lo.lo_message_add_float(message, value)
        elif tag == "h":
            lo.lo_message_add_int64(message, value)
        elif tag == "d":
            lo.lo_message_add_double(message, value)
        elif tag in "sS":
            add = lo.lo_message_add_string if tag == "s" else lo.lo_message_add_symbol
            add(message, str(value).encode())
        elif tag == "c":
            lo.lo_message_add_char(message, str(value).encode())
        elif tag == "m":
            lo.lo_message_add_midi(message, (ctypes.c_uint8 * 4)(*value))  # type: ignore[misc]
        elif tag == "b":
            raw = bytes(value)  # type: ignore[call-overload]
            buffer = ctypes.create_string_buffer(raw, len(raw))
            blob = lo.lo_blob_new(len(raw), buffer)
            keep.append(blob)
            lo.lo_message_add_blob(message, blob)
        elif tag == "t":
            sec, frac = value  # type: ignore[misc]
            lo.lo_message_add_timetag(message, _TimeTag(sec, frac))
        else:
            {"T": lo.lo_message_add_true, "F": lo.lo_message_add_false}.get(
                tag, {"N": lo.lo_message_add_nil, "I": lo.lo_message_add_infinitum}.get(tag)
            )(message)
    return message, keep


def liblo_message(address: str, args: Sequence[Arg]) -> bytes:
    """One message, serialised by liblo."""
    lo = LIBLO
    message, blobs = _message(args)
    try:
        size = ctypes.c_size_t(lo.lo_message_length(message, address.encode()))
        out = ctypes.create_string_buffer(size.value)
        lo.lo_message_serialise(message, address.encode(), out, ctypes.byref(size))
        return out.raw[: size.value]
    finally:
        lo.lo_message_free(message)
        for blob in blobs:
            lo.lo_blob_free(blob)


def liblo_bundle(when: float | None, messages: Sequence[tuple[str, Sequence[Arg]]]) -> bytes:
    """A bundle at ``when`` (Unix seconds; None: immediately), serialised by liblo."""
    lo = LIBLO
    assert lo is not None, "liblo is not installed (apt-get install liblo-tools)"
    if when is None:
        tag = _TimeTag(0, 1)
    else:
        ntp = when + NTP_UNIX_OFFSET
        tag = _TimeTag(int(ntp), int((ntp - int(ntp)) * 2**32))
    bundle = lo.lo_bundle_new(tag)
    blobs: list[object] = []
    try:
        for address, args in messages:
            message, keep = _message(args)
            blobs += keep
            lo.lo_bundle_add_message(bundle, address.encode(), message)
        size = ctypes.c_size_t(lo.lo_bundle_length(bundle))
        out = ctypes.create_string_buffer(size.value)
        lo.lo_bundle_serialise(bundle, out, ctypes.byref(size))
        return out.raw[: size.value]
    finally:
        lo.lo_bundle_free_recursive(bundle)
        for blob in blobs:
            lo.lo_blob_free(blob)
