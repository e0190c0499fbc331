"""ThreadedSink (oscserver/sinks/threaded.py): one worker thread per sink, the newest frame
only, explicit errors. The writers here are plain recorders; the shared-memory and NDI sinks
are tested through it in test_shm_ring.py and test_ndi.py."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat
from oscserver.core.frame_bus import Sink
from oscserver.sinks.threaded import ThreadedSink

FMT = FrameFormat(width=4, height=2, channels=3)


def frame(index: int) -> Frame:
    return Frame(np.zeros((2, 4, 3), np.uint8), index, 0.0, 0.0, 0, 0.0, 0.0)


class Recorder:
    """Records every call and the thread it came on; ``gate`` holds ``write`` until set."""

    def __init__(self, frame_format: FrameFormat, fail_write: bool = False) -> None:
        self.calls: list[tuple[str, object, str]] = [("open", frame_format, _thread())]
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail_write = fail_write

    def write(self, frame: Frame) -> None:
        self.entered.set()
        self.gate.wait(5)
        if self.fail_write:
            raise RuntimeError(f"cannot write frame {frame.index}")
        self.calls.append(("write", frame.index, _thread()))

    def close(self) -> None:
        self.calls.append(("close", None, _thread()))


def _thread() -> str:
    return threading.current_thread().name


def test_start_write_stop_all_on_one_thread_of_its_own():
    async def scenario() -> Recorder:
        sink = ThreadedSink("rec", Recorder, thread_name="rec-sink")
        assert isinstance(sink, Sink) and sink.writer is None
        await sink.start(FMT)
        writer = sink.writer
        assert writer is not None
        for k in range(3):
            await sink.write(frame(k))
        await sink.stop()
        assert sink.writer is None
        await sink.stop()  # twice is fine
        return writer

    writer = asyncio.run(scenario())
    assert [(kind, arg) for kind, arg, _ in writer.calls] == [
        ("open", FMT),
        ("write", 0),
        ("write", 1),
        ("write", 2),
        ("close", None),
    ]
    threads = {thread for _, _, thread in writer.calls}
    assert len(threads) == 1
    (thread,) = threads
    assert thread.startswith("rec-sink") and thread != threading.main_thread().name


def test_errors_are_explicit():
    async def scenario() -> None:
        sink = ThreadedSink("rec", Recorder, label="recorder 'x'")
        with pytest.raises(SinkError, match="recorder 'x' is not started"):
            await sink.write(frame(0))
        await sink.start(FMT)
        with pytest.raises(SinkError, match="recorder 'x' is already started"):
            await sink.start(FMT)
        await sink.stop()
        with pytest.raises(SinkError, match="not started"):
            await sink.write(frame(1))
        await sink.start(FMT)  # a stopped sink starts again, with a new writer and thread
        await sink.write(frame(2))
        await sink.stop()

    asyncio.run(scenario())


def test_what_the_writer_raises_reaches_the_caller():
    def failing_open(frame_format: FrameFormat) -> Recorder:
        raise SinkError("no such device")

    async def scenario() -> None:
        sink = ThreadedSink("rec", failing_open)
        with pytest.raises(SinkError, match="no such device"):
            await sink.start(FMT)
        assert sink.writer is None
        with pytest.raises(SinkError, match="not started"):
            await sink.write(frame(0))

        sink = ThreadedSink("rec", lambda fmt: Recorder(fmt, fail_write=True))
        await sink.start(FMT)
        with pytest.raises(RuntimeError, match="cannot write frame 3"):
            await sink.write(frame(3))
        await sink.stop()

    asyncio.run(scenario())


def test_only_the_newest_waiting_frame_is_written():
    async def scenario() -> tuple[Recorder, int]:
        sink = ThreadedSink("rec", Recorder)
        await sink.start(FMT)
        writer = sink.writer
        assert writer is not None
        writer.gate.clear()
        first = asyncio.ensure_future(sink.write(frame(0)))
        await asyncio.get_running_loop().run_in_executor(None, writer.entered.wait, 5)
        rest = [asyncio.ensure_future(sink.write(frame(k))) for k in range(1, 5)]
        await asyncio.sleep(0.01)
        writer.gate.set()
        await asyncio.gather(first, *rest)
        await sink.stop()
        return writer, sink.skipped

    writer, skipped = asyncio.run(scenario())
    written = [arg for kind, arg, _ in writer.calls if kind == "write"]
    assert written == [0, 4]  # 1, 2 and 3 waited while 0 was written; 4 replaced them
    assert skipped == 3


def test_stop_closes_after_the_write_in_flight():
    async def scenario() -> Recorder:
        sink = ThreadedSink("rec", Recorder)
        await sink.start(FMT)
        writer = sink.writer
        assert writer is not None
        writer.gate.clear()
        in_flight = asyncio.ensure_future(sink.write(frame(7)))
        waiting = asyncio.ensure_future(sink.write(frame(8)))
        await asyncio.get_running_loop().run_in_executor(None, writer.entered.wait, 5)
        stopping = asyncio.ensure_future(sink.stop())
        await asyncio.sleep(0.01)
        writer.gate.set()
        await asyncio.gather(in_flight, stopping)
        with pytest.raises(SinkError, match="stopped before frame 8 was written"):
            await waiting
        return writer

    writer = asyncio.run(scenario())
    assert [(kind, arg) for kind, arg, _ in writer.calls][1:] == [("write", 7), ("close", None)]
