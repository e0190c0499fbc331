"""The shared-memory frame ring: writer, reader, restarts, stale segments, the async sink.

Real shared memory and real processes throughout; every test uses its own segment name.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import textwrap
import time
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path

import numpy as np
import pytest

from oscserver.client import FrameReader
from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat
from oscserver.core.frame_bus import Sink
from oscserver.shm.layout import (
    CLOSED_OFFSET,
    GENERATION_OFFSET,
    HEADER_SIZE,
    LATEST_SEQ_OFFSET,
    MAGIC,
    U32,
    U64,
    WRITER_PID_OFFSET,
    Layout,
    Segment,
    read_layout,
    unlink_segment,
)
from oscserver.shm.writer import SharedMemoryRing
from oscserver.sinks.shared_memory import SharedMemorySink
from oscserver_bench.shm import bench_publish
from tests.support import REPO
from tests.support.platforms import posix_only

_names = itertools.count()


@pytest.fixture
def name():
    """A segment name no other test (or test run) uses; removed afterwards if still there."""
    name = f"osct{os.getpid()}_{next(_names)}"
    yield name
    unlink_segment(name)


def make_frame(index: int, fmt: FrameFormat, value: int | None = None) -> Frame:
    if value is None:
        pixels = np.random.default_rng(index).integers(
            0, 256, size=(fmt.height, fmt.width, fmt.channels), dtype=np.uint8
        )
    else:
        pixels = np.full((fmt.height, fmt.width, fmt.channels), value, dtype=np.uint8)
    return Frame(
        pixels=pixels,
        index=index,
        clock_time=index / 60.0,
        render_ms=3.25,
        osc_seq=index // 2,
        osc_arrival=1_700_000_000.5 + index,
        published=1_700_000_001.25 + index,
    )


def run_python(code: str, timeout: float = 30.0, **kwargs) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; fail the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        **kwargs,
    )
    assert result.returncode == 0, f"child failed:\n{result.stdout}\n{result.stderr}"
    return result


def assert_quiet(stderr: str) -> None:
    """No resource-tracker complaints or tracebacks from a child process."""
    for word in ("resource_tracker", "leaked", "Traceback", "Warning"):
        assert word not in stderr, stderr


FMT = FrameFormat(width=40, height=24, channels=3)


# (a) ---------------------------------------------------------------------------------------------


def test_metadata_and_pixels_round_trip(name):
    frame = make_frame(7, FMT)
    with SharedMemoryRing.create(name, FMT) as ring, FrameReader(name) as reader:
        assert reader.read() is None  # attached, nothing published yet
        assert ring.publish(frame) == 1
        pixels, metadata = reader.read()
        np.testing.assert_array_equal(pixels, frame.pixels)
        assert pixels.flags.writeable and pixels.flags.c_contiguous
        assert pixels.shape == (24, 40, 3) and pixels.dtype == np.uint8
        assert metadata == {**frame.metadata(), "seq": 1}
        assert list(metadata) == [*frame.metadata(), "seq"]
        assert reader.read() is None  # nothing new
        again = reader.read(only_new=False)
        np.testing.assert_array_equal(again[0], frame.pixels)
        assert again[1]["seq"] == 1
        for k in range(8, 14):  # wrap around the 3 slots twice
            ring.publish(make_frame(k, FMT))
        pixels, metadata = reader.read()
        np.testing.assert_array_equal(pixels, make_frame(13, FMT).pixels)
        assert metadata["frame"] == 13 and metadata["seq"] == 7
        assert reader.shape == (24, 40, 3)
        assert reader.generation == ring.generation


def test_header_matches_the_documented_layout(name):
    fmt = FrameFormat(width=5, height=3, channels=3)
    with SharedMemoryRing.create(name, fmt, slots=4) as ring:
        ring.publish(make_frame(0, fmt))
        with Segment(name) as segment:
            buf = segment.buf
            assert bytes(buf[:8]) == MAGIC
            layout = read_layout(buf)
            assert layout == Layout.for_frames(5, 3, 3, 4)
            assert layout.header_size == HEADER_SIZE == 128
            assert layout.metadata_offset == 64 and layout.pixel_offset == 64 + 4096
            assert layout.slot_stride % 64 == 0 and layout.slot_stride >= 4160 + 45
            assert layout.total_size == 128 + 4 * layout.slot_stride
            assert U64.unpack_from(buf, GENERATION_OFFSET)[0] == ring.generation != 0
            assert U64.unpack_from(buf, WRITER_PID_OFFSET)[0] == os.getpid()
            assert U64.unpack_from(buf, LATEST_SEQ_OFFSET)[0] == 1
            assert U32.unpack_from(buf, CLOSED_OFFSET)[0] == 0
            slot0 = layout.slot_offset(0)
            assert U64.unpack_from(buf, slot0)[0] % 2 == 0  # seqlock stable
            pixels = bytes(buf[slot0 + 4160 : slot0 + 4160 + 45])
            assert pixels == make_frame(0, fmt).pixels.tobytes()


def test_metadata_from_a_frame_subclass_uses_the_general_encoder(name):
    class TaggedFrame(Frame):
        def metadata(self):
            return {**Frame.metadata(self), "tag": "warm-up"}

    base = make_frame(3, FMT)
    frame = TaggedFrame(**{field: getattr(base, field) for field in Frame.__slots__})
    with SharedMemoryRing.create(name, FMT) as ring, FrameReader(name) as reader:
        ring.publish(frame)
        assert reader.read()[1] == {**base.metadata(), "tag": "warm-up", "seq": 1}


def test_publish_refuses_a_frame_of_another_size(name):
    with SharedMemoryRing.create(name, FMT) as ring:
        with pytest.raises(SinkError, match=r"holds uint8 \(24, 40, 3\)"):
            ring.publish(make_frame(0, FrameFormat(width=1, height=1, channels=3)))
        wrong_type = make_frame(0, FMT)
        object.__setattr__(wrong_type, "pixels", wrong_type.pixels.astype(np.float32))
        with pytest.raises(SinkError, match="float32"):
            ring.publish(wrong_type)
        assert ring.frames_published == 0


# (b) ---------------------------------------------------------------------------------------------


def test_reader_in_another_process(name):
    with SharedMemoryRing.create(name, FMT) as ring:
        frame = make_frame(42, FMT)
        ring.publish(frame)
        result = run_python(f"""
            import json
            from oscserver.client import FrameReader
            with FrameReader({name!r}) as reader:
                pixels, metadata = reader.wait(5.0)
            print(json.dumps({{"sum": int(pixels.sum(dtype="uint64")), "shape": pixels.shape,
                              "first": pixels[0, :2].tolist(), "metadata": metadata}}))
            """)
    got = json.loads(result.stdout)
    assert got["shape"] == [24, 40, 3]
    assert got["sum"] == int(frame.pixels.sum(dtype=np.uint64))
    assert got["first"] == frame.pixels[0, :2].tolist()
    assert got["metadata"] == {**frame.metadata(), "seq": 1}
    assert_quiet(result.stderr)


# (c) ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slots", [1, 3])
def test_reader_never_sees_a_torn_frame(name, slots):
    """With one slot the writer rewrites the very slot the reader copies, nearly all the time
    (without the seqlock checks most frames this reader gets are torn); with three, rarely."""
    fmt = FrameFormat(width=128, height=96, channels=3)
    frames = [np.full((96, 128, 3), k, np.uint8) for k in range(251)]
    reader_code = f"""
        import json, sys, time
        from oscserver.client import FrameReader
        reader = FrameReader({name!r}, attach_interval=0.01)
        good, empty, seqs, deadline = 0, 0, set(), time.monotonic() + 20
        while (good < 3000 or len(seqs) < 200) and time.monotonic() < deadline:
            got = reader.read(only_new=False)
            if got is None:
                empty += 1
                continue
            pixels, metadata = got
            expected = metadata["frame"] % 251
            if not (pixels == expected).all() or metadata["seq"] != metadata["frame"] + 1:
                values = sorted(set(pixels.ravel().tolist()))[:10]
                print(json.dumps({{"torn": metadata, "values": values}}))
                sys.exit(1)
            good += 1
            seqs.add(metadata["seq"])
        print(json.dumps({{"good": good, "empty": empty, "distinct": len(seqs),
                          "retries": reader.torn_reads}}))
        """
    with SharedMemoryRing.create(name, fmt, slots=slots) as ring:
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(reader_code)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            k = 0
            deadline = time.monotonic() + 30
            while child.poll() is None and time.monotonic() < deadline:
                ring.publish(
                    Frame(frames[k % 251], k, 0.0, 0.0, 0, 0.0, 0.0)  # frame k: every byte k % 251
                )
                k += 1
            out, err = child.communicate(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode == 0, f"reader saw a torn frame: {out} {err}"
    stats = json.loads(out)
    assert stats["good"] >= 3000, stats
    assert stats["distinct"] >= 200, stats  # the writer really was writing while the reader read
    assert k > 1000
    assert_quiet(err)


# (d) ---------------------------------------------------------------------------------------------


def test_reader_attaches_before_the_writer_exists(name):
    with FrameReader(name, attach_interval=0.05) as reader:
        assert reader.read() is None
        assert not reader.attached
        assert "no shared memory" in reader.last_error
        assert reader.wait(0.1) is None
        with SharedMemoryRing.create(name, FMT) as ring:
            ring.publish(make_frame(1, FMT))
            got = reader.wait(2.0)
            assert got is not None and got[1]["frame"] == 1
            assert reader.attached


def test_read_never_blocks_without_a_server(name):
    with FrameReader(name) as reader:
        start = time.perf_counter()
        for _ in range(1000):
            assert reader.read() is None
        assert time.perf_counter() - start < 0.5


# (e) ---------------------------------------------------------------------------------------------


def test_reader_follows_a_clean_restart(name):
    other = FrameFormat(width=16, height=8, channels=4)
    with FrameReader(name, attach_interval=0.02) as reader:
        first = SharedMemoryRing.create(name, FMT)
        first.publish(make_frame(1, FMT))
        assert reader.read()[1]["frame"] == 1
        old_generation = reader.generation
        first.close()
        assert reader.read() is None  # closed flag seen
        with SharedMemoryRing.create(name, other) as second:
            second.publish(make_frame(5, other))
            pixels, metadata = reader.wait(2.0)
            assert pixels.shape == (8, 16, 4)
            np.testing.assert_array_equal(pixels, make_frame(5, other).pixels)
            assert metadata["seq"] == 1 and metadata["frame"] == 5
            assert reader.generation == second.generation != old_generation


@posix_only("a writer dies by leaving the resource tracker's books")
def test_reader_follows_a_restart_after_a_crash(name):
    """The old writer vanished without setting the closed flag; a new one replaced the name."""
    with FrameReader(name, restart_after=0.3) as reader:
        first = SharedMemoryRing.create(name, FMT)
        first.publish(make_frame(1, FMT))
        assert reader.read()[1]["frame"] == 1
        first._release()  # the process died: no closed flag...
        unlink_segment(name)  # ...and its resource tracker removed the name
        with SharedMemoryRing.create(name, FMT) as second:
            second.publish(make_frame(9, FMT))
            start = time.monotonic()
            got = reader.wait(3.0)
            assert got is not None and got[1]["frame"] == 9 and got[1]["seq"] == 1
            assert time.monotonic() - start < 2.0  # found by the no-new-frames probe
            assert reader.generation == second.generation


@posix_only("a writer dies by leaving the resource tracker's books")
def test_reader_follows_a_ring_rewritten_in_place(name):
    """What happens on Windows, where a segment readers hold open cannot be removed."""
    with FrameReader(name, attach_interval=0.02) as reader:
        first = SharedMemoryRing.create(name, FMT)
        first.publish(make_frame(1, FMT))
        assert reader.read()[1]["frame"] == 1
        first._release()
        resource_tracker.unregister("/" + name, "shared_memory")  # as if that process died
        layout = Layout.for_frames(FMT.width, FMT.height, FMT.channels, 3)
        second = SharedMemoryRing(name, Segment(name, writable=True), layout, tracked=False)
        with second:
            second._initialize()
            second.publish(make_frame(2, FMT))
            got = reader.wait(2.0)
            assert got is not None and got[1]["frame"] == 2 and got[1]["seq"] == 1
            assert reader.generation == second.generation
    with pytest.raises(FileNotFoundError):
        Segment(name)


# (f) ---------------------------------------------------------------------------------------------


@posix_only("a writer dies by leaving the resource tracker's books")
def test_a_stale_segment_from_a_dead_writer_is_replaced(name):
    result = run_python(f"""
        import os
        from multiprocessing import resource_tracker
        from oscserver.core.frame import FrameFormat
        from oscserver.shm.writer import SharedMemoryRing
        ring = SharedMemoryRing.create({name!r}, FrameFormat(8, 8, 3))
        resource_tracker.unregister("/" + {name!r}, "shared_memory")  # die like a killed process
        print(ring.generation, os.getpid(), flush=True)
        os._exit(0)
        """)
    dead_generation, dead_pid = map(int, result.stdout.split())
    with Segment(name) as leftover:
        assert U64.unpack_from(leftover.buf, WRITER_PID_OFFSET)[0] == dead_pid
        assert U32.unpack_from(leftover.buf, CLOSED_OFFSET)[0] == 0
    with SharedMemoryRing.create(name, FMT) as ring, FrameReader(name) as reader:
        assert ring.generation != dead_generation
        ring.publish(make_frame(3, FMT))
        pixels, metadata = reader.read()
        assert pixels.shape == (24, 40, 3) and metadata["frame"] == 3


def test_a_segment_of_a_live_writer_is_refused(name):
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys
                from oscserver.core.frame import FrameFormat
                from oscserver.shm.writer import SharedMemoryRing
                with SharedMemoryRing.create({name!r}, FrameFormat(8, 8, 3)):
                    print("ready", flush=True)
                    sys.stdin.readline()
                """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        message = (
            f"shared memory '{name}' is in use by a running oscserver, pid {child.pid}; "
            "pick another --shm name"
        )
        with pytest.raises(SinkError) as caught:
            SharedMemoryRing.create(name, FMT)
        assert str(caught.value) == message
        child.stdin.write("\n")
        child.stdin.flush()
        _, err = child.communicate(timeout=10)
        assert child.returncode == 0, err
        assert_quiet(err)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    with SharedMemoryRing.create(name, FMT):  # the live writer closed: the name is free again
        pass


