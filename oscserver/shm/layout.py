"""Binary layout of the shared-memory frame ring, shared by the writer and every reader.

Everything is little-endian and at fixed offsets; docs/shm.md is the full specification.
This module needs only the standard library, like the rest of the reader side of
``oscserver/shm/`` (which needs numpy too), so a reader can use that folder anywhere (for example
inside TouchDesigner) without the rest of oscserver. It also holds :class:`Segment`, the one way
both sides open an existing segment by name.

Segment::

    [ header: HEADER_SIZE bytes ][ slot 0 ][ slot 1 ] ... [ slot slot_count-1 ]

    slot i starts at header_size + i * slot_stride

Slot::

    [ slot header: SLOT_HEADER_SIZE bytes ][ msgpack metadata, metadata_capacity bytes ]
    [ padding to 64 ][ pixels: height x width x channels uint8, row-major, top row first ]
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
from dataclasses import dataclass
from typing import Protocol

try:  # the C module multiprocessing.shared_memory itself uses on POSIX
    import _posixshmem
except ImportError:  # Windows, or a Python without it
    _posixshmem = None

MAGIC = b"OSCFRAME"
"""The first 8 bytes of every segment oscserver writes."""

LAYOUT_VERSION = 1
"""Version of this layout; a reader refuses a segment with a version it does not know."""

ALIGNMENT = 64
"""Slots, the metadata area and the pixel area all start on multiples of this many bytes."""

HEADER_SIZE = 128
"""Size of the segment header in bytes (written into the header too)."""

SLOT_HEADER_SIZE = 64
"""Size of the per-slot header in bytes; the metadata area follows it."""

DEFAULT_METADATA_CAPACITY = 4096
"""Bytes reserved per slot for the msgpack metadata."""

DTYPE_UINT8 = 1
"""Pixel element type code: unsigned 8-bit integer (the only one defined)."""

HEADER_FIXED = struct.Struct("<8sIIIIIIIIIIQQ")
"""Header bytes 0-63, written once when the writer starts: magic, version, header_size, width,
height, channels, dtype, slot_count, metadata_capacity, metadata_offset (within a slot),
pixel_offset (within a slot), slot_stride, pixel_bytes."""

HEADER_STATE_OFFSET = 64
"""Offset of :data:`HEADER_STATE` in the header."""

HEADER_STATE = struct.Struct("<QQdQI")
"""Header bytes 64-99: generation (u64, random per server start), writer_pid (u64), created
(f64, wall-clock seconds since the epoch), latest_seq (u64, publish sequence number of the newest
complete frame, 0 before the first), closed (u32, 1 once the writer has shut down)."""

GENERATION_OFFSET = 64
"""Offset of the generation (u64) in the header."""

WRITER_PID_OFFSET = 72
"""Offset of the writer's process id (u64) in the header."""

CREATED_OFFSET = 80
"""Offset of the creation time (f64) in the header."""

LATEST_SEQ_OFFSET = 88
"""Offset of latest_seq (u64) in the header; the newest frame is in slot (latest_seq-1) % slots."""

CLOSED_OFFSET = 96
"""Offset of the closed flag (u32) in the header."""

U64 = struct.Struct("<Q")
"""One little-endian u64 (slot lock, latest_seq, generation, pid)."""

U32 = struct.Struct("<I")
"""One little-endian u32 (closed flag)."""

SLOT_LOCK_OFFSET = 0
"""Offset within a slot of its seqlock counter (u64): odd while being written, even when stable."""

SLOT_INFO_OFFSET = 8
"""Offset within a slot of :data:`SLOT_INFO`."""

SLOT_INFO = struct.Struct("<QI")
"""Slot bytes 8-19: frame_seq (u64, publish sequence number of the frame in the slot, 0 if the
slot was never written; equals the metadata's ``seq``) and metadata_length (u32, bytes of msgpack
in the metadata area)."""


class LayoutError(ValueError):
    """The bytes are not a usable oscserver frame ring (wrong magic, version or sizes)."""


class LayoutNotReady(LayoutError):
    """The segment exists but its header is not written yet (all-zero magic)."""


