"""The reader: copies the newest complete frame out of an oscserver's shared-memory ring.

    from oscserver.shm import FrameReader    # or: from shm import FrameReader (see below)

    reader = FrameReader("oscserver")
    got = reader.read()          # never blocks: None when there is nothing new
    if got is not None:
        pixels, metadata = got   # (height, width, channels) uint8 RGB copy, dict

In a TouchDesigner Script TOP, call ``read()`` in ``onCook`` and, when it returns a frame, pass
it to ``scriptOp.copyNumpyArray(pixels)`` (flip it with ``pixels[::-1]`` first if TouchDesigner
shows it upside down; the ring stores the top row first).

Needs only numpy and the standard library (msgpack is used when installed, otherwise a small
built-in decoder reads the metadata). Works without the rest of oscserver installed: copy the
folder ``oscserver/shm/`` next to your script (or into a folder on ``sys.path``) and
``from shm import FrameReader``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .layout import (
    CLOSED_OFFSET,
    GENERATION_OFFSET,
    LATEST_SEQ_OFFSET,
    SLOT_INFO,
    SLOT_INFO_OFFSET,
    U32,
    U64,
    WRITER_PID_OFFSET,
    Layout,
    LayoutError,
    Segment,
    live_view,
    read_layout,
)
from .metadata import unpack_metadata
from .process import pid_alive

ReadResult = tuple[np.ndarray, dict[str, Any]]
"""What :meth:`FrameReader.read` returns: (pixels, metadata)."""


class FrameReader:
    """Reads the newest complete frame from the shared-memory ring called ``name``. Never blocks.

    It may be created before the server starts (it attaches once the segment appears, trying at
    most every ``attach_interval`` seconds) and it follows a server restart under the same name:
    when the closed flag is set, or when no new frame has come for ``restart_after`` seconds and
    the name now holds a segment with another generation, it re-attaches.

    It also lets go of a ring whose server died without closing it (killed, crashed): when no new
    frame has come for ``restart_after`` seconds and the writer's process is gone, it detaches and
    says so in ``last_error``, then attaches to the next server under the name. A reader that
    finds such a ring when it opens returns no frame from it: a ring whose writer's process is
    gone (or cannot be seen, as from another container) is trusted only once a new frame comes,
    and let go if none comes within ``restart_after`` seconds. On Windows this matters most: a
    reader's handle keeps a dead server's segment alive, so a reader that never let go would sit
    on it, and a reader opened later would take it for a live one. No error ever escapes
    ``read``: whatever goes wrong opening or reading the segment is reported in ``last_error``
    (a TouchDesigner Script TOP calls ``read`` on every cook).

    Not thread-safe: use one reader per thread.
    """

    def __init__(
        self,
        name: str = "oscserver",
        *,
        attach_interval: float = 0.25,
        restart_after: float = 1.0,
        retries: int = 5,
    ) -> None:
        self.name = name
        self.attach_interval = attach_interval
        self.restart_after = restart_after
        self.retries = retries
        self.last_error: str | None = None
        """Why the last attach attempt failed or the reader let go of the segment, if it did."""
        self.torn_reads = 0
        """Copies thrown away because the writer was writing the slot at the same time."""
        self._segment: Segment | None = None
        self._layout: Layout | None = None
        self._views: list[np.ndarray] = []
        self._generation = 0
        self._last_seq = 0  # seq of the last frame returned, in this generation
        self._seen_latest = 0
        self._latest_changed_at = 0.0
        self._next_attach_at = 0.0
        self._next_probe_at = 0.0
        self._writer_pid = 0
        self._unconfirmed = False  # attached to a ring whose writer may be gone: no frame yet
        self._dead_generation: int | None = None  # a ring let go because its writer is gone

    # ----- public API -------------------------------------------------------------------------

    @property
    def attached(self) -> bool:
        """Whether the reader currently has a live segment mapped."""
        return self._segment is not None

    @property
    def generation(self) -> int | None:
        """The attached segment's generation (random per server start), or None."""
        return self._generation if self._segment is not None else None

    @property
    def shape(self) -> tuple[int, int, int] | None:
        """(height, width, channels) of the attached segment's frames, or None."""
        return self._layout.shape if self._layout is not None else None

    def read(self, only_new: bool = True) -> ReadResult | None:
        """The newest complete frame as ``(pixels, metadata)``, or None.

        None means: no server (yet), nothing published, no frame newer than the one this reader
        returned last (unless ``only_new=False``), or the writer kept overwriting the slot during
        every one of ``retries`` copies. ``pixels`` is a new (height, width, channels) uint8
        array; ``metadata`` holds frame, clock_time, render_ms, osc_seq, osc_arrival, published
        and seq (see docs/shm.md).
        """
        try:
            return self._read(only_new)
        except Exception as exc:  # never raise into a host's cook: say what went wrong instead
            self._detach(f"reading shared memory {self.name!r} failed: {exc!r}")
            return None

    def _read(self, only_new: bool) -> ReadResult | None:
        now = time.monotonic()
        if not self._ready(now):
            return None
        segment, layout = self._segment, self._layout
        if segment is None or layout is None:  # never: _ready attached both
            return None
        buf = live_view(segment)
        for _ in range(self.retries):
            latest = U64.unpack_from(buf, LATEST_SEQ_OFFSET)[0]
            if latest == 0 or (only_new and latest == self._last_seq):
                return None
            slot = (latest - 1) % layout.slot_count
            start = layout.slot_offset(slot)
            lock = U64.unpack_from(buf, start)[0]
            if lock & 1:
                self.torn_reads += 1
                continue
            seq, metadata_length = SLOT_INFO.unpack_from(buf, start + SLOT_INFO_OFFSET)
            if seq == 0 or metadata_length > layout.metadata_capacity:
                self.torn_reads += 1
                continue
            metadata_start = start + layout.metadata_offset
            packed = bytes(buf[metadata_start : metadata_start + metadata_length])
            pixels = self._views[slot].copy()
            if U64.unpack_from(buf, start)[0] != lock:
                self.torn_reads += 1
                continue
            if only_new and seq == self._last_seq:
                return None
            try:
                metadata = unpack_metadata(packed)
            except ValueError as exc:
                self.last_error = f"frame metadata is not valid msgpack: {exc}"
                return None
            self._last_seq = seq
            return pixels, metadata
        return None

    def wait(self, timeout: float = 1.0, poll_interval: float = 0.001) -> ReadResult | None:
        """Poll :meth:`read` until a new frame comes or ``timeout`` seconds pass (then None)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.read()
            if got is not None:
                return got
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            time.sleep(min(poll_interval, remaining))

    def wait_for_message(
        self, sent: float, timeout: float = 2.0, poll_interval: float = 0.0002
    ) -> ReadResult | None:
        """The first new frame that shows an OSC message sent at ``sent`` (``time.time()``):
        its metadata's ``osc_arrival`` is not before it. None after ``timeout`` seconds."""
        deadline = sent + timeout
        while time.time() < deadline:
            got = self.read()
            if got is not None and got[1]["osc_arrival"] >= sent:
                return got
            time.sleep(poll_interval)
        return None

    def close(self) -> None:
        """Let go of the segment. The reader may be used again; it re-attaches on next read."""
        self._detach(None)

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._layout is None:
            return f"FrameReader({self.name!r}, not attached)"
        height, width, channels = self._layout.shape
        return f"FrameReader({self.name!r}, {width}x{height}x{channels}, seq {self._last_seq})"

    # ----- attaching and following restarts ---------------------------------------------------

    def _ready(self, now: float) -> bool:
        """Make sure a live segment is attached; follow a restart if there was one."""
        segment = self._segment if self._segment is not None else self._try_attach(now)
        if segment is None:
            return False
        buf = live_view(segment)
        if U32.unpack_from(buf, CLOSED_OFFSET)[0]:
            self._detach("the server closed the shared memory")
            return self._try_attach(now) is not None
        if U64.unpack_from(buf, GENERATION_OFFSET)[0] != self._generation:
            # Rewritten in place by a new server (Windows keeps a segment while readers hold it).
            self._forget_views()
            self._segment = None
            return self._install(segment, now)
        latest = U64.unpack_from(buf, LATEST_SEQ_OFFSET)[0]
        if latest != self._seen_latest:
            self._seen_latest = latest
            self._latest_changed_at = now
            self._unconfirmed = False  # a new frame: its writer lives
        elif now - self._latest_changed_at >= self.restart_after and now >= self._next_probe_at:
            self._next_probe_at = now + self.restart_after
            if self._unconfirmed or not pid_alive(self._writer_pid):
                self._dead_generation = self._generation
                self._detach(
                    f"the server writing shared memory {self.name!r} (pid {self._writer_pid}) "
                    "is gone; waiting for it to start again"
                )
                return self._try_attach(now) is not None and not self._unconfirmed
            self._probe_for_restart(now)
        return self._segment is not None and not self._unconfirmed

    def _try_attach(self, now: float) -> Segment | None:
        """Open and install the segment (at most every ``attach_interval``); None if not."""
        if now < self._next_attach_at:
            return None
        self._next_attach_at = now + self.attach_interval
        segment = self._open()
        if segment is None or not self._install(segment, now):
            return None
        return segment

    def _open(self) -> Segment | None:
        try:
            return Segment(self.name)
        except FileNotFoundError:
            self.last_error = f"no shared memory named {self.name!r} (is the server running?)"
        except Exception as exc:  # any failure to open is a reason, never an exception
            self.last_error = f"cannot open shared memory {self.name!r}: {exc}"
        return None

    def _install(self, segment: Segment, now: float) -> bool:
        """Check ``segment``'s header and start reading from it; closes it if it is unusable."""
        buf = live_view(segment)
        try:
            layout = read_layout(buf)
        except LayoutError as exc:
            segment.close()
            self.last_error = f"shared memory {self.name!r}: {exc}"
            return False
        if U32.unpack_from(buf, CLOSED_OFFSET)[0]:
            segment.close()
            self.last_error = f"shared memory {self.name!r} is closed (server stopped)"
            return False
        generation = U64.unpack_from(buf, GENERATION_OFFSET)[0]
        if generation == self._dead_generation:
            segment.close()  # the ring let go of before: its writer is gone (last_error says so)
            return False
        self._segment = segment
        self._layout = layout
        self._generation = generation
        self._views = [
            np.frombuffer(
                buf,
                dtype=np.uint8,
                count=layout.pixel_bytes,
                offset=layout.slot_offset(i) + layout.pixel_offset,
            ).reshape(layout.shape)
            for i in range(layout.slot_count)
        ]
        self._last_seq = 0
        self._seen_latest = U64.unpack_from(buf, LATEST_SEQ_OFFSET)[0]
        self._latest_changed_at = now
        self._next_probe_at = now + self.restart_after
        self._writer_pid = U64.unpack_from(buf, WRITER_PID_OFFSET)[0]
        self._unconfirmed = not pid_alive(self._writer_pid)
        self.last_error = (
            f"shared memory {self.name!r}: its server (pid {self._writer_pid}) is not running "
            "here; no frame until a new one comes"
            if self._unconfirmed
            else None
        )
        return True

    def _probe_for_restart(self, now: float) -> None:
        """No new frames for a while: has a new server taken over the name?"""
        try:
            probe = Segment(self.name)
        except FileNotFoundError:
            self._detach(f"shared memory {self.name!r} was removed (server gone)")
            return
        except (OSError, ValueError):
            return  # being created right now; look again later
        buf = live_view(probe)
        generation = U64.unpack_from(buf, GENERATION_OFFSET)[0]
        closed = U32.unpack_from(buf, CLOSED_OFFSET)[0]
        if generation == self._generation or closed:
            probe.close()
            return
        self._detach(None)
        self._install(probe, now)

    def _forget_views(self) -> None:
        self._views = []
        self._layout = None

    def _detach(self, reason: str | None) -> None:
        segment = self._segment
        self._forget_views()
        self._segment = None
        if reason is not None:
            self.last_error = reason
        if segment is not None:
            segment.close()
