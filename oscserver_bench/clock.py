"""``oscserver bench clock``: how late the frame clock's ticks wake, with and without the 1 ms
timers the server asks Windows for while it serves (``oscserver/core/timers.py``).

The loop waits for each tick the way the frame clock does (``threading.Event.wait`` until the
tick, nothing drawn) at ``--fps`` for ``--seconds``, once with the timers as they are and once
inside ``fine_timers()``, interleaved in blocks so both see the same machine. Reported per run:
the lateness of each wake-up past its tick, p50, p99 and max in milliseconds. On Linux and macOS
both runs are the same (there is nothing to ask for); on Windows the first shows the 15.6 ms
default tick.
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

from oscserver.core.timers import fine_timers
from oscserver_bench.report import machine, print_json


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``clock`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    clock = kinds.add_parser(
        "clock", help="frame clock tick lateness, with and without 1 ms timers"
    )
    clock.add_argument("--fps", type=float, default=30.0, help="ticks a second")
    clock.add_argument("--seconds", type=float, default=10.0, help="time for each of the two runs")
    clock.add_argument("--blocks", type=int, default=5, help="turns each run takes, interleaved")
    clock.set_defaults(run=lambda a: print_json(bench_clock(a.fps, a.seconds, a.blocks)))
    return clock


def bench_clock(fps: float, seconds: float, blocks: int) -> dict:
    late: dict[str, list[float]] = {"default timers": [], "fine timers": []}
    for _ in range(blocks):
        late["default timers"] += tick_lateness(fps, seconds / blocks)
        with fine_timers() as granted:
            late["fine timers"] += tick_lateness(fps, seconds / blocks)
    rows = []
    for name, values in late.items():
        p50, p99 = np.percentile(values, [50, 99])
        rows.append(
            {
                "timers": name,
                "ticks": len(values),
                "late_ms_p50": round(float(p50), 3),
                "late_ms_p99": round(float(p99), 3),
                "late_ms_max": round(max(values), 3),
            }
        )
    return {
        "benchmark": "clock",
        "machine": machine(),
        "fps": fps,
        "fine_timers_granted": granted,
        "results": rows,
    }


def tick_lateness(fps: float, seconds: float) -> list[float]:
    """Milliseconds each wake-up came after its tick, waiting as the frame clock waits."""
    interval = 1.0 / fps
    wake = threading.Event()  # never set: wait() sleeps until its timeout, like the clock's
    late = []
    next_tick = time.perf_counter() + interval
    end = next_tick + seconds
    while next_tick < end:
        while (now := time.perf_counter()) < next_tick:
            wake.wait(next_tick - now)
        late.append((now - next_tick) * 1000.0)
        next_tick += interval
    return late