def align(value: int, alignment: int = ALIGNMENT) -> int:
    """Round ``value`` up to a multiple of ``alignment``."""
    return (value + alignment - 1) // alignment * alignment


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything lives in a segment: the fixed part of the header, in plain words."""

    width: int
    height: int
    channels: int
    slot_count: int
    metadata_capacity: int
    metadata_offset: int
    """Offset of the metadata area from the start of a slot."""
    pixel_offset: int
    """Offset of the pixel area from the start of a slot (a multiple of 64)."""
    slot_stride: int
    """Distance in bytes between the starts of consecutive slots (a multiple of 64)."""
    header_size: int = HEADER_SIZE
    dtype: int = DTYPE_UINT8

    @classmethod
    def for_frames(
        cls,
        width: int,
        height: int,
        channels: int,
        slot_count: int,
        metadata_capacity: int = DEFAULT_METADATA_CAPACITY,
    ) -> Layout:
        """The layout the writer uses for frames of this size."""
        for label, value in (("width", width), ("height", height), ("channels", channels)):
            if value < 1:
                raise LayoutError(f"frame {label} must be at least 1, got {value}")
        if slot_count < 1:
            raise LayoutError(f"slot count must be at least 1, got {slot_count}")
        if metadata_capacity < 64:
            raise LayoutError(
                f"metadata capacity must be at least 64 bytes, got {metadata_capacity}"
            )
        metadata_offset = SLOT_HEADER_SIZE
        pixel_offset = align(metadata_offset + metadata_capacity)
        slot_stride = align(pixel_offset + width * height * channels)
        return cls(
            width=width,
            height=height,
            channels=channels,
            slot_count=slot_count,
            metadata_capacity=metadata_capacity,
            metadata_offset=metadata_offset,
            pixel_offset=pixel_offset,
            slot_stride=slot_stride,
        )

    @property
    def pixel_bytes(self) -> int:
        """Bytes of one frame's pixels: height x width x channels."""
        return self.width * self.height * self.channels

    @property
    def shape(self) -> tuple[int, int, int]:
        """Pixel array shape: (height, width, channels)."""
        return (self.height, self.width, self.channels)

    @property
    def total_size(self) -> int:
        """Bytes the whole segment needs."""
        return self.header_size + self.slot_count * self.slot_stride

    def slot_offset(self, slot: int) -> int:
        """Offset of slot ``slot`` from the start of the segment."""
        return self.header_size + slot * self.slot_stride


def write_fixed_header(buf: memoryview, layout: Layout, *, magic: bytes = MAGIC) -> None:
    """Write header bytes 0-63. Pass ``magic=bytes(8)`` to write everything but the magic."""
    HEADER_FIXED.pack_into(
        buf,
        0,
        magic,
        LAYOUT_VERSION,
        layout.header_size,
        layout.width,
        layout.height,
        layout.channels,
        layout.dtype,
        layout.slot_count,
        layout.metadata_capacity,
        layout.metadata_offset,
        layout.pixel_offset,
        layout.slot_stride,
        layout.pixel_bytes,
    )


def read_layout(buf: memoryview | bytes) -> Layout:
    """Parse and check the fixed header of a segment.

    Raises :class:`LayoutNotReady` if the magic is still all zeros and :class:`LayoutError` if the
    bytes are not an oscserver frame ring this code understands or do not fit in ``buf``.
    """
    size = len(buf)
    if size < HEADER_SIZE:
        raise LayoutError(f"segment is {size} bytes, smaller than the {HEADER_SIZE}-byte header")
    (
        magic,
        version,
        header_size,
        width,
        height,
        channels,
        dtype,
        slot_count,
        metadata_capacity,
        metadata_offset,
        pixel_offset,
        slot_stride,
        pixel_bytes,
    ) = HEADER_FIXED.unpack_from(buf, 0)
    if magic == bytes(8):
        raise LayoutNotReady("segment header is not written yet (magic is all zeros)")
    if magic != MAGIC:
        raise LayoutError(f"segment magic is {magic!r}, expected {MAGIC!r}: not an oscserver ring")
    if version != LAYOUT_VERSION:
        raise LayoutError(f"segment layout version is {version}, this code reads {LAYOUT_VERSION}")
    if dtype != DTYPE_UINT8:
        raise LayoutError(f"pixel dtype code is {dtype}, expected {DTYPE_UINT8} (uint8)")
    layout = Layout(
        width=width,
        height=height,
        channels=channels,
        slot_count=slot_count,
        metadata_capacity=metadata_capacity,
        metadata_offset=metadata_offset,
        pixel_offset=pixel_offset,
        slot_stride=slot_stride,
        header_size=header_size,
        dtype=dtype,
    )
    problems = []
    if header_size < HEADER_SIZE:
        problems.append(f"header_size {header_size} < {HEADER_SIZE}")
    if min(width, height, channels, slot_count) < 1:
        problems.append(f"empty frame or ring ({width}x{height}x{channels}, {slot_count} slots)")
    if pixel_bytes != layout.pixel_bytes:
        problems.append(f"pixel_bytes {pixel_bytes} != width*height*channels")
    if metadata_offset < SLOT_HEADER_SIZE:
        problems.append(f"metadata_offset {metadata_offset} < {SLOT_HEADER_SIZE}")
    if pixel_offset < metadata_offset + metadata_capacity:
        problems.append(f"pixel_offset {pixel_offset} overlaps the metadata area")
    if slot_stride < pixel_offset + pixel_bytes:
        problems.append(f"slot_stride {slot_stride} is smaller than one slot")
    if not problems and layout.total_size > size:
        problems.append(f"needs {layout.total_size} bytes but the segment has {size}")
    if problems:
        raise LayoutError("inconsistent segment header: " + "; ".join(problems))
    return layout


