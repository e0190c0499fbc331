"""A TouchDesigner Script TOP calls read() on every cook: whatever goes wrong opening or reading
the ring comes back as a reason in ``last_error``, never as an exception."""

from __future__ import annotations

import time

import numpy as np

from oscserver.core.frame import Frame, FrameFormat
from oscserver.shm import reader as reader_module
from oscserver.shm.reader import FrameReader
from oscserver.shm.writer import SharedMemoryRing
from tests.support import unique_name


def test_any_failure_to_open_is_a_reason_never_an_exception(monkeypatch):
    def refuse(name, **options):
        raise RuntimeError("the host's sandbox said no")

    monkeypatch.setattr(reader_module, "Segment", refuse)
    reader = FrameReader("anything", attach_interval=0.0)
    assert [reader.read() for _ in range(5)] == [None] * 5
    assert "sandbox said no" in (reader.last_error or "")


def test_a_failure_while_reading_detaches_says_why_and_the_reader_goes_on(monkeypatch):
    name = unique_name("rerr")
    fmt = FrameFormat(width=4, height=3, channels=3)
    ring = SharedMemoryRing.create(name, fmt)
    try:
        pixels = np.full((3, 4, 3), 7, np.uint8)
        ring.publish(Frame(pixels, 0, 0.0, 1.0, 0, 0.0, time.time()))
        reader = FrameReader(name, attach_interval=0.0)
        assert reader.read() is not None
        real = reader_module.live_view

        def broken(segment):
            raise BufferError("the mapping went away")

        monkeypatch.setattr(reader_module, "live_view", broken)
        assert reader.read() is None
        assert "mapping went away" in (reader.last_error or "") and not reader.attached
        monkeypatch.setattr(reader_module, "live_view", real)
        ring.publish(Frame(pixels + 1, 1, 0.1, 1.0, 0, 0.0, time.time()))
        got = reader.read()
        assert got is not None and int(got[0][0, 0, 0]) == 8
        reader.close()
    finally:
        ring.close()
