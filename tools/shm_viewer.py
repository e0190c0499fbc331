"""Save the newest frame an oscserver published to shared memory as a PNG and print its metadata.

    python tools/shm_viewer.py                       # oscserver -> latest.png
    python tools/shm_viewer.py --shm NAME -o out.png --wait 10
    python tools/shm_viewer.py --watch               # rewrite the PNG for every new frame

Needs numpy (and msgpack if installed) and the reader in ``oscserver/shm/``; the PNG is written
with the standard library.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from pathlib import Path

from oscserver.core.options import Parser

try:
    from oscserver.shm import FrameReader
except ImportError:  # run from a checkout without oscserver installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from oscserver.shm import FrameReader

_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (grey, grey+alpha, RGB, RGBA)


def png_bytes(pixels) -> bytes:
    """Encode a (height, width, channels) uint8 array as PNG (8 bits per sample, no filter)."""
    height, width, channels = pixels.shape
    if channels not in _COLOR_TYPES:
        raise ValueError(f"cannot write a PNG with {channels} channels (1 to 4 are possible)")
    rows = pixels.reshape(height, width * channels)
    raw = b"".join(b"\x00" + rows[y].tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def save_png(path: Path, pixels) -> None:
    """Write the PNG next to ``path`` first, then rename, so watchers never see half a file."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(png_bytes(pixels))
    os.replace(partial, path)


def describe(pixels, metadata: dict) -> str:
    height, width, channels = pixels.shape
    return f"{width}x{height}x{channels} " + json.dumps(metadata, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--shm", default="oscserver", help="shared-memory name (default oscserver)")
    parser.add_argument("-o", "--output", type=Path, default=Path("latest.png"), help="PNG path")
    parser.add_argument(
        "--wait", type=float, default=2.0, help="seconds to wait for a frame (default 2)"
    )
    parser.add_argument(
        "--watch", action="store_true", help="keep saving every new frame until Ctrl-C"
    )
    args = parser.parse_args(argv)

    with FrameReader(args.shm) as reader:
        got = reader.wait(args.wait)
        if got is None:
            got = reader.read(only_new=False)
        if got is None:
            why = reader.last_error or "no frame was published"
            print(
                f"no frame from shared memory {args.shm!r} within {args.wait:g} s: {why}",
                file=sys.stderr,
            )
            return 1
        save_png(args.output, got[0])
        print(f"{args.output}: {describe(*got)}", flush=True)
        if not args.watch:
            return 0
        last_complaint = None
        try:
            while True:
                got = reader.wait(1.0)
                if got is None:
                    if reader.last_error and reader.last_error != last_complaint:
                        print(f"waiting: {reader.last_error}", file=sys.stderr, flush=True)
                    last_complaint = reader.last_error
                    continue
                last_complaint = None
                save_png(args.output, got[0])
                print(f"{args.output}: {describe(*got)}", flush=True)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
