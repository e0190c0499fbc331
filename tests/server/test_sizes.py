"""Projector sizes: ``serve --size`` and ``--render-scale`` end to end, a shared-memory reader in
another process reading 1280x720 at the speed the issue asks on two cores, OSC changing the
frames, ``/model`` keeping the output's size, and every bad size refused in one line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import numpy as np
import pytest

from oscserver.client import FrameReader
from oscserver.server import Server
from tests.support import (
    OscSender,
    build_tiny_generator,
    serve_config,
    unique_name,
    wait_for,
)
from tests.support.process import ServerProcess


def _frames_for(reader: FrameReader, seconds: float) -> list[tuple[int, np.ndarray]]:
    """(frame number, pixels) of every new frame read within ``seconds``."""
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = reader.wait(timeout=1.0)
        if got is not None:
            seen.append((got[1]["frame"], got[0].copy()))
    return seen


def test_720p_at_half_scale_reaches_a_reader_at_25_fps_and_follows_osc():
    proc = ServerProcess("--size", "1280x720", "--render-scale", "0.5", "--threads", "2")
    try:
        with FrameReader(proc.shm) as reader, OscSender(proc.port) as osc:
            assert reader.wait(timeout=60) is not None, proc.stop()
            assert reader.shape == (720, 1280, 3)
            _frames_for(reader, 1.0)  # settle
            seen = _frames_for(reader, 4.0)
            span = seen[-1][0] - seen[0][0]
            elapsed = span / 30.0  # frame numbers count the clock's ticks
            read_fps = (len(seen) - 1) / 4.0
            assert read_fps >= 25, f"{read_fps:.1f} fps read ({span} ticks in {elapsed:.1f} s)"
            assert {pixels.shape for _, pixels in seen} == {(720, 1280, 3)}
            osc.send("/smooth", 0.0)
            before = _frames_for(reader, 0.3)[-1][1].astype(int)
            for address, *args in (("/class/set", 207, 1.0), ("/truncation", 0.95)):
                osc.send(address, *args)
                after = _frames_for(reader, 0.5)[-1][1].astype(int)
                assert np.abs(after - before).mean() > 3, address
                before = after
    finally:
        out = proc.stop()
    assert "output 1280x720, 3 channels" in out
    assert "draws 640x360" in out


def test_switching_to_a_generator_of_another_size_keeps_the_output(tmp_path):
    """The output is --size for the server's life: the default generator draws 64x36, a tiny
    generator of 4x4 is fitted to it; over OSC nothing resizes the ring."""
    tiny = build_tiny_generator(tmp_path / "tiny.onnx", size=4)

    async def main():
        shm = unique_name("sizes")
        config = serve_config(["default", str(tiny)], shm=shm, size="64x36", fit="contain")
        server = await Server.start(config)
        try:
            with FrameReader(shm) as reader, OscSender(server.osc_port) as osc:
                assert await asyncio.to_thread(reader.wait, 20.0) is not None
                generation = reader.generation
                osc.send("/size", 128, 128)  # no such address: refused, nothing changes
                osc.send("/model", "tiny")
                assert await wait_for(lambda: server.stages.current.name == "tiny", 10.0)
                await asyncio.sleep(0.3)
                got = await asyncio.to_thread(reader.wait, 5.0)
                assert got is not None and got[0].shape == (36, 64, 3)
                assert (got[0][:, :10] == 0).all()  # the square tiny frame, pillarboxed
                assert reader.generation == generation
            assert server.status()["frame_size"] == [64, 36]
            assert server.status()["osc"]["rejected"] >= 1
        finally:
            await server.stop()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--size", "wide"], "--size 'wide': expected WIDTHxHEIGHT (1280x720)"),
        (["--size", "0x720"], "--size '0x720': width and height must be at least 8"),
        (["--size", "8000x4500"], "--size '8000x4500': at most 7680x4320"),
        (["--size", "1281x720"], "--size 1281x720: WebRTC's video encoder needs an even"),
        (["--render-scale", "0.1"], "--render-scale 0.1: a number from 0.25 to 1"),
        (["--render-scale", "big"], "--render-scale big: a number from 0.25 to 1"),
    ],
)
def test_bad_sizes_are_refused_at_start_in_one_line(flags, message):
    done = subprocess.run(
        [sys.executable, "-m", "oscserver", "serve", "--shm", "", "--osc-port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and message in errors[0], done.stderr


def test_an_odd_size_serves_where_no_encoder_needs_it_even():
    async def main():
        server = await Server.start(serve_config(size="65x37"))
        try:
            assert await wait_for(lambda: server.bus.latest is not None, 20.0)
            assert server.bus.latest.pixels.shape == (37, 65, 3)
        finally:
            await server.stop()

    asyncio.run(main())
