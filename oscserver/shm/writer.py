"""Publishes frames into a ring of slots in shared memory for readers in other processes.

The layout is in :mod:`oscserver.shm_layout` and docs/shm.md; the Python reader is
:class:`oscserver.client.FrameReader`. One writer per segment name: starting a second server
under a name a live server holds fails with :class:`SinkError`, while a segment left behind by a
server that is gone is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

import msgpack
import numpy as np

from oscserver.errors import SinkError
from oscserver.frame import Frame, FrameFormat
from oscserver.shm_layout import (
    CLOSED_OFFSET,
    DEFAULT_METADATA_CAPACITY,
    GENERATION_OFFSET,
    HEADER_SIZE,
    HEADER_STATE,
    HEADER_STATE_OFFSET,
    LATEST_SEQ_OFFSET,
    MAGIC,
    SLOT_INFO,
    SLOT_INFO_OFFSET,
    SLOT_LOCK_OFFSET,
    U32,
    U64,
    WRITER_PID_OFFSET,
    Layout,
    LayoutError,
    LayoutNotReady,
    Segment,
    unlink_segment,
    write_fixed_header,
)

_UINT8 = np.dtype(np.uint8)
_U64_PACK = U64.pack_into
_SLOT_INFO_PACK = SLOT_INFO.pack_into

_STARTUP_WAIT_S = 1.0
"""How long to wait for a segment that another writer is still setting up or giving back."""

_HEADER_WRITE_WAIT_S = 0.2
"""How long a live writer may take to write its header (microseconds, normally)."""

FIXED_METADATA_KEYS = ("frame", "clock_time", "render_ms", "osc_seq", "osc_arrival", "published")
"""The keys ``Frame.metadata()`` returns, in order, that the fast metadata encoder writes."""

_FIXED_METADATA_FIELDS = (*(zip(FIXED_METADATA_KEYS, "qddqdd", strict=True)), ("seq", "q"))


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
"""Writes a frame's metadata with one ``pack_into`` instead of building a dict and running the
general msgpack encoder for every frame. Any msgpack decoder reads the result."""

FIXED_METADATA_SIZE = _FIXED_METADATA.size
_FIXED_METADATA_PACK = _FIXED_METADATA.pack_into
_FIXED_MAP_HEADER = 0x80 | len(_KEY_PREFIXES)  # msgpack fixmap of 7 entries
_K_FRAME, _K_CLOCK, _K_RENDER, _K_OSC_SEQ, _K_ARRIVAL, _K_PUBLISHED, _K_SEQ = _KEY_PREFIXES


def _pack_fixed_metadata(buf: memoryview | bytearray, offset: int, frame: Frame, seq: int) -> None:
    """Write ``frame.metadata()`` plus ``seq`` as a msgpack map at ``offset``."""
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
        _K_SEQ,
        seq,
    )


def _fixed_metadata_matches() -> bool:
    """Does the fast encoder write exactly what ``Frame.metadata()`` plus ``seq`` says? Checked
    once with a sample frame, so a key added to or changed in ``Frame.metadata()`` is never lost:
    the general encoder takes over."""
    sample = Frame(np.zeros((1, 1, 1), np.uint8), 11, 2.5, 3.5, 13, 4.5, 5.5)
    expected = sample.metadata()
    expected["seq"] = 17
    out = bytearray(FIXED_METADATA_SIZE)
    _pack_fixed_metadata(out, 0, sample, 17)
    decoded = msgpack.unpackb(bytes(out))
    return list(decoded.items()) == list(expected.items())


_FIXED_METADATA_OK = _fixed_metadata_matches()


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
        self._buf = shm.buf
        self._seq = 0
        self._packer = msgpack.Packer()
        self._slot_starts = [layout.slot_offset(i) for i in range(layout.slot_count)]
        self._slots = [  # per slot: (start, metadata start, pixel view)
            (
                start,
                start + layout.metadata_offset,
                np.frombuffer(
                    self._buf,
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
        self._fixed_metadata = (
            _FIXED_METADATA_OK and layout.metadata_capacity >= FIXED_METADATA_SIZE
        )

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
        _check_name(name)
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
        try:
            shm = SharedMemory(name, create=True, size=layout.total_size)
            tracked = True
        except FileExistsError:
            shm, tracked = _take_over(name, layout)
        except OSError as exc:
            raise SinkError(
                f"cannot create shared memory {name!r} of {layout.total_size} bytes: {exc}"
            ) from exc
        ring = cls(name, shm, layout, tracked=tracked)
        try:
            ring._initialize()
        except BaseException:
            ring._release()
            if tracked:  # we just created it: nobody else can be using it
                with contextlib.suppress(FileNotFoundError):
                    shm.unlink()
            raise
        return ring

    def _initialize(self) -> None:
        """Write the header: closed first, magic and closed=0 last, so no reader (or starting
        writer) ever sees a half-written header as usable."""
        buf, layout = self._buf, self.layout
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
                _pack_fixed_metadata(buf, metadata_start, frame, seq)
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
        U32.pack_into(self._buf, CLOSED_OFFSET, 1)
        try:
            self._release()
        finally:
            still_ours = _name_has_generation(self.name, self.generation)
            if self._tracked:
                if still_ours:
                    with contextlib.suppress(FileNotFoundError):
                        shm.unlink()  # also unregisters it from the resource tracker
                elif os.name == "posix":  # another writer holds the name now: leave it alone
                    resource_tracker.unregister(shm._name, "shared_memory")
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


class SharedMemorySink:
    """The :class:`~oscserver.frame_bus.Sink` that publishes every frame it gets to shared memory.

    Copies run on one dedicated thread, so ``write`` never blocks the event loop and ``stop``
    runs after any copy still in flight.
    """

    name = "shm"

    def __init__(
        self,
        shm_name: str = "oscserver",
        slots: int = 3,
        metadata_capacity: int = DEFAULT_METADATA_CAPACITY,
    ) -> None:
        self.shm_name = shm_name
        self.slots = slots
        self.metadata_capacity = metadata_capacity
        self.ring: SharedMemoryRing | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def start(self, frame_format: FrameFormat) -> None:
        """Create the segment; see :meth:`SharedMemoryRing.create` for what happens if it exists."""
        if self._executor is not None:
            raise SinkError(f"shared-memory sink {self.shm_name!r} is already started")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shm-sink")
        loop = asyncio.get_running_loop()
        try:
            self.ring = await loop.run_in_executor(
                executor,
                SharedMemoryRing.create,
                self.shm_name,
                frame_format,
                self.slots,
                self.metadata_capacity,
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        self._executor = executor

    async def write(self, frame: Frame) -> None:
        """Copy ``frame`` into the ring on the sink's thread. A frame of another size (the
        server switched generators) first replaces the ring; readers follow, as they do a
        server restart."""
        ring, executor = self.ring, self._executor
        if ring is None or executor is None:
            raise SinkError(f"shared-memory sink {self.shm_name!r} is not started")
        await asyncio.get_running_loop().run_in_executor(executor, self._publish, frame)

    def _publish(self, frame: Frame) -> None:
        ring = self.ring
        assert ring is not None
        layout = ring.layout
        if frame.pixels.shape != (layout.height, layout.width, layout.channels):
            ring.close()
            self.ring = ring = SharedMemoryRing.create(
                self.shm_name, frame.format, self.slots, self.metadata_capacity
            )
        ring.publish(frame)

    async def stop(self) -> None:
        """Mark the segment closed, release it and remove its name."""
        ring, executor = self.ring, self._executor
        self.ring = None
        self._executor = None
        if executor is None:
            return
        try:
            if ring is not None:
                await asyncio.get_running_loop().run_in_executor(executor, ring.close)
        finally:
            executor.shutdown(wait=False)


def _check_name(name: str) -> None:
    if not name or "/" in name or "\\" in name or "\0" in name:
        raise SinkError(
            f"shared memory name {name!r} is not usable: give a non-empty name without slashes"
        )


def _take_over(name: str, layout: Layout) -> tuple[SharedMemory | Segment, bool]:
    """``name`` exists: replace it if its writer is gone, else raise. Returns (memory, tracked)."""
    deadline = time.monotonic() + _STARTUP_WAIT_S
    while True:
        try:
            existing = Segment(name, writable=True)
        except (FileNotFoundError, LayoutNotReady):  # being removed or still being created
            try:
                return SharedMemory(name, create=True, size=layout.total_size), True
            except FileExistsError:
                if time.monotonic() >= deadline:
                    raise SinkError(
                        f"shared memory {name!r} keeps appearing and disappearing; "
                        "another process is creating and removing it"
                    ) from None
                time.sleep(0.02)
                continue
        try:
            _refuse_unless_stale(name, existing)
            U32.pack_into(existing.buf, CLOSED_OFFSET, 1)
            unlink_segment(name)
            return _create_after_unlink(name, layout, existing)
        except BaseException:
            existing.close()
            raise


def _refuse_unless_stale(name: str, segment: Segment) -> None:
    """Raise :class:`SinkError` unless ``segment`` is an oscserver ring whose writer is gone."""
    deadline = time.monotonic() + _STARTUP_WAIT_S
    buf = segment.buf
    while True:
        magic = bytes(buf[:8]) if len(buf) >= HEADER_SIZE else b""
        if magic != bytes(8) or time.monotonic() >= deadline:
            break
        time.sleep(0.02)  # another writer may be writing its header right now
    if magic != MAGIC:
        hint = f"; on Linux remove it with: rm /dev/shm/{name}" if sys.platform == "linux" else ""
        raise SinkError(
            f"shared memory {name!r} exists but is not an oscserver frame ring "
            f"(first bytes {magic!r}, expected {MAGIC!r}); pick another --shm name{hint}"
        )
    pid = U64.unpack_from(buf, WRITER_PID_OFFSET)[0]
    if pid == os.getpid() or not _pid_alive(pid):
        return
    # The writer lives. A closed flag that stays set means it has shut down and is exiting;
    # one that clears means it was still writing its header.
    deadline = time.monotonic() + _HEADER_WRITE_WAIT_S
    while U32.unpack_from(buf, CLOSED_OFFSET)[0] == 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    if U32.unpack_from(buf, CLOSED_OFFSET)[0] == 1:
        return
    raise SinkError(
        f"shared memory {name!r} is in use by a running oscserver, pid {pid}; "
        "pick another --shm name"
    )


def _create_after_unlink(
    name: str, layout: Layout, old: Segment
) -> tuple[SharedMemory | Segment, bool]:
    """Create ``name`` afresh after unlinking the stale ``old``. Where a name cannot be removed
    while readers hold it open (Windows), reuse ``old`` in place if it is big enough."""
    deadline = time.monotonic() + _STARTUP_WAIT_S
    while True:
        try:
            shm = SharedMemory(name, create=True, size=layout.total_size)
        except FileExistsError:
            if old.buf is not None and old.size >= layout.total_size:
                return old, False
            old.close()  # our own handle would keep the old segment alive too
            if time.monotonic() >= deadline:
                raise SinkError(
                    f"shared memory {name!r} is left over from an oscserver that is no longer "
                    f"running and is still held open by readers; it is {old.size} bytes, too "
                    f"small for {layout.width}x{layout.height}x{layout.channels} frames "
                    f"({layout.total_size} bytes). Close the readers or pick another --shm name"
                ) from None
            time.sleep(0.05)
            continue
        old.close()
        return shm, True


def _name_has_generation(name: str, generation: int) -> bool:
    """Does the segment now called ``name`` carry ``generation``? (False if it is gone.)"""
    try:
        segment = Segment(name)
    except (OSError, LayoutNotReady):
        return False
    with segment:
        buf = segment.buf
        return len(buf) >= HEADER_SIZE and U64.unpack_from(buf, GENERATION_OFFSET)[0] == generation


def _pid_alive(pid: int) -> bool:
    """Is process ``pid`` running? (A pid reused by another program counts as running.)"""
    if pid <= 0 or pid > 0xFFFFFFFF:
        return False
    if os.name == "nt":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to another user
        return True
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows; ask the kernel instead.
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == access_denied
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
