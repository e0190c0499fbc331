"""``oscserver bench generator``: the default generator's frames per second, ONNX Runtime (as
the server runs it) against the same network in PyTorch eager, in one run.

``drift_inputs`` is the slow walk through the generator's inputs that the other benchmarks
(``webrtc``, ``biggan``) feed their generators too.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from oscserver.generator.reading import default_model_path
from oscserver_bench.report import machine, print_json

WARMUP_FRAMES = 5
BENCH_CLASS = 780
EAGER_FRAMES = {256: 60, 512: 15}
EAGER_THREADS = 2


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``generator`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    gen = kinds.add_parser("generator", help="default generator fps: ONNX Runtime vs PyTorch")
    gen.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    gen.add_argument("--seconds", type=float, default=5.0, help="timing per measurement")
    gen.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    gen.set_defaults(run=lambda a: print_json(bench_generator(a.sizes, a.seconds, a.threads)))
    return gen


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
    from oscserver.generator.runtime import GeneratorRuntime

    rows = []
    for size in sizes:
        runtime = GeneratorRuntime(
            default_model_path(), provider="cpu", threads=threads, size=(size, size)
        )
        frames = drift_inputs(WARMUP_FRAMES + 10_000)
        for weights, noise, truncation in frames[:WARMUP_FRAMES]:
            runtime.draw({"class": weights, "noise": noise, "truncation": truncation})
        times = []
        end = time.perf_counter() + seconds
        for weights, noise, truncation in frames[WARMUP_FRAMES:]:
            began = time.perf_counter()
            runtime.draw({"class": weights, "noise": noise, "truncation": truncation})
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
        import torch  # noqa: F401
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


def bench_eager(size: int, frames: int, threads: int = EAGER_THREADS) -> float:
    """Frames per second of the default generator (:class:`oscserver_export.default.generator.
    DefaultGenerator`) at ``size`` in PyTorch eager on the CPU under ``torch.inference_mode``,
    with the same drifting inputs ONNX Runtime gets. Needs torch."""
    import torch

    from oscserver_export.default.generator import DefaultGenerator

    if frames < 1:
        raise ValueError("frames must be at least 1")
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        module = DefaultGenerator(size).eval()
        feeds = [
            tuple(torch.from_numpy(a) for a in f) for f in drift_inputs(frames + WARMUP_FRAMES)
        ]
        with torch.inference_mode():
            for args in feeds[:WARMUP_FRAMES]:
                module(*args)
            started = time.perf_counter()
            for args in feeds[WARMUP_FRAMES:]:
                module(*args)
            elapsed = time.perf_counter() - started
    finally:
        torch.set_num_threads(previous)
    return frames / elapsed
