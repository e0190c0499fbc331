"""Claiming a segment name for a writer: create it, or take over one a dead writer left behind.

One writer per name. :func:`claim` creates the segment; if the name exists it looks at who
wrote it: a segment whose writer is gone (its process is not running, or its closed flag is
set) is removed and made afresh, one whose writer lives is refused with :class:`SinkError`
naming its pid, and one that is not an oscserver ring at all is refused too. Liveness is judged
by the pid only (:func:`pid_alive`; on Windows through ``kernel32``, since ``os.kill(pid, 0)``
would end the process there).
"""

from __future__ import annotations

import os
import sys
import time
from multiprocessing.shared_memory import SharedMemory

from oscserver.core.errors import SinkError

from .layout import (
    CLOSED_OFFSET,
    GENERATION_OFFSET,
    HEADER_SIZE,
    MAGIC,
    U32,
    U64,
    WRITER_PID_OFFSET,
    Layout,
    LayoutNotReady,
    Segment,
    live_view,
    unlink_segment,
)
from .process import pid_alive

_STARTUP_WAIT_S = 1.0
"""How long to wait for a segment that another writer is still setting up or giving back."""

_HEADER_WRITE_WAIT_S = 0.2
"""How long a live writer may take to write its header (microseconds, normally)."""


def claim(name: str, layout: Layout) -> tuple[SharedMemory | Segment, bool]:
    """Make the segment ``name`` of ``layout.total_size`` bytes for this process to write.

    Returns (memory, tracked): ``tracked`` is True for a ``SharedMemory`` this process created,
    registered with the resource tracker (``unlink()`` balances that), and False for a stale
    segment reused in place (where its name cannot be removed while readers hold it: Windows).
    Raises :class:`SinkError` if the name is not usable, is held by a live writer or by
    something that is not an oscserver ring, or cannot be created.
    """
    check_name(name)
    try:
        return SharedMemory(name, create=True, size=layout.total_size), True
    except FileExistsError:
        return _take_over(name, layout)
    except OSError as exc:
        raise SinkError(
            f"cannot create shared memory {name!r} of {layout.total_size} bytes: {exc}"
        ) from exc


MAX_NAME_LENGTH = 30
"""macOS allows 31 bytes for a shared-memory name with its leading slash (PSHMNAMLEN); longer
names fail there with a bare OSError, so they are refused everywhere, before anything starts."""


def check_name(name: str) -> None:
    """Raise :class:`SinkError` unless ``name`` can name a segment on every platform."""
    if not name or "/" in name or "\\" in name or "\0" in name:
        raise SinkError(
            f"shared memory name {name!r} is not usable: give a non-empty name without slashes"
        )
    if len(name.encode()) > MAX_NAME_LENGTH:
        raise SinkError(
            f"shared memory name {name!r} is {len(name.encode())} bytes; macOS allows at most "
            f"{MAX_NAME_LENGTH}: pick a shorter --shm name"
        )


def name_has_generation(name: str, generation: int) -> bool:
    """Does the segment now called ``name`` carry ``generation``? (False if it is gone.)"""
    try:
        segment = Segment(name)
    except (OSError, LayoutNotReady):
        return False
    with segment:
        buf = live_view(segment)
        return len(buf) >= HEADER_SIZE and U64.unpack_from(buf, GENERATION_OFFSET)[0] == generation


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
            U32.pack_into(live_view(existing), CLOSED_OFFSET, 1)
            unlink_segment(name)
            return _create_after_unlink(name, layout, existing)
        except BaseException:
            existing.close()
            raise


def _refuse_unless_stale(name: str, segment: Segment) -> None:
    """Raise :class:`SinkError` unless ``segment`` is an oscserver ring whose writer is gone."""
    deadline = time.monotonic() + _STARTUP_WAIT_S
    buf = live_view(segment)
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
    if pid == os.getpid() or not pid_alive(pid):
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