class Mapped(Protocol):
    """A mapped segment: a :class:`Segment`, or a ``SharedMemory`` the writer created."""

    @property
    def name(self) -> str: ...

    @property
    def buf(self) -> memoryview | None:
        """The memory, or None once the segment is closed."""
        ...


def live_view(segment: Mapped) -> memoryview:
    """``segment.buf``; ``ValueError`` naming the segment if it has been closed."""
    buf = segment.buf
    if buf is None:
        raise ValueError(f"shared memory {segment.name!r} is closed")
    return buf


class Segment:
    """An existing named segment mapped into this process.

    Unlike ``multiprocessing.shared_memory.SharedMemory(name)`` on Python < 3.13, this does not
    register the segment with multiprocessing's resource tracker, so this process exiting never
    removes a segment it only opened, and no tracker process is started (which matters inside
    host applications such as TouchDesigner, where ``sys.executable`` is not Python).

    Raises ``FileNotFoundError`` if there is no segment called ``name`` and
    :class:`LayoutNotReady` if it exists but has no size yet (its creator is still setting it up).
    """

    def __init__(self, name: str, *, writable: bool = False) -> None:
        self.name = name
        self._shared = None
        if os.name == "posix" and _posixshmem is not None:
            fd = _posixshmem.shm_open("/" + name, os.O_RDWR if writable else os.O_RDONLY, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size == 0:
                    raise LayoutNotReady(f"shared memory {name!r} is still being created")
                access = mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ
                self._mmap = mmap.mmap(fd, size, access=access)
            finally:
                os.close(fd)
            buf = memoryview(self._mmap)
        else:
            from multiprocessing.shared_memory import SharedMemory

            if sys.version_info >= (3, 13):
                self._shared = SharedMemory(name, track=False)
            else:
                self._shared = SharedMemory(name)
                if os.name == "posix":  # no _posixshmem: undo the tracker registration
                    from multiprocessing import resource_tracker

                    # SharedMemory registers "/" + name (its private _name); .name drops the "/"
                    resource_tracker.unregister("/" + self._shared.name, "shared_memory")
            buf = live_view(self._shared)
        self.buf: memoryview | None = buf
        self.size = len(buf)

    def close(self) -> None:
        """Unmap the segment (it stays in the system). Drop every view of ``buf`` first."""
        if self.buf is None:
            return
        self.buf.release()
        self.buf = None
        if self._shared is not None:
            self._shared.close()
        else:
            self._mmap.close()

    def __enter__(self) -> Segment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def unlink_segment(name: str) -> bool:
    """Remove the name ``name`` so the next create makes a new segment; False if it was not there.

    POSIX only: existing mappings stay valid. On Windows a segment disappears by itself when the
    last process closes it, so this does nothing there (and returns False).
    """
    if os.name != "posix":
        return False
    try:
        if _posixshmem is not None:
            _posixshmem.shm_unlink("/" + name)
        else:
            from multiprocessing.shared_memory import SharedMemory

            shm = SharedMemory(name)  # registers with the tracker; unlink() unregisters
            shm.close()
            shm.unlink()
    except FileNotFoundError:
        return False
    return True
