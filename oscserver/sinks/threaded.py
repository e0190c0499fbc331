"""A sink whose work runs on a thread of its own, for outputs that block (shared memory, NDI).

:class:`ThreadedSink` is a complete :class:`~oscserver.core.frame_bus.Sink` built around a *writer*:
a plain object that does the blocking work and knows nothing of asyncio::

    class Writer:
        def write(self, frame: Frame) -> None: ...   # one frame out
        def close(self) -> None: ...                  # once, at the end

``open(frame_format)`` makes the writer. ``start`` runs it, every ``write`` and the final
``close`` all run on the sink's one worker thread (a single-thread executor), in order, so the
writer needs no locks and the event loop only awaits.

- **Latest frame only.** One frame is written at a time. A ``write`` that comes while another is
  in progress waits its turn; if a newer ``write`` comes in the meantime, the newer frame takes
  the waiting one's place (the older one is dropped and counted in :attr:`skipped`, and its
  ``write`` returns). The frame bus already hands a sink only its newest frame, so there this
  never happens; it keeps a sink cheap for any other caller too.
- **Errors are explicit.** ``start`` on a started sink and ``write`` on a sink that is not
  started (or was stopped while the frame waited) raise :class:`SinkError`. Whatever the writer
  raises in ``open``, ``write`` or ``close`` reaches the caller awaiting it, unchanged. ``start``
  that fails and ``stop`` always let the thread go; ``stop`` closes the writer after any write in
  flight and may be called any number of times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, Protocol, TypeVar

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat


class FrameWriter(Protocol):
    """The blocking half of a threaded sink; every call comes from the sink's one thread."""

    def write(self, frame: Frame) -> None: ...

    def close(self) -> None: ...


W = TypeVar("W", bound=FrameWriter)


class ThreadedSink(Generic[W]):
    """The :class:`~oscserver.core.frame_bus.Sink` that runs a :class:`FrameWriter` on its own
    thread.

    ``name`` is the sink's name on the bus; ``label`` starts its error messages ("shared-memory
    sink 'oscserver'"); ``thread_name`` prefixes the worker thread's name.
    """

    def __init__(
        self,
        name: str,
        open: Callable[[FrameFormat], W],
        *,
        label: str | None = None,
        thread_name: str | None = None,
    ) -> None:
        self.name = name
        self.label = label or f"{name} sink"
        self.skipped = 0
        """Frames dropped because a newer one came while they waited for the thread."""
        self._open = open
        self._thread_name = thread_name or f"{name}-sink"
        self._writer: W | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._turn: asyncio.Lock | None = None
        self._waiting: Frame | None = None

    @property
    def writer(self) -> W | None:
        """The writer while the sink is started, else None."""
        return self._writer

    async def start(self, frame_format: FrameFormat) -> None:
        """Make the writer on the sink's new thread."""
        if self._executor is not None:
            raise SinkError(f"{self.label} is already started")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._thread_name)
        try:
            writer = await asyncio.get_running_loop().run_in_executor(
                executor, self._open, frame_format
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        self._writer, self._executor, self._turn = writer, executor, asyncio.Lock()

    async def write(self, frame: Frame) -> None:
        """Write ``frame`` on the sink's thread, or leave it to a newer frame (see above)."""
        writer, executor, turn = self._writer, self._executor, self._turn
        if writer is None or executor is None or turn is None:
            raise SinkError(f"{self.label} is not started")
        if self._waiting is not None:
            self.skipped += 1
        self._waiting = frame
        async with turn:
            if self._executor is not executor:
                raise SinkError(f"{self.label} stopped before frame {frame.index} was written")
            latest, self._waiting = self._waiting, None
            if latest is None:  # the write before this one took this frame (or a newer one)
                return
            await asyncio.get_running_loop().run_in_executor(executor, writer.write, latest)

    async def stop(self) -> None:
        """Close the writer on its thread, after any write in flight, and let the thread go."""
        writer, executor = self._writer, self._executor
        self._writer = self._executor = self._turn = self._waiting = None
        if executor is None:
            return
        try:
            if writer is not None:
                await asyncio.get_running_loop().run_in_executor(executor, writer.close)
        finally:
            executor.shutdown(wait=False)
