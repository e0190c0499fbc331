"""The writer: publishes frames into a ring of slots in shared memory for other processes.

The layout is in :mod:`oscserver.shm.layout` and docs/shm.md; the reader is
:class:`oscserver.shm.reader.FrameReader`. One writer per segment name: creating a ring under a
name a live writer holds fails with :class:`SinkError`, while a segment left behind by a writer
that is gone is replaced (:mod:`oscserver.shm.takeover`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
import time
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

import msgpack
import numpy as np

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat

from .layout import (
    CLOSED_OFFSET,
    DEFAULT_METADATA_CAPACITY,
    HEADER_STATE,
    HEADER_STATE_OFFSET,
    LATEST_SEQ_OFFSET,
    SLOT_INFO,
    SLOT_INFO_OFFSET,
    SLOT_LOCK_OFFSET,
    U32,
    U64,
    Layout,
    LayoutError,
    Segment,
    live_view,
    unlink_segment,
    write_fixed_header,
)
from .metadata import FIXED_METADATA_SIZE, pack_fixed_metadata
from .takeover import check_name, claim, name_has_generation

_UINT8 = np.dtype(np.uint8)
_U64_PACK = U64.pack_into
_SLOT_INFO_PACK = SLOT_INFO.pack_into


class SharedMemoryRing:
    """A ring of frame slots in one named shared-memory segment; this process is its writer.

    Make one with :meth:`create`. Not thread-safe: call :meth:`publish` and :meth:`close` from
    one thread at a time.
    """

    def __init__(
        self, name: str, shm: SharedMemory | Segment, layout: Layout, *, tracked: bool
    ) -> None:
        """Internal: use :meth:`create`. ``tracked``: ``shm`` is a ``SharedMemory`` this process
        created, registered with the resource tracker; ``shm.unlink()`` balances that."""
        self.name = name
        self.layout = layout
        self.generation = 0
        self._shm: SharedMemory | Segment | None = shm
        self._tracked = tracked
        buf = live_view(shm)
        self._buf: memoryview | None = buf
        self._seq = 0
        self._packer = msgpack.Packer()
        self._slot_starts = [layout.slot_offset(i) for i in range(layout.slot_count)]
        self._slots = [  # per slot: (start, metadata start, pixel view)
            (
                start,
                start + layout.metadata_offset,
                np.frombuffer(
                    buf,
                    dtype=np.uint8,
                    count=layout.pixel_bytes,
                    offset=start + layout.pixel_offset,
                ).reshape(layout.shape),
            )
            for start in self._slot_starts
        ]
        self._locks = [0] * layout.slot_count
        self._shape = layout.shape
        self._slot_count = layout.slot_count
        self._metadata_capacity = layout.metadata_capacity
        self._fixed_metadata = layout.metadata_capacity >= FIXED_METADATA_SIZE

    @classmethod
    def create(
        cls,
        name: str,
        frame_format: FrameFormat,
        slots: int = 3,
        metadata_capacity: int = DEFAULT_METADATA_CAPACITY,
    ) -> SharedMemoryRing:
        """Create the segment ``name`` sized for ``frame_format`` and become its writer.

        If ``name`` exists: a segment whose writer is gone (process dead, or closed flag set) is
        replaced; one with a live writer raises :class:`SinkError` naming its pid; one that is not
        an oscserver ring raises :class:`SinkError` too.
        """
        check_name(name)
        try:
            layout = Layout.for_frames(
                frame_format.width,
                frame_format.height,
                frame_format.channels,
                slots,
                metadata_capacity,
            )
        except LayoutError as exc:
            raise SinkError(f"shared memory {name!r}: {exc}") from None
        shm, tracked = claim(name, layout)
        ring = cls(name, shm, layout, tracked=tracked)
        try:
            ring._initialize()
        except BaseException:
            ring._release()
            if tracked and isinstance(shm, SharedMemory):
                # we just created it: nobody else can be using it
                with contextlib.suppress(FileNotFoundError):
                    shm.unlink()
            raise
        return ring

    def _initialize(self) -> None:
        """Write the header: closed first, magic and closed=0 last, so no reader (or starting
        writer) ever sees a half-written header as usable."""
        buf, layout = self._buf, self.layout
        if buf is None:
            raise SinkError(f"shared memory {self.name!r} is closed; cannot initialize it")
        U32.pack_into(buf, CLOSED_OFFSET, 1)
        write_fixed_header(buf, layout, magic=bytes(8))
        for i, start in enumerate(self._slot_starts):
            lock = U64.unpack_from(buf, start + SLOT_LOCK_OFFSET)[0]
            lock += 1 if lock % 2 == 0 else 2  # odd: readers of the old contents retry
            U64.pack_into(buf, start + SLOT_LOCK_OFFSET, lock)
            SLOT_INFO.pack_into(buf, start + SLOT_INFO_OFFSET, 0, 0)
            lock += 1
            U64.pack_into(buf, start + SLOT_LOCK_OFFSET, lock)
            self._locks[i] = lock
        generation = 0
        while generation == 0:
            generation = secrets.randbits(64)
        self.generation = generation
        HEADER_STATE.pack_into(buf, HEADER_STATE_OFFSET, generation, os.getpid(), time.time(), 0, 1)
        write_fixed_header(buf, layout)
        U32.pack_into(buf, CLOSED_OFFSET, 0)

    @property
    def frames_published(self) -> int:
        """How many frames :meth:`publish` has written (the ``seq`` of the newest one)."""
        return self._seq

    def publish(self, frame: Frame) -> int:
        """Copy ``frame`` into the next slot and make it the latest; returns its ``seq``."""
        pixels = frame.pixels
        if pixels.shape != self._shape or (pixels.dtype is not _UINT8 and pixels.dtype != _UINT8):
            raise SinkError(
                f"frame {frame.index} is {pixels.dtype} {pixels.shape}; shared memory "
                f"{self.name!r} holds uint8 {self._shape} (height, width, channels)"
            )
        buf = self._buf
        if buf is None:
            raise SinkError(f"shared memory {self.name!r} is closed; cannot publish")
        seq = self._seq + 1
        slot = (seq - 1) % self._slot_count
        start, metadata_start, view = self._slots[slot]
        fixed = self._fixed_metadata and type(frame) is Frame
        packed = None if fixed else self._pack_metadata(frame, seq)
        lock = self._locks[slot] + 1
        _U64_PACK(buf, start, lock)  # odd: the slot is being written
        if fixed:
            try:
                pack_fixed_metadata(buf, metadata_start, frame, seq)
                size = FIXED_METADATA_SIZE
            except struct.error:  # a value of an unexpected type: use the general encoder
                packed = self._pack_metadata(frame, seq)
        if packed is not None:
            size = len(packed)
            buf[metadata_start : metadata_start + size] = packed
        _SLOT_INFO_PACK(buf, start + SLOT_INFO_OFFSET, seq, size)
        np.copyto(view, pixels)
        lock += 1
        _U64_PACK(buf, start, lock)  # even: the slot is stable
        self._locks[slot] = lock
        _U64_PACK(buf, LATEST_SEQ_OFFSET, seq)
        self._seq = seq
        return seq

    def _pack_metadata(self, frame: Frame, seq: int) -> bytes:
        metadata = frame.metadata()
        metadata["seq"] = seq
        packed = self._packer.pack(metadata)
        if len(packed) > self._metadata_capacity:
            raise SinkError(
                f"frame {frame.index} metadata is {len(packed)} bytes of msgpack, more than the "
                f"{self._metadata_capacity} bytes a slot of {self.name!r} holds"
            )
        return packed

    def close(self) -> None:
        """Set the closed flag, release the memory and remove the name. Safe to call twice."""
        shm = self._shm
        if shm is None:
            return
        U32.pack_into(live_view(shm), CLOSED_OFFSET, 1)
        try:
            self._release()
        finally:
            still_ours = name_has_generation(self.name, self.generation)
            if self._tracked and isinstance(shm, SharedMemory):
                if still_ours:
                    with contextlib.suppress(FileNotFoundError):
                        shm.unlink()  # also unregisters it from the resource tracker
                elif os.name == "posix":  # another writer holds the name now: leave it alone
                    # SharedMemory registered "/" + name (its private _name); .name drops the "/"
                    resource_tracker.unregister("/" + shm.name, "shared_memory")
            elif still_ours:
                unlink_segment(self.name)

    def _release(self) -> None:
        """Drop every view of the memory and unmap it, without touching the header or name."""
        shm = self._shm
        if shm is None:
            return
        self._slots = []
        self._buf = None
        self._shm = None
        shm.close()

    def __enter__(self) -> SharedMemoryRing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._shm is None else f"{self._seq} frames published"
        fmt = f"{self.layout.width}x{self.layout.height}x{self.layout.channels}"
        return f"SharedMemoryRing({self.name!r}, {fmt}, {self.layout.slot_count} slots, {state})"
