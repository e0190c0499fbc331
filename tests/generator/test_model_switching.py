"""Switching generators while rendering, refusing bad files, and steering feedback models.

Real parts: a server in this process with real UDP, shared memory read with FrameReader,
ONNX Runtime sessions of generator files built for the test."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np

from oscserver.client import FrameReader
from oscserver.server import Server
from tests.support import (
    OscSender,
    build_feedback_generator,
    build_tiny_generator,
    serve_config,
    unique_name,
    wait_for,
)


async def _server(model, *more, shm=None, fps=30.0) -> Server:
    return await Server.start(serve_config([str(model), *(str(m) for m in more)], shm=shm, fps=fps))


def test_switch_between_loaded_generators_keeps_frames_coming(tmp_path):
    """The output keeps the largest loaded generator's size from the start: the small one is
    fitted up to it, and switching neither resizes nor replaces the ring, so an attached reader
    reads on without re-attaching."""
    small = build_tiny_generator(tmp_path / "small.onnx", size=4)
    large = build_tiny_generator(tmp_path / "large.onnx", size=8)

    async def main():
        shm = unique_name("switch")
        server = await _server(small, large, shm=shm)
        try:
            assert list(server.stages.library.loaded) == ["tiny", "tiny-2"]
            assert server.status()["frame_size"] == [8, 8]
            with FrameReader(shm) as reader, OscSender(server.osc_port) as osc:
                await asyncio.to_thread(reader.wait, 10.0)
                generation = reader.generation
                osc.send("/truncation", 0.9)  # set on the first, carried to the second
                seen: list[tuple[int, str, np.ndarray]] = []

                def collect():
                    got = reader.read()
                    if got is not None:
                        seen.append((got[1]["frame"], server.stages.current.name, got[0]))
                    return len([s for s in seen if s[1] == "tiny-2"]) > 5

                await asyncio.sleep(0.3)
                assert await wait_for(lambda: collect() or len(seen) >= 3, 10.0)
                osc.send("/model", "tiny-2")
                assert await wait_for(collect, 10.0)
                assert reader.generation == generation  # the same ring all along
            assert {pixels.shape for _, _, pixels in seen} == {(8, 8, 3)}
            names = [name for _, name, _ in seen]
            assert names[0] == "tiny" and names[-1] == "tiny-2"
            first_large = names.index("tiny-2")
            indices = [index for index, _, _ in seen]
            # The swap costs no frame: the clock's numbering goes on without a gap.
            assert indices[first_large] - indices[first_large - 1] <= 2
            assert server.stages.current.controls.current("truncation")[1][0] == np.float32(0.9)
            assert server.status()["model"]["name"] == "tiny-2"
            assert server.frame_clock.stats.swaps == 1
        finally:
            await server.stop()

    asyncio.run(main())


def test_corrupt_or_missing_model_is_refused_and_rendering_goes_on(tmp_path):
    model = build_tiny_generator(tmp_path / "tiny.onnx")
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x01garbage" * 100)
    plain = build_tiny_generator(tmp_path / "plain.onnx", contract=None)

    async def main():
        server = await _server(model)
        try:
            with OscSender(server.osc_port) as osc:
                # One load at a time: each runs off the loop, and last_refusal is whichever
                # finished last.
                osc.send("/model", str(corrupt))
                assert await wait_for(lambda: server.stages.library.refused == 1, 10.0)
                osc.send("/model", str(plain))
                osc.send("/model", str(tmp_path / "missing.onnx"))
                osc.send("/model", 3)
                assert await wait_for(lambda: server.stages.library.refused == 2, 10.0)
                rendered = server.frame_clock.stats.rendered
                await asyncio.sleep(0.3)
                assert server.frame_clock.stats.rendered > rendered + 4  # still rendering
            status = server.status()
            assert status["model"]["name"] == "tiny"
            assert "not a generator" in status["model"]["last_refusal"]
            reasons = status["osc"]["rejected_by_reason"]
            assert reasons["bad_file"] == 1 and reasons["wrong_type"] == 1
            assert server.frame_clock.stats.swaps == 0
        finally:
            await server.stop()

    asyncio.run(main())


def _write_png(path, rgb: np.ndarray) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("png")
        stream.width, stream.height = rgb.shape[1], rgb.shape[0]
        stream.pix_fmt = "rgb24"
        for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_feedback_image_blend_noise_and_reset(tmp_path):
    model = build_feedback_generator(tmp_path / "feedback.onnx", size=8)
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 250
    picture = tmp_path / "red.png"
    _write_png(picture, red)

    async def main():
        server = await _server(model)
        loop = server.frame_clock
        try:
            assert await wait_for(lambda: loop._last_pixels is not None, 10.0)
            with OscSender(server.osc_port) as osc:
                # Left alone it settles on grey.
                assert await wait_for(lambda: abs(int(loop._last_pixels.mean()) - 127) <= 2, 10.0)
                osc.send("/feedback/image", str(picture))
                osc.send("/feedback/blend", 1.0)
                # Anchored and pulled every frame: red, as the anchor.
                assert await wait_for(
                    lambda: (
                        loop._last_pixels[..., 0].mean() > 200
                        and loop._last_pixels[..., 1].mean() < 40
                    )
                )
                osc.send("/feedback/blend", 0.0)
                assert await wait_for(
                    lambda: abs(int(loop._last_pixels[..., 0].mean()) - 127) < 10, 10.0
                )
                before = loop._last_pixels.copy()
                osc.send("/feedback/noise", 0.5)
                assert await wait_for(
                    lambda: np.abs(loop._last_pixels.astype(int) - before).max() > 30, 10.0
                )
                osc.send("/feedback/reset")
                await asyncio.sleep(0.2)
                osc.send("/feedback/image", str(tmp_path / "nothing.png"))
                osc.send("/feedback/blend", 2.0)
                assert await wait_for(lambda: server.counters.as_dict()["rejected"] == 2, 10.0)
            reasons = server.counters.as_dict()["rejected_by_reason"]
            assert reasons["bad_file"] == 1 and reasons["out_of_range"] == 1
        finally:
            await server.stop()

    asyncio.run(main())


def test_a_retrained_model_goes_on_from_the_picture_on_screen(tmp_path):
    first = build_feedback_generator(tmp_path / "a.onnx", size=8)
    retrained = build_feedback_generator(tmp_path / "b.onnx", size=8)
    other = build_feedback_generator(tmp_path / "c.onnx", size=16)

    async def main():
        server = await _server(first)
        loop = server.frame_clock
        try:
            assert await wait_for(
                lambda: (
                    loop._last_pixels is not None and abs(int(loop._last_pixels.mean()) - 127) <= 2
                )
            )
            began = time.monotonic()
            await server.stages.reload(retrained)
            assert time.monotonic() - began < 5
            # Not back to black (the default): it continued from the grey on screen.
            await asyncio.sleep(0.1)
            assert abs(int(loop._last_pixels.mean()) - 127) <= 2
            assert server.status()["model"]["path"].endswith("b.onnx")
            try:
                await server.stages.reload(other)
            except Exception as exc:
                assert "cannot replace" in str(exc)
            else:
                raise AssertionError("a model of another size replaced the running one")
            assert server.status()["model"]["path"].endswith("b.onnx")
        finally:
            await server.stop()

    asyncio.run(main())
