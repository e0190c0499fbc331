"""PyTorch eager speed of the default generator, to compare with ONNX Runtime.

``bench_eager(size, frames)`` renders ``frames`` frames of :class:`DefaultGenerator` in eager
mode on the CPU under ``torch.inference_mode``, with the same drifting inputs that
``oscserver bench generator`` feeds ONNX Runtime, and returns frames per second.
"""

from __future__ import annotations

import time

from oscserver.bench import WARMUP_FRAMES, drift_inputs

THREADS = 2


def bench_eager(size: int, frames: int, threads: int = THREADS) -> float:
    """Frames per second of the default generator at ``size`` in PyTorch eager."""
    import torch

    from export.default_generator import DefaultGenerator

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
