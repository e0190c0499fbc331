"""WebRTC with a real aiortc viewer over loopback: frames arrive at the render rate, controls
go over the data channel through the same validation and counters as OSC, and viewers leave
nothing behind."""

from __future__ import annotations

import asyncio
import gc
import json
import os

import aiohttp
import numpy as np
import pytest

from oscserver.server import ServeConfig, Server
from oscserver.testing.webrtc_viewer import ViewerClient
from tests.support import serve_config, wait_for
from tests.support.platforms import linux_only

FPS = 30.0


def _config(**kw) -> ServeConfig:
    return serve_config(**({"http_port": 0, "fps": FPS, "threads": None} | kw))


def run(coro):
    return asyncio.run(coro)


def test_viewer_gets_frames_and_plays_controls_over_the_data_channel():
    async def main():
        server = await Server.start(_config())
        viewer = ViewerClient(server.http.port)
        try:
            await viewer.connect()
            await viewer.wait_frames(45)
            times = [t for t, _ in list(viewer.frames)[15:45]]
            fps = (len(times) - 1) / (times[-1] - times[0])
            assert 0.75 * FPS <= fps <= 1.2 * FPS
            assert viewer.frames[-1][1].shape == (256, 256, 3)

            assert (await viewer.control("/smooth", 0))["ok"]
            await asyncio.sleep(0.2)
            before = viewer.frames[-1][1].astype(np.int16)
            reply = await viewer.control("/class", *([0.0] * 1000))
            assert reply["ok"], reply
            assert (await viewer.control("/class/set", 1, 1.0))["ok"]
            await asyncio.sleep(0.4)
            after = viewer.frames[-1][1].astype(np.int16)
            assert np.abs(after - before).mean() > 5

            bad = await viewer.control("/truncation", 3.0)
            assert bad == {
                "type": "result",
                "id": bad["id"],
                "ok": False,
                "reason": "out_of_range",
                "error": bad["error"],
            }
            assert "[0.02, 1]" in bad["error"]
            assert (await viewer.control("", raw="{not json"))["reason"] == "malformed"
            assert (await viewer.control("", raw="[1, 2]"))["reason"] == "malformed"
            assert (await viewer.control("/class", "many"))["reason"] == "wrong_count"

            counts = server.counters.as_dict()
            assert counts["accepted"] == 3
            assert counts["rejected_by_reason"]["out_of_range"] == 1
            assert counts["rejected_by_reason"]["malformed"] == 2
            assert counts["rejected_by_reason"]["wrong_count"] == 1

            # Video keeps flowing after the rejections.
            seen = viewer.received
            await viewer.wait_frames(seen + 10, timeout=5)
            status = server.status()
            assert len(status["viewers"]) == 1 and status["viewers"][0]["state"] == "connected"
        finally:
            await viewer.close()
            await server.stop()

    run(main())


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@linux_only("counts open descriptors in /proc/self/fd")
def test_fifty_connect_disconnect_cycles_leave_nothing_behind():
    async def main():
        server = await Server.start(_config())
        try:
            # One cycle first, so lazily created pools and caches exist before counting.
            warm = ViewerClient(server.http.port, keep_pixels=False)
            await warm.connect()
            await warm.wait_frames(2)
            await warm.close()
            assert await wait_for(lambda: not server.webrtc.viewers, 20.0)
            await asyncio.sleep(0.2)
            gc.collect()
            fds, tasks = _open_fds(), len(asyncio.all_tasks())
            for _ in range(50):
                viewer = ViewerClient(server.http.port, keep_pixels=False)
                await viewer.connect()
                await viewer.wait_frames(1)
                await viewer.close()
            assert await wait_for(lambda: not server.webrtc.viewers, 20.0)
            assert await wait_for(lambda: len(asyncio.all_tasks()) <= tasks, 20.0)
            await asyncio.sleep(0.5)
            gc.collect()
            assert server.webrtc.viewers == {}
            assert server.webrtc.connected_total == 51
            assert len(asyncio.all_tasks()) <= tasks, sorted(
                t.get_name() for t in asyncio.all_tasks()
            )
            assert _open_fds() <= fds, sorted(os.listdir("/proc/self/fd"))
        finally:
            await server.stop()
        assert server.tasks.names == []

    run(main())