def test_a_segment_that_is_not_ours_is_refused(name):
    foreign = SharedMemory(name, create=True, size=4096)
    try:
        foreign.buf[:8] = b"SOMEONE!"
        with pytest.raises(SinkError, match="exists but is not an oscserver frame ring"):
            SharedMemoryRing.create(name, FMT)
        assert bytes(foreign.buf[:8]) == b"SOMEONE!"  # left alone
    finally:
        foreign.close()
        foreign.unlink()


@posix_only("a writer dies by leaving the resource tracker's books")
def test_a_closed_segment_is_replaced_even_if_its_writer_lives(name):
    first = SharedMemoryRing.create(name, FMT)
    first._release()
    resource_tracker.unregister("/" + name, "shared_memory")
    with Segment(name, writable=True) as segment:  # a live pid that shut down cleanly
        U64.pack_into(segment.buf, WRITER_PID_OFFSET, os.getppid())
        U32.pack_into(segment.buf, CLOSED_OFFSET, 1)
    with SharedMemoryRing.create(name, FMT) as ring:
        assert ring.generation != first.generation


# (g) ---------------------------------------------------------------------------------------------


def test_a_reader_process_exiting_leaves_the_segment(name):
    with SharedMemoryRing.create(name, FMT) as ring:
        ring.publish(make_frame(4, FMT))
        for _ in range(2):
            result = run_python(f"""
                from oscserver.client import FrameReader
                reader = FrameReader({name!r})
                assert reader.wait(5.0)[1]["frame"] == 4
                # no close(): the process just exits
                """)
            assert_quiet(result.stderr)
        if sys.platform == "linux":
            assert Path("/dev/shm", name).exists()
        with FrameReader(name) as reader:
            assert reader.read(only_new=False)[1]["frame"] == 4
    with pytest.raises(FileNotFoundError):
        Segment(name)


