"""Build a Max for Live device (.amxd) from a readable Max patcher (.maxpat), and read one back.

    python tools/build_amxd.py patches/maxforlive/oscserver.maxpat            # -> oscserver.amxd
    python tools/build_amxd.py SRC.maxpat -o OUT.amxd --type audio
    python tools/build_amxd.py --extract OUT.amxd                             # JSON to stdout

An unfrozen .amxd is a short chain of chunks, each a 4-byte ASCII tag, a little-endian uint32
length and that many bytes (layout as Max writes it, reconstructed from saved devices):

    "ampf"  4   device type: "aaaa" audio effect, "mmmm" MIDI effect, "iiii" instrument
    "meta"  4   uint32, 0 here
    "ptch"  N   the patcher JSON (UTF-8), ending in a NUL byte

Frozen devices (a "mx@c" container with embedded files in "ptch") are not written or read, and
neither are encrypted ones (a "ciph" chunk): --extract refuses both with a one-line error.
Writing then reading gives back the same JSON text, byte for byte.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

from oscserver.core.options import Parser

DEVICE_TYPES = {"audio": b"aaaa", "midi": b"mmmm", "instrument": b"iiii"}
_LENGTH = struct.Struct("<I")


class AmxdError(ValueError):
    """The file is not an unfrozen Max for Live device this tool understands."""


def chunk(tag: bytes, payload: bytes) -> bytes:
    """One chunk: 4-byte tag, little-endian uint32 length, payload."""
    if len(tag) != 4:
        raise AmxdError(f"chunk tags are 4 bytes, got {tag!r}")
    return tag + _LENGTH.pack(len(payload)) + payload


def build_amxd(patcher_json: str, device_type: str = "audio") -> bytes:
    """The .amxd bytes for the patcher JSON text ``patcher_json``."""
    if device_type not in DEVICE_TYPES:
        raise AmxdError(f"device type {device_type!r}: expected one of {sorted(DEVICE_TYPES)}")
    document = json.loads(patcher_json)  # refuse text that is not JSON before writing anything
    if not isinstance(document, dict) or "patcher" not in document:
        raise AmxdError('the JSON must be an object with a "patcher" key, as a .maxpat is')
    return (
        chunk(b"ampf", DEVICE_TYPES[device_type])
        + chunk(b"meta", _LENGTH.pack(0))
        + chunk(b"ptch", patcher_json.encode("utf-8") + b"\0")
    )


def iter_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(tag, payload) of each chunk of ``data`` in order; :class:`AmxdError` when truncated."""
    offset = 0
    while offset < len(data):
        if offset + 8 > len(data):
            raise AmxdError(f"truncated chunk header at byte {offset}")
        tag = data[offset : offset + 4]
        (length,) = _LENGTH.unpack_from(data, offset + 4)
        end = offset + 8 + length
        if end > len(data):
            raise AmxdError(f"chunk {tag!r} at byte {offset} runs past the end of the file")
        yield tag, data[offset + 8 : end]
        offset = end


def read_chunks(data: bytes) -> dict[bytes, bytes]:
    """Every chunk of ``data`` by tag; raises :class:`AmxdError` on a truncated or encrypted
    file (an encrypted device is refused as soon as its ``ciph`` chunk is seen)."""
    chunks: dict[bytes, bytes] = {}
    for tag, payload in iter_chunks(data):
        if tag == b"ciph":
            raise AmxdError(
                "the device is encrypted (it has a 'ciph' chunk) and cannot be extracted"
            )
        chunks[tag] = payload
    return chunks


def read_amxd(data: bytes) -> tuple[str, str]:
    """(device type, patcher JSON text) of an unfrozen, unencrypted .amxd."""
    if data[:4] != b"ampf":
        raise AmxdError(f"not a Max for Live device: starts with {data[:4]!r}, expected b'ampf'")
    chunks = read_chunks(data)
    kinds = {code: name for name, code in DEVICE_TYPES.items()}
    kind = kinds.get(chunks.get(b"ampf", b""))
    if kind is None:
        raise AmxdError(f"unknown device type {chunks.get(b'ampf')!r}")
    patch = chunks.get(b"ptch")
    if patch is None:
        raise AmxdError("no ptch chunk: the file holds no patcher")
    if patch.startswith(b"mx@c"):
        raise AmxdError("a frozen device (mx@c container); unfreeze it in Max first")
    return kind, patch.rstrip(b"\0").decode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help=".maxpat to build, or .amxd with --extract")
    parser.add_argument("-o", "--output", type=Path, help="default: SOURCE with .amxd")
    parser.add_argument("--type", choices=sorted(DEVICE_TYPES), default="audio")
    parser.add_argument("--extract", action="store_true", help="print an .amxd's patcher JSON")
    args = parser.parse_args(argv)
    try:
        if args.extract:
            kind, text = read_amxd(args.source.read_bytes())
            print(f"{args.source}: {kind} device", file=sys.stderr)
            sys.stdout.write(text)
            return 0
        output = args.output or args.source.with_suffix(".amxd")
        data = build_amxd(args.source.read_text(encoding="utf-8"), args.type)
        output.write_bytes(data)
        if read_amxd(data)[1] != args.source.read_text(encoding="utf-8"):
            raise AmxdError("the device did not read back to the same JSON")
    except (OSError, AmxdError, json.JSONDecodeError) as exc:
        print(f"error: {args.source}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {output} ({len(data)} bytes, {args.type} device)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
