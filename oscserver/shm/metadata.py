"""The per-frame metadata in a slot: a msgpack map (docs/shm.md, "Metadata").

Both directions live here, with nothing but the standard library:

- the writer's fast path, :func:`pack_fixed_metadata`: the map of a frame's
  :data:`FIXED_METADATA_KEYS` plus ``seq`` written with one ``struct.pack_into``, at fixed
  offsets, instead of building a dict and running a general msgpack encoder for every frame
  (tests/shm/test_metadata.py checks it against ``msgpack.packb`` and ``Frame.metadata()``);
- the reader's :func:`unpack_metadata`, which uses the msgpack package when it is installed and
  otherwise :func:`decode_msgpack`, a small decoder of its own.
"""

from __future__ import annotations

import struct
from typing import Any, Protocol

try:  # optional: only makes decoding faster; decode_msgpack does without it
    import msgpack
except ImportError:
    msgpack = None

# ----- writing: the fixed-layout encoder --------------------------------------------------------

FIXED_METADATA_KEYS = (
    "frame",
    "clock_time",
    "render_ms",
    "osc_seq",
    "osc_arrival",
    "published",
    "tick_time",
    "beat",
)
"""The keys ``Frame.metadata()`` returns, in order, that the fast metadata encoder writes."""

_FIXED_METADATA_FIELDS = (*(zip(FIXED_METADATA_KEYS, "qddqdddd", strict=True)), ("seq", "q"))


class FrameFacts(Protocol):
    """What :func:`pack_fixed_metadata` reads from a frame (``oscserver.core.frame.Frame`` has
    it); read-only, so a frozen dataclass fits."""

    @property
    def index(self) -> int: ...
    @property
    def clock_time(self) -> float: ...
    @property
    def render_ms(self) -> float: ...
    @property
    def osc_seq(self) -> int: ...
    @property
    def osc_arrival(self) -> float: ...
    @property
    def published(self) -> float: ...
    @property
    def tick_time(self) -> float: ...
    @property
    def beat(self) -> float: ...


def _fixed_metadata_encoder() -> tuple[struct.Struct, tuple[bytes, ...]]:
    """A struct for the msgpack map of :data:`FIXED_METADATA_KEYS` plus ``seq``: per entry the
    key (fixstr) and the value's type byte (0xd3 int64, 0xcb float64) as one constant, then the
    big-endian value."""
    layout, prefixes = ">B", []
    for key, kind in _FIXED_METADATA_FIELDS:
        prefix = bytes([0xA0 | len(key)]) + key.encode() + (b"\xd3" if kind == "q" else b"\xcb")
        layout += f"{len(prefix)}s{kind}"
        prefixes.append(prefix)
    return struct.Struct(layout), tuple(prefixes)


_FIXED_METADATA, _KEY_PREFIXES = _fixed_metadata_encoder()

FIXED_METADATA_SIZE = _FIXED_METADATA.size
"""Bytes :func:`pack_fixed_metadata` writes (the same for every frame)."""

_FIXED_METADATA_PACK = _FIXED_METADATA.pack_into
_FIXED_MAP_HEADER = 0x80 | len(_KEY_PREFIXES)  # msgpack fixmap of 9 entries
(_K_FRAME, _K_CLOCK, _K_RENDER, _K_OSC_SEQ, _K_ARRIVAL, _K_PUBLISHED, _K_TICK, _K_BEAT, _K_SEQ) = (
    _KEY_PREFIXES
)


def pack_fixed_metadata(
    buf: memoryview | bytearray, offset: int, frame: FrameFacts, seq: int
) -> None:
    """Write ``frame.metadata()`` plus ``seq`` as a msgpack map of :data:`FIXED_METADATA_SIZE`
    bytes at ``offset``. Ints go out as int64 and floats as float64 whatever their value, so any
    msgpack decoder reads the same map the general encoder would write.

    Raises ``struct.error`` for a value of another type (or an int beyond int64); the writer
    then falls back to the general encoder.
    """
    _FIXED_METADATA_PACK(
        buf,
        offset,
        _FIXED_MAP_HEADER,
        _K_FRAME,
        frame.index,
        _K_CLOCK,
        frame.clock_time,
        _K_RENDER,
        frame.render_ms,
        _K_OSC_SEQ,
        frame.osc_seq,
        _K_ARRIVAL,
        frame.osc_arrival,
        _K_PUBLISHED,
        frame.published,
        _K_TICK,
        frame.tick_time,
        _K_BEAT,
        frame.beat,
        _K_SEQ,
        seq,
    )