# (h) ---------------------------------------------------------------------------------------------


def test_the_sink_through_its_async_interface(name):
    async def scenario() -> None:
        sink = SharedMemorySink(name)
        assert isinstance(sink, Sink) and sink.name == "shm"
        with pytest.raises(SinkError, match="not started"):
            await sink.write(make_frame(0, FMT))
        await sink.start(FMT)
        with FrameReader(name) as reader:
            for k in range(5):
                await sink.write(make_frame(k, FMT))
            pixels, metadata = reader.read()
            assert metadata["frame"] == 4 and metadata["seq"] == 5
            np.testing.assert_array_equal(pixels, make_frame(4, FMT).pixels)
            await sink.stop()
            assert reader.read() is None
        await sink.stop()  # twice is fine

    asyncio.run(scenario())
    with pytest.raises(FileNotFoundError):
        Segment(name)


def test_a_second_sink_under_a_live_name_fails_to_start(name):
    async def scenario() -> None:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys
                from oscserver.core.frame import FrameFormat
                from oscserver.shm.writer import SharedMemoryRing
                with SharedMemoryRing.create({name!r}, FrameFormat(8, 8, 3)):
                    print("ready", flush=True)
                    sys.stdin.readline()
                """),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO,
        )
        try:
            assert (await child.stdout.readline()).strip() == b"ready"
            with pytest.raises(SinkError, match=f"pid {child.pid}"):
                await SharedMemorySink(name).start(FMT)
        finally:
            child.stdin.write(b"\n")
            await child.communicate()

    asyncio.run(scenario())


# tools -------------------------------------------------------------------------------------------


def test_viewer_saves_a_png(name, tmp_path):
    from PIL import Image

    out = tmp_path / "latest.png"
    with SharedMemoryRing.create(name, FMT) as ring:
        frame = make_frame(6, FMT)
        ring.publish(frame)
        result = subprocess.run(
            [sys.executable, "tools/shm_viewer.py", "--shm", name, "-o", str(out)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=30,
        )
    assert result.returncode == 0, result.stderr
    with Image.open(out) as image:
        np.testing.assert_array_equal(np.asarray(image.convert("RGB")), frame.pixels)
    assert '"frame": 6' in result.stdout and "40x24x3" in result.stdout


def test_viewer_reports_a_missing_server(name):
    result = subprocess.run(
        [sys.executable, "tools/shm_viewer.py", "--shm", name, "--wait", "0.1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=30,
    )
    assert result.returncode == 1
    assert f"no frame from shared memory '{name}'" in result.stderr


def test_bench_publish_reports_both_medians():
    result = bench_publish(32, 16, 3, frames=20)
    assert result["publish_us"] > 0 and result["copy_us"] > 0
    publish, copy = result["publish_us"], result["copy_us"]
    # Both times are rounded to 0.01 us, the ratio from the unrounded ones: allow for that.
    rounding = 0.005 / publish + 0.005 / copy
    assert result["ratio"] == pytest.approx(publish / copy, rel=rounding + 0.001)
    assert result["bytes"] == 32 * 16 * 3


def test_wait_for_message_skips_frames_from_before_the_message(name):
    """What the latency benchmarks wait for: the first frame whose OSC arrival is not before
    the send time; an older frame is passed over and nothing new is None after the timeout."""
    import dataclasses

    with SharedMemoryRing.create(name, FMT) as ring, FrameReader(name) as reader:
        sent = time.time()
        ring.publish(dataclasses.replace(make_frame(1, FMT), osc_arrival=sent - 0.5))
        assert reader.wait_for_message(sent, timeout=0.05) is None
        ring.publish(dataclasses.replace(make_frame(2, FMT), osc_arrival=sent + 0.001))
        got = reader.wait_for_message(sent, timeout=1.0)
        assert got is not None and got[1]["frame"] == 2
