"""``oscserver bench webrtc``: what streaming costs.

For each size, the server renders the default generator with 0, 1 and 4 viewers connected
(real aiortc peers over loopback, in this process); reported: the frame clock's fps, the
fps each viewer receives, and the encoder's time per frame measured on the same frames.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time

import numpy as np

from oscserver.generator.reading import default_model_path
from oscserver_bench.generator import drift_inputs
from oscserver_bench.report import machine, print_json


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``webrtc`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    web = kinds.add_parser("webrtc", help="render and delivered fps with 0, 1, 4 viewers")
    web.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    web.add_argument("--viewers", type=int, nargs="+", default=[0, 1, 4])
    web.add_argument("--seconds", type=float, default=6.0)
    web.add_argument("--fps", type=float, default=30.0)
    web.add_argument("--codec", choices=("vp8", "h264"), default="vp8")
    web.set_defaults(run=run)
    return web


def run(args: argparse.Namespace) -> int:
    """Run the benchmark with parsed ``args`` and print its JSON result."""
    if 0 not in args.viewers:
        args.viewers.insert(0, 0)  # the no-viewer run is what the others compare with
    return print_json(bench_webrtc(args.sizes, args.viewers, args.seconds, args.fps, args.codec))


def bench_webrtc(
    sizes: list[int], viewer_counts: list[int], seconds: float, fps: float, codec: str
) -> dict:
    rows = []
    for size in sizes:
        encode_ms = encode_time_ms(size, codec)
        for viewers in viewer_counts:
            row = asyncio.run(_measure(size, viewers, seconds, fps, codec))
            row["encode_ms_p50"] = encode_ms
            rows.append(row)
    for row in rows:
        alone = next(r for r in rows if r["size"] == row["size"] and r["viewers"] == 0)
        row["render_fps_vs_no_viewer"] = row["render_fps"] / alone["render_fps"]
    return {
        "benchmark": "webrtc",
        "codec": codec,
        "fps": fps,
        "machine": machine(),
        "results": rows,
    }


async def _measure(size: int, viewers: int, seconds: float, fps: float, codec: str) -> dict:
    from oscserver.config import ServeConfig
    from oscserver.server import Server
    from oscserver.testing.webrtc_viewer import ViewerClient

    server = await Server.start(
        ServeConfig.from_flat(
            size=size,
            osc_port=_free_udp_port(),
            shm=None,
            http_port=0,
            status_interval=0,
            fps=fps,
            webrtc_codec=codec,
        )
    )
    if server.http is None:
        raise RuntimeError("the server started without its HTTP server")
    http, frame_clock = server.http, server.frame_clock
    clients = [ViewerClient(http.port, keep_pixels=False, history=1) for _ in range(viewers)]
    try:
        for client in clients:
            await client.connect()
        await asyncio.sleep(2.0)  # encoders start, bitrate settles
        stats = frame_clock.stats
        rendered, received = stats.rendered, [c.received for c in clients]
        began = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - began
        delivered = [(c.received - r) / elapsed for c, r in zip(clients, received, strict=True)]
        render_p50, _ = stats.render_ms.percentiles(50, 99)
        return {
            "size": size,
            "viewers": viewers,
            "render_fps": (stats.rendered - rendered) / elapsed,
            "render_ms_p50": render_p50,
            "delivered_fps_mean": float(np.mean(delivered)) if delivered else None,
            "delivered_fps_min": float(np.min(delivered)) if delivered else None,
        }
    finally:
        for client in clients:
            await client.close()
        await server.stop()


def encode_time_ms(size: int, codec: str, frames: int = 90) -> float:
    """Median time aiortc's encoder takes per frame of the default generator at ``size``."""
    from aiortc.codecs import h264, vpx

    from oscserver.generator.runtime import GeneratorRuntime
    from oscserver.webrtc.track import to_video_frame

    runtime = GeneratorRuntime(default_model_path(), provider="cpu", size=(size, size))
    encoder = vpx.Vp8Encoder() if codec == "vp8" else h264.H264Encoder()
    times = []
    for i, (weights, noise, truncation) in enumerate(drift_inputs(frames)):
        pixels = runtime.draw({"class": weights, "noise": noise, "truncation": truncation})
        video = to_video_frame(pixels, i / 30.0)
        began = time.perf_counter()
        encoder.encode(video)
        times.append(time.perf_counter() - began)
    return float(np.median(times[10:])) * 1000.0


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
