"""A strict OSC decoder: every length checked before it is read, every byte accounted for.

OSC 1.0 plus the 1.1 types: ``i f s b h t d S c r m T F N I`` and arrays ``[ ]``. A datagram
is either decoded whole or refused whole with ``MalformedPacket``, whose ``kind`` names what was
wrong (the key it is counted under) and whose message says where. Nothing is guessed: an
unknown type tag, an argument cut off, bytes left over after the last argument, a string that
is not terminated or padded with zeros, and a bundle element whose size is not a positive
multiple of 4 that fits in what is left are all refused. Bundles nest at most
``MAX_BUNDLE_DEPTH`` deep. The work per datagram is bounded by its length: every step of every
loop consumes at least one byte of the datagram.

    packet = decode(datagram)
    for message in packet.messages:  # in order; bundles flattened
        message.address, message.args, message.time  # time: Unix seconds or None (now)
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from functools import lru_cache

from oscserver.osc.values import Char, Color, Impulse, Midi, Symbol, TimeTag

MAX_BUNDLE_DEPTH = 8
BUNDLE_HEADER = b"#bundle\x00"

_INT32 = struct.Struct(">i")
_UINT32X2 = struct.Struct(">II")
_BYTES4 = struct.Struct(">4B")
_NUMERIC = {"i": ("i", 4), "f": ("f", 4), "h": ("q", 8), "d": ("d", 8)}
_NO_DATA = {"T": True, "F": False, "N": None, "I": Impulse}
_RUNS = re.compile(r"(.)\1*", re.DOTALL)
_TO_STRUCT = str.maketrans("h", "q")
_CACHED_TAGS = 2048


class MalformedPacket(ValueError):
    """A datagram that is not valid OSC. ``kind`` is a short key for counting."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Message:
    """One OSC message. ``time`` is when it should take effect (Unix seconds), or None for
    "as soon as it arrives" (no bundle, or the bundle tag "immediately")."""

    address: str
    args: tuple[object, ...]
    time: float | None = None


@dataclass(frozen=True, slots=True)
class Packet:
    """What one datagram held: its messages in order, and how many bundles were empty."""

    messages: tuple[Message, ...]
    empty_bundles: int = 0


def decode(data: bytes) -> Packet:
    """Decode one datagram, or raise ``MalformedPacket`` saying what is wrong with it."""
    if not isinstance(data, bytes):
        data = bytes(data)
    size = len(data)
    if size == 0:
        raise MalformedPacket("empty", "empty datagram")
    if size % 4:
        raise MalformedPacket(
            "not_aligned", f"{size} bytes is not a multiple of 4 (a cut-off datagram?)"
        )
    messages: list[Message] = []
    if data.startswith(BUNDLE_HEADER):
        empty = _bundle(data, 0, size, 0, messages)
    else:
        messages.append(_message(data, 0, size, None))
        empty = 0
    return Packet(tuple(messages), empty)


def is_pattern(address: str) -> bool:
    """Whether an address uses OSC pattern characters (``? * [ ] { }``)."""
    return any(c in address for c in "?*[]{}")


# -- bundles ----------------------------------------------------------------------------------


def _bundle(data: bytes, start: int, end: int, depth: int, out: list[Message]) -> int:
    """Append the messages of the bundle at ``data[start:end]``; return empty bundles seen."""
    if depth >= MAX_BUNDLE_DEPTH:
        raise MalformedPacket(
            "too_deep", f"bundles nested more than {MAX_BUNDLE_DEPTH} deep at byte {start}"
        )
    if end - start < 16:
        raise MalformedPacket(
            "bundle_too_short", f"bundle at byte {start} has no room for its time tag"
        )
    tag = TimeTag(*_UINT32X2.unpack_from(data, start + 8))
    time = None if tag.immediately else tag.unix
    pos = start + 16
    if pos == end:
        return 1
    empty = 0
    while pos < end:
        if end - pos < 4:
            raise MalformedPacket("bad_element_size", f"bundle element size cut off at byte {pos}")
        (length,) = _INT32.unpack_from(data, pos)
        pos += 4
        if length <= 0 or length % 4 or length > end - pos:
            raise MalformedPacket(
                "bad_element_size",
                f"bundle element at byte {pos - 4} says {length} bytes; an element size must "
                f"be a positive multiple of 4 that fits in the {end - pos} bytes left",
            )
        if data.startswith(BUNDLE_HEADER, pos):
            empty += _bundle(data, pos, pos + length, depth + 1, out)
        else:
            out.append(_message(data, pos, pos + length, time))
        pos += length
    return empty


# -- messages ---------------------------------------------------------------------------------


def _message(data: bytes, start: int, end: int, time: float | None) -> Message:
    if data[start] != 0x2F:  # "/"
        raise MalformedPacket(
            "bad_address", f"a message at byte {start} must start with '/', got {data[start]:#x}"
        )
    address, pos = _string(data, start, end, "the address")
    if pos == end:  # OSC 1.0: old senders may leave out the type tag string
        return Message(address, (), time)
    if data[pos] != 0x2C:  # ","
        raise MalformedPacket(
            "bad_type_tags", f"{address!r:.80}: the type tag string must start with ','"
        )
    tags, pos = _string(data, pos, end, "the type tags")
    args, pos = _arguments(data, pos, end, tags[1:], address)
    if pos != end:
        raise MalformedPacket(
            "trailing_bytes",
            f"{address!r:.80}: {end - pos} bytes left over after the last argument "
            f"(type tags {tags!r:.40})",
        )
    return Message(address, args, time)


