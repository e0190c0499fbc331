"""A server killed outright (SIGKILL, a crash) leaves its ring behind, never closed. On Windows a
reader's handle (TouchDesigner's Script TOP) keeps that segment alive, so a reader that never let
go would sit on a dead ring without a word, and a reader opened later would take it for a live
one. Here the server is killed with its whole process group (the resource tracker too, which on
Linux would otherwise remove the name), so the segment outlives it as it does on Windows.
SIGKILL and process groups are POSIX: the test runs on Linux and macOS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from oscserver.shm.layout import unlink_segment
from oscserver.shm.reader import FrameReader
from tests.support import free_udp_port, unique_name

pytestmark = pytest.mark.skipif(
    sys.platform == "win32",
    reason="SIGKILL of a process group is POSIX (Windows: TerminateProcess)",
)


def _serve(shm: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "oscserver", "serve", "--shm", shm, "--osc-port",
         str(free_udp_port()), "--http-port", "-1", "--status-interval", "0", "--threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _until(predicate, timeout: float) -> float | None:
    """Seconds until ``predicate()`` holds (polled as a host would cook), None if it never does."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def test_readers_let_go_of_a_killed_server_say_why_and_follow_the_next():
    shm = unique_name("dead")
    first = _serve(shm)
    second = None
    attached = FrameReader(shm)
    try:
        assert attached.wait(30.0) is not None, attached.last_error
        generation = attached.generation
        os.killpg(first.pid, signal.SIGKILL)  # the server and its resource tracker
        first.wait(10)

        # The reader that was attached notices within a few seconds and says so.
        noticed = _until(lambda: attached.read() is None and not attached.attached, 5.0)
        assert noticed is not None and noticed < 4.0
        assert "is gone" in (attached.last_error or "")
        assert str(first.pid) in attached.last_error

        # A reader opened now finds the ring, but takes no frame from it, and says why.
        late = FrameReader(shm)
        got = []
        for _ in range(100):  # two seconds of a host's cooks
            got.append(late.read())
            time.sleep(0.02)
        assert got == [None] * 100
        assert "not running" in (late.last_error or "") or "gone" in (late.last_error or "")
        assert str(first.pid) in late.last_error

        # Both follow the next server under the name.
        second = _serve(shm)
        assert _until(lambda: attached.read() is not None, 30.0) is not None
        assert _until(lambda: late.read() is not None, 10.0) is not None
        assert attached.generation == late.generation != generation
        assert attached.last_error is None and late.last_error is None
        late.close()
    finally:
        attached.close()
        for server in (first, second):
            if server is not None and server.poll() is None:
                server.terminate()
                server.wait(20)
        unlink_segment(shm)
