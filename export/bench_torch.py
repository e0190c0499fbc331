"""PyTorch eager speed of the default generator, to compare with ONNX Runtime.

``bench_eager(size, frames)`` renders ``frames`` frames of :class:`DefaultGenerator` in eager
mode on the CPU with two intra-op threads (like the ONNX Runtime sessions the server opens),
under ``torch.inference_mode``, with the inputs moving a little every frame as they do live,
and returns frames per second. ``python -m export.bench_torch`` prints both runtimes side by
side for the shipped sizes.
"""

from __future__ import annotations

import sys
import time

import numpy as np

THREADS = 2
WARMUP_FRAMES = 5
NUM_CLASSES = 1000
NOISE_DIM = 128
BENCH_CLASS = 780


def _inputs(frames: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A slow drift through the inputs: ``frames`` (class, noise, truncation) triples.

    Needs no torch, so the ONNX Runtime benchmark runs in a process without it (like the server;
    torch's OpenMP threads would otherwise spin beside ONNX Runtime's).
    """
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((1, NOISE_DIM)).clip(-2, 2).astype(np.float32)
    step = (rng.standard_normal((1, NOISE_DIM)) * 0.01).astype(np.float32)
    out = []
    for i in range(frames):
        c = np.zeros((1, NUM_CLASSES), np.float32)
        c[0, BENCH_CLASS] = 1.0
        noise = np.clip(start + i * step, -2, 2).astype(np.float32)
        truncation = np.array([0.3 + 0.4 * (i % 100) / 100], np.float32)
        out.append((c, noise, truncation))
    return out


def bench_eager(size: int, frames: int) -> float:
    """Frames per second of the default generator at ``size`` in PyTorch eager (2 threads)."""
    import torch

    from export.default_generator import DefaultGenerator

    if frames < 1:
        raise ValueError("frames must be at least 1")
    previous = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        module = DefaultGenerator(size).eval()
        feeds = [tuple(torch.from_numpy(a) for a in f) for f in _inputs(frames + WARMUP_FRAMES)]
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


def bench_onnxruntime(path: str, frames: int) -> float:
    """Frames per second of a default generator file in ONNX Runtime CPU (2 threads, ALL)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feeds = [dict(zip(names, f, strict=True)) for f in _inputs(frames + WARMUP_FRAMES)]
    for feed in feeds[:WARMUP_FRAMES]:
        session.run(None, feed)
    started = time.perf_counter()
    for feed in feeds[WARMUP_FRAMES:]:
        session.run(None, feed)
    return frames / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    from export.cli import default_model_path

    frames = int(argv[0]) if argv else 100
    counts = {size: frames if size == 256 else max(1, frames // 4) for size in (256, 512)}
    # ONNX Runtime first, before torch has started any threads.
    ort_fps = {s: bench_onnxruntime(str(default_model_path(s)), n) for s, n in counts.items()}
    for size, n in counts.items():
        eager_fps = bench_eager(size, n)
        print(
            f"{size}x{size}: ONNX Runtime {ort_fps[size]:6.1f} fps "
            f"({1000 / ort_fps[size]:5.2f} ms), "
            f"PyTorch eager {eager_fps:6.1f} fps ({1000 / eager_fps:5.2f} ms), "
            f"{THREADS} threads, {n} frames"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
