"""The sink that publishes every frame to the shared-memory ring (``--shm NAME``).

The ring itself, its layout and its reader are in :mod:`oscserver.shm` (docs/shm.md); this is
the :class:`~oscserver.core.frame_bus.Sink` around the writer, run on its own thread by
:class:`~oscserver.sinks.threaded.ThreadedSink`.
"""

from __future__ import annotations

from oscserver.core.frame import Frame, FrameFormat
from oscserver.shm.layout import DEFAULT_METADATA_CAPACITY
from oscserver.shm.writer import SharedMemoryRing
from oscserver.sinks.threaded import ThreadedSink


class _Publisher:
    """The sink's writer, on the sink's thread: publishes every frame into the
    :class:`SharedMemoryRing`, replacing the ring when frames change size."""

    def __init__(
        self, shm_name: str, frame_format: FrameFormat, slots: int, metadata_capacity: int
    ) -> None:
        """Create the segment; see :meth:`SharedMemoryRing.create` for what happens if it exists."""
        self.shm_name = shm_name
        self.slots = slots
        self.metadata_capacity = metadata_capacity
        self.ring = SharedMemoryRing.create(shm_name, frame_format, slots, metadata_capacity)

    def write(self, frame: Frame) -> None:
        """Copy ``frame`` into the ring. A frame of another size (the server switched
        generators) first replaces the ring; readers follow, as they do a server restart."""
        ring = self.ring
        layout = ring.layout
        if frame.pixels.shape != (layout.height, layout.width, layout.channels):
            ring.close()
            self.ring = ring = SharedMemoryRing.create(
                self.shm_name, frame.format, self.slots, self.metadata_capacity
            )
        ring.publish(frame)

    def close(self) -> None:
        """Mark the segment closed, release it and remove its name."""
        self.ring.close()


class SharedMemorySink(ThreadedSink[_Publisher]):
    """The :class:`~oscserver.core.frame_bus.Sink` that publishes every frame it gets to shared
    memory.

    Copies run on one dedicated thread, so ``write`` never blocks the event loop and ``stop``
    runs after any copy still in flight. Starting under a name a live server holds raises
    :class:`~oscserver.core.errors.SinkError`; a segment a dead server left behind is replaced.
    """

    def __init__(
        self,
        shm_name: str = "oscserver",
        slots: int = 3,
        metadata_capacity: int = DEFAULT_METADATA_CAPACITY,
    ) -> None:
        self.shm_name = shm_name
        self.slots = slots
        self.metadata_capacity = metadata_capacity
        super().__init__(
            "shm",
            self._open,
            label=f"shared-memory sink {shm_name!r}",
            thread_name="shm-sink",
        )

    @property
    def ring(self) -> SharedMemoryRing | None:
        """The ring being written while the sink is started, else None."""
        writer = self.writer
        return writer.ring if writer is not None else None

    def _open(self, frame_format: FrameFormat) -> _Publisher:
        return _Publisher(self.shm_name, frame_format, self.slots, self.metadata_capacity)
