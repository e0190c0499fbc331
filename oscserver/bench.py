"""Benchmarks: ``oscserver bench generator | latency | shm | all``.

Each compares side by side in one run (ratios), since shared machines are noisy.
Results and commands are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from oscserver.render.generator import default_model_path


def add_bench_parser(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="measure speed (see docs/benchmarks.md)")
    kinds = bench.add_subparsers(title="benchmarks")
    gen = kinds.add_parser("generator", help="default generator fps: ONNX Runtime vs PyTorch")
    gen.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    gen.add_argument("--seconds", type=float, default=5.0, help="timing per measurement")
    gen.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    gen.set_defaults(run=lambda a: _print(bench_generator(a.sizes, a.seconds, a.threads)))
    lat = kinds.add_parser("latency", help="OSC-to-frame latency read from shared memory")
    lat.add_argument("--fps", type=float, nargs="+", default=[30.0, 60.0])
    lat.add_argument("--messages", type=int, default=200)
    lat.add_argument("--size", type=int, default=256, choices=(256, 512))
    lat.add_argument("--model", default="default", help="generator file (default: embedded)")
    lat.set_defaults(run=lambda a: _print(bench_latency(a.fps, a.messages, a.size, a.model)))
    shm = kinds.add_parser("shm", help="shared-memory publish cost against a plain copy")
    shm.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    shm.add_argument("--frames", type=int, default=500)
    shm.set_defaults(run=lambda a: _print(bench_shm(a.sizes, a.frames)))
    web = kinds.add_parser("webrtc", help="render and delivered fps with 0, 1, 4 viewers")
    web.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    web.add_argument("--viewers", type=int, nargs="+", default=[0, 1, 4])
    web.add_argument("--seconds", type=float, default=6.0)
    web.add_argument("--fps", type=float, default=30.0)
    web.add_argument("--codec", choices=("vp8", "h264"), default="vp8")
    web.set_defaults(run=lambda a: _print(_bench_webrtc(a)))
    from oscserver.audio.bench import add_render_bench_parser
    from oscserver.bench_biggan import add_biggan_parser
    from oscserver.bench_osc import add_osc_parser

    add_render_bench_parser(kinds)
    add_biggan_parser(kinds)
    add_osc_parser(kinds)
    every = kinds.add_parser("all", help="all of the above with their defaults")
    every.set_defaults(run=lambda a: _print(bench_all()))


def _bench_webrtc(args: argparse.Namespace) -> dict:
    from oscserver.bench_webrtc import bench_webrtc

    if 0 not in args.viewers:
        args.viewers.insert(0, 0)  # the no-viewer run is what the others compare with
    return bench_webrtc(args.sizes, args.viewers, args.seconds, args.fps, args.codec)


def machine() -> dict[str, object]:
    return {
        "cpu_count": os.cpu_count(),
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _print(result: dict) -> int:
    print(json.dumps(result, indent=2))
    return 0


WARMUP_FRAMES = 5
BENCH_CLASS = 780
EAGER_FRAMES = {256: 60, 512: 15}


def drift_inputs(frames: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A slow drift through the default generator's inputs, as a live performance moves them:
    ``frames`` (class [1,1000], noise [1,128], truncation [1]) triples, float32."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((1, 128)).clip(-2, 2).astype(np.float32)
    step = (rng.standard_normal((1, 128)) * 0.01).astype(np.float32)
    out = []
    for i in range(frames):
        weights = np.zeros((1, 1000), np.float32)
        weights[0, BENCH_CLASS] = 1.0
        noise = np.clip(start + i * step, -2, 2).astype(np.float32)
        truncation = np.array([0.3 + 0.4 * (i % 100) / 100], np.float32)
        out.append((weights, noise, truncation))
    return out


def bench_generator(sizes: list[int], seconds: float, threads: int) -> dict:
    """Default generator frames per second: ONNX Runtime, as the server runs it (session plus
    conversion to pixels), against the same network in PyTorch eager, in one run."""
    from oscserver.render.runtime import GeneratorRuntime

    rows = []
    for size in sizes:
        runtime = GeneratorRuntime(default_model_path(size), provider="cpu", threads=threads)
        frames = drift_inputs(WARMUP_FRAMES + 10_000)
        for weights, noise, truncation in frames[:WARMUP_FRAMES]:
            runtime.render({"class": weights, "noise": noise, "truncation": truncation})
        times = []
        end = time.perf_counter() + seconds
        for weights, noise, truncation in frames[WARMUP_FRAMES:]:
            began = time.perf_counter()
            runtime.render({"class": weights, "noise": noise, "truncation": truncation})
            times.append(time.perf_counter() - began)
            if time.perf_counter() > end:
                break
        ms = float(np.median(times)) * 1000.0
        rows.append(
            {
                "size": size,
                "frames": len(times),
                "onnxruntime_ms_p50": ms,
                "onnxruntime_fps": 1000.0 / ms,
            }
        )
    # PyTorch after every ONNX Runtime run: its OpenMP threads would otherwise compete.
    try:
        from export.bench_torch import bench_eager
    except ModuleNotFoundError:
        return {
            "benchmark": "generator",
            "machine": machine(),
            "results": rows,
            "note": "torch is not installed: PyTorch eager not measured",
        }
    for row in rows:
        size = int(row["size"])
        eager_fps = bench_eager(size, EAGER_FRAMES.get(size, 15), threads=threads)
        row["torch_eager_fps"] = eager_fps
        row["onnxruntime_over_eager"] = row["onnxruntime_fps"] / eager_fps
    return {"benchmark": "generator", "threads": threads, "machine": machine(), "results": rows}


def bench_latency(fps_list: list[float], messages: int, size: int, model: str = "default") -> dict:
    """OSC-to-frame latency: send /truncation over UDP to a server in another process and read
    shared memory until a frame whose metadata shows the message arrived."""
    from pythonosc.udp_client import SimpleUDPClient

    from oscserver.client import FrameReader

    rows = []
    for fps in fps_list:
        port = _free_udp_port()
        shm_name = f"oscserver-bench-{os.getpid()}-{int(fps)}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oscserver",
                "serve",
                "--model",
                model,
                "--size",
                str(size),
                "--fps",
                str(fps),
                "--osc-port",
                str(port),
                "--shm",
                shm_name,
                "--status-interval",
                "0",
                "--http-port",
                "-1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            with FrameReader(shm_name) as reader:
                if reader.wait(timeout=60.0) is None:
                    raise RuntimeError("server produced no frame within 60 s")
                client = SimpleUDPClient("127.0.0.1", port)
                client.send_message("/smooth", 0.0)
                rng = np.random.default_rng(1)
                end_to_end, in_server, render = [], [], []
                for i in range(messages):
                    time.sleep(rng.uniform(0.0, 1.0 / fps))  # sample every phase of the clock
                    sent = time.time()
                    client.send_message("/truncation", 0.3 + 0.4 * (i % 2))
                    deadline = sent + 2.0
                    while time.time() < deadline:
                        got = reader.read()
                        if got is not None and got[1]["osc_arrival"] >= sent:
                            meta = got[1]
                            end_to_end.append((time.time() - sent) * 1000.0)
                            in_server.append((meta["published"] - meta["osc_arrival"]) * 1000.0)
                            render.append(meta["render_ms"])
                            break
                        time.sleep(0.0002)
        finally:
            server.terminate()
            server.wait(10)
        interval = 1000.0 / fps
        p = np.percentile
        rows.append(
            {
                "fps": fps,
                "size": size,
                "messages": messages,
                "answered": len(end_to_end),
                "end_to_end_ms_p50": float(p(end_to_end, 50)),
                "end_to_end_ms_p99": float(p(end_to_end, 99)),
                "in_server_ms_p50": float(p(in_server, 50)),
                "in_server_ms_p99": float(p(in_server, 99)),
                "render_ms_p50": float(p(render, 50)),
                "render_ms_p99": float(p(render, 99)),
                # The target: one frame interval plus inference time (its median, its p99).
                "target_ms_with_render_p50": interval + float(p(render, 50)),
                "target_ms_with_render_p99": interval + float(p(render, 99)),
            }
        )
    return {"benchmark": "latency", "machine": machine(), "results": rows}


def bench_shm(sizes: list[int], frames: int) -> dict:
    from oscserver.bench_shm import bench_publish

    rows = [bench_publish(size, size, 3, frames) for size in sizes]
    return {"benchmark": "shm", "machine": machine(), "results": rows}


def bench_all() -> dict:
    return {
        "generator": bench_generator([256, 512], 5.0, os.cpu_count() or 1),
        "latency": bench_latency([30.0, 60.0], 200, 256),
        "shm": bench_shm([256, 512, 1024], 500),
    }


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
