"""The locked front door over real UDP: who may send (--osc-allow), how fast (per host), and
which files OSC may name (--media-dir)."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import av
import numpy as np
import pytest

from oscserver.core.errors import ControlError, StartupError
from oscserver.core.media import MediaFolders, read_picture
from oscserver.server import ServeConfig, Server
from tests.support import (
    OscSender,
    build_feedback_generator,
    build_tiny_generator,
    free_udp_port,
    osc_message,
    serve_config,
    wait_for,
)


def _send_from(host: str, port: int, data: bytes, times: int = 1) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        for _ in range(times):
            sock.sendto(data, ("127.0.0.1", port))


def test_only_allowed_networks_are_read(tiny_generator):
    async def main():
        server = await Server.start(serve_config(tiny_generator, osc_allow="127.0.0.2/32"))
        try:
            message = osc_message("/truncation", 0.9)
            _send_from("127.0.0.1", server.osc_port, message)  # loopback, but not allowed
            _send_from("127.0.0.2", server.osc_port, message)
            counters = server.counters
            assert await wait_for(lambda: counters.as_dict()["accepted"] == 1)
            assert counters.as_dict()["rejected_by_reason"]["not_allowed"] == 1
        finally:
            await server.stop()

    asyncio.run(main())


def test_a_bad_allow_list_is_a_clear_startup_error(tiny_generator):
    async def main():
        with pytest.raises(StartupError, match="bogus"):
            await Server.start(serve_config(tiny_generator, osc_allow="10.0.0.0/8,bogus"))

    asyncio.run(main())


def test_one_host_sending_too_fast_is_limited_and_counted(tiny_generator):
    async def main():
        server = await Server.start(serve_config(tiny_generator, osc_rate_limit=100))
        try:
            message = osc_message("/truncation", 0.8)
            _send_from("127.0.0.1", server.osc_port, message, times=400)
            _send_from("127.0.0.3", server.osc_port, message, times=50)  # another host: its own
            counters = server.counters
            assert await wait_for(
                lambda: counters.as_dict()["accepted"] + counters.as_dict()["rejected"] == 450
            )
            counts = counters.as_dict()
            limited = counts["rejected_by_reason"]["rate_limited"]
            assert 250 <= limited <= 300 and counts["accepted"] == 450 - limited
            await asyncio.sleep(0.5)  # the bucket refills
            _send_from("127.0.0.1", server.osc_port, message, times=10)
            assert await wait_for(lambda: counters.as_dict()["accepted"] == 460 - limited)
        finally:
            await server.stop()

    asyncio.run(main())


def test_full_class_vectors_at_120_hz_pass_the_default_limit():
    async def main():
        server = await Server.start(
            ServeConfig.from_flat(
                osc_port=free_udp_port(), shm=None, http_port=None, status_interval=0, threads=1
            )
        )
        try:
            vector = osc_message("/class", *([0.001] * 1000))
            with OscSender(server.osc_port) as osc:
                for _ in range(240):  # two seconds at 120 Hz, sent as fast as possible
                    osc.send_raw(vector)
            counters = server.counters
            assert await wait_for(lambda: counters.as_dict()["accepted"] == 240)
            assert counters.as_dict()["rejected"] == 0
        finally:
            await server.stop()

    asyncio.run(main())


# -- files ----------------------------------------------------------------------------------


def test_paths_outside_the_media_folders_are_refused(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.onnx").write_bytes(b"x")
    outside = tmp_path / "secret.onnx"
    outside.write_bytes(b"x")
    os.symlink(outside, media / "link.onnx")
    folders = MediaFolders([media])
    assert folders.resolve("/model", "a.onnx", ".onnx") == (media / "a.onnx").resolve()
    assert folders.resolve("/model", str(media / "a.onnx")) == (media / "a.onnx").resolve()
    for bad, why in (
        (str(outside), "outside"),
        ("../secret.onnx", "'..'"),
        ("link.onnx", "not a file in the media folders"),
        ("/etc/passwd", "outside"),
        ("missing.onnx", "not a file"),
        ("a.txt", "not a .onnx"),
    ):
        with pytest.raises(ControlError) as info:
            folders.resolve("/model", bad, ".onnx")
        assert info.value.reason == "bad_file" and why in str(info.value), bad
        assert str(media.resolve()) in str(info.value)  # says where files may be


def test_model_and_feedback_paths_over_osc(tmp_path):
    show, elsewhere = tmp_path / "show", tmp_path / "elsewhere"
    show.mkdir()
    elsewhere.mkdir()
    playing = build_feedback_generator(show / "feedback.onnx")
    build_tiny_generator(elsewhere / "tiny.onnx")
    _write_png(show / "anchor.png", np.full((8, 8, 3), 200, np.uint8))

    async def main():
        server = await Server.start(serve_config(playing))
        try:
            with OscSender(server.osc_port) as osc:
                osc.send("/model", str(elsewhere / "tiny.onnx"))  # outside the default folder
                osc.send("/model", "../elsewhere/tiny.onnx")
                osc.send("/feedback/image", "/etc/hostname")
                osc.send("/feedback/image", "anchor.png")  # inside: the --model's folder
            counters = server.counters
            assert await wait_for(lambda: counters.as_dict()["accepted"] == 1)
            assert counters.as_dict()["rejected_by_reason"]["bad_file"] == 3
            assert server.stages.current.name == "feedback"
        finally:
            await server.stop()

        allowed = await Server.start(serve_config(playing, media_dir=[str(elsewhere)]))
        try:
            with OscSender(allowed.osc_port) as osc:
                osc.send("/model", "tiny.onnx")
            assert await wait_for(lambda: allowed.stages.current.name == "tiny")
        finally:
            await allowed.stop()

    asyncio.run(main())


def _write_png(path: Path, pixels: np.ndarray) -> None:
    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = pixels.shape[1], pixels.shape[0], "rgb24"
        for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
            container.mux(packet)


def test_a_frame_past_the_end_is_refused_before_decoding(tmp_path):
    video = tmp_path / "clip.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for i in range(60):
            frame = np.full((32, 32, 3), i * 4, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="60 frames; frame 1000000000 is past its end"):
        read_picture(video, 10**9, (32, 32, 3))
    assert time.perf_counter() - start < 0.5
    late = read_picture(video, 59, (32, 32, 3))  # reached by seeking, not decoding 59 frames
    assert abs(int(late.mean()) - 59 * 4) <= 6
