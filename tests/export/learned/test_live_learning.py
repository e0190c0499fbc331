"""Learning while it plays: the server runs `oscserver_export.learned.learn` beside it and swaps in
each new model between two frames; frames keep coming from shared memory with at most one
missing."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

pytest.importorskip("torch")

from oscserver.client import FrameReader
from oscserver.server import ServeConfig, Server
from oscserver_export.learned.footage import FootageConfig, render_frames
from oscserver_export.learned.frames import write_video
from oscserver_export.train_cli import main as train_main
from tests.support import free_udp_port, unique_name


def test_models_swap_in_while_frames_keep_coming(tmp_path):
    video = tmp_path / "window.mp4"
    write_video(render_frames(FootageConfig(size=32, frames=40, seed=2)), video)
    model = tmp_path / "nextframe.onnx"
    argv = ["nextframe", str(video), "-o", str(model), "--size", "32", "--steps", "1"]
    assert train_main([*argv, "--width", "8", "--batch", "2", "--threads", "1"]) == 0

    async def main():
        shm = unique_name("learn")
        server = await Server.start(
            ServeConfig.from_flat(
                model=str(model),
                osc_port=free_udp_port(),
                shm=shm,
                http_port=None,
                status_interval=0,
                fps=30.0,
                threads=1,
                learn=str(video),
                update_every=1.0,
                learn_dir=str(tmp_path / "learned"),
            )
        )
        try:
            indices: list[int] = []
            swap_positions: list[int] = []
            swaps = 0
            with FrameReader(shm) as reader:
                end = time.monotonic() + 60
                while time.monotonic() < end:
                    got = reader.read()
                    if got is not None:
                        indices.append(got[1]["frame"])
                    if server.frame_clock.stats.swaps > swaps:
                        swaps = server.frame_clock.stats.swaps
                        swap_positions.append(len(indices))
                        if swaps >= 2:
                            break
                    await asyncio.sleep(0.002)
                for _ in range(20):  # a few frames after the last swap
                    got = reader.read()
                    if got is not None:
                        indices.append(got[1]["frame"])
                    await asyncio.sleep(0.02)
            assert swaps >= 2, "the learner announced no models in 60 s"
            for position in swap_positions:
                window = indices[max(0, position - 10) : position + 10]
                gaps = [b - a for a, b in itertools.pairwise(window)]
                assert gaps and max(gaps) <= 2, f"frames lost around a swap: {window}"
            status = server.status()
            learning = status["learning"]
            assert learning["running"] and learning["updates"] >= 2
            assert isinstance(learning["loss"], float) and learning["step"] > 0
            assert status["model"]["age_s"] < 10 and status["model"]["swaps"] >= 2
            assert "nextframe-" in status["model"]["path"]
        finally:
            await server.stop()
        assert not server.learner.describe()["running"]

    asyncio.run(main())