def _string(data: bytes, start: int, end: int, what: str) -> tuple[str, int]:
    """An OSC string at ``start``: zero-terminated, zero-padded to 4 bytes."""
    nul = data.find(b"\x00", start, end)
    if nul < 0:
        raise MalformedPacket("bad_string", f"{what} at byte {start} is not zero-terminated")
    after = (nul + 4) & ~3
    if after > end:
        raise MalformedPacket("bad_string", f"{what} at byte {start} is not padded to 4 bytes")
    if data.count(0, nul, after) != after - nul:
        raise MalformedPacket("bad_string", f"{what} at byte {start} is padded with non-zeros")
    try:
        text = data[start:nul].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPacket("bad_string", f"{what} at byte {start} is not UTF-8: {exc}") from None
    return text, after


def _arguments(
    data: bytes, pos: int, end: int, tags: str, address: str
) -> tuple[tuple[object, ...], int]:
    if not tags.strip("ifhd"):  # numbers only, the common case: one unpack
        layout = _numbers_layout(tags) if len(tags) <= _CACHED_TAGS else _layout(tags)
        if layout.size > end - pos:
            raise MalformedPacket(
                "truncated_argument",
                f"{address!r:.80}: type tags {tags!r:.40} need {layout.size} bytes of "
                f"arguments, only {end - pos} left",
            )
        return layout.unpack_from(data, pos), pos + layout.size
    args: list[object] = []
    stack: list[list[object]] = []
    index = 0
    for run in _RUNS.finditer(tags):
        tag = run.group(1)
        count = run.end() - run.start()
        numeric = _NUMERIC.get(tag)
        if numeric is not None:
            code, width = numeric
            need = width * count
            if need > end - pos:
                raise _cut_off(address, index, tag, need, end - pos)
            args.extend(struct.unpack_from(f">{count}{code}", data, pos))
            pos += need
        elif tag in _NO_DATA:
            args.extend([_NO_DATA[tag]] * count)
        elif tag == "[":
            for _ in range(count):
                stack.append(args)
                args = []
        elif tag == "]":
            for _ in range(count):
                if not stack:
                    raise MalformedPacket(
                        "bad_type_tags", f"{address!r:.80}: ']' without '[' in the type tags"
                    )
                inner, args = args, stack.pop()
                args.append(inner)
        else:
            for _ in range(count):
                value, pos = _one(data, pos, end, tag, address, index)
                args.append(value)
                index += 1
            continue
        index += count
    if stack:
        raise MalformedPacket("bad_type_tags", f"{address!r:.80}: '[' without ']' in the type tags")
    return tuple(args), pos


@lru_cache(maxsize=256)
def _numbers_layout(tags: str) -> struct.Struct:
    return _layout(tags)


def _layout(tags: str) -> struct.Struct:
    return struct.Struct(">" + tags.translate(_TO_STRUCT))


def _one(data: bytes, pos: int, end: int, tag: str, address: str, index: int) -> tuple[object, int]:
    """One argument of a type with its own layout."""
    if tag in "sS":
        if pos >= end:
            raise _cut_off(address, index, tag, 4, 0)
        text, pos = _string(data, pos, end, f"{address!r:.80} argument {index}")
        return (Symbol(text) if tag == "S" else text), pos
    if tag == "b":
        if end - pos < 4:
            raise _cut_off(address, index, tag, 4, end - pos)
        (length,) = _INT32.unpack_from(data, pos)
        padded = (length + 3) & ~3
        if length < 0 or padded > end - pos - 4:
            raise MalformedPacket(
                "truncated_argument",
                f"{address!r:.80}: blob (argument {index}) says {length} bytes, "
                f"{end - pos - 4} left",
            )
        blob = data[pos + 4 : pos + 4 + length]
        if data.count(0, pos + 4 + length, pos + 4 + padded) != padded - length:
            raise MalformedPacket(
                "bad_string", f"{address!r:.80}: blob (argument {index}) padded with non-zeros"
            )
        return blob, pos + 4 + padded
    if tag in "crmt":
        width = 8 if tag == "t" else 4
        if end - pos < width:
            raise _cut_off(address, index, tag, width, end - pos)
        if tag == "t":
            return TimeTag(*_UINT32X2.unpack_from(data, pos)), pos + 8
        if tag == "c":
            return Char(_INT32.unpack_from(data, pos)[0]), pos + 4
        parts = _BYTES4.unpack_from(data, pos)
        return (Color(*parts) if tag == "r" else Midi(*parts)), pos + 4
    raise MalformedPacket(
        "unknown_type_tag",
        f"{address!r:.80}: unknown type tag {tag!r} (argument {index}); its size is unknown, so "
        "nothing after it can be read",
    )


def _cut_off(address: str, index: int, tag: str, need: int, left: int) -> MalformedPacket:
    return MalformedPacket(
        "truncated_argument",
        f"{address!r:.80}: argument {index} ({tag!r}) needs {need} bytes, only {left} left",
    )
