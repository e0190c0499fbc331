"""``oscserver bench shm``: how much publishing a frame to shared memory costs, next to a plain
copy of the same bytes."""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from oscserver.core.frame import Frame, FrameFormat
from oscserver.shm.writer import SharedMemoryRing
from oscserver_bench.report import machine, print_json

_runs = 0


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``shm`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    shm = kinds.add_parser("shm", help="shared-memory publish cost against a plain copy")
    shm.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    shm.add_argument("--frames", type=int, default=500)
    shm.set_defaults(run=lambda a: print_json(bench_shm(a.sizes, a.frames)))
    return shm


def bench_shm(sizes: list[int], frames: int) -> dict:
    """:func:`bench_publish` for square RGB frames of each size."""
    rows = [bench_publish(size, size, 3, frames) for size in sizes]
    return {"benchmark": "shm", "machine": machine(), "results": rows}


def bench_publish(width: int, height: int, channels: int = 3, frames: int = 300) -> dict:
    """Time ``SharedMemoryRing.publish`` against ``np.copyto`` of the same frame, interleaved.

    Both sides write into as many destinations as the ring has slots (3), used in turn, so they
    touch the same amount of memory; a copy into one array that stays in cache is also reported
    (``copy_one_array_us``). Times are per frame in microseconds, medians over ``frames``.
    """
    global _runs
    _runs += 1
    name = f"oscbench-{os.getpid()}-{_runs}"
    fmt = FrameFormat(width=width, height=height, channels=channels)
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)
    frame = Frame(
        pixels=pixels,
        index=0,
        clock_time=0.0,
        render_ms=1.0,
        osc_seq=0,
        osc_arrival=0.0,
        published=time.time(),
    )
    ring = SharedMemoryRing.create(name, fmt)
    targets = [np.empty_like(pixels) for _ in range(ring.layout.slot_count)]
    one_target = np.empty_like(pixels)
    publish_ns, copy_ns, copy_one_ns = [], [], []
    clock = time.perf_counter_ns
    try:
        for _ in range(2 * ring.layout.slot_count):  # touch every page once before timing
            ring.publish(frame)
            np.copyto(targets[_ % len(targets)], pixels)
        np.copyto(one_target, pixels)
        for i in range(frames):
            start = clock()
            ring.publish(frame)
            middle = clock()
            np.copyto(targets[i % len(targets)], pixels)
            end = clock()
            np.copyto(one_target, pixels)
            copy_one_ns.append(clock() - end)
            publish_ns.append(middle - start)
            copy_ns.append(end - middle)
    finally:
        ring.close()
    publish_us = statistics.median(publish_ns) / 1000.0
    copy_us = statistics.median(copy_ns) / 1000.0
    return {
        "width": width,
        "height": height,
        "channels": channels,
        "frames": frames,
        "bytes": int(pixels.nbytes),
        "publish_us": round(publish_us, 2),
        "copy_us": round(copy_us, 2),
        "ratio": round(publish_us / copy_us, 3),
        "copy_one_array_us": round(statistics.median(copy_one_ns) / 1000.0, 2),
    }