def test_status_and_osc_discovery():
    async def main():
        server = await Server.start(_config())
        try:
            base = f"http://127.0.0.1:{server.http.port}"
            async with aiohttp.ClientSession() as http:
                await asyncio.sleep(0.5)
                async with http.get(f"{base}/status") as response:
                    status = await response.json()
                assert status["provider"] == "CPUExecutionProvider"
                assert status["fps"] > 0 and status["frame_ms_p50"] > 0
                assert set(status["osc"]["rejected_by_reason"]) >= {"malformed", "out_of_range"}
                assert "osc_to_frame_ms_p99" in status and status["viewers"] == []
                async with http.get(f"{base}/osc") as response:
                    addresses = {a["address"]: a for a in await response.json()}
                trunc = addresses["/truncation"]
                assert trunc["types"] == "f" and trunc["range"] == [0.02, 1.0]
                assert trunc["default"] == trunc["value"] == pytest.approx(0.5, abs=1e-6)
                assert addresses["/class"]["length"] == 1000
                assert len(addresses["/noise"]["value"]) == 128
                assert "/noise/seed" in addresses and "/class/<i>" in addresses
                assert addresses["/smooth/noise"]["motion"]["mode"] == "exponential"
                async with http.get(f"{base}/classes") as response:
                    classes = await response.json()
                assert len(classes) == 1000 and classes[1]["label"] == "goldfish"
                async with http.get(f"{base}/") as response:
                    assert "viewer.js" in await response.text()
        finally:
            await server.stop()

    run(main())


def test_offer_is_checked_and_size_limited():
    async def main():
        server = await Server.start(_config())
        try:
            url = f"http://127.0.0.1:{server.http.port}/offer"
            async with aiohttp.ClientSession() as http:
                async with http.post(url, data=b"x" * 200_000) as response:
                    assert response.status == 413
                async with http.post(url, data=b"not json") as response:
                    assert response.status == 400
                async with http.post(url, json={"sdp": "v=0 nonsense", "type": "offer"}) as r:
                    assert r.status == 400
                    assert "offer" in (await r.json())["error"]
            assert server.webrtc.viewers == {}
        finally:
            await server.stop()

    run(main())


def test_beyond_loopback_a_token_is_required():
    async def main():
        # Bound to every interface, but only ever contacted on 127.0.0.1 here.
        server = await Server.start(_config(http_host="0.0.0.0"))
        try:
            token = server.webrtc.token
            assert token and len(token) >= 16
            url = f"http://127.0.0.1:{server.http.port}/offer"
            async with aiohttp.ClientSession() as http:
                async with http.post(url, json={"sdp": "x", "type": "offer"}) as response:
                    assert response.status == 403
                    assert "token" in (await response.json())["error"]
                body = {"sdp": "x", "type": "offer", "token": "wrong"}
                async with http.post(url, json=body) as response:
                    assert response.status == 403
        finally:
            await server.stop()

    run(main())


def test_control_messages_need_the_token_too():
    async def main():
        server = await Server.start(_config(token="s3cret-token-for-tests"))
        viewer = ViewerClient(server.http.port, token="s3cret-token-for-tests")
        try:
            await viewer.connect()
            assert (await viewer.control("/truncation", 0.7))["ok"]
            forged = json.dumps(
                {"type": "control", "address": "/truncation", "args": [0.3], "token": "nope"}
            )
            reply = await viewer.control("", raw=forged)
            assert reply["reason"] == "unauthorized"
            assert server.counters.as_dict()["rejected_by_reason"]["unauthorized"] == 1
        finally:
            await viewer.close()
            await server.stop()

    run(main())


def test_a_slow_viewer_skips_frames_and_slows_nobody_else():
    async def main():
        server = await Server.start(_config())
        clients = [ViewerClient(server.http.port, keep_pixels=False) for _ in range(3)]
        try:
            for client in clients:
                await client.connect()
            await asyncio.gather(*(c.wait_frames(5) for c in clients))
            # Make one viewer's sending side slow, as a congested encoder or network would.
            slow_id = next(iter(server.webrtc.viewers))
            slow_track = server.webrtc.viewers[slow_id].track
            original_recv = slow_track.recv

            async def slow_recv():
                frame = await original_recv()
                await asyncio.sleep(0.2)
                return frame

            slow_track.recv = slow_recv
            await asyncio.sleep(0.5)
            rendered = server.frame_clock.stats.rendered
            before = [c.received for c in clients]
            await asyncio.sleep(3.0)
            render_fps = (server.frame_clock.stats.rendered - rendered) / 3.0
            rates = sorted((c.received - b) / 3.0 for c, b in zip(clients, before, strict=True))
            assert render_fps >= 0.85 * FPS
            assert rates[0] <= 6  # the slow one: one frame per 200 ms at most
            assert rates[1] >= 0.8 * FPS and rates[2] >= 0.8 * FPS
            assert slow_track.slot.skipped >= 50  # it skipped frames instead of queueing them
        finally:
            for client in clients:
                await client.close()
            await server.stop()

    run(main())
