"""The Spout (Windows) and Syphon (macOS) sinks, run here against stand-ins with the libraries'
API (tests/support/stand_ins/): the frame handed over (RGBA, the row order, the size, the name),
everything on the sink's own thread, the run loop turned, and what happens when the library
fails. Neither library exists on Linux, so none of this has touched real Spout or Syphon: that
needs a Windows machine and a Mac (docs/tools/touchdesigner.md says so too)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import numpy as np
import pytest

from oscserver.core.errors import SinkError
from oscserver.core.frame import Frame, FrameFormat
from oscserver.server import Server
from tests.support import REPO, serve_config, wait_for

STAND_INS = REPO / "tests" / "support" / "stand_ins"
FMT = FrameFormat(width=6, height=4, channels=3)


@pytest.fixture
def stand_ins(monkeypatch):
    """The stand-in modules first on sys.path, fresh for each test (their switches reset)."""
    monkeypatch.syspath_prepend(str(STAND_INS))
    for name in [m for m in sys.modules if m.split(".")[0] in ("SpoutGL", "syphon", "Cocoa")]:
        monkeypatch.delitem(sys.modules, name)
    yield
    for name in [m for m in sys.modules if m.split(".")[0] in ("SpoutGL", "syphon", "Cocoa")]:
        sys.modules.pop(name, None)


def _frame(index: int, fmt: FrameFormat = FMT) -> Frame:
    rng = np.random.default_rng(index)
    pixels = rng.integers(0, 256, (fmt.height, fmt.width, fmt.channels), dtype=np.uint8)
    return Frame(pixels, index, index / 30, 1.0, 0, 0.0, time.time())


def test_spout_gets_rgba_bottom_row_first_on_one_thread(stand_ins):
    import SpoutGL

    from oscserver.sinks.spout import SpoutSink

    async def main():
        sink = SpoutSink("oscserver-test")
        await sink.start(FMT)
        frames = [_frame(i) for i in range(3)]
        for frame in frames:
            await sink.write(frame)
        await sink.stop()
        return frames

    frames = asyncio.run(main())
    (sender,) = SpoutGL.SENDERS
    assert sender.name == "oscserver-test"
    assert len(sender.frames) == 3
    for frame, sent in zip(frames, sender.frames, strict=True):
        pixels = sent["pixels"]
        assert pixels.shape == (4, 6, 4)  # height x width x RGBA, width then height given
        assert (pixels[:, :, :3] == frame.pixels[::-1]).all()  # OpenGL's order: bottom row first
        assert (pixels[:, :, 3] == 255).all()
        assert sent["format"] == SpoutGL.GL_RGBA and sent["invert"] is False
        assert sent["host_fbo"] == 0
    methods = [method for method, _ in sender.calls]
    assert methods[:2] == ["createOpenGL", "setSenderName"]
    assert methods.count("setFrameSync") == 3  # receivers told of each frame
    assert methods[-2:] == ["releaseSender", "closeOpenGL"]
    assert {thread for _, thread in sender.calls} == {sender.calls[0][1]}  # the GL context's
    assert sender.calls[0][1].startswith("spout-sink")


def test_spout_failures_are_clear_and_the_other_outputs_go_on(stand_ins, tiny_generator):
    import SpoutGL

    from oscserver.sinks.spout import SpoutSink

    SpoutGL.SpoutSender.refuse_opengl = True
    with pytest.raises(SinkError, match="OpenGL context"):
        asyncio.run(SpoutSink("no-gl").start(FMT))
    SpoutGL.SpoutSender.refuse_opengl = False
    SpoutGL.SpoutSender.refuse_frames = True

    async def main():
        server = await Server.start(serve_config(tiny_generator, fps=60.0))
        try:
            await server.bus.add_sink(SpoutSink("refused"))
            assert await wait_for(lambda: server.bus.write_errors >= 3, 5.0)
            before = server.frame_clock.stats.rendered
            assert await wait_for(lambda: server.frame_clock.stats.rendered > before + 10, 5.0)
        finally:
            await server.stop()

    asyncio.run(main())


def test_syphon_publishes_rgba_top_row_first_and_turns_the_run_loop(stand_ins):
    import Cocoa
    import syphon

    from oscserver.sinks.syphon import SyphonSink

    async def main():
        sink = SyphonSink("oscserver-test")
        await sink.start(FMT)
        frames = [_frame(i) for i in range(3)]
        for frame in frames[:2]:
            await sink.write(frame)
        syphon.SyphonMetalServer.clients = 0  # nobody watching: no copy, the run loop still turns
        await sink.write(frames[2])
        await sink.stop()
        return frames

    frames = asyncio.run(main())
    (server,) = syphon.SERVERS
    assert server.name == "oscserver-test" and server.stopped
    assert [p["is_flipped"] for p in server.published] == [True, True]
    for frame, sent in zip(frames, server.published, strict=False):
        assert sent["pixels"].shape == (4, 6, 4)
        assert (sent["pixels"][:, :, :3] == frame.pixels).all()  # top row first, flipped flag
        assert (sent["pixels"][:, :, 3] == 255).all()
    assert len(Cocoa.TURNS) == 3  # once after every frame, with or without clients
    assert {mode for mode, _, _ in Cocoa.TURNS} == {Cocoa.NSDefaultRunLoopMode}
    threads = {thread for _, thread, _ in Cocoa.TURNS} | server.threads
    assert len(threads) == 1 and threads.pop().startswith("syphon-sink")


def test_syphon_failures_become_sink_errors(stand_ins):
    import syphon

    from oscserver.sinks.syphon import SyphonSink

    syphon.SyphonMetalServer.fail_publish = True

    async def main():
        sink = SyphonSink("failing")
        await sink.start(FMT)
        try:
            with pytest.raises(SinkError, match="Syphon did not take frame 7"):
                await sink.write(_frame(7))
        finally:
            await sink.stop()

    asyncio.run(main())


def test_both_grey_and_rgba_frames_are_handed_over_as_rgba(stand_ins):
    import SpoutGL

    from oscserver.sinks.spout import SpoutSink

    async def main():
        for channels in (1, 4):
            fmt = FrameFormat(width=3, height=2, channels=channels)
            sink = SpoutSink(f"c{channels}")
            await sink.start(fmt)
            await sink.write(_frame(channels, fmt))
            await sink.stop()

    asyncio.run(main())
    grey, rgba = (sender.frames[0]["pixels"] for sender in SpoutGL.SENDERS)
    source_grey, source_rgba = _frame(1, FrameFormat(3, 2, 1)), _frame(4, FrameFormat(3, 2, 4))
    assert (grey[:, :, :3] == source_grey.pixels[::-1]).all()
    assert (rgba == source_rgba.pixels[::-1]).all()


@pytest.mark.parametrize(
    ("flag", "system"), [("--spout", "Windows"), ("--syphon", "macOS")], ids=["spout", "syphon"]
)
def test_an_output_of_another_system_is_one_line_and_no_traceback(flag, system):
    if (flag == "--spout" and sys.platform == "win32") or (
        flag == "--syphon" and sys.platform == "darwin"
    ):
        pytest.skip(f"{flag} is this system's own")
    done = subprocess.run(
        [sys.executable, "-m", "oscserver", "serve", flag, "x", "--http-port", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert flag in lines[0] and system in lines[0]
