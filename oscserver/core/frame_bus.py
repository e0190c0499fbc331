"""Hands each new frame to every sink. Latest frame wins: one slot per sink, no queue.

The frame clock thread calls ``publish``; each sink has its own named task that takes the newest
frame when it is ready. A slow sink misses frames (counted); it never holds up the render
loop or another sink.

Every sink (shared memory, WebRTC, NDI, a recorder, ...) has the same small interface,
``Sink``: the bus calls ``start`` once, then ``write`` with the latest frame whenever the sink is
ready for one, then ``stop`` once. ``write`` must not block the event loop: heavy work goes to a
thread (``sinks/threaded.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Generic, Protocol, TypeVar, runtime_checkable

from oscserver.core.frame import Frame, FrameFormat
from oscserver.core.stats import RateLimitedLog
from oscserver.core.tasks import TaskManager

log = logging.getLogger("oscserver.bus")

T = TypeVar("T")


@runtime_checkable
class Sink(Protocol):
    name: str

    async def start(self, frame_format: FrameFormat) -> None: ...

    async def write(self, frame: Frame) -> None: ...

    async def stop(self) -> None: ...


class LatestFrameSlot(Generic[T]):
    """A one-item mailbox on the event loop: ``put`` replaces, ``get`` waits for a new one.

    ``skipped`` counts items replaced before anyone took them (dropped frames)."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._ready = asyncio.Event()
        self.skipped = 0

    def put(self, item: T) -> None:
        if self._item is not None:
            self.skipped += 1
        self._item = item
        self._ready.set()

    async def get(self) -> T:
        await self._ready.wait()
        self._ready.clear()
        item, self._item = self._item, None
        assert item is not None
        return item


class FrameBus:
    """Delivers every frame of ``frame_format`` to each sink, the latest one winning. Made on
    the event loop it delivers on."""

    def __init__(self, frame_format: FrameFormat, tasks: TaskManager) -> None:
        self.frame_format = frame_format
        self._tasks = tasks
        self._loop = asyncio.get_running_loop()
        self._sinks: dict[str, tuple[Sink, LatestFrameSlot[Frame], asyncio.Task[None]]] = {}
        self.latest: Frame | None = None
        self.write_errors = 0

    async def add_sink(self, sink: Sink) -> None:
        """Start a sink and feed it frames from now on."""
        await sink.start(self.frame_format)
        slot: LatestFrameSlot[Frame] = LatestFrameSlot()
        task = self._tasks.spawn(self._feed(sink, slot), name=f"sink:{sink.name}")
        self._sinks[sink.name] = (sink, slot, task)

    async def remove_sink(self, name: str) -> None:
        sink, _, task = self._sinks.pop(name)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sink.stop()

    def skipped(self) -> dict[str, int]:
        """Frames each sink missed because it was still busy with an earlier one."""
        return {name: slot.skipped for name, (_, slot, _) in self._sinks.items()}

    def status(self) -> dict[str, object]:
        return {"sinks_skipped": self.skipped()}

    def publish(self, frame: Frame) -> None:
        """Thread-safe: called from the frame clock thread for every finished frame."""
        # RuntimeError: the loop is closing, and nobody is left to receive frames.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._deliver, frame)

    def _deliver(self, frame: Frame) -> None:
        self.latest = frame
        for _, slot, _ in self._sinks.values():
            slot.put(frame)

    async def _feed(self, sink: Sink, slot: LatestFrameSlot[Frame]) -> None:
        errors = RateLimitedLog(log)
        while True:
            frame = await slot.get()
            try:
                await sink.write(frame)
            except Exception as exc:  # a failing sink must not stop the others
                self.write_errors += 1
                errors.warning(
                    "write", f"sink {sink.name} failed to write frame {frame.index}: {exc!r}"
                )

    async def stop(self) -> None:
        for name in list(self._sinks):
            try:
                await self.remove_sink(name)
            except Exception:
                log.exception("sink %s did not stop cleanly", name)