# ----- reading ----------------------------------------------------------------------------------


def unpack_metadata(data: bytes) -> dict[str, Any]:
    """Decode a slot's msgpack metadata (with msgpack if installed, else the built-in decoder)."""
    if msgpack is not None:
        try:
            value = msgpack.unpackb(data, raw=False, strict_map_key=False)
        except Exception as exc:  # msgpack raises several unrelated types
            raise ValueError(str(exc)) from exc
    else:
        value = decode_msgpack(data)
    if not isinstance(value, dict):
        raise ValueError(f"metadata is a {type(value).__name__}, expected a map")
    return value


def decode_msgpack(data: bytes) -> Any:
    """A small msgpack decoder (nil, bool, int, float, str, bin, array, map; no ext types)."""
    value, end = _decode(data, 0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes left over after the msgpack value")
    return value


_FIXED = {0xC0: None, 0xC2: False, 0xC3: True}
_NUMBERS = {
    0xCA: struct.Struct(">f"),
    0xCB: struct.Struct(">d"),
    0xCC: struct.Struct(">B"),
    0xCD: struct.Struct(">H"),
    0xCE: struct.Struct(">I"),
    0xCF: struct.Struct(">Q"),
    0xD0: struct.Struct(">b"),
    0xD1: struct.Struct(">h"),
    0xD2: struct.Struct(">i"),
    0xD3: struct.Struct(">q"),
}
_LENGTHS = {1: struct.Struct(">B"), 2: struct.Struct(">H"), 4: struct.Struct(">I")}
# type byte -> (kind, bytes of the length that follows)
_SIZED = {
    0xC4: ("bin", 1),
    0xC5: ("bin", 2),
    0xC6: ("bin", 4),
    0xD9: ("str", 1),
    0xDA: ("str", 2),
    0xDB: ("str", 4),
    0xDC: ("array", 2),
    0xDD: ("array", 4),
    0xDE: ("map", 2),
    0xDF: ("map", 4),
}


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    if pos >= len(data):
        raise ValueError("msgpack data ends in the middle of a value")
    byte = data[pos]
    pos += 1
    if byte <= 0x7F:
        return byte, pos
    if byte >= 0xE0:
        return byte - 0x100, pos
    if 0x80 <= byte <= 0x8F:
        return _decode_container("map", byte & 0x0F, data, pos)
    if 0x90 <= byte <= 0x9F:
        return _decode_container("array", byte & 0x0F, data, pos)
    if 0xA0 <= byte <= 0xBF:
        return _take(data, pos, byte & 0x1F, "str")
    if byte in _FIXED:
        return _FIXED[byte], pos
    if byte in _NUMBERS:
        number = _NUMBERS[byte]
        if pos + number.size > len(data):
            raise ValueError("msgpack data ends in the middle of a number")
        return number.unpack_from(data, pos)[0], pos + number.size
    if byte in _SIZED:
        kind, width = _SIZED[byte]
        if pos + width > len(data):
            raise ValueError("msgpack data ends in the middle of a length")
        length = _LENGTHS[width].unpack_from(data, pos)[0]
        pos += width
        if kind in ("str", "bin"):
            return _take(data, pos, length, kind)
        return _decode_container(kind, length, data, pos)
    raise ValueError(f"unsupported msgpack type byte 0x{byte:02x}")


def _take(data: bytes, pos: int, length: int, kind: str) -> tuple[Any, int]:
    end = pos + length
    if end > len(data):
        raise ValueError(f"msgpack {kind} runs past the end of the data")
    chunk = bytes(data[pos:end])
    if kind == "str":
        try:
            return chunk.decode("utf-8"), end
        except UnicodeDecodeError as exc:
            raise ValueError(f"msgpack str is not UTF-8: {exc}") from exc
    return chunk, end


def _decode_container(kind: str, count: int, data: bytes, pos: int) -> tuple[Any, int]:
    if kind == "array":
        items = []
        for _ in range(count):
            item, pos = _decode(data, pos)
            items.append(item)
        return items, pos
    mapping = {}
    for _ in range(count):
        key, pos = _decode(data, pos)
        value, pos = _decode(data, pos)
        if isinstance(key, list):
            key = tuple(key)
        mapping[key] = value
    return mapping, pos
