"""The server in this process with a tiny generator: real UDP, real frame clock thread, no shm."""

from __future__ import annotations

import asyncio
import socket

import numpy as np
import pytest

from oscserver.core.errors import StartupError
from oscserver.server import ServeConfig, Server
from tests.support import OscSender, serve_config, wait_for


def test_osc_changes_frames_and_stop_is_clean(tiny_generator):
    async def main():
        server = await Server.start(serve_config(tiny_generator, fps=60.0))
        try:
            assert await wait_for(lambda: server.bus.latest is not None)
            with OscSender(server.osc_port) as osc:
                osc.send("/smooth", 0.0)
                before = server.bus.latest.pixels.copy()
                osc.send("/class/set", 2, 1.0, 5, 0.5)
            assert await wait_for(lambda: server.bus.latest.osc_seq >= 2)
            await asyncio.sleep(0.05)
            after = server.bus.latest.pixels
            assert np.abs(after.astype(int) - before).mean() > 1
            value, target, _ = server.stages.current.controls.current("class")
            assert target[2] == 1.0 and target[5] == 0.5 and value[2] == pytest.approx(1.0)
            status = server.status()
            assert status["osc"]["accepted"] == 2 and status["frames_rendered"] > 3
            assert status["osc_to_frame_ms_p50"] is not None
        finally:
            await server.stop()
        assert server.tasks.names == []

    asyncio.run(main())


def test_frames_are_dropped_not_queued_when_inference_is_slow(tiny_generator):
    async def main():
        server = await Server.start(serve_config(tiny_generator, fps=200.0))
        runtime = server.stages.current.runtime
        original = runtime.draw

        def slow(values):
            import time

            time.sleep(0.05)
            return original(values)

        runtime.draw = slow
        try:
            await asyncio.sleep(1.0)
            stats = server.frame_clock.stats
            assert stats.rendered <= 25  # at most 1 s / 50 ms of real work
            assert stats.dropped >= 100  # the clock's other ticks were dropped
            latest = server.bus.latest
            # Frame numbers follow the clock (each 50 ms frame spans 10 ticks of 5 ms).
            assert latest.index >= stats.rendered + stats.dropped - 20
        finally:
            await server.stop()

    asyncio.run(main())


def test_port_in_use_is_a_clear_error(tiny_generator):
    async def main():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            config = ServeConfig.from_flat(
                model=str(tiny_generator),
                osc_port=port,
                shm=None,
                status_interval=0,
                http_port=None,
            )
            with pytest.raises(StartupError, match=f"udp 127.0.0.1:{port}.*--osc-port"):
                await Server.start(config)

    asyncio.run(main())


def test_event_loop_lag_is_measured_all_the_time(tiny_generator):
    async def main():
        import time

        from oscserver.server import format_status

        server = await Server.start(serve_config(tiny_generator, fps=60.0))
        try:
            await asyncio.sleep(0.3)
            quiet = server.status()["loop_lag_ms"]
            assert quiet["p99"] is not None and quiet["max"] < 100
            time.sleep(0.15)  # something blocking the loop, as a slow handler would
            await asyncio.sleep(0.1)
            blocked = server.status()["loop_lag_ms"]
            assert blocked["max"] >= 100
            assert "loop lag p99" in format_status(server.status())
            assert "loop-lag" in server.tasks.names
        finally:
            await server.stop()

    asyncio.run(main())
